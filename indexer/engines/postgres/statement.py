"""The search statement (``build``) and what its rows say (``read_rows``): the page, and the
counts over *all* matches in the statement that finds them: the total, and the country,
year and month facets.

The matches are read from the narrow ``matches`` table (``a``), a CTE ``m`` (their date
number and countries; materialized when read more than once); a ranked match's score
reads its arrays in ``articles`` (``d``), found by its ``seq`` (``scored``). One ``UNION
ALL`` returns the page's rows and each count as a row tagged by kind, so a search is one
round trip. Months are counted as ``date / 100`` (YYYYMM); a year is the sum of its
months, year-only dates (month 00) counting for the
year alone, undated articles (0) for neither, as in the other engines.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

HIT, TOTAL, COUNTRY, MONTH, CANDIDATES, MEMBER = 0, 1, 2, 3, 4, 5  # the search's rows' kinds

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
    """What the search statement found: the total, the page, the facets, how many matches
    were ranked (None when the ranked are the counted ones; see ``view``'s first cut), and
    the asked members that match, with their values."""

    total: int
    hits: list[tuple[str, float]]
    facets: dict
    candidates: int | None
    members: dict[str, float] | None = None


def read_rows(rows: list[tuple], facets: bool, by_date: bool, members: bool = False) -> Found:
    """What the search's rows (kind, key, seq, value) say.

    A hit row holds the article's id, its insertion number and its score (its date number
    when sorted by date); the page is put back in the statement's order, highest value
    first, then first inserted, and a hit sorted by date scores 0.0, as in the others.
    """
    found = sorted((row for row in rows if row[0] == HIT), key=lambda row: (-row[3], row[2]))
    hits = [(row[1], 0.0 if by_date else row[3]) for row in found]
    total = next((int(row[3]) for row in rows if row[0] == TOTAL), 0)
    candidates = next((int(row[3]) for row in rows if row[0] == CANDIDATES), None)
    matched = None
    if members:
        matched = {row[1]: 0.0 if by_date else row[3] for row in rows if row[0] == MEMBER}
    if not facets:
        return Found(total, hits, {}, candidates, matched)
    country = {row[1]: int(row[3]) for row in rows if row[0] == COUNTRY}
    year: Counter[str] = Counter()
    month: dict[str, int] = {}
    for _, key, _, count in (row for row in rows if row[0] == MONTH):
        year[key[:4]] += int(count)
        if key[4:] != "00":
            month[f"{key[:4]}-{key[4:]}"] = int(count)
    counts = {"country": country, "year": dict(year), "month": month}
    return Found(total, hits, counts, candidates, matched)


def empty(facets: bool) -> dict:
    """The facets of no match."""
    return {"country": {}, "year": {}, "month": {}} if facets else {}


class Shape(NamedTuple):
    """What a search statement reads and returns: the value ranked (a score or the date;
    None: a count), the matches' condition, whether facets and counts are wanted, and
    the SQL array of the members whose values come back (None: none asked)."""

    value: str | None
    condition: str
    facets: bool
    counted: bool
    members: str | None


def scored(score: str) -> str:
    """The value of a match (its row ``a`` in ``matches``) that ``score`` computes over its
    row ``d`` in ``articles``: a look-up by ``seq`` in the primary key, per match ranked
    (a correlated subquery: whatever the planner expects of their number, never a join
    that reads every article; for 60,000 expected, it chose a merge join that did)."""
    return f"(SELECT {score} FROM {{articles}} d WHERE d.seq = a.seq)"


def build(shape: Shape, cut: bool) -> str:
    """The matches (``m``: what the total and the facets count) and those ranked (``r``:
    the first cut's, or every match) with their value (score or date); then the page,
    the total and the facets. No value: a count, nothing ranked; not ``counted``: the
    page alone, ``m`` not read. The matches are read once when both are the same rows.

    The members asked (``Shape.members``) are valued as the matches are read, where the
    scan has their row at hand: their value only when the id is one of them (a hashed
    subplan), then a row each. Asked apart, PostgreSQL probed their 16,184 ids one by one
    and read each one's tsvector again (150 to 300 ms at 341,600 articles); asked of the
    matches read, it joined them in a nested loop (124 matches by 276 members: 3 ms). The subplan is
    hashed only while the ids fit in ``work_mem`` (150,000 at PostgreSQL's defaults):
    ``view`` asks for no more than ``MEMBERS_VALUED`` (the caller then asks apart). A
    LEFT JOIN of them, hashed at any number, made the planner read the matches another
    way: Macron past the time budget at 341,600 articles.

    Every shape needs a value or the counts (``view`` counts when nothing is ranked), and
    facets come with the counts."""
    value, condition, counted = shape.value, shape.condition, shape.counted
    assert value is not None or counted, "a statement ranks or counts"
    assert counted or not shape.facets, "facets are counts"
    ranked = "r" if cut or not counted else "m"
    ctes, selects = [], []
    if shape.members is not None:
        ctes.append(f"asked AS MATERIALIZED (SELECT unnest({shape.members}) AS id)")
    if counted and (value is None or ranked == "r"):
        read_again = shape.facets or shape.members is not None
        materialized = "MATERIALIZED " if read_again else ""  # else read once: inlined
        member = ""
        if shape.members is not None:
            member = f", a.id, CASE WHEN a.id IN (SELECT id FROM asked) THEN {value} END AS member"
        ctes.append(
            f"m AS {materialized}(SELECT a.date, a.countries{member} FROM {{matches}} a "
            f"WHERE {condition})"
        )
        if shape.members is not None:
            selects.append(
                f"UNION ALL SELECT {MEMBER}, id, NULL, member FROM m WHERE member IS NOT NULL"
            )
    if value is not None:
        columns = ", a.date, a.countries" if ranked == "m" else ""
        if ranked == "m" and shape.members is not None:  # hashed, as above
            columns += ", a.id IN (SELECT id FROM asked) AS member"
        also = " AND a.lexemes @@ %(cut)s::tsquery" if cut else ""
        ctes.append(
            f"{ranked} AS MATERIALIZED (SELECT a.seq, a.id{columns}, {value} AS value "
            f"FROM {{matches}} a WHERE {condition}{also})"
        )
        selects.append(
            f"UNION ALL (SELECT {HIT}, id, seq, value FROM {ranked} "
            "ORDER BY value DESC, seq LIMIT %(limit)s OFFSET %(offset)s)"
        )
        if ranked == "r":
            selects.append(RANKED)
        elif shape.members is not None:
            selects.append(f"UNION ALL SELECT {MEMBER}, id, seq, value FROM m WHERE member")
    if counted:
        selects.append(COUNTS)
    if shape.facets:
        selects.append(FACETS)
    union = "\n".join(part.strip() for part in selects).removeprefix("UNION ALL")
    return f"WITH {', '.join(ctes)} {union}"
