"""Bounded cost for any query: a time budget per search, bounded prefix expansion.

DESIGN.md: "Every search has a time budget; prefixes and corrections expand to a bounded
number of terms." The figures on the news archive (the worst queries under 1 s on both
engines) are in BENCHMARKS.md; here, the rules.
"""

from __future__ import annotations

import time

import pytest

from indexer.engines import querytree as qt
from service.errors import TooLong
from service.search import core, expansion
from service.search.lexicon import Lexicon
from service.search.models import SearchRequest
from service.search.query import parse_query


def test_a_prefix_stands_for_its_most_frequent_words():
    lexicon = Lexicon([("relation", 9), ("relations", 30), ("relatif", 2), ("rien", 50)])
    bounded = expansion.bound_prefixes(parse_query("rel*"), lexicon)
    assert bounded == qt.Prefix("rel", ("relations", "relation", "relatif"))


def test_a_query_of_many_prefixes_shares_the_bound(monkeypatch):
    words = [(f"re{i:03d}", i) for i in range(1, 400)]
    lexicon = Lexicon(words)
    tree = expansion.bound_prefixes(parse_query("re0* re1* re2* re3*"), lexicon)
    sizes = [len(p.words) for p in tree.children]
    assert sizes == [expansion.MAX_EXPANSIONS // 4] * 4
    assert tree.children[0].words[0] == "re099"  # the most frequent first


def test_a_word_typed_twice_is_one_condition():
    assert parse_query("re* re* re*") == parse_query("re*")
    assert parse_query("chine chine OR chine") == parse_query("chine")


@pytest.mark.parametrize("q", ["chine", "chin*", "Kirghizsitan", "chine -taïwan"])
def test_a_search_past_its_budget_is_a_503_timeout(seeds_index, monkeypatch, q):
    monkeypatch.setattr(core, "deadline_of", lambda settings: time.monotonic() - 1)
    with pytest.raises(TooLong, match="temps"):
        core.search(seeds_index, SearchRequest(q=q))


def test_the_api_says_retry_after_on_a_timeout(client, monkeypatch):
    monkeypatch.setattr(core, "deadline_of", lambda settings: time.monotonic() - 1)
    response = client.get("/api/search?q=budget+dépassé")
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert response.get_json()["error"]["code"] == "timeout"


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_the_engines_stop_at_the_deadline(tmp_path, engine):
    from indexer.articles import Article
    from indexer.engines import engine_class

    eng = engine_class(engine).create(tmp_path / "ix")
    with eng.writer() as w:
        w.add([Article(f"a{i}", f"texte numéro {i}", "titre", source="s") for i in range(50)])
    late = qt.EngineQuery(qt.Term("text", "texte"), deadline=time.monotonic() - 1)
    with pytest.raises(qt.SearchTimeout):
        eng.search(late)
    eng.close()
