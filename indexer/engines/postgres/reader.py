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

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...articles import Article
from .. import querytree as qt
from ..base import EngineReader
from .view import open_view

if TYPE_CHECKING:
    from .engine import PostgresEngine


class PostgresReader(EngineReader):
    """Search, fetch and count, each call in a snapshot of its own (see the module)."""

    def __init__(self, engine: PostgresEngine, commit: str):
        self._engine = engine
        self.commit = commit

    def _view(self):
        return open_view(self._engine.read_pool, self._engine.tables)

    def search(self, query: qt.EngineQuery) -> qt.EngineResult:
        with self._view() as view:
            return view.search(query)

    def fetch(self, ids: Sequence[str]) -> list[Article | None]:
        with self._view() as view:
            return view.fetch(ids)

    def doc_count(self) -> int:
        with self._view() as view:
            return view.doc_count()

    def lexicon(self, prefix: str = "") -> list[tuple[str, int]]:
        with self._view() as view:
            return view.lexicon(prefix)

    def articles_of(self, source: str) -> list[Article]:
        with self._view() as view:
            return view.articles_of(source)

    def verify(self) -> None:
        """The server answers and the tables are of this version's format."""
        self._engine.verify()
