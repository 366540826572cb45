"""SearchRequest in, SearchResult out: ``to_dict()`` *is* the JSON contract of every door.

Every door builds its request with ``SearchRequest.from_params(mapping)``, which
validates each parameter and raises QueryError with a French message naming the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from indexer.countries import country_label, is_country_code
from indexer.dates import DateError, parse_date

from .errors import QueryError

SORTS = ("relevance", "date")
MAX_PAGE = 1000
PARAMS = ("q", "country", "from", "to", "sort", "page", "per_page", "explain")


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
    def from_params(
        cls, params: Mapping, default_per_page: int = 10, max_per_page: int = 100
    ) -> SearchRequest:
        """Validate HTTP-style parameters (a MultiDict, or a dict of str or lists)."""
        q = _one(params, "q") or ""
        countries = tuple(dict.fromkeys(_country(c) for c in _many(params, "country") if c))
        date_from, date_to = _date(params, "from"), _date(params, "to")
        if date_from and date_to and date_from.value > date_to.value:
            raise QueryError(
                f"période vide : « from » ({date_from.value}) est après « to » ({date_to.value})"
            )
        sort = _one(params, "sort") or ("relevance" if q.strip() else "date")
        if sort not in SORTS:
            raise QueryError(f"tri inconnu « {sort} » : attendu relevance ou date")
        return cls(
            q=q.strip(),
            countries=countries,
            date_from=date_from.value if date_from else None,
            date_to=date_to.value if date_to else None,
            sort=sort,
            page=_int(params, "page", 1, 1, MAX_PAGE),
            per_page=_int(params, "per_page", default_per_page, 1, max_per_page),
            explain=_bool(params, "explain"),
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


def _many(params: Mapping, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        value = params.get(name)
        values = (
            [] if value is None else list(value) if isinstance(value, list | tuple) else [value]
        )
    return [str(v) for v in values]


def _one(params: Mapping, name: str) -> str | None:
    values = _many(params, name)
    if len(values) > 1:
        raise QueryError(f"paramètre « {name} » donné {len(values)} fois : une seule valeur")
    return values[0] if values else None


def _country(code: str) -> str:
    code = code.strip().upper()
    if not is_country_code(code):
        raise QueryError(f"pays inconnu « {code} » : attendu un code ISO à deux lettres, comme AZ")
    return code


def _date(params: Mapping, name: str):
    value = _one(params, name)
    if not value:
        return None
    try:
        return parse_date(value, source="query")
    except DateError as e:
        raise QueryError(f"paramètre « {name} » : {e}") from e


def _bool(params: Mapping, name: str) -> bool:
    value = (_one(params, name) or "").lower()
    if value in ("", "0", "false", "non"):
        return False
    if value in ("1", "true", "oui"):
        return True
    raise QueryError(f"paramètre « {name} » invalide « {value} » : attendu true ou false")


def _int(params: Mapping, name: str, default: int, low: int, high: int) -> int:
    value = _one(params, name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise QueryError(f"paramètre « {name} » invalide « {value} » : attendu un entier") from None
    if not low <= number <= high:
        raise QueryError(f"paramètre « {name} » hors limites ({number}) : entre {low} et {high}")
    return number


@dataclass(frozen=True)
class Suggestions:
    """What /api/suggest answers and ``search --complete`` prints: the text being typed
    with its last word completed, then (id, title) of articles whose title it starts."""

    q: str
    words: list[str]
    titles: list[tuple[str, str]]

    def to_dict(self) -> dict:
        titles = [{"id": doc_id, "title": title} for doc_id, title in self.titles]
        return {"q": self.q, "suggestions": self.words, "titles": titles}


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
