"""A Whoosh index read at one commit (its table of contents' generation): search, fetch,
count, vocabulary.

A commit is a generation of Whoosh's table of contents (``_MAIN_<n>.toc``): its
segments and their deletions. A ``WhooshReader`` opens exactly that one, so a request
reads one commit whatever is committed meanwhile, and the segment files it needs stay on
disk for ``WhooshEngine.collect_garbage``'s grace period.

Facet values live in columns (``date``, ``country_col``) read once per searcher into
lists, so counting facets over all matches never unpickles a stored document. Searcher
states are borrowed from a small pool, one thread at a time: Whoosh file readers keep a
position, so one searcher must not serve two threads at once.
"""

from __future__ import annotations

import heapq
import operator
import queue
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain

from whoosh import query
from whoosh.index import TOC, FileIndex
from whoosh.searching import Searcher

from ..articles import Article, ArticleDate
from . import querytree as qt
from .base import EngineReader, IndexCorrupt
from .whoosh_columns import ColumnCache, SearcherColumns
from .whoosh_matches import ids as matcher_ids
from .whoosh_matches import scores as matcher_scores
from .whoosh_query import _DisMaxMatcher, to_whoosh
from .whoosh_scoring import WEIGHTING

MAX_CACHED_FILTERS = 64  # filter sets kept per searcher
# Searcher states are borrowed, not per thread: Whoosh is pure Python, so under the GIL
# two states serve as many requests as eight, and each state maps the index files and
# holds the columns (8 waitress threads: 3.2 GB at 34,160 articles).
POOL_SIZE = 2


