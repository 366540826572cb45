"""One consistent view of a postgres index: a connection in a REPEATABLE READ, READ ONLY
transaction, so every statement of a request sees the same commits (the articles, the
document frequencies and the stats row that BM25 reads, the lexicon).

``PostgresEngine.view()`` opens one for a request; the engine's own ``search``, ``fetch``
... each open one for their call. A search is two statements: the query's terms looked up
(ids, document frequencies, N and average lengths), then one statement that finds every
match (the tsquery against the GIN index of the narrow ``matches`` table, the filters),
scores them (their arrays read in ``articles``), and returns the page with the total and
facet counts over all of them (``statement``). A count (``limit`` 0)
is that one statement alone, without scores; an uncounted search (``counted=False``)
reads only the matches it ranks, and its total is how many it ranked.

Sequential scans are off on our connections (``connections.SESSION_SETTINGS``): the
planner prices a test of the tsvector as a cheap operator, and for a word in most articles
it scans the table, which reads every row's tsvector back from the TOAST table (``plus``,
21,695 matches of 34,160: 387 ms); the GIN index gives the same matches without reading a
tsvector. A query with no word is the exception (nothing but a scan answers it): its view
allows scans until it ends. For the same reason a query with words never lets the planner
lead with the index of a filter (``_filters``): élections in the United States led by the
countries' index read back the tsvectors of all 58,507 American articles (740 ms at
341,600, past the time budget); led by the words' index, its 7,051 matches are found,
ranked and counted in 50 to 70 ms (BENCHMARKS.md, run 17).

**The first cut.** Scoring a match looks its row up in ``articles``, reads its arrays and
computes BM25 in SQL, about 7 us;
a word in half the archive costs that many times over. So when some of the query's stems
are common (in the bodies of ``FIRST_CUT_FROM`` articles or more), only the matches that
have one of its other terms, or in which a common stem weighs (``rows.weighty``: in the
title, or often in the body) are scored, found by the same GIN index
(``querysql.first_cut``). The total and the facets still count every match, and when the
cut holds fewer matches than the page needs, every match is ranked. BENCHMARKS.md says
what it costs in ranking and what it saves.

A view costs its statements' round trips and one more (COMMIT): the transaction begins in
the same round trip as the first statement (a pipeline).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg
from psycopg import Connection, errors
from psycopg_pool import ConnectionPool

from ...articles import Article
from .. import querytree as qt
from . import statement
from .querysql import (
    ALL,
    NOTHING,
    Dictionary,
    Scorer,
    Stats,
    bounded,
    first_cut,
    query_terms,
    split_ids,
    tsquery,
)
from .rows import article_of, date_number
from .schema import Tables

ARTICLE_COLUMNS = "id, source, title, body, url, date_value, date_precision, date_source, countries"


@contextmanager
def open_view(pool: ConnectionPool, tables: Tables) -> Iterator[View]:
    """A view of the index as of its first statement, for the length of the block."""
    with pool.connection() as conn, view_on(conn, tables) as view:
        yield view


@contextmanager
def view_on(conn: Connection, tables: Tables) -> Iterator[View]:
    """A view on this connection (its transaction ends with the block)."""
    view = View(conn, tables)
    try:
        yield view
    except BaseException:
        if view.begun and not conn.closed:
            try:
                conn.execute("ROLLBACK")
            except psycopg.Error:  # a lost connection: the pool discards it
                pass
        raise
    if view.begun:
        conn.execute("COMMIT")


BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
MEMBERS_VALUED = 100_000  # members valued in the scan; more are asked apart (statement)
FIRST_CUT_FROM = 5_000  # bodies with a stem that make it common (about 25 ms of scoring)


class View:
    """Search, fetch and count in one snapshot of the index (a transaction begun with the
    first statement, in the same round trip)."""

    def __init__(self, conn: Connection, tables: Tables):
        self._conn = conn
        self._tables = tables
        self.begun = False
        self._seqscan = False  # as the session settings left it (connections.py)
        self._prelude: list[str] = []  # settings sent with the first statement

    def _execute(self, statement, params=None) -> list[tuple]:
        """A statement's rows; the first one begins the transaction (pipelined)."""
        if self.begun:
            cursor = self._conn.execute(statement, params)
        else:
            with self._conn.pipeline():
                self._conn.execute(BEGIN)
                for setting in self._prelude:
                    self._conn.execute(setting)
                cursor = self._conn.execute(statement, params)
            self.begun = True
        return cursor.fetchall() if cursor.description is not None else []

    def search(self, q: qt.EngineQuery) -> qt.EngineResult:
        """The page's ids and scores, and the total and facets over all matches;
        SearchTimeout past the query's deadline (the server cancels the statement)."""
        try:
            self._time_limit(q.deadline)
            return self._search(q)
        except errors.QueryCanceled as e:
            raise qt.SearchTimeout(f"statement cancelled: {e}") from e

    def _time_limit(self, deadline: float | None) -> None:
        """The rest of the budget as this transaction's statement_timeout."""
        if deadline is None:
            return
        qt.check_deadline(deadline)
        left = max(1, int((deadline - time.monotonic()) * 1000))
        self._set(f"SET LOCAL statement_timeout = {left}")

    def _search(self, q: qt.EngineQuery) -> qt.EngineResult:
        words, ids = split_ids(q.tree)
        match = tsquery(words)
        if match == NOTHING or ids == []:
            return qt.EngineResult(0, [], statement.empty(q.facets))
        params: dict = {"limit": q.limit, "offset": q.offset}
        where = _filters(q.filters, params, match == ALL)  # over the row ``a`` of ``matches``
        if match != ALL:
            where.append("a.lexemes @@ %(match)s::tsquery")
            params["match"] = match
        if ids is not None:
            where.append(_among_ids(ids, params))
        self._allow_seqscan(match == ALL and ids is None)  # every article: a scan is the way
        value, cut = None, None  # a count (limit 0) ranks nothing
        if q.limit and q.sort == "date":
            value = "a.date::float8"
        elif q.limit:
            scorer = Scorer(*self.statistics(*query_terms(q.tree)))
            value = statement.scored(scorer.score(q.tree))
            params.update(scorer.params)
            cut = None if bounded(q.tree) else first_cut(q.tree, _common(scorer.dictionary))
        counted = q.counted or q.facets or not q.limit  # a count counts, facets are counts
        members = None  # the members' values, read with the matches (``statement``)
        if counted and value is not None and 0 < len(q.members) <= MEMBERS_VALUED:
            members = _id_list(q.members, params, "members")
        shape = statement.Shape(value, " AND ".join(where) or "true", q.facets, counted, members)
        found = self._found(q, shape, params, cut)
        window = q.offset + q.limit
        if cut is not None and found.candidates < (min(found.total, window) if counted else window):
            self._time_limit(q.deadline)  # the rest of the budget, not the first's
            found = self._found(q, shape, params, None)  # too few: rank every match
        total = found.total if counted else found.candidates
        return qt.EngineResult(total, found.hits, found.facets, found.members)

    def _found(self, q: qt.EngineQuery, shape: statement.Shape, params, cut) -> statement.Found:
        text = statement.build(shape, cut is not None)
        rows = self._execute(self._tables.sql(text), {**params, "cut": cut})
        return statement.read_rows(rows, q.facets, q.sort == "date", shape.members is not None)

    def statistics(self, stems: set[str], words: set[str]) -> tuple[Stats, Dictionary]:
        """BM25's N and average lengths, and the ids and frequencies of these terms."""
        rows = self._execute(self._tables.sql(STATISTICS), (sorted(stems), sorted(words)))
        found_stems, found_words, stats = {}, {}, Stats(0, 0.0, 0.0, 0.0)
        for kind, term, *numbers in rows:
            if kind == "s":
                found_stems[term] = tuple(numbers[:3])
            elif kind == "w":
                found_words[term] = tuple(numbers[:2])
            else:
                docs, title, body, exact = numbers
                n = docs or 1
                stats = Stats(docs, title / n, body / n, exact / n)
        return stats, Dictionary(found_stems, found_words)

    def _allow_seqscan(self, allowed: bool) -> None:
        if allowed != self._seqscan:  # for the transaction only: the connection is pooled
            self._set(f"SET LOCAL enable_seqscan = {'on' if allowed else 'off'}")
            self._seqscan = allowed

    def _set(self, setting: str) -> None:
        """A SET LOCAL: sent with BEGIN and the first statement when none was yet (no
        round trip of its own), else now."""
        if self.begun:
            self._execute(setting)
        else:
            self._prelude.append(setting)

    def fetch(self, ids: Sequence[str]) -> list[Article | None]:
        """The stored articles for these ids, in order (None where an id is unknown)."""
        rows = self._execute(
            self._tables.sql(f"SELECT {ARTICLE_COLUMNS} FROM {{articles}} WHERE id = ANY(%s)"),
            (list(dict.fromkeys(ids)),),
        )
        by_id = {row[0]: article_of(row) for row in rows}
        return [by_id.get(doc_id) for doc_id in ids]

    def articles_of(self, source: str) -> list[Article]:
        """The articles read from one source file, in insertion order."""
        rows = self._execute(
            self._tables.sql(
                f"SELECT {ARTICLE_COLUMNS} FROM {{articles}} WHERE source = %s ORDER BY seq"
            ),
            (source,),
        )
        return [article_of(row) for row in rows]

    def generation(self) -> int:
        """The number of committed writes that changed articles, as of this view."""
        return self._execute(self._tables.sql("SELECT generation FROM {stats}"))[0][0]

    def doc_count(self) -> int:
        return self.statistics(set(), set())[0].docs

    def lexicon(self, prefix: str = "") -> list[tuple[str, int]]:
        """Every folded word of live articles starting with ``prefix``, with its document
        frequency, in word order (bytewise: the column's collation is C)."""
        where, params = "df > 0", []
        if prefix:  # a range, which the unique index on words answers
            where += " AND word >= %s AND word < %s"
            params = [prefix, _after_prefix(prefix)]
        return self._execute(
            self._tables.sql(f"SELECT word, df FROM {{words}} WHERE {where} ORDER BY word"),
            params,
        )

    def phrases(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The ``limit`` most frequent title phrases of live articles starting with
        ``prefix`` ("2:notre_d"), with their document frequencies."""
        where, params = "df > 0", []
        if prefix:  # a range, which the unique index on phrases answers
            where += " AND phrase >= %s AND phrase < %s"
            params = [prefix, _after_prefix(prefix)]
        return self._execute(
            self._tables.sql(
                f"SELECT phrase, df FROM {{phrases}} WHERE {where} "
                "ORDER BY df DESC, phrase LIMIT %s"
            ),
            [*params, limit],
        )

    def copy_candidates(self) -> dict[str, tuple[str, ...]]:
        """Every article that shares a near-copy band with another, with its bands: the
        bands that two articles or more have (a scan of their counts), then their
        articles: through the GIN index when they are few, else by a scan of the
        articles' bands joined to them.

        One tsquery of many bands is refused by PostgreSQL: past 1 MB of text "value is
        too big in tsquery" (341,600 articles, the news ten times over), and 20,000
        bands ORed already "stack depth limit exceeded" (68,320 articles); every search
        answered 503. A scan reads each row's bands once, whatever their number.
        """
        self._allow_seqscan(True)
        try:
            shared = [band for (band,) in self._execute(self._tables.sql(SHARED_BANDS))]
            if len(shared) > BANDS_PER_QUERY:
                rows = self._execute(self._tables.sql(ARTICLES_OF_SHARED_BANDS))
                return {doc_id: tuple(bands) for doc_id, bands in rows}
        finally:
            self._allow_seqscan(False)
        if not shared:
            return {}
        rows = self._execute(
            self._tables.sql(
                "SELECT d.id, d.bands FROM {matches} a JOIN {articles} d ON d.seq = a.seq "
                "WHERE a.lexemes @@ %s::tsquery"
            ),
            (tsquery(qt.Bands(tuple(shared))),),
        )
        return {doc_id: tuple(bands) for doc_id, bands in rows}


def _after_prefix(prefix: str) -> str:
    """The least string after every string that starts with ``prefix`` (bytewise, as the
    C collation sorts): the end of a range scan of the unique index."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


SHARED_BANDS = "SELECT band FROM {bands} WHERE df > 1"
BANDS_PER_QUERY = 1_000  # shared bands asked through the index; more: a scan
ARTICLES_OF_SHARED_BANDS = """
SELECT a.id, a.bands FROM {articles} a
WHERE EXISTS (
    SELECT 1 FROM unnest(a.bands) AS u(band) JOIN {bands} b ON b.band = u.band AND b.df > 1
)
"""

# The collection's statistics and the query's terms, in one round trip.
STATISTICS = """
SELECT 's', stem, id, df_title::bigint, df_body::bigint, NULL::bigint FROM {stems}
    WHERE stem = ANY(%s)
UNION ALL SELECT 'w', word, id, df, NULL, NULL FROM {words} WHERE word = ANY(%s)
UNION ALL SELECT 'n', NULL, docs, len_title, len_body, len_exact FROM {stats}
"""


SEPARATOR = "\x1f"  # between ids sent as one string: a control character no id holds
IDS_AS_TEXT_FROM = 100


def _among_ids(ids: list[str], params: dict) -> str:
    """The condition that the article is one of ``ids``."""
    return f"a.id = ANY({_id_list(ids, params, 'ids')})"


def _id_list(ids, params: dict, name: str) -> str:
    """The SQL array of ``ids``, sent as the parameter ``name``. Many of them go as one
    string that the server splits: psycopg makes an array parameter in Python, 136 ms for
    the 68,314 ids of copies that the copies' pass sends (the news twice), where joining
    them takes 2 ms."""
    if len(ids) >= IDS_AS_TEXT_FROM and not any(SEPARATOR in doc_id for doc_id in ids):
        params[name] = SEPARATOR.join(ids)
        return f"string_to_array(%({name})s, chr({ord(SEPARATOR)}))"
    params[name] = list(ids)
    return f"%({name})s::text[]"


def _filters(filters: qt.Filters, params: dict, indexed: bool) -> list[str]:
    """SQL conditions for every listed country and the date range (the undated are out).

    :param indexed: whether the planner may find the rows by the filters' indexes (a query
        with no word); else each is a test of the row (an expression, not the column, which
        no index serves), so the words' GIN index finds the matches, and no tsvector is
        read back to test the words on the rows of a filter.
    """
    where = []
    countries, date = (
        ("a.countries", "a.date")
        if indexed
        else ("(a.countries || ARRAY[]::text[])", "(a.date + 0)")
    )
    if filters.countries:
        where.append(f"{countries} @> %(countries)s::text[]")
        params["countries"] = list(filters.countries)
    if filters.date_from or filters.date_to:
        where.append(f"{date} BETWEEN %(low)s AND %(high)s")
        params["low"] = date_number(filters.date_from or "0001-00-00")  # above 0: undated out
        params["high"] = date_number(filters.date_to or "9999-99-99")
    return where


def _common(dictionary: Dictionary) -> set[str]:
    """The query's stems in so many articles that ranking all of them does not pay."""
    return {stem for stem, (_, _, df) in dictionary.stems.items() if df >= FIRST_CUT_FROM}
