"""The Whoosh engine: pure Python, the default.

Fields: ``title`` and ``body`` hold stemmed French terms with positions (phrases),
``exact`` the folded, unstemmed words of both (prefix queries). Facet values live in
columns (``date``, ``country_col``) read once per searcher into lists, so counting
facets over all matches never unpickles a stored document. Searchers are per thread:
Whoosh file readers keep a position, so one searcher must not serve two threads at once.
"""

from __future__ import annotations

import heapq
import operator
import pickle
import queue
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from pathlib import Path

import numpy as np
from whoosh import columns, index, matching, query
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import IndexError as WhooshIndexError
from whoosh.util.numeric import byte_to_length

from .. import copies, written
from ..analysis import PreAnalyzedTokenizer, kept_terms
from ..articles import Article, ArticleDate
from ..runs import cut, per_run
from . import querytree as qt
from .base import Engine, EngineWriter, IndexCorrupt
from .whoosh_matches import scores as matcher_scores
from .whoosh_scoring import WEIGHTING
from .whoosh_segment import BulkSegmentWriter

NO_DATE = "0000-00-00"  # sorts after every real date when newest come first
MAX_CACHED_FILTERS = 64  # filter sets kept per searcher
POOL_SIZE = 2  # searcher states per engine


def make_schema() -> Schema:
    """The Whoosh schema: searchable fields, stored article, facet columns."""
    fr, exact = PreAnalyzedTokenizer(stemmed=True), PreAnalyzedTokenizer(stemmed=False)
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        source=ID(stored=True),
        title=TEXT(analyzer=fr, phrase=True),  # weights are applied per query
        body=TEXT(analyzer=fr, phrase=True),
        exact=TEXT(analyzer=exact, phrase=False),
        # Words as written and the title's phrases (``indexer.written``), near-copy bands
        # (``indexer.copies``), also in a column: read for every article at once.
        written=KEYWORD(lowercase=False, scorable=False),
        phrases=KEYWORD(lowercase=False, scorable=False),
        copyband=KEYWORD(lowercase=False, scorable=False),
        copyband_col=COLUMN(columns.VarBytesColumn()),
        text=STORED(),
        meta=STORED(),  # title, url, date value/precision/source
        date=ID(sortable=True),  # date key, "YYYY-MM-DD" with 00 for unknown parts
        country=KEYWORD(stored=True, lowercase=False, scorable=False),
        country_col=COLUMN(columns.VarBytesColumn()),
    )


# Two columns of the vocabulary (indexer.runs): each run's stems, and its folded words,
# computed once per distinct run.
_TERMS = per_run(kept_terms)


def prepare(a: Article) -> dict:
    """An article's fields for the writer (``add_document``), analysed: picklable."""
    d = a.date
    # The kept words of each run, looked up in C: each distinct run analysed once.
    texts = cut(a.title, a.text)  # as the article's countries were found: numbered once
    stems, exacts = texts.vocabulary.columns(_TERMS, 2)
    title, body = texts.numbers
    bands = copies.bands(texts)
    return dict(
        id=a.id,
        source=a.source,
        title=list(chain.from_iterable(map(stems.__getitem__, title))),
        body=list(chain.from_iterable(map(stems.__getitem__, body))),
        exact=list(chain.from_iterable(map(exacts.__getitem__, chain(title, body)))),
        written=" ".join(written.written_words(texts)),
        phrases=" ".join(written.phrases(texts)),
        copyband=" ".join(bands),
        copyband_col=" ".join(bands).encode("ascii"),
        text=a.text,
        meta=(a.title, a.url, *((d.value, d.precision, d.source) if d else (None,) * 3)),
        date=qt.date_key(d.value) if d else NO_DATE,
        country=" ".join(a.countries),
        country_col=" ".join(a.countries).encode("ascii"),
    )


