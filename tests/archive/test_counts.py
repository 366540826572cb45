"""Counts a journalist can trust: the same total on every page, what one can page through,
facets of exactly those results, and the same in both engines."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.search import core
from service.search.models import SearchRequest
from service.search.settings import Settings

# Two words with partial matches and articles found by meaning; one with every word
# found often; a question; an exclusion; a filter; a phrase.
QUERIES = [
    "réforme retraites",
    "levée confinement plages",
    "Quand l'Azerbaïdjan a-t-il présidé la CICA ?",
    "Macron",
    "Trump NOT Biden",
    '"gilets jaunes" Champs-Élysées',
]


def pages_of(archive, q: str, per_page: int) -> list[dict]:
    first = archive.search(q=q, per_page=per_page)
    last = -(-first["total"] // per_page)
    return [first, *(archive.search(q=q, per_page=per_page, page=n) for n in range(2, last + 1))]


@pytest.mark.parametrize("q", ["réforme retraites", "levée confinement plages", "Bakou"])
def test_every_page_has_the_same_total_and_paging_meets_each_result_once(archive, q):
    pages = pages_of(archive, q, 100)
    assert {page["total"] for page in pages} == {pages[0]["total"]}
    ids = [hit["id"] for page in pages for hit in page["hits"]]
    assert len(ids) == len(set(ids)) == pages[0]["total"]


@pytest.mark.parametrize("q", QUERIES)
def test_the_year_facet_counts_exactly_the_results(archive, q):
    body = archive.search(q=q, per_page=10)
    assert sum(v["count"] for v in body["facets"]["year"]) == body["total"]  # all dated
    assert body["all_terms_total"] <= body["total"]


@pytest.mark.parametrize("q", QUERIES)
def test_the_first_and_the_last_page_count_alike(archive, q):
    first = archive.search(q=q, per_page=10)
    last = archive.search(q=q, per_page=10, page=min(1000, -(-first["total"] // 10)))
    assert (last["total"], last["all_terms_total"]) == (first["total"], first["all_terms_total"])
    assert last["facets"] == first["facets"]


@pytest.fixture(scope="module")
def totals() -> dict:
    return {}


@pytest.mark.parametrize("q", QUERIES)
def test_both_engines_give_the_same_totals(archive, totals, q):
    body = archive.search(q=q, per_page=10)
    found = (body["total"], body["all_terms_total"])
    assert totals.setdefault(q, found) == found, f"{archive.engine}: {found}, other: {totals[q]}"


# A journalist's misspellings, a phrase, a question: the searches whose copy groups'
# members the postgres engine values as it reads the matches (EngineResult.members).
COPIES_QUERIES = ["Macorn", "gouvernemnt", '"Assemblée nationale"', "Benalla", "coronavirus"]


@pytest.mark.parametrize("q", COPIES_QUERIES)
def test_copies_hidden_alike_whether_the_ranking_answers_their_members_or_not(
    archive, monkeypatch, q
):
    """The copies' pass on the real archive: the members answered by the ranking's scan,
    or asked in a search of their own, hide the same copies under the same counts."""
    settings = replace(Settings.from_config(archive.config), time_budget_ms=60_000)
    request = SearchRequest.from_params({"q": q, "per_page": "20"})
    snapshot = archive.snapshot
    read = core.search(snapshot, request, settings)
    engine_search = snapshot.engine.search
    monkeypatch.setattr(
        snapshot.engine, "search", lambda query: replace(engine_search(query), members=None)
    )
    apart = core.search(snapshot, request, settings)
    assert (read.total, read.all_terms_total) == (apart.total, apart.all_terms_total)
    assert [(h.id, h.copies) for h in read.hits] == [(h.id, h.copies) for h in apart.hits]
    assert read.facets == apart.facets
