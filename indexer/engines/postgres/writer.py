"""Writes to a postgres index: one transaction per writer, committed = durable and visible.

A writer takes a connection, begins a transaction and takes the index's write lock (an
advisory lock: writers of one index run one after the other, so the document
frequencies and the stats row they update never deadlock). Added articles are buffered and
written by batches (``BATCH``): their new stems, words and title phrases get ids, their
rows numbers (``seq``) from the articles' sequence, and the rows go in with COPY (a few,
as INSERTs in one round trip: ``COPY_FROM``), into ``articles`` and ``matches``
(``schema``). Their document frequencies (and their
near-copy bands' counts) and lengths are counted in Python and added once, at the
commit: a frequent word's row is then rewritten once per transaction, not once per batch
(updating after every batch of 500 took a third of a 34,160-article import). Deleting
subtracts them in the same statement as the delete (``_DELETE``). The id of every article
added, replaced or deleted goes into the ``changed`` table with the commit's generation.
``commit`` makes it all
visible at once, to every connection of every service replica; ``cancel`` leaves nothing
behind. After a large write, the commit also vacuums and analyses both tables
(``MAINTAIN_AFTER``): the planner then knows the new rows, and the GIN index's pending
list, where fast inserts wait, is merged into the index that searches read.

Adding an article whose id is already stored replaces it (the interface asks callers to
delete first; replacing makes a retried import or a repeated write harmless).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import compress
from typing import TYPE_CHECKING

from psycopg import Connection, Cursor, sql

from ...articles import Article
from ..base import EngineWriter
from .rows import Prepared, prepare
from .schema import Tables, create_indexes

if TYPE_CHECKING:
    from .engine import PostgresEngine

log = logging.getLogger(__name__)

TERM_TABLES = ("stems", "words", "phrases")  # terms the rows name by id
BATCH = 500  # articles per COPY: bounds the writer's memory, amortises the round trips
MAINTAIN_AFTER = 1_000  # articles added or deleted by a commit that then vacuums
COLUMNS = (
    "seq date len_title len_body len_exact countries stem_ids tf_title tf_body word_ids "
    "phrase_ids bands id source title body url date_value date_precision date_source"
).split()
MATCH_COLUMNS = ("seq", "date", "countries", "id", "lexemes")

_NEXT_GENERATION = "UPDATE {stats} SET generation = %s"
_CHANGED = "INSERT INTO {changed} SELECT %s, unnest(%s::text[]) ON CONFLICT DO NOTHING"
_COPY = "COPY {articles} (" + ", ".join(COLUMNS) + ") FROM STDIN"
_COPY_MATCHES = "COPY {matches} (" + ", ".join(MATCH_COLUMNS) + ") FROM STDIN"
_SEQS = "SELECT nextval(pg_get_serial_sequence(%s, 'seq')) FROM generate_series(1, %s)"


def _insert_into(table: str, columns: tuple[str, ...]) -> str:
    """An INSERT of one row of these columns into ``{table}`` (a ``Tables.sql`` template)."""
    values = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {{{table}}} ({', '.join(columns)}) VALUES ({values})"


_INSERT = _insert_into("articles", COLUMNS)
_INSERT_MATCHES = _insert_into("matches", MATCH_COLUMNS)
COPY_FROM = 20  # articles in a batch from which its rows go by COPY (fewer: INSERTs)

# Remove articles and take what they counted out of the frequencies and the stats row;
# their ids go into the commit's changes.
_DELETE = """
WITH gone AS (
    DELETE FROM {articles} WHERE CONDITION
    RETURNING seq, id, stem_ids, tf_title, tf_body, word_ids, phrase_ids, bands, len_title,
        len_body, len_exact
), matches_done AS (
    DELETE FROM {matches} WHERE seq IN (SELECT seq FROM gone)
), stem_df AS (
    SELECT u.id, count(*) FILTER (WHERE u.t > 0) AS t, count(*) FILTER (WHERE u.b > 0) AS b
    FROM gone, unnest(gone.stem_ids, gone.tf_title, gone.tf_body) AS u(id, t, b)
    GROUP BY u.id
), word_df AS (
    SELECT u.id, count(*) AS n FROM gone, unnest(gone.word_ids) AS u(id) GROUP BY u.id
), stems_done AS (
    UPDATE {stems} s SET df_title = s.df_title - d.t, df_body = s.df_body - d.b
    FROM stem_df d WHERE s.id = d.id
), words_done AS (
    UPDATE {words} w SET df = w.df - d.n, changed = %(next)s FROM word_df d WHERE w.id = d.id
), phrase_df AS (
    SELECT u.id, count(*) AS n FROM gone, unnest(gone.phrase_ids) AS u(id) GROUP BY u.id
), phrases_done AS (
    UPDATE {phrases} p SET df = p.df - d.n FROM phrase_df d WHERE p.id = d.id
), band_df AS (
    SELECT u.band, count(*) AS n FROM gone, unnest(gone.bands) AS u(band) GROUP BY u.band
), bands_done AS (
    UPDATE {bands} b SET df = b.df - d.n FROM band_df d WHERE b.band = d.band
), changes_done AS (
    INSERT INTO {changed} SELECT %(next)s, id FROM gone ON CONFLICT DO NOTHING
)
UPDATE {stats} SET docs = docs - g.n, len_title = len_title - g.t,
    len_body = len_body - g.b, len_exact = len_exact - g.x
