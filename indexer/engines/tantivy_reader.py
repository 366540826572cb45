"""A tantivy index read at one commit: a tantivy ``Searcher``, which keeps the segments of
the commit it was opened on whatever is committed after.

Facets count all matches in one tantivy aggregation over fast fields (country terms,
and a month histogram of the date that also gives the years and the total), so the
query runs twice (top page, then facets), never once per hit. A searcher serves many
threads at once, and tantivy releases the GIL while it searches.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Sequence

import numpy as np
import tantivy
from tantivy import Occur, Query

from ..articles import Article, ArticleDate
from . import querytree as qt
from .base import EngineReader, IndexCorrupt
from .tantivy_query import _all_of, to_tantivy

NO_DATE = 0  # the date key of an undated article: sorts after every real date, newest first
MAX_CACHED_DOCS = 1_000  # stored documents kept from recent searches (``TantivyReader._docs``)
MAX_SHARED_BANDS = 200_000  # near-copy bands read at most (34,160 news articles: 400)
FACET_SIZE = 1_000  # more buckets than there are countries: the counts are exact
FACET_AGGS = {
    "country": {"terms": {"field": "country", "size": FACET_SIZE}},
    # One bucket per month that has articles (YYYYMM00); years are summed from them.
    "month": {"histogram": {"field": "date", "interval": 100, "min_doc_count": 1}},
}
BY_DATE = {"order_by_field": "date", "order": tantivy.Order.Desc}  # newest first, undated last
KEY = "key"  # a numeric column: the id's 64-bit hash (``id_key``), read without the document
KEYED_FROM = 100  # hits among listed ids from which their ids are read from the key column


def id_key(doc_id: str) -> int:
    """The 64-bit hash of an article's id that its ``key`` column holds."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=8).digest(), "little")


def date_number(key: str) -> int:
    """A date key as a sortable number: '2021-06-00' -> 20210600 ('' -> NO_DATE)."""
    return int(key.replace("-", "")) if key else NO_DATE


def _panics_are_damage(method):
    """A Rust panic inside tantivy (garbage in a postings file) reaches Python as pyo3's
    PanicException, a BaseException that no handler of ours caught: the request hung.
    It is the engine failing to read its files: IndexCorrupt, a 503."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except BaseException as e:
            if type(e).__name__ != "PanicException":
                raise
            raise IndexCorrupt(f"tantivy panicked reading the index: {e}") from None

    return wrapper


class TantivyReader(EngineReader):
    """One commit of a tantivy index: its searcher, and the documents it loaded lately."""

    def __init__(self, searcher: tantivy.Searcher, schema: tantivy.Schema, commit: str):
        self.searcher, self.schema, self.commit = searcher, schema, commit
        # id -> stored document of the last searches' hits: a search loads each hit's
        # document for its id, and the service then fetches most of them (re-ranking,
        # passages), which loaded and decompressed them again (0.7 ms a query of 4).
        # Replaced, never changed in place, when full.
        self._docs: dict[str, tantivy.Document] = {}
        self._docs_lock = threading.Lock()

    @_panics_are_damage
    def search(self, q: qt.EngineQuery) -> qt.EngineResult:
        qt.check_deadline(q.deadline)  # tantivy's own search cannot be stopped midway
        with self._docs_lock:
            if len(self._docs) >= MAX_CACHED_DOCS:
                self._docs = {}
            docs, searcher = self._docs, self.searcher
        keep = q.limit >= KEYED_FROM  # its id lists come back (the copies' members)
        query = self._with_filters(to_tantivy(q.tree, self.schema, keep), q.filters)
        order = BY_DATE if q.sort == "date" else {}
        # tantivy's top docs panic on a limit of 0: a count collects one hit, not loaded
        found = searcher.search(
            query, limit=max(q.limit, 1), offset=q.offset, count=not q.facets, **order
        )
        page = found.hits[: q.limit]
        listed = _listed(q.tree)
        if listed is not None and len(page) >= KEYED_FROM:
            ids = _ids_by_key(searcher, page, _Keys.of(listed))
        else:
            ids = []
            for _, address in page:
                doc = searcher.doc(address)
                ids.append(doc["id"][0])
                docs[ids[-1]] = doc
        scores = (0.0 if q.sort == "date" else float(score) for score, _ in page)
        hits = list(zip(ids, scores, strict=True))
        if not q.facets:
            return qt.EngineResult(found.count, hits, {})
        total, facets = _facets(searcher.aggregate(query, FACET_AGGS))
        return qt.EngineResult(total, hits, facets)

    def _with_filters(self, query: Query, filters: qt.Filters) -> Query:
        parts = [Query.term_query(self.schema, "country", c) for c in filters.countries]
        if filters.date_from or filters.date_to:
            low = date_number(filters.date_from or "0001-00-00")  # excludes the undated
            high = date_number(filters.date_to or "9999-99-99")
            parts.append(
                Query.range_query(self.schema, "date", tantivy.FieldType.Unsigned, low, high)
            )
        if not parts:
            return query
        # A filter restricts and never scores, as Whoosh's filter= does.
        restriction = Query.const_score_query(_all_of(parts), 0.0)
        return Query.boolean_query([(Occur.Must, query), (Occur.Must, restriction)])

    @_panics_are_damage
    def fetch(self, ids: Sequence[str]) -> list[Article | None]:
        docs = self._docs
        known = {doc_id: docs[doc_id] for doc_id in ids if doc_id in docs}
        wanted = [doc_id for doc_id in dict.fromkeys(ids) if doc_id not in known]
        if wanted:
            searcher = self.searcher
            query = Query.term_set_query(self.schema, "id", wanted)
            found = searcher.search(query, limit=len(wanted), count=False)
            known.update((d["id"][0], d) for d in map(searcher.doc, (a for _, a in found.hits)))
        by_id = {doc_id: _article(doc) for doc_id, doc in known.items()}
        return [by_id.get(doc_id) for doc_id in ids]

    @_panics_are_damage
    def doc_count(self) -> int:
        return self.searcher.num_docs

    @_panics_are_damage
    def lexicon(self, prefix: str = "") -> list[tuple[str, int]]:
        # Counted over live articles only: deleted ones stay in the term dictionary until
        # a merge, and a filter makes tantivy skip them (0.1 s for 75,000 words).
        words = self.searcher.terms_with_prefix("exact", prefix, filter_query=Query.all_query())
        return sorted(words)  # tantivy returns them most frequent first

    @_panics_are_damage
    def phrases(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        return self.searcher.terms_with_prefix(
            "phrases", prefix, filter_query=Query.all_query(), limit=limit
        )

    @_panics_are_damage
    def copy_candidates(self) -> dict[str, tuple[str, ...]]:
        searcher = self.searcher
        bands = searcher.terms_with_prefix(
            "copyband", "", filter_query=Query.all_query(), limit=MAX_SHARED_BANDS
        )
        shared = {band: n for band, n in bands if n > 1}
        if not shared:
            return {}
        query = Query.term_set_query(self.schema, "copyband", list(shared))
        found = searcher.search(query, limit=sum(shared.values()), count=False)
        docs = [searcher.doc(address) for _, address in found.hits]
        return {doc["id"][0]: tuple(doc["copyband"]) for doc in docs}

    @_panics_are_damage
    def articles_of(self, source: str) -> list[Article]:
        query = Query.term_query(self.schema, "source", source)
        found = self.searcher.search(query, limit=max(1, self.searcher.num_docs), count=False)
        return [_article(self.searcher.doc(address)) for _, address in found.hits]


def _ids_by_key(searcher: tantivy.Searcher, hits: list, keys: _Keys) -> list[str]:
    """The ids of hits (of this searcher) from their key column: matched back to the
    listed ids, and loaded from the document only when two listed ids share a key.

    Loading a document for its id costs 17 us: the copies' pass, which asks which of
    every copy's id match a query, spent 350 ms of 600 there on 68,320 articles."""
    addresses = [address for _, address in hits]
    found = keys.ids_of(searcher.fast_field_values(KEY, addresses))
    return [
        doc_id if doc_id is not None else searcher.doc(address)["id"][0]
        for doc_id, address in zip(found, addresses, strict=True)
    ]