class WhooshReader(EngineReader):
    """One table of contents' generation of a Whoosh index, read by a pool of searchers."""

    def __init__(self, ix: FileIndex, generation: int, words_of, columns: ColumnCache):
        """:param words_of: an article's distinct folded words (the analysis, as the
        index made them): what deleted articles took from the per-segment counts.
        :param columns: the engine's segments' columns, shared by its readers."""
        self._ix, self.generation, self.commit = ix, generation, str(generation)
        self._words_of, self._columns = words_of, columns
        try:
            toc = TOC.read(ix.storage, ix.indexname, generation, schema=ix._schema)
        except Exception as e:  # a pickle: garbage unpickles into any exception at all
            raise IndexCorrupt(f"table of contents {generation}: {type(e).__name__}: {e}") from e
        self.segment_ids = [segment.segment_id() for segment in toc.segments]
        self._pool = _Pool()
        self._created = 0
        self._pool_lock = threading.Lock()

    @contextmanager
    def _borrow(self) -> Iterator[_SearcherState]:
        """A searcher state of this reader's pool, for one call, one thread at a time."""
        try:
            state = self._pool.get_nowait()
        except queue.Empty:
            state = self._create_or_wait()
        try:
            yield state
        finally:
            self._pool.give_back(state)

    def _create_or_wait(self) -> _SearcherState:
        with self._pool_lock:
            create = self._created < POOL_SIZE
            self._created += create
        if not create:
            return self._pool.get()
        try:
            return _SearcherState(self._ix, self.generation, self._columns)
        except BaseException:  # a damaged index: free the slot, or later calls wait forever
            with self._pool_lock:
                self._created -= 1
            raise

    def search(self, q: qt.EngineQuery) -> qt.EngineResult:
        with self._borrow() as state:
            return _search(state, q)

    def fetch(self, ids: Sequence[str]) -> list[Article | None]:
        with self._borrow() as state:
            return [_article(state.stored(doc_id)) for doc_id in ids]

    def doc_count(self) -> int:
        with self._borrow() as state:
            return state.searcher.doc_count()

    def articles_of(self, source: str) -> list[Article]:
        # A plain searcher: a writer asks this of the commit it changes, and a searcher
        # state would first read every article's columns.
        with open_generation(self._ix, self.generation) as searcher:
            docs = searcher.docs_for_query(query.Term("source", source))
            return [_article(searcher.stored_fields(d)) for d in docs]

    def verify(self) -> None:
        # Postings are written in term order: the first and the last term's lists sit at
        # both ends of each segment's file, so a cut or overwritten file fails here.
        with self._borrow() as state:
            for reader, _ in state.searcher.reader().leaf_readers():
                for field, text in _first_and_last_terms(reader):
                    list(reader.postings(field, text).all_ids())

    def lexicon(self, prefix: str = "") -> list[tuple[str, int]]:
        # Segment by segment, then summed: Whoosh's multi-segment reader looks each word
        # up in every segment, six times slower with four segments (each write adds one).
        # A segment's counts include its deleted articles: their words are taken off.
        df: Counter[str] = Counter()
        with self._borrow() as state:
            for reader, _ in state.searcher.reader().leaf_readers():
                for word, info in reader.iter_prefix("exact", prefix):
                    df[word.decode("utf-8")] += info.doc_frequency()
                for docnum in range(reader.doc_count_all()) if reader.has_deletions() else ():
                    if reader.is_deleted(docnum):
                        gone = _article(reader.stored_fields(docnum))
                        df.subtract(w for w in self._words_of(gone) if w.startswith(prefix))
        return sorted((word, n) for word, n in df.items() if n > 0)

    def phrases(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        # As Lucene's docFreq, a segment's counts include its deleted articles: a title
        # phrase offered a little more often than it now stands, never a missing one.
        df: Counter[str] = Counter()
        with self._borrow() as state:
            for reader, _ in state.searcher.reader().leaf_readers():
                for phrase, info in reader.iter_prefix("phrases", prefix):
                    df[phrase.decode("utf-8")] += info.doc_frequency()
        return sorted(df.items(), key=lambda pc: (-pc[1], pc[0]))[:limit]

    def copy_candidates(self) -> dict[str, tuple[str, ...]]:
        with self._borrow() as state:
            reader = state.searcher.reader()
            bands = {
                d: state.bands[d]
                for d in range(len(state.ids))
                if state.bands[d] and not reader.is_deleted(d)
            }
            counts = Counter(chain.from_iterable(bands.values()))
            return {
                state.ids[d]: tuple(b) for d, b in bands.items() if any(counts[x] > 1 for x in b)
            }

    def close(self) -> None:
        self._pool.retire()


def open_generation(ix: FileIndex, generation: int) -> Searcher:
    """A searcher of exactly one table of contents' generation (not the latest)."""
    toc = TOC.read(ix.storage, ix.indexname, generation, schema=ix._schema)
    reader = FileIndex._reader(ix.storage, toc.schema, toc.segments, toc.generation)
    return Searcher(reader, weighting=WEIGHTING, fromindex=ix)


def _search(state: _SearcherState, q: qt.EngineQuery) -> qt.EngineResult:
    by_date = q.sort == "date"
    allowed = state.allowed(q.filters)
    if allowed is not None and not allowed:  # nothing passes the filters
        return qt.EngineResult(0, [], _facets((), state) if q.facets else {})
    docs, best = _matches(
        state.searcher, to_whoosh(q.tree), allowed, q.offset + q.limit, by_date, q.deadline
    )
    if by_date:  # newest first, then by docnum: a stable order across pages
        page = sorted(docs, key=lambda d: (state.dates[d], -d), reverse=True)
        top = [(d, 0.0) for d in page[q.offset : q.offset + q.limit]]
    else:
        ranked = sorted(best, key=lambda item: (-item[0], -item[1]))
        top = [(-neg, score) for score, neg in ranked[q.offset : q.offset + q.limit]]
    hits = [(state.ids[docnum], score) for docnum, score in top]
    return qt.EngineResult(len(docs), hits, _facets(docs, state) if q.facets else {})


class _Pool(queue.LifoQueue):
    """Idle searcher states; once retired (a commit, a close), returned states are closed."""

    def __init__(self):
        super().__init__()
        self.retired = False
        self._retiring = threading.Lock()  # no state put back while the pool is drained

    def give_back(self, state: _SearcherState) -> None:
        with self._retiring:
            if not self.retired:
                self.put(state)
                return
        state.searcher.close()

    def retire(self) -> None:
        with self._retiring:
            self.retired = True
            idle = [self.get_nowait() for _ in range(self.qsize())]
        for state in idle:
            state.searcher.close()


class _SearcherState:
    """A searcher and its commit's columns (``whoosh_columns``: read once per segment)."""

    def __init__(self, ix: FileIndex, generation: int, cache: ColumnCache):
        self.searcher = open_generation(ix, generation)
        columns = SearcherColumns(self.searcher, cache)
        self.ids, self.dates, self.countries = columns.ids, columns.dates, columns.countries
        self.years, self.months = columns.years, columns.months
        self.bands = columns.bands
        self._docnum = columns.docnum
        self._allowed: dict[qt.Filters, set[int]] = {}

    def stored(self, doc_id: str) -> dict | None:
        """The stored fields of a live document by id (``searcher.document(id=...)``
        runs a term query per id; the ids are already in memory)."""
        docnum = self._docnum(doc_id)
        return None if docnum is None else self.searcher.stored_fields(docnum)

    def allowed(self, filters: qt.Filters) -> set[int] | None:
        """The documents that pass the filters, from the cached columns (None: all pass).

        A date range as a Whoosh TermRange ORs the posting lists of every date in it
        (hundreds of terms for a year): 650 ms a query on 10,000 articles; a pass over
        the column is a few milliseconds, and is kept for the next query.
        """
        if not (filters.countries or filters.date_from or filters.date_to):
            return None
        if filters not in self._allowed:
            if len(self._allowed) > MAX_CACHED_FILTERS:
                self._allowed.clear()
            low = filters.date_from or "0001-00-00"  # above NO_DATE: the undated are out
            high = filters.date_to or "9999-99-99"
            wanted = set(filters.countries)
            self._allowed[filters] = {
                d
                for d, key in enumerate(self.dates)
                if low <= key <= high and wanted.issubset(self.countries[d])
            }
        return self._allowed[filters]


def _first_and_last_terms(reader) -> list[tuple[str, bytes]]:
    """A segment's first and last (field, term), read at both ends of its ordered term
    index. Whoosh's ``all_terms()`` reads every term to reach the last one: half a second
    at 34,160 articles, which each command-line search paid to open the index."""
    terms = reader._terms  # W3TermsReader
    index = terms._tindex  # OrderedHashReader: an array of key positions, in key order
    ends = sorted({0, index.indexlen - 1}) if index.indexlen else []
    return [
        terms._keydecoder(index.key_at(index._get_pos(index.indexbase + i * index.indexsize)))
        for i in ends
    ]


def _matches(
    searcher,
    wq: query.Query,
    allowed: set[int] | None,
    limit: int,
    unscored: bool,
    deadline: float | None = None,
):
    """Every match (in ``allowed`` if given), and the top ``limit`` (score, -docnum).

    As Whoosh's TopCollector with neither block skipping nor matcher replacement (which
    would drop matches the facets need, then re-run the query to count them): the
    matcher tree's scores come from ``whoosh_matches`` (Whoosh's own, computed subtree
    by subtree); ``unscored`` (sort by date) only lists the matches. The top N is
    TopCollector's: the largest (score, -docnum), a later document entering only with a
    strictly higher score.
    """
    context = searcher.context()
    docs: set[int] = set()
    candidates: list[tuple[float, int]] = []
    for leaf, offset in searcher.leaf_searchers():
        qt.check_deadline(deadline)
        m = wq.matcher(leaf, context)
        if unscored:
            found = {d + offset for d in matcher_ids(m, deadline)}
            docs.update(found if allowed is None else allowed & found)
            continue
        scored = matcher_scores(m, _DisMaxMatcher, deadline=deadline)
        if offset:
            scored = {d + offset: score for d, score in scored.items()}
        if allowed is not None:
            scored = {d: score for d, score in scored.items() if d in allowed}
        docs.update(scored)
        candidates.extend(zip(scored.values(), map(operator.neg, scored), strict=True))
    return docs, heapq.nlargest(max(1, limit), candidates)


def _facets(docs: Iterable[int], state: _SearcherState) -> dict[str, dict[str, int]]:
    docs = list(docs)  # counted by C loops over the columns held in memory
    country = Counter(chain.from_iterable(map(state.countries.__getitem__, docs)))
    year = Counter(map(state.years.__getitem__, docs))
    month = Counter(map(state.months.__getitem__, docs))
    year.pop(None, None)  # undated
    month.pop(None, None)  # undated, or no month
    return {"country": dict(country), "year": dict(year), "month": dict(month)}


def _article(fields: dict | None) -> Article | None:
    if fields is None:
        return None
    title, url, value, precision, source = fields["meta"]
    return Article(
        id=fields["id"],
        text=fields["text"],
        title=title,
        date=ArticleDate(value, precision, source) if value else None,
        url=url,
        countries=tuple(fields.get("country", "").split()),
        source=fields["source"],
    )