FROM (SELECT count(*) AS n, coalesce(sum(len_title), 0) AS t, coalesce(sum(len_body), 0) AS b,
             coalesce(sum(len_exact), 0) AS x FROM gone) g
"""

# New terms get ids; known ones are looked up (the CTE's insert is invisible to the select).
_IDS = """
WITH new AS (
    INSERT INTO {table} ({column}) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING
    RETURNING {column}, id
)
SELECT {column}, id FROM new UNION ALL SELECT {column}, id FROM {table} WHERE {column} = ANY(%s)
"""


def write_lock(schema: str) -> str:
    """The name of an index's write lock (an advisory lock: ``hashtext`` of it)."""
    return f"search writer {schema}"


class PostgresWriter(EngineWriter):
    def __init__(self, engine: PostgresEngine, wait: float | None = None):
        self._engine = engine
        self._tables: Tables = engine.tables
        self._pool = engine.pool
        self._conn: Connection = self._pool.getconn()
        self._pending: list[Prepared] = []
        self._new_ids: dict[str, dict[str, int]] = {table: {} for table in TERM_TABLES}
        # Every id this writer may use: the engine's known ones, then its own new ones.
        self._ids = {table: dict(engine.known_ids(table)) for table in TERM_TABLES}
        self._counts = _Counts()
        self._changed = 0  # articles added or deleted
        try:
            # One round trip (a pipeline): a write under load waits for the server's CPU
            # at each one, and they were most of a write's time with 8 clients searching.
            with self._conn.pipeline():
                self._conn.execute("BEGIN")
                if wait is not None:  # LockNotAvailable past it
                    self._conn.execute(f"SET LOCAL lock_timeout = {max(1, int(wait * 1000))}")
                lock = "SELECT pg_advisory_xact_lock(hashtext(%s))"
                self._conn.execute(lock, (write_lock(engine.tables.schema),))
                if wait is not None:
                    self._conn.execute("SET LOCAL lock_timeout = 0")
                # The generation this writer's commit will be: words it changes are marked
                # with it (the lock keeps it ours until the commit).
                statement = self._tables.sql("SELECT generation + 1 FROM {stats}")
                generation = self._conn.execute(statement)
            self.generation = generation.fetchone()[0]
        except BaseException:
            self._release(rollback=True)
            raise

    def add(self, articles: Iterable[Article]) -> None:
        self.add_prepared(map(prepare, articles))

    def add_prepared(self, items: Iterable[Prepared]) -> None:
        for item in items:
            self._pending.append(item)
            if len(self._pending) >= BATCH:
                self._flush()

    def delete_ids(self, ids: Iterable[str]) -> None:
        self._flush()
        ids = list(ids)
        if ids:
            self._delete("id = ANY(%(value)s)", ids)

    def delete_source(self, source: str) -> None:
        self._flush()
        self._delete("source = %(value)s", source)

    @property
    def connection(self) -> Connection:
        """The writer's connection, in its transaction: what else the commit must hold
        (a catalog's rows) is written through it, and commits with the articles."""
        return self._conn

    def commit(self) -> str:
        """Commit; the new generation (the one before when nothing changed)."""
        try:
            self._flush()
            generation = self.generation if self._changed else self.generation - 1
            with self._conn.pipeline():  # one round trip
                self._counts.apply(self._conn, self._tables, self.generation)
                self._conn.execute(self._tables.sql(_NEXT_GENERATION), (generation,))
                self._conn.execute("COMMIT")
        except BaseException:
            self._release(rollback=True)
            raise
        self._engine.learn_ids(self._new_ids)  # only ids that now exist for everyone
        self.commit_id = str(generation)
        try:
            if self._changed >= MAINTAIN_AFTER:
                for table in ("articles", "matches"):  # autocommit: one at a time
                    self._conn.execute(self._tables.sql(f"VACUUM (ANALYZE) {{{table}}}"))
        finally:
            self._release(rollback=False)
        return self.commit_id

    def build_indexes(self) -> None:
        """Build the search indexes of tables created without them (a full import's),
        once every row is in: they commit with the rows (``schema.create_indexes``)."""
        self._flush()
        started = time.perf_counter()
        create_indexes(self._conn, self._tables)
        log.info(
            "%s: search indexes built in %.1f s", self._tables.schema, time.perf_counter() - started
        )

    def cancel(self) -> None:
        self._release(rollback=True)

    def _delete(self, condition: str, value) -> None:
        self._changed += self._send_delete(condition, value).rowcount

    def _send_delete(self, condition: str, value) -> Cursor:
        """The delete sent: its cursor's ``rowcount`` is the articles deleted, once read
        (in a pipeline, after it)."""
        template = _DELETE.replace("CONDITION", condition)
        params = {"value": value, "next": self.generation}
        return self._conn.execute(self._tables.sql(template), params)

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        with self._conn.pipeline():  # one round trip for the delete and the three lookups
            # Replace, never duplicate.
            replaced = self._send_delete("id = ANY(%(value)s)", [p.id for p in batch])
            stem_ids = self._known("stems", "stem", {s for p in batch for s in p.stems})
            word_ids = self._known("words", "word", {w for p in batch for w in p.words})
            phrase_ids = self._known("phrases", "phrase", {x for p in batch for x in p.phrases})
            articles = self._tables.articles.as_string(self._conn)  # quoted as PostgreSQL does
            seqs = self._conn.execute(_SEQS, (articles, len(batch)))
        self._changed += replaced.rowcount
        stem_ids, word_ids, phrase_ids = stem_ids(), word_ids(), phrase_ids()
        rows, matches = [], []
        for (seq,), p in zip(seqs.fetchall(), batch, strict=True):
            stems = list(map(stem_ids.__getitem__, p.stems))
            words = list(map(word_ids.__getitem__, p.words))
            phrases = list(map(phrase_ids.__getitem__, p.phrases))
            rows.append(_row(seq, p, stems, words, phrases))
            matches.append((seq, p.date, _array(p.countries), p.id, p.lexemes))
            self._counts.add(p, stems, words, phrases)
        write = self._insert if len(batch) < COPY_FROM else self._copy
        write(rows, matches, [p.id for p in batch])
        self._changed += len(batch)

    def _copy(self, rows: list[tuple], matches: list[tuple], ids: list[str]) -> None:
        """The rows by COPY: the fastest way in for many, two round trips per table."""
        for statement, values in ((_COPY, rows), (_COPY_MATCHES, matches)):
            with self._conn.cursor().copy(self._tables.sql(statement)) as copy:
                for row in values:
                    copy.write_row(row)
        self._conn.execute(self._tables.sql(_CHANGED), (self.generation, ids))

    def _insert(self, rows: list[tuple], matches: list[tuple], ids: list[str]) -> None:
        """A few rows as INSERTs, all in one round trip (a pipeline): a write of one
        article sent its two COPYs in four, each a wait for the server's CPU when
        searches keep it busy. The array literals and the tsvector go as text of
        unknown type, which PostgreSQL reads as the column's type."""
        cursor = self._conn.cursor()
        with self._conn.pipeline():
            cursor.executemany(self._tables.sql(_INSERT), rows)
            cursor.executemany(self._tables.sql(_INSERT_MATCHES), matches)
            cursor.execute(self._tables.sql(_CHANGED), (self.generation, ids))

    def _known(self, table: str, column: str, terms: set[str]) -> Callable[[], dict[str, int]]:
        """The writer's term -> id, with every one of ``terms`` in it (new ones inserted,
        their ids kept aside until the commit makes them everyone's), once the returned
        function is called: the statement is sent now, its rows read then (a pipeline
        sends several before waiting for any)."""
        ids = self._ids[table]
        missing = [t for t in terms if t not in ids]
        if not missing:
            return lambda: ids
        table_name = getattr(self._tables, table)
        statement = self._tables.sql(_IDS, table=table_name, column=sql.Identifier(column))
        cursor = self._conn.cursor()
        cursor.execute(statement, (missing, missing))

        def read() -> dict[str, int]:
            found = dict(cursor.fetchall())
            ids.update(found)
            self._new_ids[table].update(found)
            return ids

        return read

    def _release(self, rollback: bool) -> None:
        """Give the connection back, its transaction rolled back; never raises (a lost
        connection is closed, and the pool replaces it)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if rollback and not conn.closed:
                conn.execute("ROLLBACK")
        except Exception:
            conn.close()
        finally:
            self._pool.putconn(conn)


class _Counts:
    """What a writer's added articles count: document frequencies by term id, lengths."""

    def __init__(self):
        self.title, self.body, self.words, self.phrases = Counter(), Counter(), Counter(), Counter()
        self.bands: Counter[str] = Counter()
        self.docs = self.len_title = self.len_body = self.len_exact = 0

    def add(self, p: Prepared, stems: list[int], words: list[int], phrases: list[int]) -> None:
        self.title.update(compress(stems, p.tf_title))
        self.body.update(compress(stems, p.tf_body))
        self.words.update(words)
        self.phrases.update(phrases)
        self.bands.update(p.bands)
        self.docs += 1
        self.len_title += p.len_title
        self.len_body += p.len_body
        self.len_exact += p.len_exact

    def apply(self, conn: Connection, tables: Tables, generation: int) -> None:
        """Add the counts to the tables (terms in id order), in the writer's transaction;
        the words changed are marked with the commit's ``generation``."""
        if not self.docs:
            return
        ids = sorted(self.title.keys() | self.body.keys())
        conn.execute(
            tables.sql(
                "UPDATE {stems} s SET df_title = s.df_title + d.t, df_body = s.df_body + d.b "
                "FROM unnest(%s::int[], %s::int[], %s::int[]) AS d(id, t, b) WHERE s.id = d.id"
            ),
            (ids, [self.title[i] for i in ids], [self.body[i] for i in ids]),
        )
        _add(
            conn,
            tables.sql(
                "UPDATE {words} w SET df = w.df + d.n, changed = %s "
                "FROM unnest(%s::int[], %s::int[]) AS d(id, n) WHERE w.id = d.id"
            ),
            self.words,
            generation,
        )
        _add(
            conn,
            tables.sql(
                "UPDATE {phrases} p SET df = p.df + d.n "
                "FROM unnest(%s::int[], %s::int[]) AS d(id, n) WHERE p.id = d.id"
            ),
            self.phrases,
        )
        _add(
            conn,
            tables.sql(
                "INSERT INTO {bands} AS b SELECT * FROM unnest(%s::text[], %s::int[]) "
                "ON CONFLICT (band) DO UPDATE SET df = b.df + excluded.df"
            ),
            self.bands,
        )
        conn.execute(
            tables.sql(
                "UPDATE {stats} SET docs = docs + %s, len_title = len_title + %s, "
                "len_body = len_body + %s, len_exact = len_exact + %s"
            ),
            (self.docs, self.len_title, self.len_body, self.len_exact),
        )


def _add(conn: Connection, statement: sql.Composed, counts: Counter, *first) -> None:
    """Run ``statement`` that adds ``counts`` (term -> n) to a table: its parameters are
    ``first``, then the terms in order and their numbers."""
    terms = sorted(counts)
    conn.execute(statement, (*first, terms, [counts[t] for t in terms]))


def _row(
    seq: int, p: Prepared, stem_ids: list[int], word_ids: list[int], phrase_ids: list[int]
) -> tuple:
    """The COPY row of an article in ``articles``; arrays written as their literals here,
    in C (psycopg dumps a list element by element in Python: a fifth of an import)."""
    return (
        seq,
        p.date,
        p.len_title,
        p.len_body,
        p.len_exact,
        _array(p.countries),
        _array(stem_ids),
        _array(p.tf_title),
        _array(p.tf_body),
        _array(word_ids),
        _array(phrase_ids),
        _array(p.bands),
        p.id,
        p.source,
        p.title,
        p.body,
        p.url,
        p.date_value,
        p.date_precision,
        p.date_source,
    )


def _array(values) -> str:
    """A PostgreSQL array literal of numbers, country codes or bands: [1, 2] -> '{1,2}'."""
    return "{" + ",".join(map(str, values)) + "}"
