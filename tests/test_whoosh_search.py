"""The Whoosh engine's own search shortcuts answer as Whoosh's generic calls do.

Length tables against ``doc_field_length``, the one-pass collection against Whoosh's
``search`` (every match, every score, the top N order), stored fields by id against
``searcher.document(id=...)``, deleted documents included.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from whoosh import index, query, scoring

from indexer.analysis import analyze_words
from indexer.build import build_index
from indexer.engines import querytree as qt
from indexer.engines.whoosh import WhooshEngine, make_schema
from indexer.engines.whoosh_columns import length_table
from indexer.engines.whoosh_query import to_whoosh
from indexer.engines.whoosh_reader import _matches
from indexer.engines.whoosh_scoring import WEIGHTING
from indexer.engines.whoosh_segment import BulkSegmentWriter
from indexer.store import current_generation

DATA_DIR = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("whoosh-search")
    build_index(DATA_DIR, folder, engine="whoosh")
    gen = current_generation(folder)
    with WhooshEngine.open(gen).writer() as writer:  # a deletion, for the live-id lookups
        writer.delete_ids([_all_ids(gen)[0]])
    opened = WhooshEngine.open(gen)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """6,000 synthetic documents in two segments, some deleted: long posting lists (many
    blocks), Whoosh's union trees (above 5,000 documents) and array parts (2,048)."""
    from test_whoosh_segment import _docs

    folder = tmp_path_factory.mktemp("whoosh-large")
    ix = index.create_in(str(folder), make_schema())
    for batch in (_docs(6000, seed=7), _docs(40, seed=8, start=6000)):
        writer = BulkSegmentWriter(ix, compound=False)
        for doc_id in ("doc-5", "doc-4000"):
            writer.delete_by_term("id", doc_id)
        for doc in batch:
            writer.add_document(**doc)
        writer.commit()
    opened = WhooshEngine.open(folder)
    yield opened
    opened.close()


def _all_ids(gen: Path) -> list[str]:
    engine = WhooshEngine.open(gen)
    with engine.reader()._borrow() as state:
        ids = sorted(state.ids)
    engine.close()
    return ids


def _frequent(searcher, field: str, n: int) -> list[str]:
    return [t.decode() for _, t in searcher.reader().most_frequent_terms(field, n)]


def _trees(searcher) -> list[qt.Node]:
    stems, words = _frequent(searcher, "body", 6), _frequent(searcher, "exact", 4)
    terms = [qt.Term(s, w) for s, w in zip(stems, words, strict=False)]
    text = next(fields["text"] for fields in searcher.all_stored_fields())
    (w1, s1, *_), (w2, s2, *_) = analyze_words(text)[3:5]  # two words in a row
    return [
        terms[0],
        qt.And(tuple(terms[:2])),
        qt.Or(tuple(terms[:4])),
        qt.And((terms[0], qt.Not(terms[1]))),
        qt.Phrase((s1, s2), (w1, w2)),
        qt.Prefix(words[0][:2]),
        qt.Alternatives((terms[1], terms[2])),
    ]


def test_length_tables_read_as_whoosh_does(engine):
    with engine.reader()._borrow() as state, engine._ix.searcher() as plain:
        for leaf, _ in plain.leaf_searchers():
            table = length_table(leaf.reader())
            for docnum in range(leaf.doc_count_all()):
                for field in ("title", "body", "exact", "id", "country"):
                    expected = leaf.doc_field_length(docnum, field, 1)
                    assert table(docnum, field, 1) == expected
                    if field in table.arrays:  # the same lengths as floats, NaN for None
                        length = table.arrays[field][docnum]
                        assert length == expected or (expected is None and length != length)
        assert state.searcher.doc_count_all() > 5


def _whoosh_query(tree: qt.Node, or_matcher: str | None) -> query.Query:
    """The engine's query, its ORs forced to one kind of matcher: Whoosh picks arrays
    for small indexes (these) and binary trees of unions above 5,000 documents."""
    wq = to_whoosh(tree)
    if or_matcher is not None:
        for q in [wq, *wq.children(), *(g for c in wq.children() for g in c.children())]:
            if isinstance(q, query.Or):
                q.matcher_type = or_matcher
    return wq


