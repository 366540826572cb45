"""Counts over *all* matches, in the statement that finds them: the total, and the country,
year and month facets.

The matches are a materialized CTE ``m`` (their date number and countries); one ``UNION
ALL`` returns the page's rows and each count as a row tagged by kind, so a search is one
round trip. Months are counted as ``date / 100`` (YYYYMM); a year is the sum of its
months, year-only dates (month 00) counting for the year alone, undated articles (0) for
neither, as in the other engines.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

HIT, TOTAL, COUNTRY, MONTH, CANDIDATES = 0, 1, 2, 3, 4  # the kinds of the search's rows

COUNTS = f"""
UNION ALL SELECT {TOTAL}, NULL, NULL, count(*)::float8 FROM m
"""
RANKED = f"""
UNION ALL SELECT {CANDIDATES}, NULL, NULL, count(*)::float8 FROM r
"""
FACETS = f"""
UNION ALL SELECT {COUNTRY}, c, NULL, count(*)::float8
    FROM (SELECT unnest(countries) AS c FROM m) AS named GROUP BY c
UNION ALL SELECT {MONTH}, (date / 100)::text, NULL, count(*)::float8 FROM m
    WHERE date > 0 GROUP BY date / 100
"""


class Found(NamedTuple):
    """What the search statement found: the total, the page, the facets, and how many
    matches were ranked (all of them: None; see ``view``'s first cut)."""

    total: int
    hits: list[tuple[str, float]]
    facets: dict
    candidates: int | None


def read_rows(rows: list[tuple], facets: bool, by_date: bool) -> Found:
    """What the search's rows (kind, key, seq, value) say.

    A hit row holds the article's id, its insertion number and its score (its date number
    when sorted by date); the page is put back in the statement's order, highest value
    first, then first inserted, and a hit sorted by date scores 0.0, as in the others.
    """
    found = sorted((row for row in rows if row[0] == HIT), key=lambda row: (-row[3], row[2]))
    hits = [(row[1], 0.0 if by_date else row[3]) for row in found]
    total = next((int(row[3]) for row in rows if row[0] == TOTAL), 0)
    candidates = next((int(row[3]) for row in rows if row[0] == CANDIDATES), None)
    if not facets:
        return Found(total, hits, {}, candidates)
    country = {row[1]: int(row[3]) for row in rows if row[0] == COUNTRY}
    year: Counter[str] = Counter()
    month: dict[str, int] = {}
    for _, key, _, count in (row for row in rows if row[0] == MONTH):
        year[key[:4]] += int(count)
        if key[4:] != "00":
            month[f"{key[:4]}-{key[4:]}"] = int(count)
    counts = {"country": country, "year": dict(year), "month": month}
    return Found(total, hits, counts, candidates)


def empty(facets: bool) -> dict:
    """The facets of no match."""
    return {"country": {}, "year": {}, "month": {}} if facets else {}
