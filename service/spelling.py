"""Typos and name variants in the query tree, and "did you mean".

``expand`` widens each word the user typed (not the excluded ones, not phrases) with
what the lexicon offers: corrections of a word the index does not hold, and other
spellings of a rare name. They weigh less than the typed word, so articles that hold
the word as typed rank first. ``suggest`` proposes a better-spelt query when a query
finds little.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping

from indexer.analysis import fold, stem, word_terms
from indexer.engines import querytree as qt

from .lexicon import Lexicon

TYPO_WEIGHT = 0.6
NAME_WEIGHT = 0.8
SUGGEST_BELOW = 5  # suggest a spelling when a query finds fewer articles than this
BETTER_RATIO = 20  # ... and a neighbour is this many times more frequent
# A word the index holds in TYPO_DF articles at most is taken for a typo when no article
# holds every word of the query, a spelling TYPO_RATIO times more used is one edit away,
# and the respelt query finds SUGGEST_BELOW articles that hold every word (``suggest``).
TYPO_DF = 2
TYPO_RATIO = 100
WORD = re.compile(r"(?<![\w*-])\w{5,}(?![\w*])")


def expand(tree: qt.Node, lexicon: Lexicon) -> qt.Node:
    """The tree with corrected and variant spellings added beside each typed word."""
    if isinstance(tree, qt.Term):
        return _widen(tree, lexicon)
    if isinstance(tree, qt.And):
        return qt.And(tuple(expand(c, lexicon) for c in tree.children))
    if isinstance(tree, qt.Or | qt.Alternatives):
        return type(tree)(tuple(expand(c, lexicon) for c in tree.children))
    return tree  # Not, Phrase, Prefix, MatchAll: as typed


def _widen(term: qt.Term, lexicon: Lexicon) -> qt.Node:
    if term.via:
        return term
    typed = term.typed or term.exact
    alternatives: dict[str, qt.Term] = {}
    corrections = lexicon.corrections(term.exact)
    for word in corrections:
        # The most used correction weighs TYPO_WEIGHT, the others less, by the square root
        # of how often they are used beside it: "merkle" finds Merkel (210 articles)
        # before Markle (74), as "Vouliez-vous dire" proposes.
        share = math.sqrt(lexicon.df[word] / lexicon.df[corrections[0]])
        weight = round(TYPO_WEIGHT * share, 3)
        alternatives.setdefault(stem(word), qt.Term(stem(word), word, weight, "typo", typed))
    for word in lexicon.name_variants(term.exact):
        alternatives.setdefault(stem(word), qt.Term(stem(word), word, NAME_WEIGHT, "name", typed))
    alternatives.pop(term.stem, None)
    return qt.Alternatives((term, *alternatives.values())) if alternatives else term


def suggest(
    q: str,
    total: int,
    lexicon: Lexicon,
    found: Callable[[str], int] | None = None,
    all_terms: int | None = None,
    written: Callable[[Iterable[str]], Mapping[str, str]] | None = None,
) -> str | None:
    """A better-spelt query when this one has a word the index lacks, or finds little:
    under ``SUGGEST_BELOW`` articles (``total``).

    A word the index holds is also respelt when no article holds every word
    (``all_terms`` 0), the word is in ``TYPO_DF`` articles at most, a spelling
    ``TYPO_RATIO`` times more used exists, and the respelt query finds ``SUGGEST_BELOW``
    articles whole (``found``): a typo that slipped into the news. "Macorn retraites"
    finds 1,612 articles with either word, none with both; "macorn" is in one article,
    "macron" in 5,074, and "Macron retraites" finds 466. Names that are merely rare
    stay as typed: of the 3,784 PIAF questions over the news, a ratio of 20 and any
    article found would have respelt "Varron" as "Marron" (42 articles), "Bibans" as
    "Bilans" (156) and "impériaux" as "imperieux" (39); these settings leave one ("Melus":
    "Elus").

    A word with several spellings as near (``economiqe``: ``economie``, ``economique``)
    gets the one that finds the most articles with the rest of the query, when
    ``found(query)`` counts them, as Elasticsearch's phrase suggester collates; without
    it, or on a tie, the most frequent one.

    The words come out as ``written`` gives them ("économie" for the index's "economie"),
    in the case they were typed.
    """
    if not q:
        return None
    few = total < SUGGEST_BELOW
    none_whole = all_terms == 0
    fixes: list[tuple[re.Match, list[str]]] = []  # each word to respell, its spellings
    doubtful: list[bool] = []  # each fix: a word the index holds, respelt as a typo
    for match in WORD.finditer(q):
        if word_terms(match.group()) is None:
            continue  # a stop word: the index never holds it, nothing to fix
        word = fold(match.group())
        held = lexicon.df.get(word, 0)
        typo = bool(held) and not few  # a word the index holds: respelt only as a typo
        if typo and not (none_whole and held <= TYPO_DF):
            continue
        better = _better_words(word, lexicon, TYPO_RATIO if typo else BETTER_RATIO)
        if better:
            fixes.append((match, better))
            doubtful.append(typo)
    if not fixes:
        return None
    chosen = [better[0] for _, better in fixes]
    for i, (_, better) in enumerate(fixes if found is not None else ()):
        if len(better) > 1:
            counts = [found(_respelt(q, fixes, [*chosen[:i], b, *chosen[i + 1 :]])) for b in better]
            chosen[i] = better[counts.index(max(counts))]  # the first of a tie
    if any(doubtful) and (found is None or found(_respelt(q, fixes, chosen)) < SUGGEST_BELOW):
        # Respelling the words the index holds finds no article whole either: keep the others.
        kept = [i for i, d in enumerate(doubtful) if not d]
        if not kept:
            return None
        fixes, chosen = [fixes[i] for i in kept], [chosen[i] for i in kept]
    if written is not None:
        forms = written(chosen)
        chosen = [forms.get(word, word) for word in chosen]
    return _respelt(q, fixes, chosen)


def _respelt(q: str, fixes: list[tuple[re.Match, list[str]]], chosen: list[str]) -> str:
    """``q`` with each word to fix replaced by its chosen spelling, in the typed case."""
    out, last = [], 0
    for (match, _), word in zip(fixes, chosen, strict=True):
        out += [q[last : match.start()], _cased(match.group(), word)]
        last = match.end()
    return "".join([*out, q[last:]])


def _cased(typed: str, word: str) -> str:
    """``word`` (as ``written`` gives it: lower case, or a name's capital) in the case
    ``typed`` was: "Macorn" -> "Macron", "MACORN" -> "MACRON"; "kirghizstan" keeps the
    capital of "Kirghizistan"."""
    if typed.isupper():
        return word.upper()
    return word[:1].upper() + word[1:] if typed[:1].isupper() else word


def _better_words(word: str, lexicon: Lexicon, ratio: int = BETTER_RATIO) -> list[str]:
    """Better spellings of a word, best first, never one of its own forms (same stem:
    same results). For a word the index lacks, the same name in the index's spelling
    first ("Putin": "Poutine"), then its typo corrections ("butin")."""
    if word not in lexicon.df:
        candidates = list(dict.fromkeys(lexicon.name_variants(word) + lexicon.corrections(word)))
    else:
        floor = ratio * lexicon.df[word]
        candidates = [w for w in lexicon.corrections_of_known(word) if lexicon.df[w] >= floor]
    return [w for w in candidates if stem(w) != stem(word)]
