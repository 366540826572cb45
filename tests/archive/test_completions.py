"""Completions as people type: the phrase they mean, from words that follow each other."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "typed, first",
    [
        ("notre da", "Notre-Dame"),
        ("notre-da", "Notre-Dame"),
        ("Champs-Ely", "Champs-Élysées"),
        ("gilets ja", "gilets jaunes"),
        ("Jean-Luc Mél", "Jean-Luc Mélenchon"),
        ("Marine Le Pe", "Marine Le Pen"),
        ("covid 19", "Covid-19"),
        ("relations bilat", "relations bilatérales"),
    ],
)
def test_the_first_completion_is_the_phrase_people_mean(archive, typed, first):
    body = archive.client.get("/api/suggest", query_string={"q": typed}).get_json()
    assert body["suggestions"][0] == first, body["suggestions"]


@pytest.mark.parametrize("typed", ["coronavi", "coronaviru", "Philip", "Macro"])
def test_a_misspelling_of_the_archive_is_never_offered(archive, typed):
    body = archive.client.get("/api/suggest", query_string={"q": typed, "limit": 20}).get_json()
    offered = {s.lower() for s in body["suggestions"]}
    assert not offered & {"coronaviurus", "coronavirius", "philipe", "macorn"}, offered


def test_the_titles_beside_a_phrase_are_about_it(archive):
    body = archive.client.get("/api/suggest", query_string={"q": "notre da"}).get_json()
    assert body["titles"] and all("Notre-Dame" in t["title"] for t in body["titles"])