class WhooshWriter(EngineWriter):
    def __init__(self, ix: index.Index):
        # Not compound: a compound segment is read through copies in memory (BytesIO), one
        # per thread's reader, 25 MB each for 3,000 articles; separate files are read in place.
        # Whoosh's writer, with new documents' postings grouped in memory (whoosh_segment).
        self._w = BulkSegmentWriter(ix, limitmb=256, compound=False)

    def add(self, articles: Iterable[Article]) -> None:
        self.add_prepared(map(prepare, articles))

    def add_prepared(self, items: Iterable[object]) -> None:
        for fields in items:
            self._w.add_document(**fields)

    def delete_ids(self, ids: Iterable[str]) -> None:
        for doc_id in ids:
            self._w.delete_by_term("id", doc_id)

    def delete_source(self, source: str) -> None:
        self._w.delete_by_term("source", source)

    def commit(self) -> None:
        self._w.commit()

    def cancel(self) -> None:
        self._w.cancel()


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
    """A searcher and the facet columns of its reader, built once."""

    def __init__(self, ix: index.Index):
        self.searcher = ix.searcher(weighting=WEIGHTING)
        for leaf, _ in self.searcher.leaf_searchers():
            leaf.doc_field_length = _length_table(leaf.reader())
        reader = self.searcher.reader()
        self.ids = reader.column_reader("id")
        self.dates = list(reader.column_reader("date"))
        self.years = [None if key == NO_DATE else key[:4] for key in self.dates]
        self.months = [None if key[5:7] == "00" else key[:7] for key in self.dates]
        self.countries = [b.decode("ascii").split() for b in reader.column_reader("country_col")]
        self._allowed: dict[qt.Filters, set[int]] = {}
        self._docnums: dict[str, int] | None = None
        self._copybands: list[bytes] | None = None

    @property
    def copybands(self) -> list[bytes]:
        """Each document's near-copy bands, space-separated (read on first use)."""
        if self._copybands is None:
            self._copybands = list(self.searcher.reader().column_reader("copyband_col"))
        return self._copybands

    def stored(self, doc_id: str) -> dict | None:
        """The stored fields of a live document by id (``searcher.document(id=...)``
        runs a term query per id; the id column is already in memory)."""
        if self._docnums is None:
            reader = self.searcher.reader()
            live = [(i, d) for d, i in enumerate(self.ids) if not reader.is_deleted(d)]
            self._docnums = dict(reversed(live))  # the first of equal ids, as Whoosh
        docnum = self._docnums.get(doc_id)
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


# A length byte decoded (None for 0, "no length"), as a value and as a float (NaN).
_LENGTHS = [None, *(byte_to_length(b) for b in range(1, 256))]
_LENGTH_FLOATS = np.array([np.nan, *_LENGTHS[1:]], dtype=np.float64)


def _length_table(reader) -> _LengthTable:
    """``doc_field_length`` of a segment from its length columns, read once: one byte
    per document, decoded through a 256-entry table rather than one by one."""
    perdoc = reader._perdoc
    tables = {}
    for name in reader.schema.scorable_names():
        column = _lenfield(name)
        if perdoc.has_column(column):
            tables[name] = _length_bytes(perdoc.column_reader(column, LENGTHS_COLUMN))
    return _LengthTable(tables)


def _length_bytes(column) -> bytes:
    """A length column's bytes, one per document, read in one go (Whoosh's reader,
    ``NumericColumn.Reader`` of "B", unpacks them one by one)."""
    if column._fixedlen != 1 or column._default != 0:
        raise IndexCorrupt(f"{column!r}: not a column of length bytes")
    data = column._dbfile.get(column._basepos, column._count) if column._count else b""
    return data + bytes(max(column._doccount - column._count, 0))  # past its end: 0


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


