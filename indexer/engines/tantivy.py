"""The tantivy engine: tantivy-py (Rust core), the same fields and answers as Whoosh.

Our French analysis decides the terms, in Python: each text is cut into runs
(``indexer.runs``), every distinct run once into words with ``analysis.WORD`` and each
word through ``word_terms`` (elision, folding, stop words, PyStemmer), and the kept terms,
joined by spaces, are indexed with tantivy's ``whitespace`` tokenizer. Positions follow
the order of kept words, so stop words leave no gap, as with Whoosh's
StopFilter(renumber=True): '"la Ceinture et la Route"' is the phrase (ceintur, rout) in
both engines.

Why not tantivy's own chain (regex tokenizer | lowercase | ascii_fold | our stop list |
French stemmer)? It costs more CPU, and it answers differently: tantivy-py has no elision
filter and its French stemmer strips "d'" *after* the stop filter, so "d'un" and "c'est"
index "un" and "est"; "aujourd'hui" stays whole; stop words leave position gaps, so a
phrase typed without its stop words no longer matches. 1,956 of 2,000 news articles got
other terms than ours. Handing tokens over one by one (``PreTokenizedString``) costs a
Python object per word: 30% fewer documents per CPU-second than joined terms.

First 10,000 articles of ../shared/data/news-fr.jsonl.gz, through ``Engine.writer().add``
and commit, on a 2-core VM shared with other jobs' benchmarks (load 2 to 7): the best
wall rate of 3 runs, and documents per CPU-second of all threads (the steadier figure);
``search`` is ``Engine.search`` with facets over a mix of 20 queries::

                                        docs/s   docs/CPU-s   search p50   index
    ours, joined terms (chosen)          2,400      1,500      0.7-1.1 ms   26 MB
    tantivy's chain, writer on 2 cores     910      1,000      0.6-0.9 ms   27 MB
    Whoosh engine (for scale)              130        140     10.8 ms       70 MB

All 34,160 articles: 1,460 docs/CPU-s, 82 MB; a process serving that index stays at 74 MB
RSS. Python analysis is the bottleneck, so one writer thread indexes as fast as two and
keeps documents in insertion order: equal scores then rank as in Whoosh. Indexing rate::

    .venv/bin/python - <<'PY'
    import tempfile, time; from pathlib import Path
    from indexer.engines import engine_class; from indexer.sources import read_source
    articles = read_source(Path("../shared/data"), "news-fr.jsonl.gz")[0][:10_000]
    for name in ("tantivy", "whoosh"):
        engine, start = engine_class(name).create(Path(tempfile.mkdtemp())), time.time()
        with engine.writer() as writer:
            writer.add(articles)
        print(name, round(len(articles) / (time.time() - start)), "docs/s")
    PY

Facets count all matches in one tantivy aggregation over fast fields (country terms, and
a month histogram of the date that also gives the years and the total), so the query runs
twice (top page, then facets), never once per hit. A fresh searcher per call is cheap,
and tantivy releases the GIL while it searches: one engine serves a threaded server.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain
from pathlib import Path
from typing import NamedTuple

import tantivy
from tantivy import Occur, Query

from .. import copies, written
from ..analysis import kept_terms
from ..articles import Article, ArticleDate
from ..runs import cut, per_run
from . import querytree as qt
from .base import Engine, EngineWriter, IndexCorrupt

NO_DATE = 0  # the date key of an undated article: sorts after every real date, newest first
MAX_CACHED_DOCS = 1_000  # stored documents kept from recent searches (``TantivyEngine._docs``)
MAX_SHARED_BANDS = 200_000  # near-copy bands read at most (34,160 news articles: 400)
FACET_SIZE = 1_000  # more buckets than there are countries: the counts are exact
WRITER_HEAP = 256_000_000  # bytes shared by the writer threads; bigger means fewer segments
WRITER_THREADS = 1  # Python analysis is the bottleneck; one thread keeps insertion order
FACET_AGGS = {
    "country": {"terms": {"field": "country", "size": FACET_SIZE}},
    # One bucket per month that has articles (YYYYMM00); years are summed from them.
    "month": {"histogram": {"field": "date", "interval": 100, "min_doc_count": 1}},
}
BY_DATE = {"order_by_field": "date", "order": tantivy.Order.Desc}  # newest first, undated last
_REGEX_META = set(r"\.+*?()|[]{}^$#&-~")


def make_schema() -> tantivy.Schema:
    """The tantivy schema: searchable fields, filter and facet columns, stored article."""
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("source", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("title", tokenizer_name="whitespace")  # stems, with positions
    sb.add_text_field("body", tokenizer_name="whitespace")
    sb.add_text_field("exact", tokenizer_name="whitespace", index_option="basic")
    # Words as written (``indexer.written``): a quoted phrase's accents as typed come first.
    sb.add_text_field("written", tokenizer_name="whitespace", index_option="basic")
    sb.add_text_field("phrases", tokenizer_name="whitespace", index_option="basic")
    sb.add_text_field("copyband", tokenizer_name="raw", index_option="basic", stored=True)
    sb.add_text_field("country", tokenizer_name="raw", index_option="basic", fast=True)
    sb.add_unsigned_field("date", indexed=True, fast=True)  # YYYYMMDD, 00 for unknown parts
    sb.add_bytes_field("article", stored=True)  # the Article as JSON
    return sb.build()


def date_number(key: str) -> int:
    """A date key as a sortable number: '2021-06-00' -> 20210600 ('' -> NO_DATE)."""
    return int(key.replace("-", "")) if key else NO_DATE


def _run_terms(run: str) -> tuple[str, str]:
    """The kept terms of a run's words, space-separated: (stems, exact words)."""
    stems, exacts = kept_terms(run)
    return " ".join(stems), " ".join(exacts)


