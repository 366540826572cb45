"""The search core: request -> result, the same for the API, the page and the command.

It parses the query (``query``), asks the live engine for a page of ids and facet counts
over all matches, fetches those articles and cuts their passages (``passages``). It
imports neither Flask nor click.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field, replace

from indexer.analysis import analyze_words, fold, stem
from indexer.articles import Article
from indexer.countries import country_label
from indexer.engines import querytree as qt
from indexer.store import IndexCorrupt, IndexHandle, IndexMissing, IndexOutdated, current_generation

from . import hybrid, rerank
from .errors import DocumentNotFound, IndexUnavailable, SearchError
from .explain import explain
from .lexicon import lexicon_of
from .matching import search_in_tiers
from .models import FacetValue, Hit, SearchRequest, SearchResult, Suggestions
from .passages import Passage, best_passages, match_spans
from .query import Synonyms, parse_query
from .spelling import expand, suggest
from .written import written

MIN_COMPLETION = 2  # letters typed before completions are offered
SUGGEST_LIMIT = (8, 20)  # default and largest number of completions (/api/suggest, CLI)
TITLES_LIMIT = 5  # titles beside the completions, at most
REBUILD_HINT = "lancez « search-index --rebuild » pour le reconstruire"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    """What the core needs from the configuration."""

    synonyms: Synonyms = field(default_factory=Synonyms)
    passages: int = 3
    passage_chars: int = 200


def engine_of(index: IndexHandle):
    """The live engine, checked readable, or IndexUnavailable that says how to (re)build it."""
    try:
        engine = index.engine()
        engine.doc_count()  # opens this thread's reader: damaged segment files fail here
        lexicon_of(index)  # loaded once per generation: a damaged vocabulary fails here
        return engine
    except Exception as e:
        if not _is_index_error(index, e):
            raise
        raise _unavailable(index, e) from e


def live_generation(index: IndexHandle) -> str:
    """The name of the live generation, checked readable as ``engine_of`` does: what an
    answer computed now depends on, besides the request (``service.answers``)."""
    engine_of(index)
    return str(index.generation)


def reads_index(func):
    """A core function over the live index whose missing or damaged files answer 503.

    The engine's own read errors (``Engine.is_read_error``: truncated, overwritten or
    removed files) become IndexUnavailable; any other exception is a bug and propagates.
    A call that fails after a build published another generation is tried once more,
    whatever the error: it may have read a generation that later builds removed (Whoosh
    opens some files lazily, and then fails in any way), and the second try reads the
    live one; a real bug fails the same way twice and propagates.
    """

    @functools.wraps(func)
    def wrapper(index: IndexHandle, *args, **kwargs):
        began_on = index.generation
        try:
            return func(index, *args, **kwargs)
        except Exception as e:
            if _live(index) == began_on or _is_user_error(e):
                if not _is_index_error(index, e):
                    raise
                raise _unavailable(index, e) from e
        try:
            return func(index, *args, **kwargs)
        except Exception as e:
            if not _is_index_error(index, e):
                raise
            raise _unavailable(index, e) from e

    return wrapper


def _is_user_error(error: Exception) -> bool:
    """An answer about the request (a bad query, an unknown id), not about the index."""
    return isinstance(error, SearchError) and not isinstance(error, IndexUnavailable)


def _live(index: IndexHandle):
    try:
        return current_generation(index.index_dir)
    except IndexCorrupt:
        return None


def _is_index_error(index: IndexHandle, error: Exception) -> bool:
    return isinstance(error, IndexMissing) or index.is_read_error(error)


def _unavailable(index: IndexHandle, error: Exception) -> IndexUnavailable:
    """The 503 for an index that is missing, of another format, or damaged."""
    if isinstance(error, IndexMissing):
        return IndexUnavailable(
            f"aucun index dans {index.index_dir} : lancez « search-index » pour le construire"
        )
    if isinstance(error, IndexOutdated):
        return IndexUnavailable(
            f"l'index a été construit par une autre version (format {error.found}, "
            f"celle-ci lit le format {error.expected}) : reconstruisez l'index, "
            "lancez « search-index --rebuild »"
        )
    log.error("index %s unreadable: %s: %s", index.index_dir, type(error).__name__, error)
    return IndexUnavailable(f"index illisible dans {index.index_dir} : {REBUILD_HINT}")


@reads_index
def search(
    index: IndexHandle, request: SearchRequest, settings: Settings = Settings()
) -> SearchResult:
    """Run a search request against the live index."""
    started = time.perf_counter()
    engine = engine_of(index)
    lexicon = lexicon_of(index)
    tree = parse_query(request.q, settings.synonyms)
    expanded = expand(tree, lexicon)
    leaves = list(qt.positive_leaves(expanded))
    offset = (request.page - 1) * request.per_page
    # The re-ranking reorders the first DEPTH or PARTIAL_DEPTH hits: ask for them.
    head = (
        rerank.PARTIAL_DEPTH
        if request.sort == "relevance" and leaves and offset < rerank.PARTIAL_DEPTH
        else 0
    )
    fused_depth = hybrid.DEPTH if hybrid.applies(request, expanded) else 0
    filters = qt.Filters(
        countries=request.countries,
        date_from=qt.date_key(request.date_from),
        date_to=qt.date_key(request.date_to, upper=True),
    )
    ranking = search_in_tiers(
        engine,
        qt.EngineQuery(
            tree=tree,
            filters=filters,
            sort=request.sort,
            offset=offset,
            limit=request.per_page,
        ),
        expanded,
        depth=max(head, fused_depth),
    )
    ranked, fetched, spans = ranking.hits, {}, {}
    head = head and rerank.depth(ranking.tiers)
    if head:
        first = ranked[:head]
        articles = engine.fetch([doc_id for doc_id, _ in first])
        texts = [match_spans(a.text, leaves) if a is not None else [] for a in articles]
        order = rerank.rerank(first, ranking.tiers[:head], articles, leaves, lexicon, texts)
        ranked = [first[i] for i in order] + ranked[head:]
        fetched = {a.id: a for a in articles if a is not None}
        spans = {a.id: t for a, t in zip(articles, texts, strict=True) if a is not None}
    total, by_meaning = ranking.total, frozenset()
    # Partial matches on the first page: articles found by meaning join them.
    dense = hybrid.dense_of(index) if fused_depth and ranking.all_terms < request.per_page else None
    vector = dense.query_vector(request.q) if dense is not None else None
    if vector is not None:
        nearest = hybrid.nearest(dense, vector)
        fused = hybrid.fuse(ranked, ranking.all_terms, nearest)
        ranked, by_meaning, total = fused.hits, fused.by_meaning, total + fused.added
    page = ranked[offset : offset + request.per_page]
    missing = [doc_id for doc_id, _ in page if doc_id not in fetched]
    fetched.update((a.id, a) for a in engine.fetch(missing) if a is not None)
    hits = [
        _hit(fetched[doc_id], score, leaves, settings, request.explain, spans.get(doc_id))
        for doc_id, score in page
        if doc_id in fetched
    ]
    if by_meaning:
        hits = [replace(h, by_meaning=True) if h.id in by_meaning else h for h in hits]

    def found(q: str) -> int:
        """How many articles hold every word of ``q``, under the request's filters."""
        tree = parse_query(q, settings.synonyms)
        return engine.search(qt.EngineQuery(tree, filters, limit=1, facets=False)).total

    took = (time.perf_counter() - started) * 1000
    return SearchResult(
        request,
        total,
        hits,
        _facets(ranking.facets),
        took_ms=took,
        all_terms_total=ranking.all_terms,
        suggestion=suggest(
            request.q,
            ranking.total,
            lexicon,
            found,
            all_terms=ranking.all_terms,
            written=functools.partial(written, index),
        ),
    )


