"""The search core: a request and a snapshot in, a result out, the same for every door.

    search(snapshot, request, settings) -> SearchResult
      1. plan      parse the query, widen it with spelling variants, bound its prefixes,
                   decide how deep to rank
      2. rank      ask the engine tier by tier: as typed, with variants, then partial
      3. rerank    reorder the first hits by proximity (and meaning, for partial matches)
      4. fuse      mix in articles found by meaning, when the query fell back to partial
      5. page      fetch the page's articles, cut their passages, say why each matched
      6. respell   propose a better spelling when the query finds little

It imports neither Flask nor click: the API, the page and the command line call it and
render its result. Everything it reads comes from one ``Snapshot`` (engine, lexicon,
vectors), so a build that publishes meanwhile never mixes two generations in an answer.

Every search has a time budget (``Settings.time_budget_ms``): the engines stop at its
deadline where they can, each step looks at it, and a search past it answers 503
(``TooLong``) instead of holding a server thread for seconds.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from dataclasses import dataclass, field, replace

from indexer.articles import Article
from indexer.engines import querytree as qt
from indexer.sources import nfc

from ..errors import DocumentNotFound
from . import copies, hybrid, questions, rerank, tiers
from .expansion import bound_prefixes
from .match_kinds import match_kinds
from .models import Hit, SearchRequest, SearchResult, facets_of
from .passages import Passage, best_passages, match_spans
from .query import parse_query
from .settings import Settings
from .snapshot import Snapshot, reads_index
from .spelling import correct, did_you_mean
from .tiers import Ranking, search_in_tiers
from .wordforms import written_forms

DEFAULT_SETTINGS = Settings()


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
    counts: dict = field(default_factory=dict, compare=False)  # tree -> matches (counted)

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


@reads_index
def search(
    snapshot: Snapshot, request: SearchRequest, settings: Settings = DEFAULT_SETTINGS
) -> SearchResult:
    """Run a search request on a snapshot of the index."""
    started = time.perf_counter()
    ready(snapshot)
    plan = plan_query(snapshot, request, settings, deadline_of(settings))
    ranked = collapse_copies(snapshot, plan, rank(snapshot, plan))
    ranked = rerank_head(snapshot, plan, ranked)
    ranked = fuse_by_meaning(snapshot, plan, ranked)
    hits = page_of(snapshot, plan, ranked, settings)
    return SearchResult(
        request,
        ranked.total,
        hits,
        facets_of(ranked.facets),
        took_ms=(time.perf_counter() - started) * 1000,
        all_terms_total=ranked.all_terms,
        suggestion=respell(snapshot, plan, ranked.ranking, settings),
    )


def ready(snapshot: Snapshot) -> None:
    """What a commit makes once for all its searches, made before a search's time
    budget starts: the budget bounds one search's own work. The near-copy groups
    (``copies``) and the lexicon's indexes for corrections and names are the cost of a
    write (patched from the commit before), or of a process's first search: a command
    line ``search`` on 34,160 articles, or a server before its warm-up ends."""
    snapshot.lexicon.warm_up()
    snapshot.copies  # noqa: B018 (memoized on the snapshot)


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
    counts: dict[qt.Node, int] = {}
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
    counts: dict[qt.Node, int],
    node: qt.Node,
) -> int:
    """How many articles ``node`` matches under ``filters``: a count, no page, asked once
    per request (the spelling's corrections and its "Vouliez-vous dire" count the same
    words)."""
    if node not in counts:
        query = qt.EngineQuery(node, filters, limit=0, deadline=deadline)
        counts[node] = snapshot.engine.search(query).total
    return counts[node]


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
    ranking = search_in_tiers(snapshot.engine, plan.query, plan.expanded, depth, counts)
    return Ranked(ranking, ranking.hits, ranking.total, facets=ranking.facets)


def collapse_copies(snapshot: Snapshot, plan: Plan, ranked: Ranked) -> Ranked:
    """Wire copies among the results: the best-ranked of each group stays, the others
    leave the hits, the total and the facets, on every page alike (``copies``)."""
    groups = snapshot.copies
    tree = ranked.ranking.tree
    if not groups.of or tree is None:
        return ranked
    kept = copies.hidden(groups, _copy_ranks(snapshot, plan, tree, groups))
    if not kept:
        return ranked
    hidden = {doc_id for ids in kept.values() for doc_id in ids}
    needed = max(plan.head, plan.fused, plan.query.offset + plan.query.limit)
    ranked = _deep_enough(snapshot, plan, ranked, hidden, needed)
    ranked.hits = [hit for hit in ranked.hits if hit[0] not in hidden]
    ranked.total -= len(hidden)
    ranked.copies = kept
    # Counts only, not hits: an engine's hits cost per hit (tantivy loads each one's id).
    found = _among(snapshot, plan, qt.MatchAll(), hidden, facets=True, limit=0)
    ranked.facets = subtract_facets(ranked.facets, found.facets)
    full = len(hidden)
    if tree != plan.expanded:
        full = _among(snapshot, plan, plan.expanded, hidden, limit=0).total
    ranked.all_terms = ranked.ranking.all_terms - full
    return ranked


def _deep_enough(snapshot: Snapshot, plan: Plan, ranked: Ranked, hidden: set, needed: int):
    """Hits enough to fill the page once the hidden copies leave them: ranked deeper,
    by twice as many each time, up to as many more as there are hidden copies (enough
    whatever their ranks). Ranking them all at once loaded 5,000 hits per search when
    every article had a copy. The counts do not change with the depth: kept, not asked
    again."""
    more = needed
    while len(ranked.hits) < ranked.total:
        if sum(1 for hit in ranked.hits if hit[0] not in hidden) >= needed:
            break
        ranked = rank(snapshot, plan, min(more, len(hidden)), counts=ranked.ranking)
        if more >= len(hidden):
            break
        more *= 2
    return ranked


def _copy_ranks(snapshot: Snapshot, plan: Plan, tree: qt.Node, groups) -> dict[str, tuple]:
    """The members of copy groups among the results, each with its rank key: by score
    (the answer's tree), or newest first when sorted by date."""
    found = _among(snapshot, plan, tree, groups.members)
    if plan.request.sort == "date":
        return {doc_id: (_negated(groups.dates.get(doc_id, "")),) for doc_id, _ in found.hits}
    return {doc_id: (-round(score, 6),) for doc_id, score in found.hits}


def _among(
    snapshot: Snapshot,
    plan: Plan,
    tree: qt.Node,
    ids,
    facets: bool = False,
    limit: int | None = None,
):
    """The articles of ``ids`` (a sorted tuple, or any collection) that ``tree`` matches
    under the request's filters: all of them as hits, or ``limit``."""
    ids = ids if isinstance(ids, tuple) else tuple(sorted(ids))  # a tuple: sorted already
    query = qt.EngineQuery(
        qt.And((tree, qt.Ids(ids))),
        plan.query.filters,
        limit=len(ids) if limit is None else limit,
        deadline=plan.deadline,
    )
    return snapshot.engine.search(replace(query, facets=facets))


def _negated(value: str) -> tuple[int, ...]:
    """A date key that sorts newest first: '2020-06-18' -> (-2020, -6, -18)."""
    return tuple(-int(part) for part in value.split("-") if part.isdigit())


def subtract_facets(a: dict[str, dict[str, int]], b: dict[str, dict[str, int]]) -> dict:
    """Facet counts of a set of articles without those of a subset of it."""
    return {name: dict(Counter(a.get(name, {})) - Counter(b.get(name, {}))) for name in a}


def rerank_head(snapshot: Snapshot, plan: Plan, ranked: Ranked) -> Ranked:
    """The first hits reordered by proximity and meaning (``rerank``); their articles and
    match spans are kept for the page."""
    head = plan.head and rerank.depth(ranked.ranking.tiers)
    if not head:
        return ranked
    plan.check_time()
    first = ranked.hits[:head]
    articles = snapshot.engine.fetch([doc_id for doc_id, _ in first])
    texts = [match_spans(a.text, plan.leaves) if a is not None else [] for a in articles]
    tiers = ranked.ranking.tiers[:head]
    order = rerank.rerank(first, tiers, articles, plan.leaves, snapshot.lexicon, texts)
    ranked.hits = [first[i] for i in order] + ranked.hits[head:]
    ranked.articles.update((a.id, a) for a in articles if a is not None)
    ranked.spans.update(
        (a.id, spans) for a, spans in zip(articles, texts, strict=True) if a is not None
    )
    return ranked


def fuse_by_meaning(snapshot: Snapshot, plan: Plan, ranked: Ranked) -> Ranked:
    """Partial matches: articles found by meaning join them (``hybrid``), on every page
    alike, counted in the total and the facets."""
    if not plan.fused or ranked.ranking.all_terms >= tiers.FEW:
        return ranked
    plan.check_time()
    dense = snapshot.vectors
    vector = dense.query_vector(plan.request.q) if dense is not None else None
    if vector is None:
        return ranked
    nearest = hybrid.nearest(dense, vector)
    matched = _matching(snapshot, plan, hybrid.candidates(ranked.hits, nearest))
    fused = hybrid.fuse(ranked.hits, ranked.all_terms, nearest, matched)
    ranked.hits, ranked.by_meaning = fused.hits, fused.by_meaning
    if fused.added:
        ranked.total += fused.added
        found = snapshot.engine.search(
            qt.EngineQuery(
                qt.Ids(tuple(sorted(fused.by_meaning))),
                limit=0,
                facets=True,
                deadline=plan.deadline,
            )
        )
        ranked.facets = add_facets(ranked.facets, found.facets)
    return ranked


def _matching(snapshot: Snapshot, plan: Plan, ids: list[str]) -> frozenset[str]:
    """Those of ``ids`` that hold some of the query's words (a lexical hit further down)."""
    if not ids:
        return frozenset()
    words = tiers.relaxed(plan.expanded) or plan.expanded
    tree = qt.And((words, qt.Ids(tuple(ids))))
    found = snapshot.engine.search(qt.EngineQuery(tree, limit=len(ids), deadline=plan.deadline))
    return frozenset(doc_id for doc_id, _ in found.hits)


def add_facets(a: dict[str, dict[str, int]], b: dict[str, dict[str, int]]) -> dict:
    """Facet counts of two disjoint sets of articles, summed."""
    return {
        name: dict(Counter(a.get(name, {})) + Counter(b.get(name, {})))
        for name in a.keys() | b.keys()
    }


def page_of(snapshot: Snapshot, plan: Plan, ranked: Ranked, settings: Settings) -> list[Hit]:
    """The requested page's hits, with passages and (if asked) why each matched."""
    plan.check_time()
    offset = plan.query.offset
    page = ranked.hits[offset : offset + plan.request.per_page]
    missing = [doc_id for doc_id, _ in page if doc_id not in ranked.articles]
    ranked.articles.update((a.id, a) for a in snapshot.engine.fetch(missing) if a is not None)
    hits = [
        make_hit(
            ranked.articles[doc_id],
            score,
            plan.leaves,
            settings,
            plan.request.explain,
            ranked.spans.get(doc_id),
        )
        for doc_id, score in page
        if doc_id in ranked.articles
    ]
    return [
        replace(h, by_meaning=h.id in ranked.by_meaning, copies=ranked.copies.get(h.id, ()))
        for h in hits
    ]


def respell(snapshot: Snapshot, plan: Plan, ranking: Ranking, settings: Settings) -> str | None:
    """ "Vouliez-vous dire": a better spelling of the query, when it finds little."""

    def found(q: str) -> int:
        """How many articles hold every word of ``q``, under the request's filters."""
        tree = parse_query(q, settings.synonyms)
        return count_matches(snapshot, plan.query.filters, plan.deadline, plan.counts, tree)

    return did_you_mean(
        plan.request.q,
        ranking.total,
        snapshot.lexicon,
        found,
        written=functools.partial(written_forms, snapshot),
        is_word=is_french_word,
    )


@reads_index
def count(snapshot: Snapshot, request: SearchRequest, settings: Settings = DEFAULT_SETTINGS) -> int:
    """How many results ``request`` has, as ``search`` counts them, without the page."""
    request = replace(request, page=1, explain=False)
    ready(snapshot)
    plan = plan_query(snapshot, request, settings, deadline_of(settings))
    ranked = collapse_copies(snapshot, plan, rank(snapshot, plan))
    return fuse_by_meaning(snapshot, plan, ranked).total


@reads_index
def document(snapshot: Snapshot, doc_id: str) -> Article:
    """One article by id (in any Unicode form: ids are NFC); DocumentNotFound if none."""
    article = snapshot.engine.fetch([nfc(doc_id)])[0]
    if article is None:
        raise DocumentNotFound(f"aucun article n'a l'identifiant « {doc_id} »")
    return article


def highlight(article: Article, q: str, settings: Settings = DEFAULT_SETTINGS) -> list:
    """The whole text of an article as one passage, with a query's matches marked."""
    leaves = list(qt.positive_leaves(parse_query(q, settings.synonyms))) if q else []
    # Not best_passages: its window opens a quarter-size before the first match, which cut
    # the start of the text whenever the first match came after the first quarter.
    spans = match_spans(article.text, leaves) if leaves else []
    return [Passage(article.text, tuple((start, end) for start, end, _ in spans))]


def make_hit(
    article: Article,
    score: float,
    leaves: list,
    settings: Settings,
    why: bool,
    spans: list[tuple] | None = None,
) -> Hit:
    """A result: the article's metadata, its passages and, if asked, its match kinds."""
    passages = best_passages(article.text, leaves, settings.passages, settings.passage_chars, spans)
    return Hit(
        id=article.id,
        title=article.title,
        date=article.date.value if article.date else None,
        countries=article.countries,
        score=score,
        passages=passages,
        url=article.url,
        explain=match_kinds(article, leaves) if why else None,
    )
