"""Requests in, results out: ``to_dict()`` *is* the JSON contract of every door.

Every door builds its request with ``SearchRequest.from_params(mapping)`` (or the
completion and similar requests'), which validates each parameter (``params``) and
raises QueryError with a French message naming the value. What the API answers, the
page renders and ``search --json`` prints is the result's ``to_dict()``: search results,
completions, similar articles, a whole document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from indexer.articles import Article
from indexer.countries import country_label, is_country_code

from ..errors import QueryError
from .params import MAX_SHOWN, boolean, integer, many, one, text
from .periods import date_param

SORTS = ("relevance", "date")
MAX_PAGE = 1000
COMPLETIONS = (8, 20)  # default and largest number of completions (/api/suggest, CLI)
SIMILAR = (5, 20)  # default and largest number of similar articles
MAX_TYPED = 100  # characters of a text being typed that /api/suggest accepts
PARAMS = ("q", "country", "from", "to", "sort", "page", "per_page", "explain")


class PageSizes(Protocol):
    """Where a request finds its default and largest page size (``Settings``)."""

    per_page: int
    max_per_page: int


@dataclass(frozen=True)
class _Sizes:
    per_page: int = 10
    max_per_page: int = 100


DEFAULT_SIZES = _Sizes()


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: query text, filters, order and page."""

    q: str = ""
    countries: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    explain: bool = False

    @classmethod
    def from_params(cls, params: Mapping, sizes: PageSizes | None = None) -> SearchRequest:
        """Validate HTTP-style parameters (a MultiDict, or a dict of str or lists);
        ``sizes``: the default and largest ``per_page`` (the settings'; else 10 and 100)."""
        sizes = sizes or DEFAULT_SIZES
        q = one(params, "q") or ""
        countries = tuple(dict.fromkeys(_country(c) for c in many(params, "country") if c))
        date_from = date_param(one(params, "from"), "from")
        date_to = date_param(one(params, "to"), "to")
        if date_from and date_to and date_from.value > date_to.value:
            raise QueryError(
                f"période vide : « from » ({date_from.value}) est après « to » ({date_to.value})",
                param="to",
            )
        sort = one(params, "sort") or ("relevance" if q.strip() else "date")
        if sort not in SORTS:
            raise QueryError(f"tri inconnu « {sort[:MAX_SHOWN]} » : attendu relevance ou date")
        return cls(
            q=q.strip(),
            countries=countries,
            date_from=date_from.value if date_from else None,
            date_to=date_to.value if date_to else None,
            sort=sort,
            page=integer(params, "page", 1, 1, MAX_PAGE),
            per_page=integer(params, "per_page", sizes.per_page, 1, sizes.max_per_page),
            explain=boolean(params, "explain"),
        )

    def to_dict(self) -> dict:
        """The request as the API echoes it, with the API's parameter names."""
        return {
            "q": self.q,
            "country": list(self.countries),
            "from": self.date_from,
            "to": self.date_to,
            "sort": self.sort,
        }


def _country(code: str) -> str:
    code = code.strip().upper()
    if not is_country_code(code):
        shown = code[:MAX_SHOWN]
        raise QueryError(f"pays inconnu « {shown} » : attendu un code ISO à deux lettres, comme AZ")
    return code


@dataclass(frozen=True)
class CompletionRequest:
    """What is being typed (``q``), whose last word is to complete, and how many words."""

    q: str
    limit: int = COMPLETIONS[0]

    @classmethod
    def from_params(cls, params: Mapping) -> CompletionRequest:
        """Validate /api/suggest's parameters (``search --complete`` passes the same)."""
        q = text(params, "q", MAX_TYPED, "le début d'un mot, comme « bak »")
        return cls(q, integer(params, "limit", COMPLETIONS[0], 1, COMPLETIONS[1]))


@dataclass(frozen=True)
class Completions:
    """What /api/suggest answers and ``search --complete`` prints: the text being typed
    with its last word completed, then (id, title) of articles whose title it starts."""

    q: str
    words: list[str]
    titles: list[tuple[str, str]]

    def to_dict(self) -> dict:
        titles = [{"id": doc_id, "title": title} for doc_id, title in self.titles]
        return {"q": self.q, "suggestions": self.words, "titles": titles}