@reads_index
def get_document(index: IndexHandle, doc_id: str) -> Article:
    """One article by id; DocumentNotFound if the index has no such id."""
    article = engine_of(index).fetch([doc_id])[0]
    if article is None:
        raise DocumentNotFound(f"aucun article n'a l'identifiant « {doc_id} »")
    return article


def highlight(article: Article, q: str, settings: Settings = Settings()) -> list:
    """The whole text of an article as one passage, with a query's matches marked."""
    leaves = list(qt.positive_leaves(parse_query(q, settings.synonyms))) if q else []
    # Not best_passages: its window opens a quarter-size before the first match, which cut
    # the start of the text whenever the first match came after the first quarter.
    spans = match_spans(article.text, leaves) if leaves else []
    return [Passage(article.text, tuple((start, end) for start, end, _ in spans))]


def _hit(
    article: Article,
    score: float,
    leaves: list,
    settings: Settings,
    why: bool,
    spans: list[tuple] | None = None,
) -> Hit:
    passages = best_passages(article.text, leaves, settings.passages, settings.passage_chars, spans)
    return Hit(
        id=article.id,
        title=article.title,
        date=article.date.value if article.date else None,
        countries=article.countries,
        score=score,
        passages=passages,
        url=article.url,
        explain=explain(article, leaves) if why else None,
    )