# Two columns of the vocabulary (indexer.runs), computed once per distinct run: a text's
# terms are then a map over its runs' numbers in C, which makes our analysis cheaper than
# tantivy's own chain; ``kept_terms`` (``word_terms``) stays the one definition of the chain.
_TERMS = per_run(_run_terms)


class Prepared(NamedTuple):
    """An article as the writer adds it: its fields analysed, picklable (``prepare``)."""

    id: str
    source: str
    title: str  # stems, space-separated (extra spaces where words were stopped)
    body: str
    exact: str  # folded words of title and body
    written: str  # the same words as written (indexer.written)
    phrases: str  # the title's runs of two and three words
    bands: tuple[str, ...]  # near-copy bands (indexer.copies)
    countries: tuple[str, ...]
    date: int  # date_number
    article: bytes  # the Article as JSON


def prepare(a: Article) -> Prepared:
    """Analyse an article for the index: the costly part of adding it, done in Python."""
    texts = cut(a.title, a.text)  # as the article's countries were found: numbered once
    stems, exacts = texts.vocabulary.columns(_TERMS, 2)
    title, body = texts.numbers
    return Prepared(
        a.id,
        a.source,
        " ".join(map(stems.__getitem__, title)),
        " ".join(map(stems.__getitem__, body)),
        " ".join(map(exacts.__getitem__, chain(title, body))),
        " ".join(written.written_words(texts)),
        " ".join(written.phrases(texts)),
        copies.bands(texts),
        a.countries,
        date_number(qt.date_key(a.date.value)) if a.date else NO_DATE,
        _article_json(a),
    )


class TantivyWriter(EngineWriter):
    def __init__(self, engine: TantivyEngine):
        self._engine = engine
        self._w = engine.index.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)

    def add(self, articles: Iterable[Article]) -> None:
        self.add_prepared(map(prepare, articles))

    def add_prepared(self, items: Iterable[Prepared]) -> None:
        for p in items:
            doc = tantivy.Document()
            doc.add_text("id", p.id)
            doc.add_text("source", p.source)
            doc.add_text("title", p.title)
            doc.add_text("body", p.body)
            doc.add_text("exact", p.exact)
            doc.add_text("written", p.written)
            doc.add_text("phrases", p.phrases)
            for band in p.bands:
                doc.add_text("copyband", band)
            for code in p.countries:
                doc.add_text("country", code)
            doc.add_unsigned("date", p.date)
            doc.add_bytes("article", p.article)
            self._w.add_document(doc)

    def delete_ids(self, ids: Iterable[str]) -> None:
        for doc_id in ids:
            self._w.delete_documents_by_term("id", doc_id)

    def delete_source(self, source: str) -> None:
        self._w.delete_documents_by_term("source", source)

    def commit(self) -> None:
        self._w.commit()
        # Merges must end before the build copies or publishes the folder; this also
        # drops the writer and its lock.
        self._w.wait_merging_threads()
        with self._engine._docs_lock:  # a search takes its searcher and its docs together
            self._engine.index.reload()
            self._engine._docs = {}  # a search that began before keeps the old dict

    def cancel(self) -> None:
        self._w.rollback()
        self._w.wait_merging_threads()


