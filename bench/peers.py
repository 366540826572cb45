"""The peers, each on its stock French set-up, doing the product's work as far as they can.

- ``fts5``: SQLite FTS5 (stdlib), ``unicode61 remove_diacritics 2``, bm25 order;
- ``tantivy``: tantivy-py, simple tokenizer | remove_long | lowercase | ascii_fold |
  French stemmer (``bench.relevance_peers.french_tantivy_analyzer``), BM25;
- ``whoosh``: Whoosh 2.7.4, ``LanguageAnalyzer("fr")``, BM25F.

Each indexes title and body, stored for snippets, and the date. A query (``PeerQuery``)
is an AND of its words and phrases over title and body, with the date range as a
filter, ordered by score or by date; the answer is the top 10 with a highlighted snippet
each (Whoosh ``highlights()``, tantivy ``SnippetGenerator``, FTS5 ``snippet()``), the
total and a year facet (Whoosh ``FieldFacet``, a tantivy terms aggregation, an FTS5
``GROUP BY``). They have no country facet and no passages of our kind: see BENCHMARKS.md.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from bench.corpus import Doc
from bench.mix import PeerQuery

LIMIT = 10
SNIPPET_CHARS = 200
NO_DATE = "0000-00-00"

# A peer's search: a PeerQuery -> (total, [(id, snippet html)], {year: count})
Answer = tuple[int, list[tuple[str, str]], dict[str, int]]


class Fts5Peer:
    """SQLite FTS5: snippet() of the body, a GROUP BY for the year facet and the total."""

    name = "fts5"
    label = "SQLite FTS5 (stdlib)"
    TABLE = (
        "CREATE VIRTUAL TABLE docs USING fts5(docid UNINDEXED, date UNINDEXED, title, text,"
        " tokenize = 'unicode61 remove_diacritics 2')"
    )

    def build(self, docs: Iterable[Doc], folder: Path) -> int:
        folder.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(folder / "fts5.sqlite") as db:
            db.execute(self.TABLE)
            rows = ((d.id, d.date or NO_DATE, d.title, d.text) for d in docs)
            db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", rows)
            return db.execute("SELECT count(*) FROM docs").fetchone()[0]

    def open(self, folder: Path) -> Callable[[PeerQuery], Answer]:
        db = sqlite3.connect(folder / "fts5.sqlite", check_same_thread=False)

        def search(pq: PeerQuery) -> Answer:
            match = fts5_match(pq)
            if not match:
                return 0, [], {}
            where, args = _fts5_where(pq, match)
            order = "date DESC" if pq.by_date else "rank"
            top = db.execute(
                "SELECT docid, snippet(docs, 3, '<mark>', '</mark>', '…', 32) FROM docs"
                f" WHERE {where} ORDER BY {order} LIMIT {LIMIT}",
                args,
            ).fetchall()
            years = db.execute(
                f"SELECT substr(date, 1, 4), count(*) FROM docs WHERE {where} GROUP BY 1", args
            ).fetchall()
            return sum(n for _, n in years), top, dict(years)

        return search


def fts5_match(pq: PeerQuery) -> str:
    """An FTS5 MATCH expression, every word and phrase quoted and required: '"a" "b c"'."""
    parts = [*((w,) for w in pq.words), *pq.phrases]
    return " ".join('"' + " ".join(p).replace('"', '""') + '"' for p in parts)


def _fts5_where(pq: PeerQuery, match: str) -> tuple[str, list]:
    where, args = ["docs MATCH ?"], [match]
    if pq.date_from:
        where.append("date >= ?")
        args.append(pq.date_from)
    if pq.date_to:
        where.append("date <= ?")
        args.append(pq.date_to)
    return " AND ".join(where), args


def _date_number(date: str) -> int:
    return int(date.replace("-", "")) if date else 0


class TantivyPeer:
    """tantivy-py with its French stemmer; SnippetGenerator; a terms aggregation on year."""

    name = "tantivy"
    label = "tantivy-py 0.27, French stemmer"

    def _index(self, folder: Path, create: bool):
        import tantivy

        from bench.relevance_peers import french_tantivy_analyzer

        sb = tantivy.SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw")
        sb.add_text_field("title", stored=True, tokenizer_name="fr_stem")
        sb.add_text_field("text", stored=True, tokenizer_name="fr_stem")
        sb.add_unsigned_field("date", indexed=True, fast=True)
        sb.add_unsigned_field("year", fast=True)
        index = tantivy.Index(sb.build(), path=str(folder), reuse=not create)
        index.register_tokenizer("fr_stem", french_tantivy_analyzer())
        return index

    def build(self, docs: Iterable[Doc], folder: Path) -> int:
        import tantivy

        folder.mkdir(parents=True, exist_ok=True)
        writer = self._index(folder, create=True).writer(heap_size=256_000_000, num_threads=1)
        count = 0
        for d in docs:
            doc = tantivy.Document(id=d.id, title=d.title, text=d.text)
            doc.add_unsigned("date", _date_number(d.date))
            doc.add_unsigned("year", _date_number(d.date) // 10_000)
            writer.add_document(doc)
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        return count

    def open(self, folder: Path) -> Callable[[PeerQuery], Answer]:
        import tantivy

        from bench.relevance_peers import french_tantivy_analyzer

        index = self._index(folder, create=False)
        schema, searcher = index.schema, index.searcher()
        analyzer = french_tantivy_analyzer()
        years = {"year": {"terms": {"field": "year", "size": 1000}}}

        def search(pq: PeerQuery) -> Answer:
            query = _tantivy_query(pq, schema, analyzer)
            if query is None:
                return 0, [], {}
            order = {"order_by_field": "date", "order": tantivy.Order.Desc} if pq.by_date else {}
            found = searcher.search(query, limit=LIMIT, count=True, **order)
            snippets = tantivy.SnippetGenerator.create(searcher, query, schema, "text")
            snippets.set_max_num_chars(SNIPPET_CHARS)
            top = []
            for _, address in found.hits:
                doc = searcher.doc(address)
                top.append((doc["id"][0], snippets.snippet_from_doc(doc).to_html()))
            buckets = searcher.aggregate(query, years)["year"]["buckets"]
            return found.count, top, {str(int(b["key"])): b["doc_count"] for b in buckets}

        return search


def _tantivy_query(pq: PeerQuery, schema, analyzer):
    """Every word and phrase required, each in title or text; the date range as a filter."""
    from tantivy import FieldType, Occur, Query

    def either(make) -> tuple:
        return Occur.Must, Query.boolean_query(
            [(Occur.Should, make("title")), (Occur.Should, make("text"))]
        )

    clauses = []
    for word in pq.words:
        for term in analyzer.analyze(word):
            clauses.append(either(lambda f, t=term: Query.term_query(schema, f, t)))
    for phrase in pq.phrases:
        terms = analyzer.analyze(" ".join(phrase))
        if len(terms) > 1:
            clauses.append(either(lambda f, ts=terms: Query.phrase_query(schema, f, ts)))
        elif terms:
            clauses.append(either(lambda f, t=terms[0]: Query.term_query(schema, f, t)))
    if not clauses:
        return None
    if pq.date_from or pq.date_to:
        low, high = _date_number(pq.date_from), _date_number(pq.date_to or "9999-12-31")
        dates = Query.range_query(schema, "date", FieldType.Unsigned, low, high)
        clauses.append((Occur.Must, Query.const_score_query(dates, 0.0)))
    return Query.boolean_query(clauses)


class WhooshPeer:
    """Stock Whoosh 2.7.4: LanguageAnalyzer("fr"), highlights(), a FieldFacet on year."""

    name = "whoosh"
    label = 'Whoosh 2.7.4, LanguageAnalyzer("fr")'

    def build(self, docs: Iterable[Doc], folder: Path) -> int:
        from whoosh import index
        from whoosh.analysis import LanguageAnalyzer
        from whoosh.fields import ID, TEXT, Schema

        fr = LanguageAnalyzer("fr")
        schema = Schema(
            id=ID(stored=True),
            title=TEXT(analyzer=fr, stored=True),
            text=TEXT(analyzer=fr, stored=True),
            date=ID(stored=True, sortable=True),
            year=ID(sortable=True),
        )
        folder.mkdir(parents=True, exist_ok=True)
        writer = index.create_in(str(folder), schema).writer(limitmb=256)
        count = 0
        for d in docs:
            date = d.date or NO_DATE
            writer.add_document(id=d.id, title=d.title, text=d.text, date=date, year=date[:4])
            count += 1
        writer.commit()
        return count

    def open(self, folder: Path) -> Callable[[PeerQuery], Answer]:
        from whoosh import highlight, index, sorting

        ix = index.open_dir(str(folder))
        searcher, analyzer = ix.searcher(), ix.schema["text"].analyzer
        facet = {"year": sorting.FieldFacet("year", maptype=sorting.Count)}

        def search(pq: PeerQuery) -> Answer:
            query = _whoosh_query(pq, analyzer)
            if query is None:
                return 0, [], {}
            results = searcher.search(
                query,
                limit=LIMIT,
                filter=_whoosh_dates(pq),
                sortedby="date" if pq.by_date else None,
                reverse=pq.by_date,
                groupedby=facet,
            )
            results.formatter = highlight.HtmlFormatter()
            top = [(hit["id"], hit.highlights("text")) for hit in results[:LIMIT]]
            return len(results), top, dict(results.groups("year"))

        return search


def _whoosh_query(pq: PeerQuery, analyzer):
    from whoosh import query

    def either(make):
        return query.Or([make("title"), make("text")])

    clauses = []
    for word in pq.words:
        for term in (t.text for t in analyzer(word)):
            clauses.append(either(lambda f, t=term: query.Term(f, t)))
    for phrase in pq.phrases:
        terms = [t.text for t in analyzer(" ".join(phrase))]
        if len(terms) > 1:
            clauses.append(either(lambda f, ts=terms: query.Phrase(f, ts)))
        elif terms:
            clauses.append(either(lambda f, t=terms[0]: query.Term(f, t)))
    return query.And(clauses) if clauses else None


def _whoosh_dates(pq: PeerQuery):
    from whoosh import query

    if not (pq.date_from or pq.date_to):
        return None
    return query.TermRange("date", pq.date_from or "0001-01-01", pq.date_to or "9999-12-31")


PEERS = {p.name: p for p in (Fts5Peer(), TantivyPeer(), WhooshPeer())}
