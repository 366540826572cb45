"""Quoted phrases and phrase completion, on an index of a few hundred small articles, by
every engine."""

import json

import pytest

from indexer.engines import ENGINE_NAMES
from service.search import core
from service.search.completion import complete_titles, complete_words
from service.search.models import SearchRequest
from tests.conftest import built


def article(doc_id: str, title: str, text: str) -> dict:
    return {"id": doc_id, "title": title, "text": text, "date": "2019-04-16"}


ARTICLES = [
    article("parti", "Congrès du parti", "Le parti En Marche tient son congrès à Lyon."),
    article("noel", "Un incendie au marché", "Le feu a pris en marché couvert, puis au marché."),
    *(
        article(f"nd{i}", "Incendie à Notre-Dame", f"La cathédrale brûle, jour {i}.")
        for i in range(3)
    ),
    *(article(f"ce{i}", "Défilé sur les Champs-Élysées", "Le défilé a eu lieu.") for i in range(2)),
    *(
        article(f"d{i}", f"Article {i}", "Une date, davantage de danger, le coronavirus.")
        for i in range(120)
    ),
    article("typo", "Une coquille", "Le coronaviurus circule."),
]


@pytest.fixture(scope="module", params=ENGINE_NAMES)
def index(request, tmp_path_factory):
    if request.param == "postgres":
        request.getfixturevalue("postgres_engine")
    folder = tmp_path_factory.mktemp(f"phrases-{request.param}")
    (folder / "corpus").mkdir()
    lines = "\n".join(json.dumps(a, ensure_ascii=False) for a in ARTICLES)
    (folder / "corpus" / "news.jsonl").write_text(lines, encoding="utf-8")
    return built(folder, folder / "corpus", request.param).current()


def ids(index, q: str) -> list[str]:
    result = core.search(index, SearchRequest.from_params({"q": q}))
    return [hit.id.partition("#")[2] for hit in result.hits]


def test_a_quoted_phrase_lists_its_matches_with_the_accents_as_typed_first(index):
    assert ids(index, '"En Marche"') == ["parti", "noel"]  # "marché" scores more, comes after
    assert ids(index, '"marché"') == ["noel", "parti"]
    assert set(ids(index, "marche")) == {"parti", "noel"}  # unquoted: accents never count


def test_a_quoted_word_is_not_widened_by_spelling_help(index):
    assert ids(index, '"coronaviurus"') == ["typo"]


@pytest.mark.parametrize(
    "typed, first",
    [
        ("notre da", "Notre-Dame"),
        ("notre-da", "Notre-Dame"),
        ("Champs-Ely", "Champs-Élysées"),
        ("Défilé sur les Champs-Ely", "Défilé sur les Champs-Élysées"),
    ],
)
def test_completion_offers_the_phrase_the_titles_hold_before_frequent_words(index, typed, first):
    assert complete_words(index, typed, 8)[0] == first


def test_completion_never_offers_a_misspelling_of_the_archive(index):
    assert complete_words(index, "coronav", 8) == ["coronavirus"]


def test_the_titles_of_a_phrase_come_beside_it(index):
    titles = complete_titles(index, "notre da", 5)
    assert {title for _, title in titles} == {"Incendie à Notre-Dame"}
