"""whoosh_matches: the bottom-up scores are Whoosh's own, bit for bit, for every match.

An index of 400 generated articles, in two segments, where common words have hundreds
of postings (scored with NumPy, ``MANY``) and rare ones a few (scored one by one);
each query's ``scores`` are compared with Whoosh's own walk of a fresh matcher tree.
"""

from __future__ import annotations

import random

import pytest
from whoosh import query

from indexer.articles import Article
from indexer.engines import whoosh as w
from indexer.engines.whoosh_matches import MANY, _walk, scores
from indexer.engines.whoosh_query import _DisMaxMatcher
from indexer.engines.whoosh_reader import _SearcherState
from indexer.engines.whoosh_scoring import WEIGHTING, PresenceScorer

WORDS = [f"mot{i}" for i in range(60)]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    rng = random.Random(7)
    engine = w.WhooshEngine.create(tmp_path_factory.mktemp("matches"))
    for part in range(2):  # two commits: two segments, two leaves
        with engine.writer() as writer:
            writer.add(
                Article(
                    id=f"{part}-{i}",
                    title=" ".join(rng.choices(WORDS[:10], k=3)),
                    text=" ".join(
                        rng.choices(WORDS, weights=range(60, 0, -1), k=rng.randint(5, 80))
                    ),
                )
                for i in range(200)
            )
    state = _SearcherState(engine._ix, engine._ix.latest_generation(), engine._columns)
    yield state.searcher
    state.searcher.close()
    engine.close()


def _terms(field, *words):
    return [query.Term(field, word) for word in words]


QUERIES = {
    "common word": query.Term("body", "mot0"),
    "rare word": query.Term("body", "mot59"),
    "or": query.Or(_terms("body", "mot0", "mot1", "mot40")),
    "and": query.And(_terms("body", "mot0", "mot2")),
    "title and body": query.Or([*_terms("title", "mot1"), *_terms("body", "mot1")], boost=2.0),
    "and not": query.AndNot(query.Term("body", "mot0"), query.Term("body", "mot3")),
    # "exact" counts presence (whoosh_scoring.PresenceScorer): in bulk and one by one.
    "exact, common and rare": query.Or(_terms("exact", "mot0", "mot59")),
    "and of ors": query.And(
        [query.Or(_terms("body", "mot0", "mot5")), query.Or(_terms("title", "mot2", "mot3"))]
    ),
}


@pytest.mark.parametrize("name", QUERIES)
def test_scores_are_whooshs_own_for_every_match(searcher, name):
    wq = QUERIES[name]
    context = searcher.context()
    for leaf, _ in searcher.leaf_searchers():
        ours = scores(wq.matcher(leaf, context), _DisMaxMatcher)
        theirs = _walk(wq.matcher(leaf, context))
        if isinstance(wq, query.AndNot):
            # Whoosh's own walk can keep a first document that the excluded side has
            # (AndNotMatcher._find_first looks only at b's current one); ours never does.
            excluded = set(wq.b.matcher(leaf, context).all_ids())
            theirs = {d: s for d, s in theirs.items() if d not in excluded}
        assert ours == theirs  # same documents, same floats (== on floats: bit for bit)


def test_common_words_are_scored_in_bulk(searcher):
    leaf, _ = next(iter(searcher.leaf_searchers()))
    assert leaf.doc_frequency("body", "mot0") >= MANY  # so the NumPy path is the one tested
    assert leaf.doc_frequency("body", "mot59") < MANY
    assert type(WEIGHTING.scorer(leaf, "exact", "mot0")) is PresenceScorer
