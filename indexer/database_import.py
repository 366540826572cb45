"""Changes to the archive in a database (``database``): each one transaction.

    import_sources(corpus, database)        search-index: the corpus files added, changed
                                            and removed since (content hashes), or all of
                                            them into a new schema swapped in (a rebuild)
    write_articles(database, put, delete)   API writes: these articles, nothing else

A change is one transaction of the engine's writer, which holds the archive's write lock
(an advisory lock, taken within ``wait`` seconds, else ``BuildLocked``): the articles,
their document frequencies, the sources, the vectors and the commit number are written
together, so a crash or a lost connection leaves the archive as it was, and nothing needs
recovering. Once ``write_articles`` returns, the commit is durable on the primary and,
when reads go to a standby, replayed there (``replayed``): the article is searchable
when the write is acknowledged.

A full import (no archive yet, ``rebuild``, or tables of another format) fills a schema
of its own beside the live one, builds its search indexes once its rows are in, then
swaps the two in one transaction: readers see the old archive or the new one. Its
vectors' model is the one later articles get theirs from. The articles written through
the API exist only in the database: a full import carries them over from the live
schema, analysed anew (``_carry_api_articles``).
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from .articles import Article
from .build import BuildReport
from .database import CATALOG_DDL, CatalogTables, Database, DatabaseCatalog
from .database_vectors import Vectors
from .engines.postgres import PostgresEngine
from .engines.postgres.connections import retried
from .engines.postgres.writer import PostgresWriter, write_lock
from .ingest import Progress, ingest
from .store import BuildLocked
from .update import plan_sources

# Seconds a write waits for the read server to replay it: past DEPLOYMENT.md's
# max_standby_streaming_delay (5 s), after which a standby cancels the search its replay
# waits for, so that a healthy standby has always replayed by then.
REPLAY_WAIT = 7.0
BATCH_READ = 500  # articles written through the API read at once by a full import

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Written:
    """What a write did: the ids it created (not there before), those it left alone (a
    deletion of an id not there, a creation of one already there), the seconds the read
    server took to replay it (0.0 when reads go to the primary), and whether it had by
    then (False: committed, not yet searchable where the service reads)."""

    created: frozenset[str]
    missing: frozenset[str]
    existing: frozenset[str]
    replay_seconds: float
    replayed: bool = True


def import_sources(
    corpus: Path,
    database: Database,
    rebuild: bool = False,
    progress: Progress | None = None,
    processes: int | None = None,
    wait: float = 0.0,
) -> BuildReport:
    """Bring the archive up to the corpus: incrementally, or in full (see the module)."""
    started = time.perf_counter()
    engine = database.engine()
    if rebuild or database.state(engine, engine.pool) != "ok":
        with _locked(database, wait):
            report = _full_import(corpus, database, progress, processes)
    else:
        with _writer(engine, wait) as writer:
            report = _reconcile(corpus, engine, writer, progress, processes)
    return BuildReport(**{**report.__dict__, "seconds": round(time.perf_counter() - started, 3)})


def write_articles(
    database: Database,
    put: list[Article],
    delete: list[str],
    wait: float = 10.0,
    create_only: frozenset[str] = frozenset(),
) -> Written:
    """Replace or add ``put`` and remove ``delete``, in one transaction; returns once it
    is replayed where reads go (``REPLAY_WAIT``). A deletion of an id the archive does
    not hold, and an article of ``create_only`` whose id it holds, are left out (the
    rest is written): ``Written`` says which. The ids are distinct."""
    engine = database.engine()
    with _writer(engine, wait) as writer:
        found = _existing(writer, engine, [a.id for a in put] + delete)
        missing = frozenset(doc_id for doc_id in delete if doc_id not in found)
        existing = frozenset(a.id for a in put if a.id in create_only and a.id in found)
        delete = [doc_id for doc_id in delete if doc_id not in missing]
        put = [a for a in put if a.id not in existing]
        vectors = Vectors(writer, engine)
        vectors.remove(delete)
        writer.delete_ids(delete)
        writer.add(put)
        vectors.add_articles(put)
    created = frozenset(a.id for a in put) - found
    return Written(created, missing, existing, *replayed(engine))


def replayed(engine: PostgresEngine, timeout: float = REPLAY_WAIT) -> tuple[float, bool]:
    """Wait until the read pool's server has replayed everything the primary wrote so far,
    ``timeout`` seconds at most; the seconds it took (a standby's replication lag as a
    write sees it) and whether it had replayed it."""
    with engine.pool.connection() as conn:
        (lsn,) = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()
    started = time.monotonic()
    check = "SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn"

    def wait(conn) -> tuple[float, bool]:
        while True:
            (done,) = conn.execute(check, (lsn,)).fetchone()
            waited = time.monotonic() - started
            if done or waited > timeout:
                return waited, done
            time.sleep(0.002)

    return retried(engine.read_pool, wait)


# -- the transaction and its lock --------------------------------------------------------


class _writer:
    """The engine's writer within ``wait`` seconds, else BuildLocked."""

    def __init__(self, engine: PostgresEngine, wait: float):
        self.engine, self.wait = engine, wait

    def __enter__(self) -> PostgresWriter:
        try:
            self.writer = self.engine.writer(self.wait)
        except psycopg.errors.LockNotAvailable as e:
            raise BuildLocked(self.engine.tables.schema) from e
        return self.writer.__enter__()

    def __exit__(self, *exc) -> None:
        self.writer.__exit__(*exc)


