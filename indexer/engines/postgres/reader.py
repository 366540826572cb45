"""A reader of a postgres index: what a request reads from, each call one snapshot.

A file engine's reader pins a commit whose files stay on disk; PostgreSQL keeps no old
commit to go back to once its transaction ends, and a transaction held open for as long
as a commit is live would hold a pooled connection (and vacuum) for minutes. So each call
of a reader is one REPEATABLE READ transaction (``view``): a search's page, total, facets
and BM25 statistics always come from one commit; two calls of one request may see two
commits when a write lands between them (a fetched article may then be gone: None, as
for an unknown id). ``commit`` is the generation the reader was opened at, which the
service compares with the newest to know when to derive a new snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from ...articles import Article
from .. import querytree as qt
from ..base import EngineReader
from .connections import retried
from .view import View, view_on

T = TypeVar("T")

if TYPE_CHECKING:
    from .engine import PostgresEngine


class PostgresReader(EngineReader):
    """Search, fetch and count, each call in a snapshot of its own (see the module)."""

    def __init__(self, engine: PostgresEngine, commit: str):
        self._engine = engine
        self.commit = commit

    def _read(self, read: Callable[[View], T]) -> T:
        """``read`` in a view of its own; once more if the pooled connection was lost
        (the read pool checks none as it hands them out: ``connections``)."""
        return read_in_view(self._engine, read)

    def search(self, query: qt.EngineQuery) -> qt.EngineResult:
        return self._read(lambda view: view.search(query))

    def fetch(self, ids: Sequence[str]) -> list[Article | None]:
        return self._read(lambda view: view.fetch(ids))

    def doc_count(self) -> int:
        return self._read(View.doc_count)

    def lexicon(self, prefix: str = "") -> list[tuple[str, int]]:
        return self._read(lambda view: view.lexicon(prefix))

    def phrases(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        return self._read(lambda view: view.phrases(prefix, limit))

    def copy_candidates(self) -> dict[str, tuple[str, ...]]:
        return self._read(View.copy_candidates)

    def articles_of(self, source: str) -> list[Article]:
        return self._read(lambda view: view.articles_of(source))

    def verify(self) -> None:
        """The server answers and the tables are of this version's format."""
        self._engine.verify()


def read_in_view(engine: PostgresEngine, read: Callable[[View], T]) -> T:
    """``read`` in a view of the read pool, once more if its connection was lost."""

    def run(conn) -> T:
        with view_on(conn, engine.tables) as view:
            return read(view)

    return retried(engine.read_pool, run)
