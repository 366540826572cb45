"""How the words of the index are written back: "economie" -> "économie"."""

import json

import pytest

from indexer.build import build_index
from service.search import core
from service.search.completion import complete_words
from service.search.models import SearchRequest
from service.search.snapshot import Snapshots
from service.search.wordforms import _pattern, written_forms

ARTICLES = [
    ("L'économie française", "L'économie ralentit. Le centre-ville se vide au centre de Lyon."),
    ("Economie : la croissance", "L'Etat et l'économie : le centre du débat, l'œuvre d'un État."),
    ("PÉKIN ET MOSCOU", "Pékin reçoit Moscou. Le discours est centré sur l'économie."),
    ("Une oeuvre", "Son œuvre, son oeuvre, son œuvre. En état de marche."),
]


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def index(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"written-{request.param}")
    corpus = folder / "corpus"
    corpus.mkdir()
    lines = [
        json.dumps({"id": f"a{i}", "title": title, "text": text, "date": "2020-01-0" + str(i + 1)})
        for i, (title, text) in enumerate(ARTICLES)
    ]
    (corpus / "news.jsonl").write_text("\n".join(lines), encoding="utf-8")
    build_index(corpus, folder / "index", engine=request.param)
    return Snapshots.at(folder / "index").current()


def test_a_word_is_written_as_the_articles_most_often_write_it(index):
    forms = written_forms(index, ["economie", "centre", "oeuvre", "moscou"])
    assert forms["economie"] == "économie"  # "Economie" in a title is a bare capital
    assert forms["centre"] == "centre"  # "centré" once, "centre" three times
    assert forms["oeuvre"] == "œuvre"
    assert forms["moscou"] == "Moscou"  # "MOSCOU" in a title counts as "Moscou"


def test_a_lower_case_form_wins_over_capitals_and_a_name_keeps_its_accent(index):
    forms = written_forms(index, ["etat", "pekin"])
    assert forms["etat"] == "état"  # "en état" beats "l'Etat" and "État"
    assert forms["pekin"] == "Pékin"  # a name: only ever "Pékin"


def test_a_word_no_article_holds_stays_as_it_is(index):
    assert written_forms(index, ["introuvable"]) == {"introuvable": "introuvable"}  # those asked


def test_completions_and_suggestions_carry_the_accents(index):
    assert complete_words(index, "la crise econ", 8) == ["la crise économie"]
    result = core.search(index, SearchRequest.from_params({"q": "Econommie"}))
    assert result.suggestion == "Économie"  # in the typed case


def test_the_pattern_finds_every_spelling_that_may_fold_to_the_word():
    text = "Une œuvre, l'oeuvre, OEUVRE, Œuvres, manœuvre, ouvre"
    assert _pattern("oeuvre").findall(text) == ["œuvre", "oeuvre", "OEUVRE"]
    assert _pattern("poete").findall("Un poète, un poete, POÈTE, poètes") == [
        "poète",
        "poete",
        "POÈTE",
    ]
    assert _pattern("economie").findall("l'économie, économies, ÉCONOMIE") == [
        "économie",
        "ÉCONOMIE",
    ]
