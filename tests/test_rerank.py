"""The re-ranking of the first hits (service.rerank): proximity signals, and its place in
search; the meaning signals are pinned in test_semantics.py."""

from indexer.analysis import analyze_words
from indexer.articles import Article
from indexer.engines import querytree as qt
from service.search import rerank
from service.search.core import search
from service.search.lexicon import Lexicon
from service.search.models import SearchRequest
from service.search.tiers import ALL_TERMS, SOME_TERMS, TYPED


def term(word: str, **kw) -> qt.Term:
    ((exact, stem, _, _),) = analyze_words(word)
    return qt.Term(stem, exact, **kw)


CONSEIL, CONSTITUTIONNEL = term("conseil"), term("constitutionnel")
LEAVES = [CONSEIL, CONSTITUTIONNEL]
LEXICON = Lexicon([("conseil", 10), ("constitutionnel", 2), ("loi", 30)], doc_count=100)
TOGETHER = Article("together", "Le Conseil constitutionnel a censuré la loi.", "Décision")
SCATTERED = Article(
    "scattered",
    "Le conseil municipal a voté. " + "Rien à signaler ce jour-là. " * 6 + "Un texte "
    "constitutionnel, enfin.",
    "Décision",
)
ONE_WORD = Article("one-word", "Le conseil municipal a voté la loi.", "Conseil")


def order(hits, tiers, articles, leaves=LEAVES):
    ranked = rerank.rerank(hits, tiers, articles, leaves, LEXICON)
    return [hits[i][0] for i in ranked]


def test_words_side_by_side_rank_above_the_same_words_apart():
    hits = [("scattered", 5.0), ("together", 5.0)]
    assert order(hits, [ALL_TERMS] * 2, [SCATTERED, TOGETHER]) == ["together", "scattered"]


def test_every_query_word_ranks_above_one_of_them_at_equal_score():
    hits = [("one-word", 5.0), ("scattered", 5.0)]
    assert order(hits, [SOME_TERMS] * 2, [ONE_WORD, SCATTERED]) == ["scattered", "one-word"]


def test_bm25_still_counts_a_much_better_score_wins():
    hits = [("scattered", 50.0), ("together", 5.0)]
    assert order(hits, [ALL_TERMS] * 2, [SCATTERED, TOGETHER]) == ["scattered", "together"]


def test_tiers_keep_their_order_whatever_the_proximity():
    hits = [("one-word", 1.0), ("together", 9.0)]
    assert order(hits, [TYPED, ALL_TERMS], [ONE_WORD, TOGETHER]) == ["one-word", "together"]


def test_a_missing_article_sinks_within_its_tier():
    hits = [("gone", 5.0), ("together", 5.0)]
    assert order(hits, [ALL_TERMS] * 2, [None, TOGETHER]) == ["together", "gone"]


def test_spellings_of_a_typed_word_are_one_query_word():
    typo = term("conseils", weight=0.6, via="typo", typed="conseol")
    typed = term("conseol", typed="conseol")
    groups, idf = rerank.query_words([typed, typo, CONSTITUTIONNEL], LEXICON)
    assert groups == [0, 0, 1]
    assert idf[1] > idf[0] > 0  # "constitutionnel" is the rarer word


def test_adjacency_follows_the_query_order_across_stop_words():
    spans = [(0, 7, 0), (14, 29, 1)]  # "conseil de la constitutionnel"-like: 7 chars apart
    assert rerank._adjacent(spans, [0, 1], [1.0, 2.0]) == 1.0
    assert rerank._adjacent(spans, [1, 0], [1.0, 2.0]) == 0.0  # reversed order
    far = [(0, 7, 0), (100, 115, 1)]
    assert rerank._adjacent(far, [0, 1], [1.0, 2.0]) == 0.0


def test_best_window_counts_each_word_once():
    spans = [(0, 5, 0), (10, 15, 0), (20, 25, 1), (500, 505, 1)]
    assert rerank._best_window(spans, [0, 1], [1.0, 2.0]) == 3.0
    assert rerank._best_window(spans[:2], [0, 1], [1.0, 2.0]) == 1.0


def test_paging_after_the_reranking_shows_each_hit_once(seeds_index):
    def ids(**params):
        request = SearchRequest.from_params({"q": "Azerbaïdjan coopération Chine", **params})
        return [hit.id for hit in search(seeds_index, request).hits]

    pages = ids(per_page="2", page="1") + ids(per_page="2", page="2") + ids(per_page="2", page="3")
    assert pages == ids(per_page="10")
    assert len(set(pages)) == 5