class _LengthTable:
    """A segment's ``doc_field_length``, from lists read once, and the same lengths as
    float arrays (``arrays``: NaN for None) for scoring whole posting lists at once.

    BM25F asks for a field's length at every match it scores; Whoosh reads the byte from
    the column file each time (a seek and a read). Same values: the decoded byte, None
    for a zero byte, ``default`` for a field without lengths.
    """

    def __init__(self, tables: dict[str, bytes]):
        """``tables``: each field's length bytes, one per document."""
        self._tables = {name: list(map(_LENGTHS.__getitem__, b)) for name, b in tables.items()}
        self.arrays = {
            name: _LENGTH_FLOATS[np.frombuffer(b, dtype=np.uint8)] for name, b in tables.items()
        }

    def __call__(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        table = self._tables.get(fieldname)
        return default if table is None else table[docnum]


# What Whoosh raises when a searcher reads damaged segment files, found by truncating,
# zeroing, overwriting and deleting the files of an index (RELIABILITY.md) ...
READ_ERRORS = (
    OSError,
    EOFError,
    struct.error,
    zlib.error,
    pickle.UnpicklingError,
    WhooshIndexError,  # EmptyIndexError: the table of contents is gone
)
# ... and garbage decoded as data, when raised inside Whoosh's readers (not ours: a
# ValueError in our code is a bug): Whoosh reports a bad block as a bare Exception.
DATA_ERRORS = (ValueError, KeyError)


class WhooshEngine(Engine):
    name = "whoosh"
    # 2: the title's weight moved from the schema to the queries; 3: uncompressed postings;
    # 4: article vectors (indexer.dense) beside the engine's files; 5: in 128 dimensions;
    # 6: words as written, title phrases and near-copy bands
    format_version = 6
    read_errors = READ_ERRORS
    immutable_files = True  # segments are written once; deletions live in the TOC

    @classmethod
    def is_read_error(cls, error: BaseException) -> bool:
        if isinstance(error, READ_ERRORS):
            return True
        garbage = isinstance(error, DATA_ERRORS) or type(error) is Exception
        return garbage and _raised_by_whoosh(error)

    def __init__(self, ix: index.Index):
        self._ix = ix
        self._new_pool()

    def _new_pool(self) -> None:
        # Searcher states are borrowed, not per thread: Whoosh is pure Python, so under the
        # GIL two states serve as many requests as eight, and each state maps the index
        # files and holds the columns (8 waitress threads: 3.2 GB at 34,160 articles).
        old = getattr(self, "_pool", None)
        self._pool = _Pool()
        self._created = 0
        self._pool_lock = threading.Lock()
        if old is not None:
            old.retire()

    @contextmanager
    def _borrow(self) -> Iterator[_SearcherState]:
        """A searcher state of this engine's pool, for one call, from one thread at a time."""
        pool = self._pool
        try:
            state = pool.get_nowait()
        except queue.Empty:
            state = self._create_or_wait(pool)
        try:
            yield state
        finally:
            pool.give_back(state)  # to the pool it came from: a commit starts a new pool

    def _create_or_wait(self, pool: _Pool) -> _SearcherState:
        with self._pool_lock:
            create = self._created < POOL_SIZE
            self._created += create
        if not create:
            return pool.get()
        try:
            return _SearcherState(self._ix)
        except BaseException:  # a damaged index: free the slot, or later calls wait forever
            with self._pool_lock:
                self._created -= 1
            raise

    @classmethod
    def create(cls, path: Path) -> WhooshEngine:
        path.mkdir(parents=True, exist_ok=True)
        return cls(index.create_in(str(path), make_schema()))

    @classmethod
    def open(cls, path: Path) -> WhooshEngine:
        try:
            return cls(index.open_dir(str(path)))
        # Opening reads only the table of contents, a pickle: garbage in it unpickles into
        # any exception at all (TypeError, AttributeError, ImportError...), never a bug.
        except Exception as e:
            raise IndexCorrupt(f"{path}: {type(e).__name__}: {e}") from e

    def writer(self) -> WhooshWriter:
        self._new_pool()  # searchers opened before the commit are stale
        return WhooshWriter(self._ix)

    @classmethod
    def prepare(cls, article: Article) -> dict:
        return prepare(article)

    def search(self, q: qt.EngineQuery) -> qt.EngineResult:
        with self._borrow() as state:
            return self._search(state, q)

    def _search(self, state: _SearcherState, q: qt.EngineQuery) -> qt.EngineResult:
        by_date = q.sort == "date"
        allowed = state.allowed(q.filters)
        if allowed is not None and not allowed:  # nothing passes the filters
            return qt.EngineResult(0, [], _facets((), state) if q.facets else {})
        docs, best = _matches(
            state.searcher, to_whoosh(q.tree), allowed, q.offset + q.limit, by_date
        )
        if by_date:  # newest first, then by docnum: a stable order across pages
            page = sorted(docs, key=lambda d: (state.dates[d], -d), reverse=True)
            top = [(d, 0.0) for d in page[q.offset : q.offset + q.limit]]
        else:
            ranked = sorted(best, key=lambda item: (-item[0], -item[1]))
            top = [(-neg, score) for score, neg in ranked[q.offset : q.offset + q.limit]]
        hits = [(state.ids[docnum], score) for docnum, score in top]
        return qt.EngineResult(len(docs), hits, _facets(docs, state) if q.facets else {})

    def fetch(self, ids: Sequence[str]) -> list[Article | None]:
        with self._borrow() as state:
            return [_article(state.stored(doc_id)) for doc_id in ids]

    def doc_count(self) -> int:
        with self._borrow() as state:
            return state.searcher.doc_count()

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
        df: Counter[bytes] = Counter()
        with self._borrow() as state:
            for reader, _ in state.searcher.reader().leaf_readers():
                for word, info in reader.iter_prefix("exact", prefix):
                    df[word] += info.doc_frequency()
        return sorted((word.decode("utf-8"), n) for word, n in df.items())

    def phrases(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        df: Counter[bytes] = Counter()
        with self._borrow() as state:
            for reader, _ in state.searcher.reader().leaf_readers():
                for phrase, info in reader.iter_prefix("phrases", prefix):
                    df[phrase] += info.doc_frequency()
        ranked = sorted(df.items(), key=lambda pc: (-pc[1], pc[0]))[:limit]
        return [(phrase.decode("utf-8"), n) for phrase, n in ranked]

    def copy_candidates(self) -> dict[str, tuple[str, ...]]:
        with self._borrow() as state:
            reader = state.searcher.reader()
            live = [d for d in range(len(state.ids)) if not reader.is_deleted(d)]
            bands = {
                d: b.decode("ascii").split()
                for d, b in zip(live, map(state.copybands.__getitem__, live), strict=True)
            }
            counts = Counter(chain.from_iterable(bands.values()))
            return {
                state.ids[d]: tuple(b)
                for d, b in bands.items()
                if any(counts[band] > 1 for band in b)
            }

    def close(self) -> None:
        self._new_pool()  # retires the current pool: its states close
        self._ix.close()


def _weighted(by_field: dict[str, query.Query], weight: float = 1.0) -> query.Query:
    """Any of the fields, each scaled by its FIELD_WEIGHTS and ``weight`` (a Term's)."""
    for field, q in by_field.items():
        q.boost = qt.FIELD_WEIGHTS[field] * weight
    return query.Or(list(by_field.values()))


def _raised_by_whoosh(error: BaseException) -> bool:
    """Whether an exception was raised inside Whoosh's own code (its readers decoding a
    damaged file), not in ours: a ValueError of our scorer or segment code is a bug that
    no rebuild would fix, so it must not be answered "rebuild the index"."""
    tb, last = error.__traceback__, None
    while tb is not None:
        last, tb = tb, tb.tb_next
    return last is not None and last.tb_frame.f_globals.get("__name__", "").startswith("whoosh.")


def to_whoosh(node: qt.Node) -> query.Query:
    """Translate the engine-neutral tree into a Whoosh query."""
    if isinstance(node, qt.Term):
        return _weighted(
            {
                "title": query.Term("title", node.stem),
                "body": query.Term("body", node.stem),
                "exact": query.Term("exact", node.exact),
            },
            node.weight,
        )
    if isinstance(node, qt.Phrase):
        if len(node.stems) == 1:
            return to_whoosh(qt.Term(node.stems[0], node.exacts[0]))
        return _weighted(
            {
                "title": query.Phrase("title", list(node.stems)),
                "body": query.Phrase("body", list(node.stems)),
            }
        )
    if isinstance(node, qt.Prefix):
        # Constant, as a prefix expanding to several words already is in Whoosh (and in
        # tantivy); one expansion would otherwise be scored as a plain term on "exact".
        return query.ConstantScoreQuery(query.Prefix("exact", node.prefix))
    if isinstance(node, qt.And):
        return query.And([to_whoosh(c) for c in node.children])
    if isinstance(node, qt.Or):
        return query.Or([to_whoosh(c) for c in node.children])
    if isinstance(node, qt.Alternatives):
        return _DisjunctionMax([to_whoosh(c) for c in node.children])
    if isinstance(node, qt.Not):
        return query.Not(to_whoosh(node.child))
    if isinstance(node, qt.Ids):
        ids = [query.Term("id", doc_id) for doc_id in node.ids]
        return query.ConstantScoreQuery(query.Or(ids) if ids else query.NullQuery, 0.0)
    if isinstance(node, qt.Written):
        words = [query.Term("written", w) for w in node.words]
        return query.ConstantScoreQuery(query.And(words), 0.0)
    return query.Every()


class _DisMaxMatcher(matching.DisjunctionMaxMatcher):
    """Whoosh 2.7.4's takes the max of both sides even when one side is on another
    document, so every match scored as the best document; max over the current one only."""

    def score(self):
        doc = self.id()
        return max(m.score() for m in (self.a, self.b) if m.is_active() and m.id() == doc)


class _DisjunctionMax(query.DisjunctionMax):
    """DisjunctionMax scored by ``_DisMaxMatcher``."""

    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        size = lambda q: q.estimate_size(reader)  # noqa: E731 (as Whoosh's own _matcher)
        return self._tree_matcher(
            subs, _DisMaxMatcher, searcher, context, size, tiebreak=self.tiebreak
        )


def _matches(searcher, wq: query.Query, allowed: set[int] | None, limit: int, unscored: bool):
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
        m = wq.matcher(leaf, context)
        if unscored:
            found = [d + offset for d in m.all_ids()]
            docs.update(found if allowed is None else allowed.intersection(found))
            continue
        scored = matcher_scores(m, _DisMaxMatcher)
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
