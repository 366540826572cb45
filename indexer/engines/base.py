"""The small interface every engine implements.

An engine owns one directory and knows nothing of generations, config or French: the
build (``indexer.build``) decides which directory, and ``service.query`` hands it an
analysed query tree (``querytree``). Both engines answer the same query with the same
ids; the parametrized engine tests hold them to it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar

from ..articles import Article
from .querytree import EngineQuery, EngineResult


class EngineWriter(ABC):
    """A batch of changes, applied together by ``commit`` (or dropped by ``cancel``)."""

    @abstractmethod
    def add(self, articles: Iterable[Article]) -> None:
        """Add articles (ids must not be in the index: delete them first to replace)."""

    def add_prepared(self, items: Iterable[object]) -> None:
        """Add articles as ``Engine.prepare`` made them (the articles themselves by default)."""
        self.add(items)

    @abstractmethod
    def delete_ids(self, ids: Iterable[str]) -> None:
        """Delete articles by id; unknown ids are ignored."""

    @abstractmethod
    def delete_source(self, source: str) -> None:
        """Delete every article read from one corpus file."""

    @abstractmethod
    def commit(self) -> None:
        """Make the changes durable and visible to newly opened searchers."""

    @abstractmethod
    def cancel(self) -> None:
        """Drop the changes."""

    def __enter__(self) -> EngineWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.cancel()


class Engine(ABC):
    """An index in one directory: create/open, write, search, fetch."""

    name: ClassVar[str]
    # The on-disk format this code writes and reads, saved in each generation's manifest:
    # raise it when a change makes older indexes unreadable, and they are rebuilt.
    format_version: ClassVar[int] = 1
    # True for an engine that never changes a file once written (new segments, new
    # tables of contents): incremental builds then hard-link the live generation's files
    # instead of copying them, and keeping older generations costs almost no disk.
    immutable_files: ClassVar[bool] = False
    # What the engine's search, fetch and count raise when its files are damaged
    # (truncated, overwritten, removed): the service answers 503 "rebuild", not 500.
    read_errors: ClassVar[tuple[type[BaseException], ...]] = (OSError, EOFError)

    @classmethod
    def is_read_error(cls, error: BaseException) -> bool:
        """Whether an exception is this engine failing to read damaged files (not a bug)."""
        return isinstance(error, (IndexCorrupt, *cls.read_errors))

    @classmethod
    @abstractmethod
    def create(cls, path: Path) -> Engine:
        """A new, empty index in ``path`` (an existing empty or absent directory)."""

    @classmethod
    @abstractmethod
    def open(cls, path: Path) -> Engine:
        """The index in ``path``; raises ``IndexCorrupt`` if it cannot be read."""

    @abstractmethod
    def writer(self) -> EngineWriter:
        """A writer for a batch of changes."""

    @classmethod
    def prepare(cls, article: Article) -> object:
        """The work of adding an article that needs no writer (analysis), as a picklable
        value for ``EngineWriter.add_prepared``: a build may run it in other processes.
        By default the article itself, and ``add_prepared`` is ``add``."""
        return article

    @abstractmethod
    def search(self, query: EngineQuery) -> EngineResult:
        """Run a query: the page's ids and scores, and facet counts over all matches."""

    @abstractmethod
    def fetch(self, ids: Sequence[str]) -> list[Article | None]:
        """The stored articles for these ids, in order (None where an id is unknown)."""

    @abstractmethod
    def doc_count(self) -> int:
        """How many articles the index holds."""

    def vocabulary(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The ``limit`` most frequent folded words starting with ``prefix``, with frequencies."""
        words = self.lexicon(prefix)
        return sorted(words, key=lambda wc: (-wc[1], wc[0]))[:limit]

    def lexicon(self, prefix: str = "") -> list[tuple[str, int]]:
        """Every folded word of the index (exact field) starting with ``prefix``, with its
        document frequency, in word order."""
        raise NotImplementedError(f"{self.name} engine has no lexicon")

    def phrases(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The ``limit`` most frequent runs of two or three title words (``indexer.written``:
        "notre_dame") starting with ``prefix``, with their document frequencies."""
        raise NotImplementedError(f"{self.name} engine has no phrases")

    def copy_candidates(self) -> dict[str, tuple[str, ...]]:
        """Every article that shares a near-copy band (``indexer.copies``) with another,
        with its bands: the few candidates the search core checks for copies."""
        raise NotImplementedError(f"{self.name} engine has no near-copy bands")

    def verify(self) -> None:
        """Read a little of every file, once per generation: damage fails here (with a
        read error), not in some later search. Engines may read more than the count."""
        self.doc_count()

    def close(self) -> None:  # noqa: B027 (engines without resources need not override)
        """Release files and caches."""


class IndexCorrupt(Exception):
    """The index directory exists but cannot be read."""