def _facets(counts: dict[str, dict[str, int]]) -> dict[str, list[FacetValue]]:
    countries = [FacetValue(c, n, country_label(c)) for c, n in counts.get("country", {}).items()]
    countries.sort(key=lambda v: (-v.count, v.label or ""))
    return {
        "country": countries,
        "year": [FacetValue(y, n) for y, n in sorted(counts.get("year", {}).items(), reverse=True)],
        "month": [
            FacetValue(m, n) for m, n in sorted(counts.get("month", {}).items(), reverse=True)
        ],
    }


@reads_index
def complete(index: IndexHandle, q: str, limit: int = 8) -> list[str]:
    """Completions of the word being typed (the last one of ``q``), most frequent first.

    'relations bilat' -> ['relations bilatérales', 'relations bilatéral', ...]: the query
    with its last word completed from the index's vocabulary, most frequent first, written
    as the articles write it (``written``).
    """
    head, _, last = q.rpartition(" ")
    prefix = fold(last)
    if len(prefix) < MIN_COMPLETION:
        return []
    words = lexicon_of(index).complete(prefix, limit)
    forms = written(index, words)
    return [f"{head} {forms[w]}".strip() for w in words]


def completions(index: IndexHandle, q: str, limit: int = SUGGEST_LIMIT[0]) -> Suggestions:
    """The words that complete the last one of ``q`` (``limit``), and the titles it starts
    (at most TITLES_LIMIT): /api/suggest and ``search --complete``."""
    return Suggestions(
        q, complete(index, q, limit), complete_titles(index, q, min(limit, TITLES_LIMIT))
    )


TITLE_CANDIDATES = 4  # hits read per title wanted: most name the word in their title
TITLE_WORDS = 3  # completions of the last word that the titles are looked for with


@reads_index
def complete_titles(index: IndexHandle, q: str, limit: int = 5) -> list[tuple[str, str]]:
    """(id, title) of the best articles whose title has a word starting like the last word
    of ``q``, and that hold its other words: 'ceinture et la ro' -> the articles titled
    "… la Route …". Nothing under MIN_COMPLETION letters or for a query that cannot parse.

    The last word is searched as its most frequent completions (ranked terms, cheap in
    both engines), not as a prefix query: a two-letter prefix expands to thousands of
    words, which took Whoosh seconds, and scores every article alike.
    """
    head, _, last = q.rpartition(" ")
    prefix = fold(last)
    if len(prefix) < MIN_COMPLETION:
        return []
    words = lexicon_of(index).complete(prefix, TITLE_WORDS)
    if not words:
        return []
    tree: qt.Node = qt.Or(tuple(qt.Term(stem(w), w) for w in words))
    if head.strip():
        try:
            tree = qt.And((parse_query(head), tree))
        except SearchError:
            return []
    engine = engine_of(index)
    found = engine.search(qt.EngineQuery(tree=tree, limit=limit * TITLE_CANDIDATES))
    titles = []
    for article in engine.fetch([doc_id for doc_id, _ in found.hits]):
        if article is not None and any(
            exact.startswith(prefix) for exact, *_ in analyze_words(article.title)
        ):
            titles.append((article.id, article.title))
    return titles[:limit]


@reads_index
def similar(
    index: IndexHandle, doc_id: str, limit: int = 5, settings: Settings = Settings()
) -> SearchResult:
    """Articles like this one ("more like this"): its most distinctive words, ORed."""
    article = get_document(index, doc_id)
    words = lexicon_of(index).distinctive(f"{article.title}\n{article.text}")
    tree = qt.Or(tuple(qt.Term(stem(w), w) for w in words)) if words else qt.MatchAll()
    engine = engine_of(index)
    found = engine.search(qt.EngineQuery(tree=tree, offset=0, limit=limit + 1))
    pairs = [(i, score) for i, score in found.hits if i != doc_id][:limit]
    articles = engine.fetch([i for i, _ in pairs])
    leaves = list(qt.positive_leaves(tree))
    hits = [
        _hit(a, score, leaves, settings, False)
        for (_, score), a in zip(pairs, articles, strict=True)
        if a is not None
    ]
    request = SearchRequest(per_page=limit)
    return SearchResult(request, len(hits), hits, _facets({}))
