"""The archive in a PostgreSQL database: the postgres engine's tables and a catalog beside
them, in one schema, read as one snapshot.

    database = Database(dsn, "search")     # explicit arguments (indexer reads no config)
    handle = DatabaseHandle(database)      # what ``live.IndexHandle`` is to a folder
    view = handle.view()                   # the latest commit: engine reader, catalog
    with view.catalog.read() as db:        # one REPEATABLE READ transaction
        view.catalog.commit_in(db); view.catalog.words(db, since); view.catalog.vectors(db, since)
        view.catalog.changed(db, after, upto)

For the file engines, a folder holds generations and a SQLite catalog beside each; here the
database is the archive. The catalog's tables live in the engine's schema and are written
by the engine writer's own transaction (``database_import``), so the articles, the
document frequencies, the sources, the vectors and the commit number change together:
no write-ahead intent, no recovery. Its read API is ``catalog.Catalog``'s, over a
transaction of the read pool (a standby when the connection string names one):

    catalog    key -> value: build (a token each full build draws), built_at, the
               commits at which the vectors were made anew (``vectors_reset``)
    sources    each source file imported: size, mtime, SHA-1, articles, commit
    vectors    every article's vector (NULL: removed), with the commit that wrote it
    model      the full build's vector model (idf, mean, direction, basis: one .npz)

A commit is the engine's generation (``stats.generation``, raised by every commit that
changes articles); the lexicon's changes since a commit are the engine's words marked
with a later one, the articles it changed the engine's ``changed`` rows of a later one.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath

import psycopg

from .catalog import Commit
from .engines.base import IndexCorrupt
from .engines.postgres import PostgresEngine
from .engines.postgres.connections import Location, retried
from .engines.postgres.reader import PostgresReader
from .engines.postgres.schema import FORMAT, Tables, table_format
from .live import IndexView
from .sources import Signature
from .store import IndexMissing, IndexOutdated, Manifest

CATALOG_DDL = """
CREATE TABLE {catalog} (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE {sources} (
    rel text COLLATE "C" PRIMARY KEY, size bigint NOT NULL, mtime_ns bigint NOT NULL,
    sha1 text NOT NULL, articles int NOT NULL, commit_number bigint NOT NULL);
CREATE TABLE {vectors} (id text PRIMARY KEY, vector bytea, commit_number bigint NOT NULL);
CREATE INDEX ON {vectors} (commit_number);
CREATE TABLE {model} (one boolean PRIMARY KEY DEFAULT true CHECK (one), data bytea NOT NULL)
"""
BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
VECTOR_ROWS = 10_000  # article vectors fetched at a time when a snapshot loads them (5 MB)


class CatalogTables(Tables):
    """The engine's tables of a schema, and the catalog's beside them."""

    def __init__(self, schema: str):
        super().__init__(schema)
        for table in ("catalog", "sources", "vectors", "model"):
            self.names[table] = psycopg.sql.Identifier(schema, table)


class Database:
    """An archive: a connection string (libpq's, possibly several hosts) and a schema."""

    def __init__(self, dsn: str, schema: str):
        self.dsn, self.schema = dsn, schema
        self.tables = CatalogTables(schema)

    def __str__(self) -> str:
        return f"PostgreSQL, schéma « {self.schema} »"

    def engine(self, schema: str | None = None) -> PostgresEngine:
        """The postgres engine over the archive's tables (or another schema's: a rebuild)."""
        return PostgresEngine(Location(self.dsn, schema or self.schema))

    def state(self, engine: PostgresEngine, pool=None) -> str:
        """ "missing", "outdated" or "ok": whether the schema holds this version's tables
        (as the read pool's server has them, or ``pool``'s)."""
        with (pool or engine.read_pool).connection() as conn:
            found = table_format(conn, engine.tables)
        if found is None:
            return "missing"
        return "ok" if found == FORMAT else "outdated"


class DatabaseCatalog:
    """``catalog.Catalog``'s read API over the archive's tables."""

    def __init__(self, engine: PostgresEngine):
        self.engine = engine
        self.tables = CatalogTables(engine.tables.schema)

    @contextmanager
    def read(self) -> Iterator[psycopg.Connection]:
        """A read transaction: everything read in it belongs to one commit."""
        with self.engine.read_pool.connection() as db:
            db.execute(BEGIN_READ)
            try:
                yield db
            finally:
                if not db.closed:
                    db.execute("COMMIT")

    def latest(self) -> tuple[Commit, dict[str, str]]:
        """The latest commit and the catalog's keys: one statement, so one snapshot and
        one round trip (what every request asks); once more if the connection was lost."""
        statement = self.tables.sql(
            "SELECT s.generation, s.docs, (SELECT coalesce(json_object_agg(key, value), "
            "'{{}}') FROM {catalog}) FROM {stats} s"
        )
        generation, docs, meta = retried(
            self.engine.read_pool, lambda db: db.execute(statement).fetchone()
        )
        return Commit(generation, str(generation), docs), meta

    def _one(self, db: psycopg.Connection, statement: str, params=()) -> tuple | None:
        return db.execute(self.tables.sql(statement), params).fetchone()

    def commit_in(self, db: psycopg.Connection) -> Commit:
        generation, docs = self._one(db, "SELECT generation, docs FROM {stats}")
        return Commit(generation, str(generation), docs)

    def meta(self, db: psycopg.Connection) -> dict[str, str]:
        return dict(db.execute(self.tables.sql("SELECT key, value FROM {catalog}")).fetchall())

    def words(self, db: psycopg.Connection, since: int = 0) -> list[tuple[str, int]]:
        """(word, df) of the words changed after commit ``since`` (0: all of them)."""
        statement = "SELECT word, df FROM {words} WHERE changed > %s"
        return db.execute(self.tables.sql(statement), (since,)).fetchall()

    def changed(self, db: psycopg.Connection, after: int, upto: int) -> set[str]:
        """The ids of the articles added, replaced or removed by the commits after
        ``after`` up to ``upto`` included (the engine writer's ``changed`` rows)."""
        statement = "SELECT id FROM {changed} WHERE commit_number > %s AND commit_number <= %s"
        return {doc_id for (doc_id,) in db.execute(self.tables.sql(statement), (after, upto))}

    def reset_at(self, db: psycopg.Connection, what: str) -> int:
        """The commit at which ``what`` was last made anew (the build's, for the words)."""
        row = self._one(db, "SELECT value FROM {catalog} WHERE key = %s", (f"{what}_reset",))
        return int(row[0]) if row else 0

    def vectors(self, db: psycopg.Connection, since: int = 0) -> list[tuple[str, bytes | None]]:
        """(id, vector) of the vectors written after commit ``since`` and after the model
        was made: the model's own are the base (``base_vectors``), not changes."""
        after = max(since, self.reset_at(db, "vectors"))
        statement = "SELECT id, vector FROM {vectors} WHERE commit_number > %s"
        return [(i, bytes(v) if v is not None else None) for i, v in
                db.execute(self.tables.sql(statement), (after,)).fetchall()]  # fmt: skip

    def sources(self, db: psycopg.Connection) -> dict[str, Signature]:
        statement = "SELECT rel, size, mtime_ns, sha1, articles FROM {sources}"
        return {rel: Signature(*sig) for rel, *sig in db.execute(self.tables.sql(statement))}

    def base_vectors(self):
        """The full build's vectors and model (``DenseIndex``), None without a model or
        word vectors; VectorsDamaged when they cannot be read."""
        from .dense_index import DenseIndex

        with self.read() as db:
            row = self._one(db, "SELECT data FROM {model}")
            if row is None:
                return None
            epoch = self.reset_at(db, "vectors")
            base = "FROM {vectors} WHERE commit_number <= %s AND vector IS NOT NULL"
            (count,) = db.execute(self.tables.sql("SELECT count(*) " + base), (epoch,)).fetchone()
            with db.cursor(name="base_vectors") as cursor:  # streamed, VECTOR_ROWS at a time
                cursor.itersize = VECTOR_ROWS
                cursor.execute(self.tables.sql(f"SELECT id, vector {base} ORDER BY id"), (epoch,))
                where = f"{self.tables.schema}.model"
                return DenseIndex.from_rows(io.BytesIO(row[0]), cursor, where, count)


class DatabaseHandle:
    """The archive as ``live.IndexHandle`` is a folder: its latest commit, per request."""

    def __init__(self, database: Database):
        self.database = database
        self.index_dir = database  # what messages name
        self._lock = threading.Lock()
        self._view: IndexView | None = None

    def view(self) -> IndexView:
        """The latest commit (one read transaction); IndexMissing without tables."""
        engine = self._view.engine if self._view else self.database.engine()
        catalog = DatabaseCatalog(engine)
        try:
            commit, meta = catalog.latest()
        except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName) as e:
            raise IndexMissing(str(self.database)) from e
        generation = PurePosixPath(f"{self.database.schema}-{meta.get('build', '')}")
        with self._lock:
            view = self._view
            if view is not None and view.generation == generation and view.commit == commit:
                return view
            if view is None or view.generation != generation:
                engine = self.database.engine()  # a rebuild: term ids cached are another's
                if self.database.state(engine) == "outdated":
                    raise IndexOutdated(PurePosixPath(self.database.schema), 0, FORMAT)
                catalog = DatabaseCatalog(engine)
            manifest = Manifest("postgres", meta.get("built_at", ""), commit.doc_count, FORMAT)
            reader = PostgresReader(engine, commit.engine_commit)
            # The generation is the schema and its build token: a rebuild is another.
            self._view = IndexView(generation, manifest, engine, catalog, commit, reader)
            return self._view

    def live_name(self) -> str | None:
        try:
            return self.view().name
        except Exception:  # unreachable, missing: none
            return None

    def is_read_error(self, error: BaseException) -> bool:
        return isinstance(error, IndexCorrupt) or PostgresEngine.is_read_error(error)

    def load_vectors(self, generation: PurePosixPath):
        """The full build's vectors (``Snapshots.base_vectors``)."""
        view = self._view or self.view()
        return view.catalog.base_vectors()

    def describe(self, error: BaseException) -> str | None:
        """What a user reads when the database fails a read (None: not the database)."""
        if isinstance(error, psycopg.OperationalError):
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            return (
                f"base de données injoignable ({self.database}) : {first[:200]} ; "
                "vérifiez que PostgreSQL tourne et que index.dsn le désigne"
            )
        return None