class TantivyEngine(Engine):
    name = "tantivy"
    # 2: article vectors (indexer.dense) beside the engine's files; 3: 128-d; 4: words as
    # written, title phrases and near-copy bands
    format_version = 4
    # What tantivy-py raises on damaged files (each file of an index truncated, overwritten
    # or deleted): most fail their checksums when the index opens (IndexCorrupt), the rest
    # when a search or fetch first reads them, as ValueError.
    read_errors = (OSError, ValueError)

    def __init__(self, index: tantivy.Index):
        self.index = index
        self.schema = index.schema
        # id -> stored document of the last searches' hits: a search loads each hit's
        # document for its id, and the service then fetches most of them (re-ranking,
        # passages), which loaded and decompressed them again (0.7 ms a query of 4).
        # Replaced, never changed in place, by a commit and when full.
        self._docs: dict[str, tantivy.Document] = {}
        self._docs_lock = threading.Lock()
        # Searchers see new commits when TantivyWriter.commit reloads; no watcher thread.
        index.config_reader("manual")

    @classmethod
    def create(cls, path: Path) -> TantivyEngine:
        path.mkdir(parents=True, exist_ok=True)
        return cls(tantivy.Index(make_schema(), path=str(path), reuse=False))

    @classmethod
    def open(cls, path: Path) -> TantivyEngine:
        if not tantivy.Index.exists(str(path)):
            raise IndexCorrupt(f"{path}: no tantivy index here")
        try:
            return cls(tantivy.Index.open(str(path)))
        except (ValueError, OSError) as e:
            raise IndexCorrupt(f"{path}: {e}") from e

    def writer(self) -> TantivyWriter:
        return TantivyWriter(self)

    @classmethod
    def prepare(cls, article: Article) -> Prepared:
        return prepare(article)

    def search(self, q: qt.EngineQuery) -> qt.EngineResult:
        with self._docs_lock:  # the documents of this searcher's commit
            if len(self._docs) >= MAX_CACHED_DOCS:
                self._docs = {}
            docs, searcher = self._docs, self.index.searcher()
        query = self._with_filters(to_tantivy(q.tree, self.schema), q.filters)
        order = BY_DATE if q.sort == "date" else {}
        found = searcher.search(query, limit=q.limit, offset=q.offset, count=not q.facets, **order)
        hits = []
        for score, address in found.hits:
            doc = searcher.doc(address)
            doc_id = doc["id"][0]
            docs[doc_id] = doc
            hits.append((doc_id, 0.0 if q.sort == "date" else float(score)))
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

    def fetch(self, ids: Sequence[str]) -> list[Article | None]:
        docs = self._docs
        known = {doc_id: docs[doc_id] for doc_id in ids if doc_id in docs}
        wanted = [doc_id for doc_id in dict.fromkeys(ids) if doc_id not in known]
        if wanted:
            searcher = self.index.searcher()
            query = Query.term_set_query(self.schema, "id", wanted)
            found = searcher.search(query, limit=len(wanted), count=False)
            known.update((d["id"][0], d) for d in map(searcher.doc, (a for _, a in found.hits)))
        by_id = {doc_id: _article(doc) for doc_id, doc in known.items()}
        return [by_id.get(doc_id) for doc_id in ids]

    def doc_count(self) -> int:
        return self.index.searcher().num_docs

    def lexicon(self, prefix: str = "") -> list[tuple[str, int]]:
        # Counted over live articles only: deleted ones stay in the term dictionary until
        # a merge, and a filter makes tantivy skip them (0.1 s for 75,000 words).
        words = self.index.searcher().terms_with_prefix(
            "exact", prefix, filter_query=Query.all_query()
        )
        return sorted(words)  # tantivy returns them most frequent first

    def phrases(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        return self.index.searcher().terms_with_prefix(
            "phrases", prefix, filter_query=Query.all_query(), limit=limit
        )

    def copy_candidates(self) -> dict[str, tuple[str, ...]]:
        searcher = self.index.searcher()
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

    def close(self) -> None:
        self.index = None  # mmaps are released when the last searcher goes


def to_tantivy(node: qt.Node, schema: tantivy.Schema) -> Query:
    """Translate the engine-neutral tree into a tantivy query."""
    if isinstance(node, qt.Term):
        return _weighted(
            {
                "title": Query.term_query(schema, "title", node.stem),
                "body": Query.term_query(schema, "body", node.stem),
                "exact": Query.term_query(schema, "exact", node.exact),
            },
            node.weight,
        )
    if isinstance(node, qt.Phrase):
        if len(node.stems) == 1:
            return to_tantivy(qt.Term(node.stems[0], node.exacts[0]), schema)
        return _weighted(
            {
                "title": Query.phrase_query(schema, "title", list(node.stems)),
                "body": Query.phrase_query(schema, "body", list(node.stems)),
            }
        )
    if isinstance(node, qt.Prefix):
        return Query.regex_query(schema, "exact", _regex_escape(node.prefix) + ".*")
    if isinstance(node, qt.And):
        return _and_not(node, schema)
    if isinstance(node, qt.Or):
        return Query.boolean_query([(Occur.Should, to_tantivy(c, schema)) for c in node.children])
    if isinstance(node, qt.Alternatives):  # scores as its best spelling, never their sum
        return Query.disjunction_max_query([to_tantivy(c, schema) for c in node.children])
    if isinstance(node, qt.Not):
        return _without(Query.all_query(), [to_tantivy(node.child, schema)])
    if isinstance(node, qt.Ids):
        return Query.const_score_query(Query.term_set_query(schema, "id", list(node.ids)), 0.0)
    if isinstance(node, qt.Written):
        words = [Query.term_query(schema, "written", w) for w in node.words]
        return Query.const_score_query(_all_of(words), 0.0)
    return Query.all_query()


def _weighted(by_field: dict[str, Query], weight: float = 1.0) -> Query:
    """Any of the fields, each scaled by its FIELD_WEIGHTS and ``weight`` (a Term's)."""
    clauses = []
    for field, query in by_field.items():
        boost = qt.FIELD_WEIGHTS[field] * weight
        clauses.append((Occur.Should, query if boost == 1.0 else Query.boost_query(query, boost)))
    return Query.boolean_query(clauses)


def _and_not(node: qt.And, schema: tantivy.Schema) -> Query:
    """An And: every positive child must match, and no Not child (tantivy's MustNot)."""
    positives = [to_tantivy(c, schema) for c in node.children if not isinstance(c, qt.Not)]
    excluded = [to_tantivy(c.child, schema) for c in node.children if isinstance(c, qt.Not)]
    if not positives:  # MustNot alone matches nothing in tantivy
        positives = [Query.all_query()]
    query = positives[0] if len(positives) == 1 else _all_of(positives)
    return _without(query, excluded) if excluded else query


def _all_of(queries: list[Query]) -> Query:
    return Query.boolean_query([(Occur.Must, q) for q in queries])


def _without(query: Query, excluded: list[Query]) -> Query:
    clauses = [(Occur.Must, query)] + [(Occur.MustNot, q) for q in excluded]
    return Query.boolean_query(clauses)


def _regex_escape(text: str) -> str:
    """Escape tantivy (Rust) regex syntax; folded prefixes are [a-z0-9], but be safe."""
    return "".join("\\" + ch if ch in _REGEX_META else ch for ch in text)


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


def _article_json(a: Article) -> bytes:
    d = a.date
    fields = {
        "id": a.id,
        "source": a.source,
        "title": a.title,
        "text": a.text,
        "url": a.url,
        "date": [d.value, d.precision, d.source] if d else None,
        "countries": list(a.countries),
    }
    return json.dumps(fields, ensure_ascii=False).encode("utf-8")


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
