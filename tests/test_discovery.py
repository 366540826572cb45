"""The discovery door: /api/suggest (completions) and /api/documents/<id>/similar."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.conftest import HIT_FIELDS
from tests.test_api import get_json, ids


def test_suggest_completes_the_last_word_from_the_index(client):
    body = get_json(client, "/api/suggest?q=relations+bilat")
    assert body == {"q": "relations bilat", "suggestions": ["relations bilatérales"], "titles": []}


def test_suggest_offers_the_titles_the_word_being_typed_starts(client):
    body = get_json(client, "/api/suggest?q=nouvelles+rou")
    assert body["titles"] == [
        {"id": "news.jsonl#n1", "title": "Les nouvelles routes de la soie vues d'Europe"}
    ]
    assert "nouvelles routes" in body["suggestions"]
    assert get_json(client, "/api/suggest?q=japon+rou")["titles"] == []  # not with Japon
    assert get_json(client, "/api/suggest?q=nouvelles+rou+")["titles"] == []  # word ended


def test_suggest_puts_frequent_words_first_and_keeps_to_the_limit(client):
    assert get_json(client, "/api/suggest?q=chin")["suggestions"][0] == "Chine"  # a name
    assert get_json(client, "/api/suggest?q=CHIN&limit=2")["suggestions"] == ["Chine", "chinois"]


@pytest.mark.parametrize("q", ["c", "chine ", "zzyzx", "-", "é"])
def test_suggest_offers_nothing_for_a_letter_a_space_or_an_unknown_start(client, q):
    assert get_json(client, "/api/suggest?" + urlencode({"q": q}))["suggestions"] == []


def test_suggest_accepts_a_hundred_characters(client):
    assert get_json(client, "/api/suggest?q=" + "a" * 98 + "+c")["suggestions"] == []


@pytest.mark.parametrize(
    "query, words",
    [
        ("", "« q » manquant"),
        ("q=", "« q » manquant"),
        ("q=" + "a" * 101, "trop long (101 caractères)"),
        ("q=ch&q=ba", "donné 2 fois"),
        ("q=ch&limit=0", "hors limites (0) : entre 1 et 20"),
        ("q=ch&limit=21", "hors limites (21)"),
        ("q=ch&limit=huit", "invalide « huit »"),
        ("q=ch&limit=1&limit=2", "donné 2 fois"),
    ],
)
def test_suggest_refuses_bad_parameters_with_a_french_message(client, query, words):
    body = get_json(client, f"/api/suggest?{query}", 400)
    assert body["error"]["code"] == "bad_query"
    assert words in body["error"]["message"]


def test_similar_lists_other_articles_most_alike_first(client):
    body = get_json(client, "/api/documents/a_ceinture.txt/similar")
    assert body["id"] == "a_ceinture.txt"
    assert "a_ceinture.txt" not in ids(body)
    assert 1 <= len(body["hits"]) <= 5
    scores = [hit["score"] for hit in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    assert set(body["hits"][0]) == HIT_FIELDS


def test_similar_keeps_to_the_limit(client):
    assert len(get_json(client, "/api/documents/a_ceinture.txt/similar?limit=2")["hits"]) == 2


@pytest.mark.parametrize(
    "doc_id, url",
    [
        ("sous-dossier/e_pekin.txt", "/api/documents/sous-dossier/e_pekin.txt/similar"),
        ("sous-dossier/e_pekin.txt", "/api/documents/sous-dossier%2Fe_pekin.txt/similar"),
        ("news.jsonl#n1", "/api/documents/news.jsonl%23n1/similar"),
    ],
)
def test_similar_takes_ids_with_a_slash_or_a_hash(client, doc_id, url):
    body = get_json(client, url)
    assert body["id"] == doc_id and body["hits"]
    assert doc_id not in ids(body)


def test_a_document_route_still_answers_beside_similar(client):
    assert get_json(client, "/api/documents/sous-dossier/e_pekin.txt")["text"]


@pytest.mark.parametrize(
    "url", ["/api/documents/nope.txt/similar", "/api/documents/sous-dossier/similar"]
)
def test_similar_of_an_unknown_document_is_a_json_404(client, url):
    assert get_json(client, url, 404)["error"]["code"] == "not_found"


@pytest.mark.parametrize("limit", ["0", "21", "cinq"])
def test_similar_refuses_a_bad_limit(client, limit):
    body = get_json(client, f"/api/documents/a_ceinture.txt/similar?limit={limit}", 400)
    assert "limit" in body["error"]["message"]
