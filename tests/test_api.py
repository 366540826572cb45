"""The JSON door: /api/search, /api/documents/<id>, /healthz, security headers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.config import load_config
from service.web.answers import AnswerCache
from service.web.app import SECURITY_HEADERS, create_app
from tests.conftest import HIT_FIELDS, write_config


def get_json(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def ids(body: dict) -> list[str]:
    return [hit["id"] for hit in body["hits"]]


def test_search_returns_hits_with_highlighted_passages(client):
    body = get_json(client, "/api/search?q=azerbaidjan")
    assert body["total"] == 2
    assert set(ids(body)) == {"a_ceinture.txt", "c_belt.txt"}
    hit = body["hits"][0]
    assert set(hit) == HIT_FIELDS
    assert hit["by_meaning"] is False
    assert any("<mark>" in p for p in hit["passages"])
    assert {"code": "AZ", "name": "Azerbaïdjan"} in hit["countries"]


def test_search_echoes_the_validated_query(client):
    body = get_json(client, "/api/search?q=+chine+&country=cn&from=2020&to=2024-06")
    assert body["query"] == {
        "q": "chine",
        "country": ["CN"],
        "from": "2020",
        "to": "2024-06",
        "sort": "relevance",
    }


@pytest.mark.parametrize(
    "params, expected",
    [
        ("country=AZ", {"a_ceinture.txt", "c_belt.txt"}),
        ("country=CN&country=DE", {"news.jsonl#n1"}),
        ("country=KG", {"b_oeuvre.txt", "news.jsonl#n3"}),
        ("from=2023", {"a_ceinture.txt", "b_oeuvre.txt"}),
        ("to=2018", {"news.jsonl#n2", "news.jsonl#n3"}),
        ("from=2020-06&to=2020-06", {"sous-dossier/e_pekin.txt"}),
        ("from=06/2020&to=6/2020", {"sous-dossier/e_pekin.txt"}),  # typed the French way
        ("from=01/06/2020&to=30.06.2020", {"sous-dossier/e_pekin.txt"}),
        (
            "q=chinois&country=CN&from=2020",
            {"a_ceinture.txt", "c_belt.txt", "sous-dossier/e_pekin.txt"},
        ),
    ],
)
def test_search_filters_by_country_and_date(client, params, expected):
    assert set(ids(get_json(client, f"/api/search?{params}&per_page=100"))) == expected


def test_empty_query_lists_everything_newest_first(client):
    body = get_json(client, "/api/search")
    assert body["total"] == 10
    assert body["query"]["sort"] == "date"
    dates = [hit["date"] for hit in body["hits"] if hit["date"]]
    assert dates == sorted(dates, reverse=True)


def test_pages_cover_every_hit_once(client):
    pages = [get_json(client, f"/api/search?per_page=3&page={n}") for n in range(1, 5)]
    assert [len(p["hits"]) for p in pages] == [3, 3, 3, 1]
    seen = [hit_id for page in pages for hit_id in ids(page)]
    assert len(set(seen)) == 10


def test_facets_count_all_matches_not_just_the_page(client):
    body = get_json(client, "/api/search?per_page=1")
    assert len(body["hits"]) == 1
    assert sum(v["count"] for v in body["facets"]["year"]) == 8  # two articles have no date
    assert {"value": "CN", "count": 4, "label": "Chine"} in body["facets"]["country"]


@pytest.mark.parametrize(
    "doc_id, url",
    [
        ("a_ceinture.txt", "/api/documents/a_ceinture.txt"),
        ("sous-dossier/e_pekin.txt", "/api/documents/sous-dossier/e_pekin.txt"),
        ("sous-dossier/e_pekin.txt", "/api/documents/sous-dossier%2Fe_pekin.txt"),
        ("news.jsonl#n1", "/api/documents/news.jsonl%23n1"),
    ],
)
def test_document_is_found_by_its_id(client, doc_id, url):
    assert get_json(client, url)["id"] == doc_id


def test_document_has_the_whole_text_and_its_facets(client):
    body = get_json(client, "/api/documents/news.jsonl%23n1")
    assert body == {
        "id": "news.jsonl#n1",
        "title": "Les nouvelles routes de la soie vues d'Europe",
        "date": {"value": "2019-04-26", "precision": "day", "source": "metadata"},
        "countries": [
            {"code": "CN", "name": "Chine"},
            {"code": "DE", "name": "Allemagne"},
            {"code": "IT", "name": "Italie"},
        ],
        "url": "https://example.org/n1",
        "text": "Les nouvelles routes de la soie, projet lancé par la Chine en 2013, "
        "suscitent l'intérêt de l'Italie et la méfiance de l'Allemagne.",
    }


def test_document_without_a_date_has_a_null_date(client):
    body = get_json(client, "/api/documents/d_sans_date.txt")
    assert body["date"] is None
    assert "Côte d’Ivoire" in body["text"]


@pytest.mark.parametrize(
    "url", ["/api/documents/nope.txt", "/api/documents/../config.toml", "/api/documents/news.jsonl"]
)
def test_unknown_document_is_a_json_404(client, url):
    body = get_json(client, url, 404)
    assert body["error"]["code"] == "not_found"


def test_healthz_reports_the_index(client):
    body = get_json(client, "/healthz")
    assert body["status"] == "ok"
    assert body["engine"] == "whoosh"
    assert body["doc_count"] == 10
    assert body["built_at"].startswith("20")


@pytest.fixture
def missing_index_client(tmp_path):
    """An app whose corpus does not exist, so no index could be built."""
    config = load_config(write_config(tmp_path, tmp_path / "no-corpus"), environ={})
    return create_app(config).test_client()


@pytest.mark.parametrize(
    "url",
    [
        "/healthz",
        "/api/search?q=chine",
        "/api/documents/a.txt",
        "/api/suggest?q=ch",
        "/api/documents/a.txt/similar",
    ],
)
def test_a_missing_index_is_a_503_that_says_how_to_build_it(missing_index_client, url):
    body = get_json(missing_index_client, url, 503)
    assert body["error"]["code"] == "index_unavailable"
    assert "search-index" in body["error"]["message"]


def test_a_corrupt_index_is_a_503_that_says_how_to_rebuild(tmp_path):
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "CURRENT").write_text("gen-gone\n")
    config = load_config(write_config(tmp_path, tmp_path / "no-corpus"), environ={})
    body = get_json(create_app(config).test_client(), "/healthz", 503)
    assert "--rebuild" in body["error"]["message"]


def test_create_app_reads_the_config_named_by_search_config(monkeypatch, data_config_path):
    monkeypatch.setenv("SEARCH_CONFIG", str(data_config_path))
    assert get_json(create_app().test_client(), "/healthz")["doc_count"] == 10


def test_create_app_builds_a_missing_index_from_the_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "un.txt").write_text(" date 2024-01 La Chine et le Japon.", encoding="utf-8")
    client = create_app(load_config(write_config(tmp_path, corpus), environ={})).test_client()
    assert get_json(client, "/healthz")["doc_count"] == 1
    assert ids(get_json(client, "/api/search?q=japon")) == ["un.txt"]


@pytest.mark.parametrize("url", ["/api/search?q=chine", "/healthz", "/", "/api/nope", "/nope"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_an_unexpected_failure_is_a_json_500_without_a_traceback(client, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("service.web.api.search", explode)
    svc = client.application.extensions["search"]  # no answer kept by another test
    monkeypatch.setitem(
        client.application.extensions, "search", replace(svc, answers=AnswerCache(0))
    )
    body = get_json(client, "/api/search?q=chine", 500)
    assert body["error"]["code"] == "internal"
    assert "secret" not in body["error"]["message"]
    assert "RuntimeError: secret internals" in caplog.text  # logged for the operator


def test_json_keeps_accents_and_the_contract_key_order(client):
    text = client.get("/api/search?q=azerbaidjan").get_data(as_text=True)
    assert "Azerbaïdjan" in text
    assert text.index('"query"') < text.index('"total"') < text.index('"hits"')


def test_explain_says_per_hit_how_each_word_matched(client):
    body = get_json(client, "/api/search?q=relation+chinoises&explain=true")
    assert body["hits"] and all(hit["explain"] for hit in body["hits"])
    reasons = [e for hit in body["hits"] for e in hit["explain"]]
    assert {
        "term": "relation",
        "match": "stem",
        "label": "même racine",
        "words": ["relations"],
    } in reasons
    assert "explain" not in get_json(client, "/api/search?q=relation")["hits"][0]
