"""The engine-neutral query tree, in index-term space.

``service.query`` parses what users type into this tree, already analysed: leaves carry
the terms as the index holds them, so every engine executes the same query the same way
and no engine analyses French itself.

    "chinoise relations" -> And(Term("chinois", "chinoise"), Term("relat", "relations"))
    '"la Ceinture et la Route"' -> Phrase(("ceintur", "rout"), ("ceinture", "route"))
    "multilat*" -> Prefix("multilat")
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

# How much a match in each field counts, the same in every engine: a word in the title
# counts as much as in the body, and a word as typed (accents aside, unstemmed: the exact
# field) counts again on top of its stem. Chosen on the PIAF dev judgments
# (EVALUATION.md): a title weighing double lost 0.07 MRR@10; the exact field gained 0.04.
FIELD_WEIGHTS = {"title": 1.0, "body": 1.0, "exact": 1.0}


@dataclass(frozen=True)
class Term:
    """One word: ``stem`` matches the stemmed fields, ``exact`` the folded, unstemmed one.

    ``weight`` scales its score (corrected and variant spellings weigh less than what
    was typed); ``via`` says how it came into the query ("" as typed, "synonym", "typo",
    "name") and ``typed`` the word the user wrote; ``written``, for a quoted word, its
    written form (``indexer.written``); none changes what it matches.
    """

    stem: str
    exact: str
    weight: float = 1.0
    via: str = field(default="", compare=False)
    typed: str = field(default="", compare=False)
    written: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Phrase:
    """Words in this order, stop words aside: Phrase(("ceintur", "rout"), ...);
    ``written``: for a quoted phrase, its words' written forms (``indexer.written``)."""

    stems: tuple[str, ...]
    exacts: tuple[str, ...]
    via: str = field(default="", compare=False)
    typed: str = field(default="", compare=False)
    written: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Prefix:
    """The folded words that start with ``prefix``: Prefix("multilat"). ``words``, when
    given, bounds it to those words (the most frequent ones, as the search core expands
    it: a two-letter prefix would otherwise expand to thousands of terms)."""

    prefix: str
    words: tuple[str, ...] | None = None


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Alternatives:
    """One word or expression in several spellings (typos, name variants, synonyms):
    matches any of them, and scores as its best one, so spellings do not add up."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """Documents that do not match ``child``; only meaningful inside an And."""

    child: Node


@dataclass(frozen=True)
class MatchAll:
    """Every document (an empty query, or one made only of exclusions)."""


@dataclass(frozen=True)
class Ids:
    """The documents with these ids, all scored alike: which of a few articles match a
    query (``And((tree, Ids(...)))``), or their facets."""

    ids: tuple[str, ...]


@dataclass(frozen=True)
class Written:
    """The documents that write each of these words as typed, accents included but for
    the first letter's (``indexer.written``), all scored alike: what a quoted phrase
    matches first (``And((phrase, Written(...)))``)."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class Bands:
    """The documents that have one of these near-copy bands (``indexer.copies``), all
    scored alike: the articles that may be copies of a few just written."""

    bands: tuple[str, ...]


Node = Term | Phrase | Prefix | And | Or | Alternatives | Not | MatchAll | Ids | Written | Bands


def positive_leaves(node: Node) -> Iterator[Term | Phrase | Prefix]:
    """The leaves that make a document match (not those under a Not): what passages mark."""
    if isinstance(node, Term | Phrase | Prefix):
        yield node
    elif isinstance(node, And | Or | Alternatives):
        for child in node.children:
            yield from positive_leaves(child)


@dataclass(frozen=True)
class Filters:
    """Restrictions on top of the query: every listed country, and a date-key range."""

    countries: tuple[str, ...] = ()
    date_from: str | None = None  # inclusive date key, "YYYY-MM-DD" (see date_key)
    date_to: str | None = None


@dataclass(frozen=True)
class EngineQuery:
    """What an engine executes: a tree, filters, an order and a page window."""

    tree: Node
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"  # or "date": newest first, undated last
    offset: int = 0
    limit: int = 10  # 0: a count, no page
    facets: bool = False  # True: also count country, year and month over all matches
    # False: the page alone is wanted, and ``total`` may count less than every match
    # (what postgres ranked); the engines that count as they rank count anyway.
    counted: bool = True
    # Ids whose match and rank the caller wants beside the page (the copies' pass: every
    # member of a copy group); an engine may answer them in ``EngineResult.members``.
    members: tuple[str, ...] = field(default=(), compare=False)
    # time.monotonic() past which the engine gives up (SearchTimeout), where it can stop:
    # a search holds a server thread, and no query may hold one for seconds.
    deadline: float | None = field(default=None, compare=False)


@dataclass(frozen=True)
class EngineResult:
    """Ids and scores of the page, and counts over *all* matches."""

    total: int
    hits: list[tuple[str, float]]
    facets: dict[str, dict[str, int]]  # "country", "year", "month" -> value -> count
    # Those of the query's ``members`` that match, with their score as a hit's (0.0 sorted
    # by date); None: not answered, the caller asks in a search of its own.
    members: dict[str, float] | None = None


class SearchTimeout(Exception):
    """A search that ran past its deadline (``EngineQuery.deadline``)."""


def check_deadline(deadline: float | None) -> None:
    """SearchTimeout once ``deadline`` (a time.monotonic() value) has passed."""
    if deadline is not None and time.monotonic() > deadline:
        raise SearchTimeout(f"past the deadline by {time.monotonic() - deadline:.3f} s")


def date_key(value: str | None, upper: bool = False) -> str:
    """A sortable key for a partial ISO date: '2021-06' -> '2021-06-00' (upper: '2021-06-99')."""
    if not value:
        return ""
    pad = "99" if upper else "00"
    parts = value.split("-") + [pad] * (3 - len(value.split("-")))
    return "-".join(parts[:3])
