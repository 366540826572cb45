"""The peers the product is measured against, each on its stock French set-up.

- ``fts5``: SQLite FTS5, ``tokenize = "unicode61 remove_diacritics 2"``, ranked by bm25();
- ``tantivy``: tantivy-py, simple tokenizer | remove_long(40) | lowercase | ascii_fold |
  French Snowball stemmer, BM25;
- ``whoosh``: Whoosh 2.7.4, ``LanguageAnalyzer("fr")`` as shipped, BM25F.

Each indexes ``title`` and ``text`` of the setting's JSONL files and answers a query with
an OR of its words over both fields, built term by term (no query parser, so punctuation,
quotes and ``AND``/``OR``/``NOT`` in a question are plain text). An index lives in the
cache folder and is reused until ``--rebuild``; a ``BUILT`` marker, written last, tells a
finished build from an interrupted one.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

WORD = re.compile(r"\w+")
MARKER = "BUILT"


class Doc(NamedTuple):
    """One judged or distractor document: its raw id (the qrels' docid), title and text."""

    id: str
    title: str
    text: str


def read_docs(files: Iterable[Path]) -> Iterator[Doc]:
    """Every document of JSONL(.gz) files; a null title becomes ''."""
    for path in files:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    record = json.loads(line)
                    yield Doc(str(record["id"]), record.get("title") or "", record["text"])


def query_words(text: str) -> list[str]:
    """Punctuation stripped, lowercased, distinct: "Qui a-t-il vu ?" -> qui a t il vu."""
    return list(dict.fromkeys(WORD.findall(text.lower())))


class Peer:
    """An index in a folder: build it from documents, then rank docids for a query text."""

    name = ""

    def __init__(self, folder: Path):
        self.folder = folder

    def is_built(self) -> bool:
        """True if a finished build is in the folder."""
        return (self.folder / MARKER).is_file()

    def build(self, docs: Iterable[Doc]) -> None:
        """Index the documents into a fresh folder, then write the marker."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        count = self._write(docs)
        (self.folder / MARKER).write_text(f"{count}\n", encoding="utf-8")

    def ranker(self, limit: int) -> Callable[[str], list[str]]:
        """Open the index: a function from query text to the top ``limit`` docids."""
        raise NotImplementedError

    def _write(self, docs: Iterable[Doc]) -> int:
        raise NotImplementedError


class Fts5Peer(Peer):
    """SQLite FTS5 with unicode61 remove_diacritics 2 and bm25()."""

    name = "fts5"
    TABLE = (
        "CREATE VIRTUAL TABLE docs USING fts5(docid UNINDEXED, title, text,"
        " tokenize = 'unicode61 remove_diacritics 2')"
    )

    def _write(self, docs: Iterable[Doc]) -> int:
        with sqlite3.connect(self.folder / "fts5.sqlite") as db:
            db.execute(self.TABLE)
            db.executemany("INSERT INTO docs VALUES (?, ?, ?)", docs)
            return db.execute("SELECT count(*) FROM docs").fetchone()[0]

    def ranker(self, limit: int) -> Callable[[str], list[str]]:
        db = sqlite3.connect(self.folder / "fts5.sqlite", check_same_thread=False)
        sql = "SELECT docid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?"

        def rank(text: str) -> list[str]:
            match = fts5_match(text)
            return [row[0] for row in db.execute(sql, (match, limit))] if match else []

        return rank


def fts5_match(text: str) -> str:
    """An FTS5 MATCH expression: each word a quoted string, ORed: '"qui" OR "vu"'."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in query_words(text))


def french_tantivy_analyzer():
    """Tantivy's own French chain: simple tokenizer, lowercase, ASCII folding, stemmer."""
    from tantivy import Filter, TextAnalyzerBuilder, Tokenizer

    return (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(40))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
        .filter(Filter.stemmer("french"))
        .build()
    )


class TantivyPeer(Peer):
    """Tantivy with a French analyzer registered as "fr_stem", BM25 over title and text."""

    name = "tantivy"

    def _index(self):
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", tokenizer_name="fr_stem")
        builder.add_text_field("text", tokenizer_name="fr_stem")
        index = tantivy.Index(builder.build(), path=str(self.folder), reuse=True)
        index.register_tokenizer("fr_stem", french_tantivy_analyzer())
        return index

    def _write(self, docs: Iterable[Doc]) -> int:
        import tantivy

        writer = self._index().writer(heap_size=256_000_000, num_threads=1)
        count = 0
        for doc in docs:
            writer.add_document(tantivy.Document(id=doc.id, title=doc.title, text=doc.text))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        return count

    def ranker(self, limit: int) -> Callable[[str], list[str]]:
        from tantivy import Occur, Query

        index = self._index()
        schema, searcher = index.schema, index.searcher()
        analyzer = french_tantivy_analyzer()

        def rank(text: str) -> list[str]:
            terms = dict.fromkeys(analyzer.analyze(" ".join(query_words(text))))
            clauses = [
                (Occur.Should, Query.term_query(schema, field, term))
                for term in terms
                for field in ("title", "text")
            ]
            if not clauses:
                return []
            hits = searcher.search(Query.boolean_query(clauses), limit).hits
            return [searcher.doc(address)["id"][0] for _, address in hits]

        return rank


class WhooshPeer(Peer):
    """Stock Whoosh: LanguageAnalyzer("fr") on title and text, BM25F."""

    name = "whoosh"

    def _write(self, docs: Iterable[Doc]) -> int:
        from whoosh import index
        from whoosh.analysis import LanguageAnalyzer
        from whoosh.fields import ID, TEXT, Schema

        fr = LanguageAnalyzer("fr")
        schema = Schema(id=ID(stored=True), title=TEXT(analyzer=fr), text=TEXT(analyzer=fr))
        writer = index.create_in(str(self.folder), schema).writer(limitmb=256)
        count = 0
        for doc in docs:
            writer.add_document(id=doc.id, title=doc.title, text=doc.text)
            count += 1
        writer.commit()
        return count

    def ranker(self, limit: int) -> Callable[[str], list[str]]:
        from whoosh import index, query

        ix = index.open_dir(str(self.folder))
        searcher, analyzer = ix.searcher(), ix.schema["text"].analyzer

        def rank(text: str) -> list[str]:
            terms = dict.fromkeys(t.text for t in analyzer(" ".join(query_words(text))))
            clauses = [query.Term(f, t) for t in terms for f in ("title", "text")]
            if not clauses:
                return []
            return [hit["id"] for hit in searcher.search(query.Or(clauses), limit=limit)]

        return rank


PEERS: tuple[type[Peer], ...] = (Fts5Peer, TantivyPeer, WhooshPeer)


def open_peers(corpus: Path, cache: Path, rebuild: bool) -> Iterator[tuple[Peer, float]]:
    """Each peer on a setting's corpus folder, built unless cached; with its build seconds."""
    files = sorted(p for p in corpus.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz")))
    for cls in PEERS:
        peer = cls(cache / "peers" / f"{cls.name}-{corpus.name}")
        seconds = 0.0
        if rebuild or not peer.is_built():
            started = time.perf_counter()
            peer.build(read_docs(files))
            seconds = time.perf_counter() - started
        yield peer, seconds
