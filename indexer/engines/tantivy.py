"""The tantivy engine: tantivy-py (Rust core), the same fields and answers as Whoosh.

Our French analysis decides the terms, in Python (``fields.article_fields``: each
distinct run of text analysed once, each word through ``analysis.word_terms``), and the
kept terms, joined by spaces, are indexed with tantivy's ``whitespace`` tokenizer.
Positions follow the order of kept words, so stop words leave no gap, as in the Whoosh
engine: '"la Ceinture et la Route"' is the phrase (ceintur, rout) in both engines.

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
import logging
import struct
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import tantivy

from ..articles import Article
from . import querytree as qt
from .base import Engine, EngineWriter, IndexCorrupt
from .fields import article_fields
from .integrity import crc32
from .tantivy_reader import KEY, NO_DATE, TantivyReader, date_number, id_key

WRITER_HEAP = 256_000_000  # bytes shared by the writer threads; bigger means fewer segments
WRITER_THREADS = 1  # Python analysis is the bottleneck; one thread keeps insertion order
log = logging.getLogger(__name__)

META = "meta.json"  # tantivy's list of segments, replaced by each commit
FOOTER_MAGIC, FOOTER_MAX = 1337, 50_000  # every segment file ends with a footer (CRC32)
RELOAD_TRIES = 3


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
    sb.add_unsigned_field(KEY, fast=True)  # the id's hash: ids of many hits without documents
    sb.add_bytes_field("article", stored=True)  # the Article as JSON
    return sb.build()


class Prepared(NamedTuple):
    """An article as the writer adds it: its fields analysed, picklable (``prepare``)."""

    id: str
    source: str
    title: str  # stems, space-separated
    body: str
    exact: str  # exact terms of title and body
    written: str  # the same words as written (indexer.written)
    phrases: str  # the title's runs of two and three words
    bands: tuple[str, ...]  # near-copy bands (indexer.copies)
    countries: tuple[str, ...]
    date: int  # date_number
    article: bytes  # the Article as JSON


def prepare(a: Article) -> Prepared:
    """Analyse an article for the index: the costly part of adding it, done in Python."""
    terms = article_fields(a)
    return Prepared(
        a.id,
        a.source,
        " ".join(terms.title),
        " ".join(terms.body),
        " ".join(terms.exact),
        " ".join(terms.written),
        " ".join(terms.phrases),
        terms.bands,
        a.countries,
        date_number(qt.date_key(a.date.value)) if a.date else NO_DATE,
        _article_json(a),
    )


class TantivyWriter(EngineWriter):
    def __init__(self, engine: TantivyEngine):
        self._w = engine.index.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)

    def add(self, articles: Iterable[Article]) -> None:
        self.add_prepared(map(prepare, articles))

    def add_prepared(self, items: Iterable[Prepared]) -> None:
        for p in items:
            doc = tantivy.Document()
            doc.add_text("id", p.id)
            doc.add_unsigned(KEY, id_key(p.id))
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

    def commit(self) -> str:
        self.commit_id = str(self._w.commit())  # tantivy's commit is fsynced: durable
        # Merges must end before the next writer (tantivy allows one at a time); this also
        # drops the writer and its lock.
        self._w.wait_merging_threads()
        return self.commit_id

    def cancel(self) -> None:
        try:
            self._w.rollback()
            self._w.wait_merging_threads()  # drops the writer and tantivy's lock
        except Exception as e:  # noqa: BLE001 (a commit failed midway: already dropped)
            log.warning("tantivy writer not cancelled cleanly: %s", e)


class TantivyEngine(Engine):
    name = "tantivy"
    # 2: article vectors (indexer.dense) beside the engine's files; 3: in 128 dimensions;
    # 4: changes committed in place (a catalog beside the engine, indexer.catalog);
    # 5: French terms stemmed before folding (indexer.analysis.stemming); 6: stop words
    # checked as written (indexer.analysis.stopwords); 7: words as written, title phrases
    # and near-copy bands (indexer.written, indexer.copies); 8: the id's hash in a column
    format_version = 8
    # What tantivy-py raises on damaged files (each file of an index truncated, overwritten
    # or deleted): most fail their checksums when the index opens (IndexCorrupt), the rest
    # when a search or fetch first reads them, as ValueError.
    read_errors = (OSError, ValueError)

    def __init__(self, index: tantivy.Index, path: Path):
        self.index, self.path = index, path
        self.schema = index.schema
        self._reader: TantivyReader | None = None
        self._lock = threading.Lock()
        # Searchers see new commits when ``reader`` reloads; no watcher thread.
        index.config_reader("manual")

    @classmethod
    def create(cls, path: Path) -> TantivyEngine:
        path.mkdir(parents=True, exist_ok=True)
        return cls(tantivy.Index(make_schema(), path=str(path), reuse=False), path)

    @classmethod
    def open(cls, path: Path) -> TantivyEngine:
        if not tantivy.Index.exists(str(path)):
            raise IndexCorrupt(f"{path}: no tantivy index here")
        try:
            return cls(tantivy.Index.open(str(path)), path)
        except (ValueError, OSError) as e:
            raise IndexCorrupt(f"{path}: {e}") from e

    def writer(self) -> TantivyWriter:
        return TantivyWriter(self)

    def reader(self, commit: str | None = None) -> TantivyReader:
        """The latest commit's reader (tantivy keeps no older commit to open: ``commit``
        is not used; ``reader.commit`` says which one was opened)."""
        with self._lock:
            latest = self.latest_commit()
            if self._reader is not None and self._reader.commit == latest:
                return self._reader
            for _ in range(RELOAD_TRIES):  # a commit between the reload and the check: again
                opened = latest
                self.index.reload()
                searcher = self.index.searcher()
                latest = self.latest_commit()
                if latest == opened:
                    break
            self._reader = TantivyReader(searcher, self.schema, opened)
            return self._reader

    def latest_commit(self) -> str:
        try:
            meta = json.loads((self.path / META).read_bytes())
        except (OSError, ValueError) as e:
            raise IndexCorrupt(f"{self.path / META}: {e}") from e
        return str(meta.get("opstamp", 0))

    @classmethod
    def prepare(cls, article: Article) -> Prepared:
        return prepare(article)

    def files(self, reader: TantivyReader) -> list[Path]:
        """The segment files of the latest commit (meta.json's segments), read per commit."""
        if getattr(reader, "files", None) is None:
            reader.files = segment_files(self.path)
        return reader.files

    def check_file(self, path: Path) -> None:
        check_footer(path)

    def close(self) -> None:
        self._reader = None
        self.index = None  # mmaps are released when the last searcher goes


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


def segment_files(path: Path) -> list[Path]:
    """The files of the segments that meta.json lists (a segment's id without its
    dashes names its files; deletions are in ``<id>.<opstamp>.del``)."""
    try:
        meta = json.loads((path / META).read_bytes())
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{path / META}: {e}") from e
    ids = {segment["segment_id"].replace("-", "") for segment in meta.get("segments", [])}
    return sorted(p for p in path.iterdir() if p.name.split(".", 1)[0] in ids)


def check_footer(path: Path) -> None:
    """A tantivy file's footer (JSON, its length, the magic number 1337) and the CRC32 of
    its body it records; IndexCorrupt when they do not match the file."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            f.seek(max(0, size - 8))
            length, magic = struct.unpack("<II", f.read(8)) if size >= 8 else (0, 0)
            if magic != FOOTER_MAGIC or length > min(FOOTER_MAX, size - 8):
                raise IndexCorrupt(f"{path}: no tantivy footer (file cut or overwritten)")
            f.seek(size - 8 - length)
            footer = json.loads(f.read(length))
        if crc32(path, size - 8 - length) != footer["crc"]:
            raise IndexCorrupt(f"{path}: checksum mismatch (file damaged)")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise IndexCorrupt(f"{path}: {e}") from e
