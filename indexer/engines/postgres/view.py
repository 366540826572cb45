"""One consistent view of a postgres index: a connection in a REPEATABLE READ, READ ONLY
transaction, so every statement of a request sees the same commits (the articles, the
document frequencies and the stats row that BM25 reads, the lexicon).

``PostgresEngine.view()`` opens one for a request; the engine's own ``search``, ``fetch``
... each open one for their call. A search is two statements: the query's terms looked up
(ids, document frequencies, N and average lengths), then one statement that finds every
match (the tsquery against the GIN index, the filters), scores them, and returns the page
with the total and facet counts over all of them (``facets``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from psycopg import Connection
from psycopg_pool import ConnectionPool

from ...articles import Article
from .. import querytree as qt
from . import facets
from .querysql import ALL, NOTHING, Dictionary, Scorer, Stats, query_terms, tsquery
from .rows import article_of, date_number
from .schema import Tables

ARTICLE_COLUMNS = "id, source, title, body, url, date_value, date_precision, date_source, countries"


@contextmanager
def open_view(pool: ConnectionPool, tables: Tables) -> Iterator[View]:
    """A view of the index as of now, for the length of the block."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield View(conn, tables)


class View:
    """Search, fetch and count in one snapshot of the index."""

    def __init__(self, conn: Connection, tables: Tables):
        self._conn = conn
        self._tables = tables

    def search(self, q: qt.EngineQuery) -> qt.EngineResult:
        """The page's ids and scores, and the total and facets over all matches."""
        match = tsquery(q.tree)
        if match == NOTHING:
            return qt.EngineResult(0, [], facets.empty(q.facets))
        params: dict = {"limit": q.limit, "offset": q.offset}
        where = _filters(q.filters, params)
        if match != ALL:
            where.append("a.lexemes @@ %(match)s::tsquery")
            params["match"] = match
        by_date = q.sort == "date"
        if by_date:
            value = "a.date::float8"
        else:
            scorer = Scorer(self.stats(), self.dictionary(*query_terms(q.tree)))
            value = scorer.score(q.tree)
            params.update(scorer.params)
        statement = _statement(value, where, q.facets)
        rows = self._conn.execute(self._tables.sql(statement), params).fetchall()
        total, hits, counts = facets.read_rows(rows, q.facets, by_date)
        return qt.EngineResult(total, hits, counts)

    def stats(self) -> Stats:
        row = self._conn.execute(
            self._tables.sql("SELECT docs, len_title, len_body, len_exact FROM {stats}")
        ).fetchone()
        docs, title, body, exact = row
        n = docs or 1
        return Stats(docs, title / n, body / n, exact / n)

    def dictionary(self, stems: set[str], words: set[str]) -> Dictionary:
        found_stems = self._conn.execute(
            self._tables.sql(
                "SELECT stem, id, df_title, df_body FROM {stems} WHERE stem = ANY(%s)"
            ),
            (sorted(stems),),
        ).fetchall()
        found_words = self._conn.execute(
            self._tables.sql("SELECT word, id, df FROM {words} WHERE word = ANY(%s)"),
            (sorted(words),),
        ).fetchall()
        return Dictionary(
            {stem: (sid, t, b) for stem, sid, t, b in found_stems},
            {word: (wid, df) for word, wid, df in found_words},
        )

    def fetch(self, ids: Sequence[str]) -> list[Article | None]:
        """The stored articles for these ids, in order (None where an id is unknown)."""
        rows = self._conn.execute(
            self._tables.sql(f"SELECT {ARTICLE_COLUMNS} FROM {{articles}} WHERE id = ANY(%s)"),
            (list(dict.fromkeys(ids)),),
        ).fetchall()
        by_id = {row[0]: article_of(row) for row in rows}
        return [by_id.get(doc_id) for doc_id in ids]

    def doc_count(self) -> int:
        return self.stats().docs

    def lexicon(self, prefix: str = "") -> list[tuple[str, int]]:
        """Every folded word of live articles starting with ``prefix``, with its document
        frequency, in word order (bytewise: the column's collation is C)."""
        where, params = "df > 0", []
        if prefix:  # a range, which the unique index on words answers
            where += " AND word >= %s AND word < %s"
            params = [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]
        rows = self._conn.execute(
            self._tables.sql(f"SELECT word, df FROM {{words}} WHERE {where} ORDER BY word"),
            params,
        )
        return rows.fetchall()


def _filters(filters: qt.Filters, params: dict) -> list[str]:
    """SQL conditions for every listed country and the date range (the undated are out)."""
    where = []
    if filters.countries:
        where.append("a.countries @> %(countries)s::text[]")
        params["countries"] = list(filters.countries)
    if filters.date_from or filters.date_to:
        where.append("a.date BETWEEN %(low)s AND %(high)s")
        params["low"] = date_number(filters.date_from or "0001-00-00")  # above 0: undated out
        params["high"] = date_number(filters.date_to or "9999-99-99")
    return where


def _statement(value: str, where: list[str], with_facets: bool) -> str:
    """Matches with their value (score or date), then the page, total and facets."""
    condition = " AND ".join(where) or "true"
    return (
        "WITH m AS MATERIALIZED ("
        f"SELECT a.seq, a.id, a.date, a.countries, {value} AS value "
        f"FROM {{articles}} a WHERE {condition}) "
        f"(SELECT {facets.HIT}, id, seq, value FROM m "
        "ORDER BY value DESC, seq LIMIT %(limit)s OFFSET %(offset)s)"
        + facets.COUNTS
        + (facets.FACETS if with_facets else "")
    )
