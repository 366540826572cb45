"""The indexer library: French analysis, sources, engines, builds.

It takes explicit arguments and reads no configuration; ``service`` drives it.
"""

from .analysis import analyze
from .articles import Article, ArticleDate
from .build import BuildReport, build_index  # noqa: E402
from .store import IndexHandle, IndexMissing

__all__ = [
    "Article",
    "ArticleDate",
    "BuildReport",
    "IndexHandle",
    "IndexMissing",
    "analyze",
    "build_index",
]


def open_index(index_dir) -> IndexHandle:
    """A handle on the live generation of an index folder."""
    from pathlib import Path

    return IndexHandle(Path(index_dir))
