"""The small interface every engine implements.

An engine owns one directory and knows nothing of generations, config or French: the
build (``indexer.build``, ``indexer.update``) decides which directory, and the search
core hands it an analysed query tree (``querytree``). Every engine answers the same
query with the same ids; the parametrized engine tests hold them to it.

    engine = engine_class("tantivy").open(path)
    with engine.writer() as w:            # a batch of changes, one commit
        w.delete_source("a.txt"); w.add(articles)
    w.commit_id                           # the engine's id of that commit
    reader = engine.reader()              # the latest commit, pinned: a point-in-time view
    reader.search(query); reader.fetch(ids); reader.lexicon()

A reader is what a request reads from (Lucene's IndexSearcher): whatever is committed
meanwhile, its answers come from its own commit. ``Engine.search`` and the others are
shorthands for a reader of the latest commit.
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

    commit_id: str = ""  # the engine's id of the commit, once ``commit`` returned

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
    def commit(self) -> str:
        """Make the changes durable (on disk when it returns) and visible to readers
        opened after it; the engine's id of this commit (``Engine.latest_commit``)."""

    @abstractmethod
    def cancel(self) -> None:
        """Drop the changes and release the writer, whatever state a failed commit left
        it in (never raises: it runs while another error is on its way)."""

    def __enter__(self) -> EngineWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.cancel()
            return
        try:
            self.commit_id = self.commit()
        except BaseException:
            self.cancel()  # a commit that failed midway (a full disk): release the writer
            raise


class EngineReader(ABC):
    """One commit of an index, as a request reads it: every answer from that commit."""

    commit: str  # the engine's id of the commit it reads

    @abstractmethod
    def search(self, query: EngineQuery) -> EngineResult:
        """Run a query: the page's ids and scores, and facet counts over all matches."""

    @abstractmethod
    def fetch(self, ids: Sequence[str]) -> list[Article | None]:
        """The stored articles for these ids, in order (None where an id is unknown)."""

    @abstractmethod
    def doc_count(self) -> int:
        """How many articles the commit holds."""

    @abstractmethod
    def lexicon(self, prefix: str = "") -> list[tuple[str, int]]:
        """Every folded word (exact field) starting with ``prefix``, with the number of
        live articles that hold it, in word order."""

    @abstractmethod
    def phrases(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The ``limit`` most frequent runs of two or three title words (``indexer.written``:
        "2:notre_dame") starting with ``prefix``, with their document frequencies."""

    @abstractmethod
    def copy_candidates(self) -> dict[str, tuple[str, ...]]:
        """Every live article that shares a near-copy band (``indexer.copies``) with
        another, with its bands: the few candidates the search core checks for copies."""

    @abstractmethod
    def articles_of(self, source: str) -> list[Article]:
        """The articles read from one corpus file (what a change of it replaces)."""

    def verify(self) -> None:
        """Read a little of every file: damage fails here (with a read error), not in
        some later search. Engines may read more than the count."""
        self.doc_count()


class Engine(ABC):
    """An index in one directory: create/open, write, read."""

    name: ClassVar[str]
    # The on-disk format this code writes and reads, saved in each generation's manifest:
    # raise it when a change makes older indexes unreadable, and they are rebuilt.
    format_version: ClassVar[int] = 1
    # What the engine's readers raise when its files are damaged (truncated,
    # overwritten, removed): the service answers 503 "rebuild", not 500.
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
        """A writer for a batch of changes (one at a time: the build lock sees to it)."""

    @abstractmethod
    def reader(self, commit: str | None = None) -> EngineReader:
        """A reader of the latest commit, or of ``commit`` where the engine keeps older
        ones (else of the latest: ``reader.commit`` says which)."""

    @abstractmethod
    def latest_commit(self) -> str:
        """The id of the latest commit on disk, cheaply (read once per request)."""

    @classmethod
    def prepare(cls, article: Article) -> object:
        """The work of adding an article that needs no writer (analysis), as a picklable
        value for ``EngineWriter.add_prepared``: a build may run it in other processes.
        By default the article itself, and ``add_prepared`` is ``add``."""
        return article

    def files(self, reader: EngineReader) -> list[Path]:
        """The files a reader's commit reads, to check before each request (``integrity``);
        none by default."""
        return []

    def check_file(self, path: Path) -> None:  # noqa: B027 (engines without files to check)
        """Check a file's content (its checksum): IndexCorrupt if it is damaged."""

    def check(self, reader: EngineReader) -> None:
        """Before a request: every file of the reader's commit as it was verified, or
        verified again (changed since); IndexCorrupt if one is damaged, before any read."""
        from .integrity import Verified  # it imports this module's IndexCorrupt

        verified = self.__dict__.setdefault("_verified", Verified())
        verified.check_unchanged(self.files(reader), self.check_file)

    def merge_in_background(self) -> None:  # noqa: B027 (optional)
        """Merge segments beside the writes rather than at a writer's commit (for a
        long-lived writer: the service's write worker); engines that already do, or that
        merge nothing, do nothing."""

    def collect_garbage(self, grace_seconds: float = 60.0) -> None:  # noqa: B027 (optional)
        """Remove the files no commit of the last ``grace_seconds`` needs (readers still
        on an older commit may need them); engines that collect their own do nothing."""

    def search(self, query: EngineQuery) -> EngineResult:
        """``reader().search``: the latest commit."""
        return self.reader().search(query)

    def fetch(self, ids: Sequence[str]) -> list[Article | None]:
        """``reader().fetch``: the latest commit."""
        return self.reader().fetch(ids)

    def doc_count(self) -> int:
        """``reader().doc_count``: the latest commit."""
        return self.reader().doc_count()

    def lexicon(self, prefix: str = "") -> list[tuple[str, int]]:
        """``reader().lexicon``: the latest commit."""
        return self.reader().lexicon(prefix)

    def vocabulary(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The ``limit`` most frequent folded words starting with ``prefix``, with frequencies."""
        words = self.lexicon(prefix)
        return sorted(words, key=lambda wc: (-wc[1], wc[0]))[:limit]

    def phrases(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """``reader().phrases``: the latest commit."""
        return self.reader().phrases(prefix, limit)

    def copy_candidates(self) -> dict[str, tuple[str, ...]]:
        """``reader().copy_candidates``: the latest commit."""
        return self.reader().copy_candidates()

    def verify(self) -> None:
        """``reader().verify``: the latest commit."""
        self.reader().verify()

    def close(self) -> None:  # noqa: B027 (engines without resources need not override)
        """Release files and caches."""


class IndexCorrupt(Exception):
    """The index directory exists but cannot be read."""