@pytest.mark.parametrize("or_matcher", [None, query.Or.DEFAULT_MATCHER, query.Or.ARRAY_MATCHER])
@pytest.mark.parametrize("filtered", [False, True])
@pytest.mark.parametrize("size", ["small", "large"])
def test_one_pass_collection_matches_whoosh_search(request, size, filtered, or_matcher):
    engine = request.getfixturevalue("engine" if size == "small" else "large")
    with engine.reader()._borrow() as state, engine._ix.searcher(weighting=WEIGHTING) as plain:
        assert len(plain.leaf_searchers()) == (1 if size == "small" else 2)
        allowed = set(range(0, plain.doc_count_all(), 2)) if filtered else None
        for tree in _trees(plain):
            wq = _whoosh_query(tree, or_matcher)
            results = plain.search(wq, limit=None, filter=allowed)
            expected = {hit.docnum: hit.score for hit in results}
            mine = _whoosh_query(tree, or_matcher)
            docs, best = _matches(state.searcher, mine, allowed, 3, unscored=False)
            assert docs == set(expected), tree
            assert expected or filtered, tree  # each query finds something
            top = sorted(best, key=lambda item: (-item[0], -item[1]))
            assert [(-neg, score) for score, neg in top] == [
                (hit.docnum, hit.score) for hit in results[:3]
            ]
            unscored, _ = _matches(state.searcher, mine, allowed, 3, unscored=True)
            assert unscored == docs


def test_stored_fields_by_id_as_searcher_document(engine):
    with engine.reader()._borrow() as state, engine._ix.searcher() as plain:
        ids = sorted(state.ids)
        for doc_id in [*ids, "no-such-id"]:
            assert state.stored(doc_id) == plain.document(id=doc_id)
        assert plain.document(id=ids[0]) is None  # deleted: neither finds it
        assert isinstance(plain.search(query.Every()).scored_length(), int)


def test_idf_is_lucenes_and_tantivys(engine):
    """ln(1 + (N - df + 0.5) / (df + 0.5)): a common word weighs less against a rare one
    than with Whoosh's log(N / (df + 1)) + 1 (LuceneBM25F's docstring)."""
    with engine._ix.searcher(weighting=WEIGHTING) as searcher:
        count = searcher.doc_count_all()
        terms = sorted(searcher.lexicon("body"), key=lambda t: searcher.doc_frequency("body", t))
        rare, common = terms[0], terms[-1]
        for term in (rare, common):
            df = searcher.doc_frequency("body", term)
            want = math.log(1 + (count - df + 0.5) / (df + 0.5))
            assert searcher.idf("body", term) == pytest.approx(want)
        whoosh = scoring.BM25F()
        ours = searcher.idf("body", common) / searcher.idf("body", rare)
        theirs = whoosh.idf(searcher, "body", common) / whoosh.idf(searcher, "body", rare)
        assert ours < theirs


def test_a_new_commit_reads_only_the_columns_of_its_new_segments(tmp_path, monkeypatch):
    from indexer.articles import Article
    from indexer.engines import whoosh_columns

    build_index(DATA_DIR, tmp_path, engine="whoosh")
    opened = WhooshEngine.open(current_generation(tmp_path))
    first = opened.reader()
    with first._borrow() as state:
        doc_id, total = state.ids[0], len(state.ids)
    read = []
    real = whoosh_columns.SegmentColumns.read
    monkeypatch.setattr(
        whoosh_columns.SegmentColumns, "read", classmethod(lambda cls, r: read.append(r) or real(r))
    )
    replaced = Article(id=doc_id, title="", text="Le zinc du Laos, corrigé.", source="x.txt")
    with opened.writer() as writer:  # a correction: the old one deleted, the new one added
        writer.delete_ids([doc_id])
        writer.add([replaced])
    second = opened.reader()
    assert second.fetch([doc_id])[0].text == replaced.text  # the live one, not the deleted
    assert len(read) == 1 and read[0].doc_count_all() == 1  # the new segment alone
    with second._borrow() as state:
        assert len(state.ids) == total + 1  # deleted documents keep their numbers
    opened.close()