def _listed(node: qt.Node) -> tuple[str, ...] | None:
    """The ids a query's matches are among (a top-level ``Ids``), or None."""
    if isinstance(node, qt.Ids):
        return node.ids
    if isinstance(node, qt.And):
        return next((c.ids for c in node.children if isinstance(c, qt.Ids)), None)
    return None


class _Keys:
    """Listed ids by their keys: sorted keys, and each one's id (None when two ids of
    the list share it). Made once per list (the copies' members are one list per
    index generation): 0.2 s for 341,600 ids."""

    def __init__(self, ids: tuple[str, ...]):
        unique = list(dict.fromkeys(ids))
        keys = np.fromiter((id_key(i) for i in unique), dtype=np.uint64, count=len(unique))
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.ids: list[str | None] = [unique[i] for i in order]
        shared = np.flatnonzero(self.keys[1:] == self.keys[:-1])
        for i in shared:  # a collision: neither id can be told by its key
            self.ids[i] = self.ids[i + 1] = None

    @staticmethod
    @functools.lru_cache(maxsize=2)
    def of(ids: tuple[str, ...]) -> _Keys:
        return _Keys(ids)

    def ids_of(self, keys: list) -> list[str | None]:
        """The id of each key (None: unknown, shared, or no key column in its segment)."""
        wanted = np.array([k if k is not None else 0 for k in keys], dtype=np.uint64)
        at = np.searchsorted(self.keys, wanted).clip(0, max(len(self.keys) - 1, 0))
        known = len(self.keys) > 0
        return [
            self.ids[i] if known and k is not None and self.keys[i] == w else None
            for i, k, w in zip(at.tolist(), keys, wanted.tolist(), strict=True)
        ]


def _facets(aggs: dict) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and the country, year and month counts from the aggregation's buckets."""
    country = {b["key"]: b["doc_count"] for b in aggs["country"]["buckets"]}
    year: Counter[str] = Counter()
    month: dict[str, int] = {}
    total = 0
    for bucket in aggs["month"]["buckets"]:
        key, count = int(bucket["key"]) // 100, bucket["doc_count"]  # YYYYMM
        total += count  # every article has one date value (NO_DATE when undated)
        if key != NO_DATE:
            year[f"{key // 100:04d}"] += count
            if key % 100:  # not a year-only date
                month[f"{key // 100:04d}-{key % 100:02d}"] = count
    return total, {"country": country, "year": dict(year), "month": month}


def _article(doc: tantivy.Document) -> Article:
    fields = json.loads(doc["article"][0])
    date = fields["date"]
    return Article(
        id=fields["id"],
        text=fields["text"],
        title=fields["title"],
        date=ArticleDate(*date) if date else None,
        url=fields["url"],
        countries=tuple(fields["countries"]),
        source=fields["source"],
    )
