"""Steps 1 and 2 of a search (``core``): the plan of a request (its query parsed, bounded,
spelled as the archive does, and the engine query of its page), and the ranking tier by
tier that the later steps reshape (``Ranked``).

A request's counts (how many articles a spelling finds) are asked as counts, once: the
correction and the respelling count the same words (``Plan.counts``).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

from indexer.articles import Article
from indexer.engines import querytree as qt

from . import hybrid, questions, rerank
from .expansion import bound_prefixes
from .models import SearchRequest
from .query import parse_query
from .settings import Settings
from .snapshot import Snapshot
from .spelling import correct
from .tiers import Ranking, search_in_tiers
from .wordforms import written_forms


@dataclass(frozen=True)
class Plan:
    """What a request asks of the engine: the query as typed and widened, its leaves
    (what passages mark), the engine query of the page, and how deep to rank."""

    request: SearchRequest
    tree: qt.Node
    expanded: qt.Node
    leaves: list
    query: qt.EngineQuery
    head: int  # first hits to re-rank (0: none)
    fused: int  # ranks the meaning fusion may fill (0: no fusion)
    counts: dict = field(default_factory=dict, compare=False)  # (tree, filters) -> matches

    @property
    def deadline(self) -> float | None:
        return self.query.deadline

    def check_time(self) -> None:
        """SearchTimeout if the search's budget is spent."""
        qt.check_deadline(self.query.deadline)


@dataclass
class Ranked:
    """The ranking as it goes through the steps: (id, score) best first, and what was
    already fetched on the way (articles and their match spans)."""

    ranking: Ranking
    hits: list[tuple[str, float]]
    total: int
    articles: dict[str, Article] = field(default_factory=dict)
    spans: dict[str, list] = field(default_factory=dict)
    by_meaning: frozenset[str] = frozenset()
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    all_terms: int = 0
    copies: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kept id -> hidden ids

    def __post_init__(self) -> None:
        self.all_terms = self.all_terms or self.ranking.all_terms


def deadline_of(settings: Settings) -> float:
    """The time.monotonic() at which a search starting now runs out of budget."""
    return time.monotonic() + settings.time_budget_ms / 1000


def plan_query(
    snapshot: Snapshot, request: SearchRequest, settings: Settings, deadline: float | None = None
) -> Plan:
    """Parse the query, bound its prefixes, spell it as the archive does
    (``spelling.correct``); the engine query of the requested page."""
    lexicon = snapshot.lexicon
    tree = parse_query(questions.content(request.q), settings.synonyms)
    tree = bound_prefixes(tree, lexicon)
    filters = filters_of(request)
    counts: dict[tuple[qt.Node, qt.Filters], int] = {}
    count = functools.partial(count_matches, snapshot, filters, deadline, counts)

    def is_name(word: str) -> bool:
        return written_forms(snapshot, [word])[word][:1].isupper()

    corrected = correct(tree, lexicon, count, is_name, is_french_word, deadline)
    expanded = corrected.expanded
    leaves = list(qt.positive_leaves(expanded))
    offset = (request.page - 1) * request.per_page
    # The re-ranking reorders the first PARTIAL_DEPTH hits at most: ask for them.
    relevance = request.sort == "relevance" and leaves
    head = rerank.PARTIAL_DEPTH if relevance and offset < rerank.PARTIAL_DEPTH else 0
    query = qt.EngineQuery(
        tree=corrected.intended,
        filters=filters,
        sort=request.sort,
        offset=offset,
        limit=request.per_page,
        deadline=deadline,
    )
    fused = hybrid.DEPTH if hybrid.applies(request, expanded) else 0
    return Plan(request, tree, expanded, leaves, query, head, fused, counts)


def count_matches(
    snapshot: Snapshot,
    filters: qt.Filters,
    deadline: float | None,
    counts: dict[tuple[qt.Node, qt.Filters], int],
    node: qt.Node,
) -> int:
    """How many articles ``node`` matches under ``filters``: a count, no page, asked once
    per request (the spelling's corrections and its "Vouliez-vous dire" count the same
    words)."""
    key = (node, filters)
    if key not in counts:
        query = qt.EngineQuery(node, filters, limit=0, deadline=deadline)
        counts[key] = snapshot.engine.search(query).total
    return counts[key]


def is_french_word(word: str) -> bool:
    """Whether a word (lower case, as typed) is in the French word vectors' vocabulary (a
    dictionary of 500,000 words: "astre" is, "macorn" is not); loaded on first need,
    only for a rare word that looks like a misspelling of the archive."""
    from indexer.wordvectors import word_vectors

    vectors = word_vectors()
    return vectors is not None and vectors.row(word) >= 0


def filters_of(request: SearchRequest) -> qt.Filters:
    """The request's countries and period as engine filters."""
    return qt.Filters(
        countries=request.countries,
        date_from=qt.date_key(request.date_from),
        date_to=qt.date_key(request.date_to, upper=True),
    )


def rank(snapshot: Snapshot, plan: Plan, more: int = 0, counts: Ranking | None = None) -> Ranked:
    """The hits tier by tier, deep enough for the page and the re-ranking (and ``more``);
    the total and facets of ``counts`` when given (a shallower ranking of the plan)."""
    window = plan.query.offset + plan.query.limit
    depth = max(plan.head, plan.fused, window if more else 0) + more
    if plan.fused and window > plan.fused:  # pulled-up hits leave their ranks: fetch more
        depth = max(depth, window + hybrid.MEANING_RANKS + more)
    members = snapshot.copies.members if snapshot.copies.of else ()
    ranking = search_in_tiers(snapshot.engine, plan.query, plan.expanded, depth, counts, members)
    return Ranked(ranking, ranking.hits, ranking.total, facets=ranking.facets)
