"""Completion while typing: the word being typed, then the titles it starts.

    completions(snapshot, CompletionRequest("relations bilat"))
      -> Completions(words=["relations bilatérales", ...], titles=[(id, title), ...])

The last word of what is typed is completed from the index's vocabulary, most frequent
first, written as the articles write it (``wordforms``); beside the words, the best
articles whose title has a word that starts like it and that hold the other words typed.
/api/suggest and ``search --complete`` answer with it; the page asks it on each keystroke.
"""

from __future__ import annotations

from indexer.analysis import analyze_words, fold, stem
from indexer.engines import querytree as qt

from ..errors import SearchError
from .core import DEFAULT_SETTINGS, deadline_of
from .models import CompletionRequest, Completions
from .query import parse_query
from .settings import Settings
from .snapshot import Snapshot, reads_index
from .wordforms import written_forms

MIN_COMPLETION = 2  # letters typed before completions are offered
TITLES_LIMIT = 5  # titles beside the completions, at most
TITLE_CANDIDATES = 4  # hits read per title wanted: most name the word in their title
TITLE_WORDS = 3  # completions of the last word that the titles are looked for with


@reads_index
def completions(
    snapshot: Snapshot, request: CompletionRequest, settings: Settings = DEFAULT_SETTINGS
) -> Completions:
    """The words that complete the last one typed, and the titles it starts."""
    deadline = deadline_of(settings)
    titles = complete_titles(snapshot, request.q, min(request.limit, TITLES_LIMIT), deadline)
    return Completions(request.q, complete_words(snapshot, request.q, request.limit), titles)


def complete_words(snapshot: Snapshot, q: str, limit: int) -> list[str]:
    """'relations bilat' -> ['relations bilatérales', 'relations bilatéral', ...]: ``q``
    with its last word completed, most frequent first, as the articles write it."""
    head, _, last = q.rpartition(" ")
    prefix = fold(last)
    if len(prefix) < MIN_COMPLETION:
        return []
    words = snapshot.lexicon.complete(prefix, limit)
    forms = written_forms(snapshot, words)
    return [f"{head} {forms[w]}".strip() for w in words]


def complete_titles(
    snapshot: Snapshot, q: str, limit: int, deadline: float | None = None
) -> list[tuple[str, str]]:
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
    words = snapshot.lexicon.complete(prefix, TITLE_WORDS)
    if not words:
        return []
    tree: qt.Node = qt.Or(tuple(qt.Term(stem(w), w) for w in words))
    if head.strip():
        try:
            tree = qt.And((parse_query(head), tree))
        except SearchError:
            return []
    engine = snapshot.engine
    query = qt.EngineQuery(tree=tree, limit=limit * TITLE_CANDIDATES, deadline=deadline)
    found = engine.search(query)
    titles = []
    for article in engine.fetch([doc_id for doc_id, _ in found.hits]):
        if article is not None and any(
            exact.startswith(prefix) for exact, *_ in analyze_words(article.title)
        ):
            titles.append((article.id, article.title))
    return titles[:limit]