@dataclass(frozen=True)
class SimilarRequest:
    """The article whose neighbours are asked for, and how many."""

    id: str
    limit: int = SIMILAR[0]

    @classmethod
    def from_params(cls, doc_id: str, params: Mapping) -> SimilarRequest:
        """Validate /api/documents/<id>/similar's ``limit`` (``search --similar`` too)."""
        return cls(doc_id, integer(params, "limit", SIMILAR[0], 1, SIMILAR[1]))


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet, with a French label where there is one."""

    value: str
    count: int
    label: str | None = None

    def to_dict(self) -> dict:
        d = {"value": self.value, "count": self.count}
        if self.label is not None:
            d["label"] = self.label
        return d


def facets_of(counts: dict[str, dict[str, int]]) -> dict[str, list[FacetValue]]:
    """An engine's facet counts as the result shows them: countries by count then label,
    years and months newest first."""
    countries = [FacetValue(c, n, country_label(c)) for c, n in counts.get("country", {}).items()]
    countries.sort(key=lambda v: (-v.count, v.label or ""))
    return {
        "country": countries,
        "year": [FacetValue(y, n) for y, n in sorted(counts.get("year", {}).items(), reverse=True)],
        "month": [
            FacetValue(m, n) for m, n in sorted(counts.get("month", {}).items(), reverse=True)
        ],
    }


@dataclass(frozen=True)
class Hit:
    """One result: the article's metadata, its score and highlighted passages."""

    id: str
    title: str
    date: str | None
    countries: tuple[str, ...]
    score: float
    passages: list  # of service.passages.Passage
    url: str | None = None
    explain: list[dict] | None = None  # only when the request asks for it
    by_meaning: bool = False  # found by meaning only: it holds none of the query's words
    copies: tuple[str, ...] = ()  # the ids of its wire copies, left out of the results

    @property
    def country_names(self) -> list[str]:
        """The French names of the countries the article names."""
        return [country_label(c) for c in self.countries]

    def to_dict(self) -> dict:
        d = {
            "id": self.id,
            "title": self.title,
            "date": self.date,
            "countries": [{"code": c, "name": country_label(c)} for c in self.countries],
            "score": round(self.score, 4),
            "url": self.url,
            "passages": [p.to_html() for p in self.passages],
            "by_meaning": self.by_meaning,
            "copies": list(self.copies),
        }
        if self.explain is not None:
            d["explain"] = self.explain
        return d


@dataclass(frozen=True)
class SearchResult:
    """A page of hits and the facets over all matches."""

    request: SearchRequest
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    took_ms: float = 0.0
    all_terms_total: int | None = None  # how many of ``total`` match every term
    suggestion: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    def to_dict(self) -> dict:
        """The JSON body of /api/search and of ``search --json``."""
        return {
            "query": self.request.to_dict(),
            "total": self.total,
            "all_terms_total": self.total if self.all_terms_total is None else self.all_terms_total,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "took_ms": round(self.took_ms, 2),
            "hits": [h.to_dict() for h in self.hits],
            "facets": {name: [v.to_dict() for v in values] for name, values in self.facets.items()},
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True)
class SimilarResult:
    """The articles like one article: /api/documents/<id>/similar and ``search --similar``."""

    id: str
    title: str
    hits: list[Hit]

    def to_dict(self) -> dict:
        return {"id": self.id, "hits": [hit.to_dict() for hit in self.hits]}


@dataclass(frozen=True)
class Document:
    """One whole article, as /api/documents/<id> and the write API return it."""

    article: Article

    def to_dict(self) -> dict:
        a, date = self.article, self.article.date
        return {
            "id": a.id,
            "title": a.title,
            "date": (
                {"value": date.value, "precision": date.precision, "source": date.source}
                if date
                else None
            ),
            "countries": [{"code": c, "name": country_label(c)} for c in a.countries],
            "url": a.url,
            "text": a.text,
        }
