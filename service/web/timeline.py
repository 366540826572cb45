"""The matches-over-time chart of the search page, as plain geometry for an inline SVG.

Per year over all matches (years without a match in between drawn as empty slots), or
per month when the date filter stays within one year. No JavaScript: the template draws
the bars, each a link that limits the period to its year (then to its month), and
``summary`` is the text alternative.

    timeline(result, state) -> Timeline(caption="Résultats par année", bars=[Bar("2021", 3, …)])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from babel.dates import get_month_names

from ..search.models import SearchResult
from .pageview import MONTHS, PageState

SHORT_MONTHS = dict(get_month_names("abbreviated", locale="fr"))
WIDTH, TOP, CHART, BOTTOM = 480, 18, 84, 22  # view box: counts above, ticks below
HEIGHT = TOP + CHART + BOTTOM
MAX_BAR = 40  # widest bar, in view box units
MAX_GAP_FILL = 40  # beyond this many years, only years with matches get a slot
MAX_TICKS = 12


@dataclass(frozen=True)
class Bar:
    """One slot of the chart: its label, count and rectangle."""

    label: str
    count: int
    title: str
    x: float
    y: float
    width: float
    height: float
    show_tick: bool
    url: str | None = None  # the search limited to this year or month (None: no match)

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Timeline:
    """The chart: caption, bars, and a sentence that says the same for screen readers."""

    caption: str
    bars: list[Bar]
    summary: str
    undated: int
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = TOP + CHART
    show_counts: bool = True


def timeline(result: SearchResult, state: PageState) -> Timeline | None:
    """The chart for this result, or None when no match has a date."""
    year = state.chosen_year
    slots = _month_slots(result, year) if year else _year_slots(result)
    if not any(count for _, _, count in slots):
        return None
    keys = [f"{year}-{m:02d}" for m in range(1, 13)] if year else [label for label, _, _ in slots]
    dated = sum(v.count for v in result.facets.get("year", []))
    caption = f"Résultats par mois en {year}" if year else "Résultats par année"
    summary = ", ".join(f"{title} : {count}" for _, title, count in slots if count)
    return Timeline(
        caption=caption,
        bars=[
            replace(bar, url=state.url(date_from=key, date_to=key)) if bar.count else bar
            for bar, key in zip(_bars(slots), keys, strict=True)
        ],
        summary=f"{caption} — {summary}",
        undated=max(0, result.total - dated),
        show_counts=len(slots) <= 24,
    )


def _year_slots(result: SearchResult) -> list[tuple[str, str, int]]:
    counts = {v.value: v.count for v in result.facets.get("year", [])}
    if not counts:
        return []
    first, last = int(min(counts)), int(max(counts))
    years = (
        [str(y) for y in range(first, last + 1)] if last - first < MAX_GAP_FILL else sorted(counts)
    )
    return [(y, y, counts.get(y, 0)) for y in years]


def _month_slots(result: SearchResult, year: str) -> list[tuple[str, str, int]]:
    counts = {v.value: v.count for v in result.facets.get("month", [])}
    return [
        (SHORT_MONTHS[m], f"{MONTHS[m]} {year}", counts.get(f"{year}-{m:02d}", 0))
        for m in range(1, 13)
    ]


def _bars(slots: list[tuple[str, str, int]]) -> list[Bar]:
    highest = max(count for _, _, count in slots)
    slot = WIDTH / len(slots)
    width = min(MAX_BAR, slot * 0.7)
    every = math.ceil(len(slots) / MAX_TICKS)
    bars = []
    for i, (label, title, count) in enumerate(slots):
        height = round(CHART * count / highest, 1)
        bars.append(
            Bar(
                label=label,
                count=count,
                title=f"{title} : {count} résultat{'s' if count > 1 else ''}",
                x=round(i * slot + (slot - width) / 2, 1),
                y=round(TOP + CHART - height, 1),
                width=round(width, 1),
                height=height,
                show_tick=(len(slots) - 1 - i) % every == 0,
            )
        )
    return bars
