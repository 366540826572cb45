"""Spelling help: typos and name variants in the query tree, and "did you mean".

``widen`` widens each word the user typed (not the excluded ones, not phrases) with
what the lexicon offers: corrections of a word the index does not hold, and other
spellings of a rare name. They weigh less than the typed word, so articles that hold
the word as typed rank first. ``did_you_mean`` proposes a better-spelt query when a query
finds little.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from indexer.analysis import fold, stem, word_terms
from indexer.engines import querytree as qt

from .lexicon import Lexicon

TYPO_WEIGHT = 0.6
NAME_WEIGHT = 0.8
MAX_NAME_VARIANTS = 5  # other spellings of a name added beside it, at most
SUGGEST_BELOW = 5  # suggest a spelling when a query finds fewer articles than this
BETTER_RATIO = 20  # ... and a neighbour is this many times more frequent
# A word the index holds in TYPO_DF articles at most is taken for a typo when no article
# holds every word of the query, a spelling TYPO_RATIO times more used is one edit away,
# and the respelt query finds SUGGEST_BELOW articles that hold every word (``did_you_mean``).
TYPO_DF = 2
TYPO_RATIO = 100
WORD = re.compile(r"(?<![\w*-])\w{5,}(?![\w*])")


def widen(tree: qt.Node, lexicon: Lexicon, deadline: float | None = None) -> qt.Node:
    """The tree with corrected and variant spellings added beside each typed word (at
    most MAX_CORRECTIONS corrections and MAX_NAME_VARIANTS names each); SearchTimeout
    once ``deadline`` passes (each word's corrections scan the lexicon)."""
    if isinstance(tree, qt.Term):
        qt.check_deadline(deadline)
        return _variants(tree, lexicon)
    if isinstance(tree, qt.And):
        return qt.And(tuple(widen(c, lexicon, deadline) for c in tree.children))
    if isinstance(tree, qt.Or | qt.Alternatives):
        return type(tree)(tuple(widen(c, lexicon, deadline) for c in tree.children))
    return tree  # Not, Phrase, Prefix, MatchAll: as typed


def _variants(term: qt.Term, lexicon: Lexicon) -> qt.Node:
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
    for word in lexicon.name_variants(term.exact)[:MAX_NAME_VARIANTS]:
        alternatives.setdefault(stem(word), qt.Term(stem(word), word, NAME_WEIGHT, "name", typed))
    alternatives.pop(term.stem, None)
    return qt.Alternatives((term, *alternatives.values())) if alternatives else term


def did_you_mean(
    q: str,
    total: int,
    lexicon: Lexicon,
    found: Callable[[str], int] | None = None,
    all_terms: int | None = None,
    written: Callable[[Iterable[str]], Mapping[str, str]] | None = None,
) -> str | None:
    """ "Vouliez-vous dire": a better-spelt query when this one has a word the index lacks,
    or finds little: under ``SUGGEST_BELOW`` articles (``total``).

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
    fixes = _words_to_fix(q, lexicon, few=total < SUGGEST_BELOW, none_whole=all_terms == 0)
    fixes = _choose_spellings(q, fixes, found)
    fixes = _confirmed(q, fixes, found)
    if not fixes:
        return None
    chosen = [fix.chosen for fix in fixes]
    if written is not None:
        forms = written(chosen)
        chosen = [forms.get(word, word) for word in chosen]
    return _respelt(q, fixes, chosen)


@dataclass(frozen=True)
class _Fix:
    """A word of the query to respell: where it stands, its better spellings (best
    first), the one chosen, and whether the index holds it (respelt as a typo)."""

    match: re.Match
    better: list[str]
    chosen: str
    typo: bool


def _words_to_fix(q: str, lexicon: Lexicon, few: bool, none_whole: bool) -> list[_Fix]:
    """The words of ``q`` that have better spellings: any the index lacks, or one it holds
    so rarely, in a query no article holds whole, that it is a typo of the news."""
    fixes = []
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
            fixes.append(_Fix(match, better, better[0], typo))
    return fixes


def _choose_spellings(q: str, fixes: list[_Fix], found: Callable[[str], int] | None) -> list:
    """For a word with several spellings as near, the one that finds the most articles
    with the rest of the query (the first of a tie); without ``found``, the first."""
    if found is None:
        return fixes
    for i, fix in enumerate(fixes):
        if len(fix.better) > 1:
            chosen = [f.chosen for f in fixes]
            respelt = [_respelt(q, fixes, [*chosen[:i], b, *chosen[i + 1 :]]) for b in fix.better]
            counts = list(map(found, respelt))
            fixes[i] = replace(fix, chosen=fix.better[counts.index(max(counts))])
    return fixes


def _confirmed(q: str, fixes: list[_Fix], found: Callable[[str], int] | None) -> list[_Fix]:
    """The fixes to propose: a word the index holds is respelt only if the respelt query
    finds ``SUGGEST_BELOW`` articles whole; otherwise only the words it lacks."""
    if not any(fix.typo for fix in fixes):
        return fixes
    if found is not None and found(_respelt(q, fixes, [f.chosen for f in fixes])) >= SUGGEST_BELOW:
        return fixes
    return [fix for fix in fixes if not fix.typo]


def _respelt(q: str, fixes: list[_Fix], chosen: list[str]) -> str:
    """``q`` with each word to fix replaced by its chosen spelling, in the typed case."""
    out, last = [], 0
    for match, word in zip((fix.match for fix in fixes), chosen, strict=True):
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
