"""What the search page shows around a SearchResult: links that filter, chips, paging.

The page is plain links and forms, so it works without JavaScript: every facet value,
chip and page number is a URL built from the current ``PageState`` with one change.

    state = PageState.of(request, request.args)
    state.url(countries=("CN",))   -> "/?q=chine&country=CN"
    chips(state)                   -> [Chip("Pays : Chine", "/?q=chine")]
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from babel.dates import get_month_names
from flask import url_for

from indexer.countries import country_label

from ..search.models import SearchRequest, SearchResult
from ..search.query import AND_WORDS, NOT_WORDS, OR_WORDS

MONTHS = dict(get_month_names("wide", locale="fr"))
OPERATORS = AND_WORDS | OR_WORDS | NOT_WORDS
PAGE_WINDOW = 2  # page numbers shown on each side of the current one


def french_date(value: str | None) -> str:
    """'2021' -> '2021', '2021-06' -> 'juin 2021', '2021-06-01' -> '1er juin 2021'."""
    if not value:
        return ""
    parts = value.split("-")
    if len(parts) == 1:
        return value
    month = f"{MONTHS[int(parts[1])]} {parts[0]}"
    if len(parts) == 2:
        return month
    day = int(parts[2])
    return f"{'1er' if day == 1 else day} {month}"


def period_label(date_from: str | None, date_to: str | None) -> str:
    """A date filter in words: 'juin 2021', 'du 2021 au mars 2022', 'depuis 2021'."""
    if date_from and date_from == date_to:
        return french_date(date_from)
    if date_from and date_to:
        return f"du {french_date(date_from)} au {french_date(date_to)}"
    if date_from:
        return f"depuis {french_date(date_from)}"
    return f"jusqu'à {french_date(date_to)}"


@dataclass(frozen=True)
class PageState:
    """The page's parameters; ``sort`` and ``per_page`` only when the user chose them."""

    q: str = ""
    countries: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    sort: str | None = None
    per_page: int | None = None
    page: int = 1

    @classmethod
    def of(cls, req: SearchRequest, args) -> PageState:
        """The state of a validated request (``args`` tells which values were explicit)."""
        return cls(
            q=req.q,
            countries=req.countries,
            date_from=req.date_from,
            date_to=req.date_to,
            sort=req.sort if args.get("sort") else None,
            per_page=req.per_page if args.get("per_page") else None,
            page=req.page,
        )

    @property
    def has_filters(self) -> bool:
        return bool(self.countries or self.date_from or self.date_to)

    @property
    def chosen_year(self) -> str | None:
        """The year when the date filter stays within one year (months are then shown)."""
        if self.date_from and self.date_to and self.date_from[:4] == self.date_to[:4]:
            return self.date_from[:4]
        return None

    def params(self) -> list[tuple[str, str]]:
        """The query string pairs, in the API's parameter names."""
        pairs = [("q", self.q)] if self.q else []
        pairs += [("country", c) for c in self.countries]
        for name, value in (("from", self.date_from), ("to", self.date_to), ("sort", self.sort)):
            if value:
                pairs.append((name, value))
        if self.per_page:
            pairs.append(("per_page", str(self.per_page)))
        if self.page > 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def url(self, **changes) -> str:
        """The search page URL with these changes (back to page 1 unless ``page`` is given)."""
        state = replace(self, **{"page": 1, **changes})
        query = urlencode(state.params())
        return url_for("pages.search") + (f"?{query}" if query else "")

    def hidden_fields(self, *, keep_dates: bool = True) -> list[tuple[str, str]]:
        """The filters a form must carry along (everything but q, the dates if asked, page)."""
        skip = {"q", "page"} | (set() if keep_dates else {"from", "to"})
        return [(k, v) for k, v in self.params() if k not in skip]


@dataclass(frozen=True)
class Link:
    """A facet value, chip or page number: what to show and where it leads."""

    label: str
    url: str
    count: int | None = None
    active: bool = False


def chips(state: PageState) -> list[Link]:
    """The active filters, each with the URL that removes it."""
    out = [
        Link(f"Pays : {country_label(c)}", state.url(countries=_without(state.countries, c)))
        for c in state.countries
    ]
    if state.date_from or state.date_to:
        label = f"Période : {period_label(state.date_from, state.date_to)}"
        out.append(Link(label, state.url(date_from=None, date_to=None)))
    return out


def country_links(result: SearchResult, state: PageState) -> list[Link]:
    """Country facet values; clicking one adds it to the filters, or removes it if active."""
    links = []
    for v in result.facets.get("country", []):
        active = v.value in state.countries
        countries = _without(state.countries, v.value) if active else (*state.countries, v.value)
        links.append(Link(v.label or v.value, state.url(countries=countries), v.count, active))
    return links


def year_links(result: SearchResult, state: PageState) -> list[Link]:
    """Year facet values; clicking one limits the period to that year (again: removes it)."""
    links = []
    for v in result.facets.get("year", []):
        active = state.date_from == v.value == state.date_to
        dates = (None, None) if active else (v.value, v.value)
        links.append(Link(v.value, _dated(state, *dates), v.count, active))
    return links


def month_links(result: SearchResult, state: PageState) -> list[Link]:
    """Months of the chosen year, oldest first; clicking one limits the period to it."""
    year = state.chosen_year
    if not year:
        return []
    links = []
    months = [v for v in result.facets.get("month", []) if v.value.startswith(year)]
    for v in sorted(months, key=lambda v: v.value):
        active = state.date_from == v.value == state.date_to
        dates = (year, year) if active else (v.value, v.value)
        links.append(Link(MONTHS[int(v.value[5:7])], _dated(state, *dates), v.count, active))
    return links


def page_links(result: SearchResult, state: PageState) -> list[Link | None]:
    """Page numbers around the current one, with the first and last; None is a gap."""
    last, current = result.pages, state.page
    numbers = sorted(
        {1, last} | set(range(max(1, current - PAGE_WINDOW), min(last, current + PAGE_WINDOW) + 1))
    )
    links: list[Link | None] = []
    for n in numbers:
        if links and links[-1] is not None and int(links[-1].label) < n - 1:
            links.append(None)
        links.append(Link(str(n), state.url(page=n), active=n == current))
    return links


def neighbour_pages(result: SearchResult, state: PageState) -> tuple[str | None, str | None]:
    """The URLs of the previous and next pages, None at either end."""
    previous = state.url(page=state.page - 1) if state.page > 1 else None
    following = state.url(page=state.page + 1) if state.page < result.pages else None
    return previous, following


def or_query(q: str) -> str | None:
    """'chine russie' -> 'chine OU russie': a wider query to suggest when nothing matched."""
    words = q.split()
    if len(words) < 2 or any(w in OPERATORS or w[0] in '-"(' or '"' in w for w in words):
        return None
    return " OU ".join(words)


def _without(values: tuple[str, ...], value: str) -> tuple[str, ...]:
    return tuple(v for v in values if v != value)


def _dated(state: PageState, date_from: str | None, date_to: str | None) -> str:
    return state.url(date_from=date_from, date_to=date_to)
