"""The postgres engine: an index in a PostgreSQL database, behind the engine interface.

``create(path)`` makes the tables in a new schema of the server named by ``PostgresEngine.dsn``
and records where in ``path`` (``connections``: a bridge until the engine is opened from
config); ``open(path)`` reads that record and connects nothing yet; ``verify`` checks the
server answers and the tables are this version's. Searches read one snapshot each
(``view``); ``view()`` gives a caller one snapshot for several calls (a request).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import psycopg
from psycopg import errors
from psycopg_pool import ConnectionPool

from ...articles import Article
from .. import querytree as qt
from ..base import Engine, IndexCorrupt
from .connections import Location, pool, read_location, write_location
from .rows import Prepared, prepare
from .schema import FORMAT, Tables, create_tables, new_schema_name, table_format
from .view import View, open_view
from .writer import PostgresWriter

# What a lost or refused connection, a pool that found no connection in time, a cancelled
# statement and tables dropped under the service raise: the index is unavailable (503),
# not a bug. OperationalError covers the first three (PoolTimeout is one).
READ_ERRORS = (psycopg.OperationalError, errors.UndefinedTable, errors.InvalidSchemaName)


class PostgresEngine(Engine):
    name = "postgres"
    format_version = FORMAT
    read_errors = READ_ERRORS
    # The server for indexes created from now on: a libpq connection string; "" takes
    # libpq's defaults (PGHOST, PGPORT, PGUSER, PGDATABASE, ~/.pgpass). Set by the tests
    # and benchmarks; to be replaced by the config's index.dsn.
    dsn: ClassVar[str] = ""

    def __init__(self, location: Location):
        self.location = location
        self.tables = Tables(location.schema)
        self._ids: dict[str, dict[str, int]] = {"stems": {}, "words": {}}
        self._ids_lock = threading.Lock()

    @property
    def pool(self) -> ConnectionPool:
        return pool(self.location.dsn)

    @classmethod
    def create(cls, path: Path) -> PostgresEngine:
        location = Location(cls.dsn, new_schema_name())
        engine = cls(location)
        with engine.pool.connection() as conn:
            create_tables(conn, engine.tables)
        write_location(path, location)
        return engine

    @classmethod
    def open(cls, path: Path) -> PostgresEngine:
        return cls(read_location(path))

    def verify(self) -> None:
        with self.pool.connection() as conn:
            found = table_format(conn, self.tables)
        if found != FORMAT:
            what = "no tables" if found is None else f"tables of format {found}"
            raise IndexCorrupt(f"{self.location.schema}: {what}, this version reads {FORMAT}")

    @contextmanager
    def view(self) -> Iterator[View]:
        """One snapshot of the index for several calls (search, fetch, lexicon...)."""
        with open_view(self.pool, self.tables) as view:
            yield view

    def writer(self) -> PostgresWriter:
        return PostgresWriter(self)

    @classmethod
    def prepare(cls, article: Article) -> Prepared:
        return prepare(article)

    def search(self, query: qt.EngineQuery) -> qt.EngineResult:
        with self.view() as view:
            return view.search(query)

    def fetch(self, ids: Sequence[str]) -> list[Article | None]:
        with self.view() as view:
            return view.fetch(ids)

    def doc_count(self) -> int:
        with self.view() as view:
            return view.doc_count()

    def lexicon(self, prefix: str = "") -> list[tuple[str, int]]:
        with self.view() as view:
            return view.lexicon(prefix)

    def known_ids(self, table: str) -> dict[str, int]:
        """Term -> id of the terms this engine has seen committed ("stems" or "words")."""
        return self._ids[table]

    def learn_ids(self, new: dict[str, dict[str, int]]) -> None:
        """Keep the ids a writer's commit made exist (ids never change once given)."""
        with self._ids_lock:
            for table, ids in new.items():
                self._ids[table] = {**self._ids[table], **ids}