class _locked:
    """The archive's write lock for a whole full import (a session lock, held while the
    new schema fills: writers of the live one wait, as for a file engine's build lock)."""

    def __init__(self, database: Database, wait: float):
        self.database, self.wait = database, wait

    def __enter__(self) -> psycopg.Connection:
        self.pool = self.database.engine().pool
        self.conn = self.pool.getconn()
        key = write_lock(self.database.schema)
        deadline = time.monotonic() + self.wait
        try:
            while not self.conn.execute(
                "SELECT pg_try_advisory_lock(hashtext(%s))", (key,)
            ).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise BuildLocked(self.database.schema)
                time.sleep(0.05)
        except BaseException:
            self.pool.putconn(self.conn)
            raise
        return self.conn

    def __exit__(self, *exc) -> None:
        try:
            key = write_lock(self.database.schema)
            self.conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))
        except psycopg.Error:
            self.conn.close()  # the session ends, and its lock with it
        finally:
            self.pool.putconn(self.conn)


# -- imports ------------------------------------------------------------------------------


def _reconcile(corpus, engine, writer, progress, processes) -> BuildReport:
    catalog = DatabaseCatalog(engine)
    plan = plan_sources(corpus, catalog.sources(writer.connection))
    if not (plan.added or plan.changed or plan.removed):
        (docs,) = writer.connection.execute(
            engine.tables.sql("SELECT docs FROM {stats}")
        ).fetchone()
        return BuildReport(unchanged=len(plan.unchanged), doc_count=docs)
    todo, gone = plan.added + plan.changed, plan.changed + plan.removed
    vectors = Vectors(writer, engine)
    vectors.remove_sources(gone)
    for rel in gone:
        writer.delete_source(rel)
    ingested = ingest(corpus, todo, writer, "postgres", progress, processes)
    vectors.add_bags(ingested.bags)
    _record_sources(writer, engine, ingested.sources, plan.removed)
    return BuildReport.of_changes(plan, ingested, _doc_count(writer, engine))


def _full_import(corpus, database: Database, progress, processes) -> BuildReport:
    """Every source into a new schema, swapped in for the live one (hold the lock)."""
    from . import dense
    from .sources import list_sources

    aside = f"{database.schema}_next"
    _drop(database, aside)
    engine = PostgresEngine.create_at(database.engine(aside).location, indexes=False)
    tables = CatalogTables(aside)
    with engine.pool.connection() as conn:
        for statement in CATALOG_DDL.strip().split(";\n"):
            conn.execute(tables.sql(statement))
    rels = list_sources(corpus)
    with engine.writer() as writer:
        ingested = ingest(corpus, rels, writer, "postgres", progress, processes)
        model = dense.model_of(ingested.bags) if ingested.bags is not None else None
        Vectors(writer, engine).add_model(ingested.bags, model)
        _carry_api_articles(writer, engine, database.schema, rels)
        _record_sources(writer, engine, ingested.sources, [])
        built = {"build": secrets.token_hex(6), "built_at": _now()}
        built["vectors_reset"] = str(writer.generation)
        writer.connection.cursor().executemany(
            tables.sql("INSERT INTO {catalog} VALUES (%s, %s)"), list(built.items())
        )
        writer.build_indexes()
        docs = _doc_count(writer, engine)
    _swap(database, aside)
    return BuildReport.of_full_build(ingested, docs)


