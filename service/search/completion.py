"""Completion while typing: the phrase being typed, the word, then the titles it starts.

    completions(snapshot, CompletionRequest("notre da"))
      -> Completions(words=["Notre-Dame", "notre date", ...], titles=[(id, title), ...])

The last word of what is typed is completed, first as the phrase it makes with the one
or two words before it, from the runs of title words the archive really holds (the
engines' ``phrases``: "notre da" -> "notre dame", "gilets ja" -> "gilets jaunes",
"Champs-Ely" -> "Champs-Élysées", a hyphen parting words as a space does), most used
first and written as the articles write them ("Notre-Dame"); then as a word of the
index's vocabulary, most frequent first (``wordforms``). A misspelling of the archive
("coronaviurus", 2 articles beside 4,000: ``Lexicon.respellings``) is never offered.
Beside the words, the best articles whose title has a word that starts like it and that
hold the other words typed. /api/suggest and ``search --complete`` answer with it; the
page asks it on each keystroke.

Chosen by measurement (var/scratch, the 34,160 news articles): the runs of two and three
words of the titles are 333,000 (143,000 distinct) against 11 million in the texts; they
complete "notre da", "champs ely", "gilets ja", "covid 1", "etat isl" and "marine le p"
as the texts do, for 0.5 MB of tantivy index instead of tens.
"""

from __future__ import annotations

import re

from indexer.analysis import analyze_words, fold, stem
from indexer.engines import querytree as qt
from indexer.written import phrase_key, phrase_words

from ..errors import SearchError
from .core import DEFAULT_SETTINGS, ready
from .models import CompletionRequest, Completions
from .plan import deadline_of
from .query import parse_query
from .settings import Settings
from .snapshot import MIN_VECTOR_ARTICLES, Snapshot, reads_index
from .wordforms import written_forms, written_phrase

MIN_COMPLETION = 2  # letters typed before completions are offered
TITLES_LIMIT = 5  # titles beside the completions, at most
TITLE_CANDIDATES = 4  # hits read per title wanted: most name the word in their title
TITLE_WORDS = 3  # completions of the last word that the titles are looked for with
MIN_PHRASE_DF = 2  # a phrase offered is in this many titles at least
LAST_WORD = re.compile(r"[\s\-]+(?=[^\s\-]*$)")  # the separator before the last word
WORDS = re.compile(r"[^\W_]+")


@reads_index
def completions(
    snapshot: Snapshot, request: CompletionRequest, settings: Settings = DEFAULT_SETTINGS
) -> Completions:
    """The phrases and words that complete the last one typed, and the titles it starts."""
    ready(snapshot)
    deadline = deadline_of(settings)
    words = complete_words(snapshot, request.q, request.limit)
    titles = complete_titles(snapshot, request.q, min(request.limit, TITLES_LIMIT), deadline)
    return Completions(request.q, words, titles)


def complete_words(snapshot: Snapshot, q: str, limit: int) -> list[str]:
    """'gilets ja' -> ['gilets jaunes', ...]; 'relations bilat' -> ['relations
    bilatérales', ...]: ``q`` with its last word completed, phrases first."""
    head, last = split_last(q)
    prefix = fold(last)
    if len(prefix) < MIN_COMPLETION:
        return []
    phrases = complete_phrases(snapshot, q, limit)
    words = [w for w in snapshot.lexicon.complete(prefix, limit * 2) if is_offered(snapshot, w)]
    forms = written_forms(snapshot, words)
    found: dict[str, str] = {}  # folded -> as shown: "Notre-Dame" hides "notre dame"
    for text in phrases + [f"{head}{forms[w]}".strip() for w in words]:
        found.setdefault(fold(text), text)
    return list(found.values())[:limit]


def split_last(q: str) -> tuple[str, str]:
    """What is typed, cut before its last word (a space or a hyphen before it):
    "Champs-Ely" -> ("Champs-", "Ely"), "notre da" -> ("notre ", "da")."""
    found = list(LAST_WORD.finditer(q))
    if not found:
        return "", q
    end = found[-1].end()
    return q[:end], q[end:]


def complete_phrases(snapshot: Snapshot, q: str, limit: int) -> list[str]:
    """``q`` ending with the phrases of titles that its last two or three words start,
    most used first, as the articles write them: "notre da" -> ["Notre-Dame"]."""
    words = WORDS.findall(q)
    if len(words) < 2 or q[-1:].isspace():
        return []
    folded = [fold(w) for w in words]
    found: list[tuple[str, ...]] = []
    for n in (3, 2):  # the longer context if it has any: "marine le p" is "Marine Le Pen"
        if len(folded) >= n and not found:
            phrases = snapshot.engine.phrases(phrase_key(folded[-n:]), limit)
            keys = [(phrase_words(phrase), df) for phrase, df in phrases]
            found = [k for k, df in keys if df >= MIN_PHRASE_DF and is_offered(snapshot, k[-1])]
    start = _start_of(q, len(words))
    return [q[: start(len(key))] + written_phrase(snapshot, key) for key in found]


def _start_of(q: str, count: int):
    """start(n): where the last n words of ``q`` start (``count`` words in all)."""
    starts = [m.start() for m in WORDS.finditer(q)]
    return lambda n: starts[count - n]


def is_offered(snapshot: Snapshot, word: str) -> bool:
    """Whether a folded word may be offered: not a misspelling of the archive, and in an
    archive of ``snapshot.MIN_VECTOR_ARTICLES`` or more, in two articles at least
    ("Coronavictimes", once, is not what people type)."""
    lexicon = snapshot.lexicon
    if lexicon.doc_count >= MIN_VECTOR_ARTICLES and lexicon.df.get(word, 0) < 2:
        return False
    return not lexicon.respellings(word)


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
    head, last = split_last(q)
    prefix = fold(last)
    if len(prefix) < MIN_COMPLETION:
        return []
    phrases = complete_phrases(snapshot, q, 1)  # "notre da": the titles on Notre-Dame
    words = snapshot.lexicon.complete(prefix, TITLE_WORDS)
    if not words:
        return []
    tree: qt.Node = qt.Or(tuple(qt.Term(stem(w), w) for w in words))
    if phrases:
        head, tree = phrases[0], qt.MatchAll()
    if head.strip():
        try:
            words_typed = parse_query(f'"{head}"' if phrases else head)
        except SearchError:
            return []
        tree = words_typed if isinstance(tree, qt.MatchAll) else qt.And((words_typed, tree))
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
