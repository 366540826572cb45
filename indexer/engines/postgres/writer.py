"""Writes to a postgres index: one transaction per writer, committed = durable and visible.

A writer takes a connection, begins a transaction and takes the index's write lock (an
advisory lock: writers of one index run one after the other, so the document
frequencies and the stats row they update never deadlock). Added articles are buffered and
written by batches (``BATCH``): their new stems and words get ids, the rows go in with COPY,
and the batch's document frequencies and lengths are added in a few statements. Deleting
subtracts them again, in the same statement as the delete (``_DELETE``). ``commit`` makes
it all visible at once, to every connection of every service replica; ``cancel`` leaves
nothing behind.

Adding an article whose id is already stored replaces it (the interface asks callers to
delete first; replacing makes a retried import or a repeated write harmless).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from psycopg import Connection, sql

from ...articles import Article
from ..base import EngineWriter
from .rows import Prepared, prepare
from .schema import Tables

if TYPE_CHECKING:
    from .engine import PostgresEngine

BATCH = 500  # articles per COPY: bounds the writer's memory, amortises the round trips
COLUMNS = (
    "date len_title len_body len_exact countries stem_ids tf_title tf_body word_ids lexemes "
    "id source title body url date_value date_precision date_source"
).split()

_COPY = "COPY {articles} (" + ", ".join(COLUMNS) + ") FROM STDIN"

# Remove articles and take what they counted out of the frequencies and the stats row.
_DELETE = """
WITH gone AS (
    DELETE FROM {articles} WHERE %s
    RETURNING stem_ids, tf_title, tf_body, word_ids, len_title, len_body, len_exact
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
    UPDATE {words} w SET df = w.df - d.n FROM word_df d WHERE w.id = d.id
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


class PostgresWriter(EngineWriter):
    def __init__(self, engine: PostgresEngine):
        self._engine = engine
        self._tables: Tables = engine.tables
        self._pool = engine.pool
        self._conn: Connection = self._pool.getconn()
        self._pending: list[Prepared] = []
        self._new_ids: dict[str, dict[str, int]] = {"stems": {}, "words": {}}
        try:
            self._conn.execute("BEGIN")
            lock = "SELECT pg_advisory_xact_lock(hashtext(%s))"
            self._conn.execute(lock, (f"search writer {engine.tables.schema}",))
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
        self._delete("id = ANY(%s)", list(ids))

    def delete_source(self, source: str) -> None:
        self._flush()
        self._delete("source = %s", source)

    def commit(self) -> None:
        try:
            self._flush()
            self._conn.execute("COMMIT")
        except BaseException:
            self._release(rollback=True)
            raise
        self._engine.learn_ids(self._new_ids)  # only ids that now exist for everyone
        self._release(rollback=False)

    def cancel(self) -> None:
        self._release(rollback=True)

    def _delete(self, condition: str, value) -> None:
        template = _DELETE.replace("%s", condition)
        self._conn.execute(self._tables.sql(template), (value,))

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        self._delete("id = ANY(%s)", [p.id for p in batch])  # replace, never duplicate
        stem_ids = self._ids("stems", "stem", {s for p in batch for s in p.stems})
        word_ids = self._ids("words", "word", {w for p in batch for w in p.words})
        with self._conn.cursor().copy(self._tables.sql(_COPY)) as copy:
            for p in batch:
                copy.write_row(_row(p, stem_ids, word_ids))
        self._count(batch, stem_ids, word_ids)

    def _ids(self, table: str, column: str, terms: set[str]) -> dict[str, int]:
        """Every term's id, new terms inserted (their ids kept aside until the commit)."""
        known = self._engine.known_ids(table)
        new = self._new_ids[table]
        missing = [t for t in terms if t not in known and t not in new]
        if missing:
            statement = self._tables.sql(
                _IDS, table=getattr(self._tables, table), column=sql.Identifier(column)
            )
            rows = self._conn.execute(statement, (missing, missing))
            new.update(rows.fetchall())
        return _Both(known, new)

    def _count(self, batch: list[Prepared], stem_ids, word_ids) -> None:
        """Add the batch's document frequencies and lengths."""
        title, body, words = Counter(), Counter(), Counter()
        for p in batch:
            title.update(stem_ids[s] for s, tf in zip(p.stems, p.tf_title, strict=True) if tf)
            body.update(stem_ids[s] for s, tf in zip(p.stems, p.tf_body, strict=True) if tf)
            words.update(word_ids[w] for w in p.words)
        ids = sorted(title.keys() | body.keys())
        self._conn.execute(
            self._tables.sql(
                "UPDATE {stems} s SET df_title = s.df_title + d.t, df_body = s.df_body + d.b "
                "FROM unnest(%s::int[], %s::int[], %s::int[]) AS d(id, t, b) WHERE s.id = d.id"
            ),
            (ids, [title[i] for i in ids], [body[i] for i in ids]),
        )
        ids = sorted(words)
        self._conn.execute(
            self._tables.sql(
                "UPDATE {words} w SET df = w.df + d.n "
                "FROM unnest(%s::int[], %s::int[]) AS d(id, n) WHERE w.id = d.id"
            ),
            (ids, [words[i] for i in ids]),
        )
        self._conn.execute(
            self._tables.sql(
                "UPDATE {stats} SET docs = docs + %s, len_title = len_title + %s, "
                "len_body = len_body + %s, len_exact = len_exact + %s"
            ),
            (
                len(batch),
                sum(p.len_title for p in batch),
                sum(p.len_body for p in batch),
                sum(p.len_exact for p in batch),
            ),
        )

    def _release(self, rollback: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if rollback and not conn.closed:
                conn.execute("ROLLBACK")
        finally:
            self._pool.putconn(conn)


class _Both:
    """Look a term up in the engine's known ids, then in the writer's new ones."""

    def __init__(self, known: dict[str, int], new: dict[str, int]):
        self._known, self._new = known, new

    def __getitem__(self, term: str) -> int:
        found = self._known.get(term)
        return self._new[term] if found is None else found


def _row(p: Prepared, stem_ids: _Both, word_ids: _Both) -> tuple:
    return (
        p.date,
        p.len_title,
        p.len_body,
        p.len_exact,
        list(p.countries),
        [stem_ids[s] for s in p.stems],
        list(p.tf_title),
        list(p.tf_body),
        [word_ids[w] for w in p.words],
        p.lexemes,
        p.id,
        p.source,
        p.title,
        p.body,
        p.url,
        p.date_value,
        p.date_precision,
        p.date_source,
    )