def _carry_api_articles(writer, engine, live: str, rels: list[str]) -> int:
    """The articles written through the API into the ``live`` schema, re-analysed into
    the writer's: the database is the archive, and they are in no corpus file (their
    source is their id, not a file the catalog lists). A rebuild, or tables of an older
    format, must not lose them; a corpus file now named like one of them wins. Read by
    batches of ``BATCH_READ`` (their count is not bounded); how many were carried. The
    stored columns (``view.ARTICLE_COLUMNS``) are those of every format so far: a format
    that changes them must read the older ones here (or the import fails, losing none)."""
    from .engines.postgres.rows import article_of
    from .engines.postgres.view import ARTICLE_COLUMNS

    old = CatalogTables(live)
    conn = writer.connection
    found = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL",
        (f'"{live}".articles', f'"{live}".sources'),
    ).fetchone()[0]
    if not found:
        return 0
    statement = old.sql(
        f"SELECT {ARTICLE_COLUMNS} FROM {{articles}} a WHERE a.id > %s AND NOT EXISTS "
        "(SELECT 1 FROM {sources} s WHERE s.rel = a.source) ORDER BY a.id LIMIT %s"
    )
    imported = set(rels)
    vectors, after, carried = Vectors(writer, engine), "", 0
    while batch := [article_of(row) for row in conn.execute(statement, (after, BATCH_READ))]:
        after = batch[-1].id
        kept = [a for a in batch if a.source not in imported]
        writer.add(kept)
        vectors.add_articles(kept)
        carried += len(kept)
    if carried:
        log.info(
            "%d articles written through the API carried into %s", carried, engine.tables.schema
        )
    return carried


def _swap(database: Database, aside: str) -> None:
    """The new schema takes the live one's name, in one transaction."""
    with database.engine().pool.connection() as conn, conn.transaction():
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
            sql.Identifier(database.schema)))  # fmt: skip
        conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
            sql.Identifier(aside), sql.Identifier(database.schema)))  # fmt: skip


def _drop(database: Database, schema: str) -> None:
    with database.engine().pool.connection() as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _record_sources(writer, engine, signatures: dict, removed: list[str]) -> None:
    tables = CatalogTables(engine.tables.schema)
    cur = writer.connection.cursor()
    cur.execute(tables.sql("DELETE FROM {sources} WHERE rel = ANY(%s)"), (removed,))
    cur.executemany(
        tables.sql(
            "INSERT INTO {sources} VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (rel) DO UPDATE "
            "SET size = excluded.size, mtime_ns = excluded.mtime_ns, sha1 = excluded.sha1, "
            "articles = excluded.articles, commit_number = excluded.commit_number"
        ),
        [
            (rel, s.size, s.mtime_ns, s.sha1, s.articles, writer.generation)
            for rel, s in signatures.items()
        ],  # fmt: skip
    )


def _existing(writer, engine, ids: list[str]) -> set[str]:
    rows = writer.connection.execute(
        engine.tables.sql("SELECT id FROM {articles} WHERE id = ANY(%s)"), (ids,)
    ).fetchall()
    return {doc_id for (doc_id,) in rows}


def _doc_count(writer, engine) -> int:
    """The articles once this writer commits (its rows are flushed first)."""
    writer.delete_ids([])  # flushes the added articles still buffered
    (docs,) = writer.connection.execute(
        engine.tables.sql("SELECT count(*) FROM {articles}")
    ).fetchone()
    return docs


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
