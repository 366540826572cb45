"""The postgres engine: an index in a PostgreSQL database, behind the engine interface.

``create(path)`` makes the tables in a new schema of the server named by ``PostgresEngine.dsn``
and records where in ``path`` (``connections``: a bridge until the engine is opened from
config); ``open(path)`` reads that record and connects nothing yet; ``verify`` checks the
server answers and the tables are this version's. Searches read one snapshot each
(``view``); ``view()`` gives a caller one snapshot for several calls (a request).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import psycopg
from psycopg import errors
from psycopg_pool import ConnectionPool

from ...articles import Article
from ..base import Engine, IndexCorrupt
from .connections import Location, for_reads, for_writes, pool, read_location, write_location
from .reader import PostgresReader, read_in_view
from .rows import Prepared, prepare
from .schema import FORMAT, Tables, create_tables, new_schema_name, table_format
from .view import View, open_view
from .writer import TERM_TABLES, PostgresWriter

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
        self._ids: dict[str, dict[str, int]] = {table: {} for table in TERM_TABLES}
        self._ids_lock = threading.Lock()

    @property
    def pool(self) -> ConnectionPool:
        """Connections to the primary, for writes (and reads that must see them)."""
        return pool(for_writes(self.location.dsn))

    @property
    def read_pool(self) -> ConnectionPool:
        """Connections for searches: a standby when the connection string names one."""
        return pool(for_reads(self.location.dsn), checked=False)

    @classmethod
    def create(cls, path: Path) -> PostgresEngine:
        """A new index in a new schema of ``dsn``, recorded in ``path`` (a generation)."""
        engine = cls.create_at(Location(cls.dsn, new_schema_name()))
        write_location(path, engine.location)
        return engine

    @classmethod
    def create_at(cls, location: Location, indexes: bool = True) -> PostgresEngine:
        """A new, empty index in the schema of ``location`` (which must not exist);
        without its search indexes when ``indexes`` is false (``build_indexes`` then)."""
        engine = cls(location)
        with engine.pool.connection() as conn:
            create_tables(conn, engine.tables, indexes)
        return engine

    @classmethod
    def open(cls, path: Path) -> PostgresEngine:
        return cls(read_location(path))

    def verify(self) -> None:
        with self.read_pool.connection() as conn:
            found = table_format(conn, self.tables)
        if found != FORMAT:
            what = "no tables" if found is None else f"tables of format {found}"
            raise IndexCorrupt(f"{self.location.schema}: {what}, this version reads {FORMAT}")

    @contextmanager
    def view(self) -> Iterator[View]:
        """One snapshot of the index for several calls (search, fetch, lexicon...)."""
        with open_view(self.read_pool, self.tables) as view:
            yield view

    def reader(self, commit: str | None = None) -> PostgresReader:
        """A reader of the latest commit (PostgreSQL keeps no older one: ``reader``)."""
        return PostgresReader(self, self.latest_commit())

    def latest_commit(self) -> str:
        """The generation of the latest commit, as the read pool's server has it."""
        return str(read_in_view(self, View.generation))

    def writer(self, wait: float | None = None) -> PostgresWriter:
        """A writer, once the index's write lock is ours: within ``wait`` seconds, else
        psycopg's LockNotAvailable (None: as long as it takes)."""
        return PostgresWriter(self, wait)

    @classmethod
    def prepare(cls, article: Article) -> Prepared:
        return prepare(article)

    def known_ids(self, table: str) -> dict[str, int]:
        """Term -> id of the terms this engine has seen committed (``TERM_TABLES``)."""
        return self._ids[table]

    def learn_ids(self, new: dict[str, dict[str, int]]) -> None:
        """Keep the ids a writer's commit made exist (ids never change once given)."""
        with self._ids_lock:
            for table, ids in new.items():
                self._ids[table] = {**self._ids[table], **ids}
