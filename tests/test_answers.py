"""The answer cache: answers sent again on the same generation, never across generations."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from service.config import load_config
from service.web.answers import AnswerCache
from service.web.app import create_app

G1, G2 = "gen-1", "gen-2"


def test_an_answer_is_kept_for_its_generation_only():
    cache = AnswerCache(1000)
    cache.put(G1, "q", (b"abc",))
    assert cache.get(G1, "q") == (b"abc",)
    assert cache.get(G2, "q") is None  # a newer generation never sees it
    cache.put(G2, "r", (b"de",))
    assert cache.get(G1, "q") is None and len(cache) == 1 and cache.size == 2


def test_the_least_recently_used_answers_go_first_past_the_bound():
    cache = AnswerCache(160)
    for key in "abcdefgh":
        cache.put(G1, key, (b"x" * 10, b"y" * 10))  # 20 bytes each: 160 in all
    assert cache.get(G1, "a") is not None  # "a" is now the most recently used
    cache.put(G1, "i", (b"z" * 20,))
    cache.put(G1, "j", (b"z" * 20,))  # 200 bytes: "b" goes, then "c"
    assert [k for k in "abcdefghij" if cache.get(G1, k) is None] == ["b", "c"]
    assert cache.size == 160 and len(cache) == 8


def test_a_key_given_again_is_counted_once():
    cache = AnswerCache(100)
    cache.put(G1, "a", (b"x" * 30,))
    cache.put(G1, "a", (b"x" * 10,))
    assert cache.size == 10 and len(cache) == 1


def test_an_answer_over_an_eighth_of_the_bound_or_a_bound_of_zero_keeps_nothing():
    cache = AnswerCache(80)
    cache.put(G1, "big", (b"x" * 11,))
    assert cache.get(G1, "big") is None
    cache.put(G1, "small", (b"x" * 10,))
    assert cache.get(G1, "small") == (b"x" * 10,)
    off = AnswerCache(0)
    off.put(G1, "a", (b"",))  # not even an empty one
    assert off.get(G1, "a") is None


@pytest.fixture
def fresh(data_config_path):
    """An app of its own, so no other test has filled its cache."""
    app = create_app(load_config(data_config_path, environ={}))
    app.config["TESTING"] = True
    return app.test_client()


def test_the_api_sends_an_answer_again_with_the_time_it_took_now(fresh):
    url = "/api/search?q=chine&country=cn"
    first, again = fresh.get(url), fresh.get(url)
    assert first.headers["X-Cache"] == "miss" and again.headers["X-Cache"] == "hit"
    assert again.mimetype == "application/json" and again.status_code == 200
    body, kept = first.get_json(), again.get_json()
    assert isinstance(body.pop("took_ms"), float)
    took = kept.pop("took_ms")  # the time of this request: a lookup, not the search
    assert isinstance(took, float) and 0 <= took < 1000
    assert kept == body
    # The key is the validated request: the same search written otherwise is the same answer.
    assert fresh.get("/api/search?country=CN&q=+chine").headers["X-Cache"] == "hit"
    assert fresh.get(url + "&page=2").headers["X-Cache"] == "miss"


def test_a_query_that_writes_the_time_key_keeps_its_echo(fresh):
    q = 'chine "took_ms": 99, x'
    url = f"/api/search?q={quote(q)}"
    first, again = fresh.get(url), fresh.get(url)
    assert again.headers["X-Cache"] == "hit"
    body = json.loads(again.get_data())
    assert body["query"]["q"] == q and body["total"] == first.get_json()["total"]
    assert body["took_ms"] != 99


def test_errors_are_never_kept(fresh):
    for _ in range(2):
        response = fresh.get("/api/search?q=chine&country=XX")
        assert response.status_code == 400 and "X-Cache" not in response.headers
        page = fresh.get("/?q=chine&page=0")
        assert page.status_code == 400 and "X-Cache" not in page.headers


def test_the_page_is_sent_again_whole(fresh):
    url = "/?q=chine&sort=date"
    first, again = fresh.get(url), fresh.get(url)
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("miss", "hit")
    assert again.get_data() == first.get_data()
    assert again.mimetype == "text/html" and again.mimetype_params["charset"] == "utf-8"
    assert "Content-Security-Policy" in again.headers  # the app's headers still apply
    # The API's answer to the same search is another entry.
    assert fresh.get("/api/search?q=chine&sort=date").headers["X-Cache"] == "miss"


def test_a_cache_of_zero_megabytes_sends_every_answer_afresh(data_config_path, monkeypatch):
    monkeypatch.setenv("SEARCH_SERVICE__ANSWER_CACHE_MB", "0")
    client = create_app(load_config(data_config_path)).test_client()
    for _ in range(2):
        assert client.get("/api/search?q=chine").headers["X-Cache"] == "miss"
        assert client.get("/?q=chine").headers["X-Cache"] == "miss"
