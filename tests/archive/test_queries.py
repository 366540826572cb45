"""Journalist queries, each with what every hit must hold, what none may, what ranks first.

A row: the query and its parameters; ``every``, a pattern each hit of the first page
holds (title or text, lower case, accents off); ``none``, one no hit of it holds;
``top``, one the first three hits hold (at least one of them); ``written``, one each
hit holds with its accents (lower case); ``least``, the fewest results. The classes are
those of issue 19: people, places, events, English spellings, typos, operators,
phrases, questions, filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.archive.checks import holds, writes


@dataclass(frozen=True)
class Case:
    q: str
    every: str | None = None
    none: str | None = None
    top: str | None = None
    least: int = 1
    params: dict = field(default_factory=dict)
    written: str | None = None  # every hit writes this, accents as typed (lower case)

    def __str__(self) -> str:
        return self.q + "".join(f" {k}={v}" for k, v in self.params.items())


CASES = [
    # people
    Case("Édouard Philippe", every=r"philippe", top=r"edouard philippe", least=500),
    Case("Jean-Luc Mélenchon", every=r"melenchon", top=r"jean-luc melenchon", least=300),
    Case("Greta Thunberg", every=r"thunberg", top=r"greta thunberg", least=30),
    Case("Agnès Buzyn", every=r"buzyn", top=r"agnes buzyn", least=50),
    # places
    Case("Beyrouth explosion", every=r"beyrouth", top=r"explosion", least=50),
    Case("Hong Kong manifestations", every=r"hong kong", top=r"manifest", least=30),
    Case("Champs-Élysées", every=r"champs.elysees", least=100),
    # events 2016-2020
    Case("attentat Nice 14 juillet", every=r"nice", top=r"attentat de nice", least=20),
    Case("incendie Notre-Dame", every=r"notre.dame", top=r"incendie", least=50),
    Case("gilets jaunes acte", every=r"gilets? jaunes?", least=50),
    Case("confinement rentrée scolaire", every=r"confin", least=20),
    # English spellings of names
    Case("Putin", every=r"poutine|putin", none=r"\bbutin\b|\bputain\b", least=200),
    Case("Lukashenko", every=r"loukachenko|lukashenko", least=30),
    Case("Chernobyl", every=r"tchernobyl|chernobyl", least=5),
    Case("Gaddafi", every=r"kadhafi|gaddafi|khadafi|qaddafi", least=30),
    Case("Vladimir Putin Trump", every=r"poutine|putin", none=r"\bbutin\b", least=20),
    # typos (one or two letters, accents off)
    Case("Emmanuel Macorn", top=r"emmanuel macron", least=1000),
    Case("Edouard Philipe", none=None, top=r"edouard philippe", least=500),
    Case("Mélanchon", every=r"melenchon|melanchon", least=300),
    Case("Castanner", every=r"castaner|castanner", least=300),
    Case("Hidalog", every=r"hidalgo|hidalog", least=300),
    Case("coronaviruss France", top=r"coronavirus", least=500),
    # operators, in capitals, in English and in French
    Case("Macron AND retraites", every=r"macron", top=r"retraite", least=300),
    Case("Trump NOT Biden", every=r"trump", none=r"biden", least=300),
    Case("Trump SAUF Biden", every=r"trump", none=r"biden", least=300),
    Case("Brexit OU Frexit", every=r"brexit|frexit", least=150),
    Case("grève ET SNCF", every=r"sncf", top=r"greve", least=100),
    Case("Le Pen SAUF Marine", every=r"le pen", none=r"\bmarine\b", least=50),
    Case("(Merkel OU Macron) Poutine", every=r"poutine", top=r"merkel|macron", least=50),
    # quoted phrases: the words as typed, accents first
    Case('"En Marche"', written=r"\bmarche\b", none=r"marche de noel", least=500),
    Case('"gilets jaunes"', every=r"gilets.jaunes", least=500),
    Case('"marché de Noël"', every=r"marche de noel", least=30),
    Case('"État islamique"', every=r"etat islamique", least=200),
    Case('"état d\'urgence sanitaire"', every=r"etat d.urgence sanitaire", least=100),
    Case('"Notre-Dame de Paris"', every=r"notre.dame de paris", least=100),
    # questions: their filler words decide nothing
    Case(
        "Quand a eu lieu l'incendie de la cathédrale Notre-Dame ?",
        top=r"notre.dame",
        least=50,
    ),
    Case("Combien de morts du coronavirus en France ?", top=r"morts", least=100),
    Case("Où a eu lieu l'explosion de Beyrouth ?", top=r"beyrouth", least=50),
    Case("Pourquoi les gilets jaunes manifestent-ils ?", top=r"gilets jaunes", least=10),
    # filters, dates typed the French way
    Case(
        "Notre-Dame",
        every=r"notre.dame",
        top=r"incendie",
        params={"from": "15/04/2019", "to": "30/04/2019"},
    ),
    Case("Merkel", every=r"merkel", params={"country": "DE"}, least=100),
    # a word in many articles, a country in many more: postgres once read every American
    # article back to test the word (run 17: 740 ms at 341,600, past the budget)
    Case("élections", every=r"\belect", params={"country": "US"}, least=300),
    Case("coronavirus", every=r"coronavirus", params={"from": "01/2020", "to": "03/2020"}),
    Case("Macron", params={"from": "2017-05", "to": "2017-05", "sort": "date"}, least=100),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_journalist_query_finds_what_it_asks(archive, case):
    body = archive.search(q=case.q, per_page=20, **case.params)
    articles = [a for a in body["articles"] if a is not None]
    assert body["total"] >= case.least, body["total"]
    assert len(articles) == min(20, body["total"])
    if case.every:
        wrong = [a.title for a in articles if not holds(a, case.every)]
        assert not wrong, f"hits without /{case.every}/: {wrong}"
    if case.none:
        wrong = [a.title for a in articles if holds(a, case.none)]
        assert not wrong, f"hits with /{case.none}/: {wrong}"
    if case.top:
        assert any(holds(a, case.top) for a in articles[:3]), [a.title for a in articles[:3]]
    if case.written:
        wrong = [a.title for a in articles if not writes(a, case.written)]
        assert not wrong, f"hits that do not write /{case.written}/: {wrong}"


@pytest.mark.parametrize(
    "case", [c for c in CASES if "from" in c.params or "to" in c.params], ids=str
)
def test_a_period_keeps_every_hit_within_it(archive, case):
    body = archive.search(q=case.q, per_page=50, **case.params)
    low, high = body["query"]["from"], body["query"]["to"]
    assert all(low <= hit["date"][: len(low)] for hit in body["hits"])
    assert all(hit["date"][: len(high)] <= high for hit in body["hits"])


@pytest.mark.parametrize("case", [c for c in CASES if "country" in c.params], ids=str)
def test_a_country_keeps_every_hit_naming_it(archive, case):
    country = case.params["country"]
    body = archive.search(q=case.q, per_page=50, **case.params)
    assert all(country in {c["code"] for c in hit["countries"]} for hit in body["hits"])
    facet = {v["value"]: v["count"] for v in body["facets"]["country"]}
    assert facet[country] == body["total"]  # every match names it


@pytest.mark.xfail(
    strict=True,
    reason="known limit: a phrase's stop words leave no gap in the index positions, so "
    '"Europe de l\'Est" also matches "l\'Europe est" (positions with gaps: a format change '
    "of both engines, left for a later session)",
)
def test_a_quoted_phrase_with_stop_words_keeps_them_in_place(archive):
    body = archive.search(q='"Europe de l\'Est"', per_page=20)
    articles = [a for a in body["articles"] if a is not None]
    wrong = [a.title for a in articles if not holds(a, r"europe de l.est")]
    assert articles and not wrong, f"hits without the phrase: {wrong}"
