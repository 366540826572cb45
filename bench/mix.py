"""The fixed query mix: 40 queries in 8 kinds, the same for every engine and every door.

Kinds: single terms, several terms, phrases, a country filter, a date filter, sort by
date, typos and questions. The product gets each as API parameters (``params``, ``url``);
the peers, which have no French query language, get a ``PeerQuery``: the words of the
text ANDed over title and body, quoted parts as phrases, the date range as a filter on
their date field, and a country filter as one more required word or phrase, the
country's French name (``CN`` -> "Chine"), since they extract no countries. Typos and
questions go to the peers as typed: they have neither correction nor partial matching,
so they often answer nothing, quickly; the product does more work there, by design.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from indexer.countries import country_label

QUOTED = re.compile(r'"([^"]*)"')
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class PeerQuery:
    """A query as the peers run it: required words and phrases, a date range, an order."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    date_from: str = ""  # 'YYYY-MM-DD' inclusive, '' for open
    date_to: str = ""
    by_date: bool = False


@dataclass(frozen=True)
class MixQuery:
    """One query of the mix, with its filters and order, as the API takes them."""

    kind: str
    q: str
    country: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""
    sort: str = ""

    def params(self, per_page: int = 10) -> dict:
        """The API parameters (also what SearchRequest.from_params validates in-process)."""
        out: dict = {"q": self.q, "per_page": str(per_page)}
        if self.country:
            out["country"] = list(self.country)
        for name, value in (("from", self.date_from), ("to", self.date_to), ("sort", self.sort)):
            if value:
                out[name] = value
        return out

    def url(self, per_page: int = 10) -> str:
        """The /api/search path with its query string."""
        return "/api/search?" + urlencode(self.params(per_page), doseq=True)

    def peer_query(self) -> PeerQuery:
        """The same query for the peers (see the module docstring)."""
        phrases = [tuple(WORD.findall(p.lower())) for p in QUOTED.findall(self.q)]
        for code in self.country:
            phrases.append(tuple(WORD.findall(country_label(code).lower())))
        words = dict.fromkeys(WORD.findall(QUOTED.sub(" ", self.q).lower()))
        single = [p[0] for p in phrases if len(p) == 1]
        words.update(dict.fromkeys(single))
        return PeerQuery(
            words=tuple(words),
            phrases=tuple(p for p in phrases if len(p) > 1),
            date_from=_full_date(self.date_from, upper=False),
            date_to=_full_date(self.date_to, upper=True),
            by_date=self.sort == "date",
        )


def _full_date(value: str, upper: bool) -> str:
    """'2019-04' -> '2019-04-01' (or '2019-04-31' as an upper bound: compared as text)."""
    if not value:
        return ""
    parts = value.split("-")
    fill = ["12", "31"] if upper else ["01", "01"]
    return "-".join(parts + fill[len(parts) - 1 :])


def _q(kind: str, *queries: str, **filters) -> list[MixQuery]:
    return [MixQuery(kind, q, **filters) for q in queries]


MIX: tuple[MixQuery, ...] = (
    *_q("single", "Macron", "coronavirus", "grève", "Trump", "hôpital"),
    *_q(
        "terms",
        "réforme des retraites",
        "élection présidentielle américaine",
        "police manifestation Paris",
        "prix du carburant",
        "accident de la route",
    ),
    *_q(
        "phrase",
        '"gilets jaunes"',
        '"Assemblée nationale"',
        '"changement climatique"',
        '"Notre-Dame de Paris"',
        '"état d\'urgence sanitaire"',
    ),
    MixQuery("country", "accord commercial", country=("CN",)),
    MixQuery("country", "élections", country=("US",)),
    MixQuery("country", "migrants", country=("IT",)),
    MixQuery("country", "Brexit", country=("GB",)),
    MixQuery("country", "chancelière", country=("DE",)),
    MixQuery("date", "confinement", date_from="2020-03-01", date_to="2020-05-31"),
    MixQuery("date", "Trump", date_from="2019"),
    MixQuery("date", "incendie", date_from="2019-04", date_to="2019-04"),
    MixQuery("date", "élections municipales", date_from="2020"),
    MixQuery("date", "Benalla", date_to="2018-12-31"),
    *_q("sort-date", "Brexit", "attentat", "Benalla", "vaccin", "Mondial", sort="date"),
    *_q("typo", "gouvernemnt", "présidentiele", "manifestaton", "Macorn", "ecnomie"),
    *_q(
        "question",
        "Quand aura lieu la réforme des retraites ?",
        "Combien de morts du coronavirus en France ?",
        "Pourquoi les gilets jaunes manifestent-ils ?",
        "Qui a gagné la coupe du monde de football ?",
        "Que contient le projet de loi sur l'immigration ?",
    ),
)

KINDS = tuple(dict.fromkeys(q.kind for q in MIX))
