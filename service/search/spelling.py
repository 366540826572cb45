"""Spelling help: typos and name variants in the query tree, and "did you mean".

``correct`` plans the words of a query as the archive spells them:

- a word the index does not hold gains its corrections (``TYPO_WEIGHT``) and its other
  spellings as a name (``NAME_WEIGHT``), so articles that hold the word as typed rank
  first. A word with a name variant is not widened to unrelated words one edit away
  ("Putin": Poutine, not "butin" nor "putain"), and a correction that never appears
  with the query's other words is dropped (``collate``): a bad correction;
- a word the index holds rarely (``Lexicon.respellings``: one or two articles, a
  spelling 100 times more used one edit away) is a misspelling of the archive: when the
  respelt query finds more articles whole, the respelling leads ("Edouard Philipe":
  Edouard Philippe first) and the typed form follows it.

``did_you_mean`` proposes a better-spelt query when a query finds little or has a word
the archive lacks or misspells.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from indexer.analysis import fold, stem, word_terms
from indexer.engines import querytree as qt

from .lexicon import MISSPELT_DF, MISSPELT_RATIO, Lexicon

TYPO_WEIGHT = 0.6
NAME_WEIGHT = 0.8
MAX_NAME_VARIANTS = 5  # other spellings of a name added beside it, at most
SUGGEST_BELOW = 5  # suggest a spelling when a query finds fewer articles than this
BETTER_RATIO = 20  # ... and a neighbour is this many times more frequent
# A word the index holds in TYPO_DF articles at most is taken for a typo when a spelling
# TYPO_RATIO times more used is one edit away, and the respelt query finds SUGGEST_BELOW
# articles that hold every word, more than as typed (``did_you_mean``, ``correct``).
TYPO_DF = MISSPELT_DF
TYPO_RATIO = MISSPELT_RATIO
WORD = re.compile(r"(?<![\w*-])\w{5,}(?![\w*])")

# How many articles a tree finds (every word of it), under the request's filters.
Count = Callable[[qt.Node], int]
# Whether a folded word of the index is a name (written with a capital in the articles).
IsName = Callable[[str], bool]
# Whether a word, as typed in lower case, is a word of French (a dictionary's: "astre" is,
# "macorn" is not); None where none is at hand.
IsWord = Callable[[str], bool]


@dataclass(frozen=True)
class Corrected:
    """A query's tree as meant (misspellings of the archive respelt: the first tier) and
    widened with every spelling help (the tier after)."""

    intended: qt.Node
    expanded: qt.Node


def correct(
    tree: qt.Node,
    lexicon: Lexicon,
    count: Count | None = None,
    is_name: IsName | None = None,
    is_word: IsWord | None = None,
    deadline: float | None = None,
) -> Corrected:
    """The query as the archive spells it (module docstring); ``count`` confirms
    respellings and collates corrections (without it, neither is done); ``is_name``: a
    word typed with a capital is corrected to a name where one is as near; ``is_word``: a
    word of French is never a misspelling of the archive, however rare there; SearchTimeout
    once ``deadline`` passes."""
    respelt = _confirmed_respellings(tree, lexicon, count, is_word) if count else {}
    intended = _respell_tree(tree, respelt)
    expanded = widen(tree, lexicon, respelt, is_name, deadline)
    return Corrected(intended, collate(expanded, count) if count else expanded)


def widen(
    tree: qt.Node,
    lexicon: Lexicon,
    respelt: Mapping[str, str] | None = None,
    is_name: IsName | None = None,
    deadline: float | None = None,
) -> qt.Node:
    """The tree with corrected and variant spellings added beside each typed word (at
    most MAX_CORRECTIONS corrections and MAX_NAME_VARIANTS names each); ``respelt``:
    misspellings of the archive and their confirmed spelling; SearchTimeout once
    ``deadline`` passes (each word's corrections scan the lexicon)."""
    respelt = respelt or {}
    if isinstance(tree, qt.Term):
        qt.check_deadline(deadline)
        return _variants(tree, lexicon, respelt, is_name)
    if isinstance(tree, qt.And | qt.Or | qt.Alternatives):
        children = (widen(c, lexicon, respelt, is_name, deadline) for c in tree.children)
        return type(tree)(tuple(children))
    return tree  # Not, Phrase, Prefix, MatchAll: as typed


def _variants(
    term: qt.Term, lexicon: Lexicon, respelt: Mapping[str, str], is_name: IsName | None
) -> qt.Node:
    if term.via or term.written:  # a synonym, a variant, or a quoted word: as asked
        return term
    typed = term.typed or term.exact
    alternatives: dict[str, qt.Term] = {}
    names = lexicon.name_variants(term.exact)
    prefer = is_name if typed[:1].isupper() else None
    corrections = _corrections(term.exact, lexicon, names, respelt, prefer)
    for word in corrections:
        # The most used correction weighs TYPO_WEIGHT, the others less, by the square root
        # of how often they are used beside it: "merkle" finds Merkel (210 articles)
        # before Markle (74), as "Vouliez-vous dire" proposes.
        share = math.sqrt(lexicon.df[word] / lexicon.df[corrections[0]])
        weight = round(TYPO_WEIGHT * share, 3)
        alternatives.setdefault(stem(word), qt.Term(stem(word), word, weight, "typo", typed))
    for word in names[:MAX_NAME_VARIANTS]:
        alternatives.setdefault(stem(word), qt.Term(stem(word), word, NAME_WEIGHT, "name", typed))
    alternatives.pop(term.stem, None)
    return qt.Alternatives((term, *alternatives.values())) if alternatives else term


def _corrections(
    word: str,
    lexicon: Lexicon,
    names: list[str],
    respelt: Mapping,
    prefer: IsName | None = None,
) -> list[str]:
    """A word's typo corrections: a confirmed respelling, or the corrections of a word the
    index lacks (names first for a word typed with a capital: ``prefer``), but none less
    used than its most used name variant (unrelated words one edit away from a name:
    "Putin" is Poutine, 221 articles, not "butin", 85)."""
    if word in respelt:
        return [respelt[word]]
    corrections = lexicon.corrections(word, prefer)
    if names and corrections:
        floor = max(lexicon.df[w] for w in names)
        corrections = [w for w in corrections if w in names or lexicon.df[w] > floor]
    return corrections


def collate(tree: qt.Node, count: Count) -> qt.Node:
    """The tree without the typo corrections that no article holds with any of the query's
    other words, when another spelling of the word does: "Angela Merkle" keeps Merkel and
    drops Markle, as Elasticsearch's phrase suggester "collates" its candidates. Any other
    word, not all: a question typed in full seldom has an article with all its words; and
    when no spelling meets them, none is dropped ("Quand Fibonnaci est-il mort ?" keeps
    Fibonacci, whose article says "meurt")."""
    if not isinstance(tree, qt.And):
        return tree
    positives = [c for c in tree.children if not isinstance(c, qt.Not | qt.MatchAll)]
    if len(positives) < 2:
        return tree
    children = []
    for child in tree.children:
        if isinstance(child, qt.Alternatives) and child in positives:
            others = [p for p in positives if p is not child]
            child = _collated(child, others[0] if len(others) == 1 else qt.Or(tuple(others)), count)
        children.append(child)
    return qt.And(tuple(children))


def _collated(word: qt.Alternatives, others: qt.Node, count: Count) -> qt.Node:
    """The spellings of a word that meet the other words, typo fixes that do not aside."""
    meets = [bool(count(qt.And((c, others)))) for c in word.children]
    if not any(meets):
        return word
    kept = [c for c, met in zip(word.children, meets, strict=True) if met or not _is_typo(c)]
    return kept[0] if len(kept) == 1 else qt.Alternatives(tuple(kept))


def _is_typo(node: qt.Node) -> bool:
    return isinstance(node, qt.Term) and node.via == "typo"


def _confirmed_respellings(
    tree: qt.Node, lexicon: Lexicon, count: Count, is_word: IsWord | None = None
) -> dict[str, str]:
    """{misspelt word: its spelling} for the typed words of ``tree`` that misspell the
    archive (not words of French: ``is_word``), when the respelt query finds
    ``SUGGEST_BELOW`` articles whole, and more than as typed: "Edouard Philipe" (4
    articles, "Philip" Kerr among them) -> 3,000. A rare word of French is not one: in
    the PIAF paragraphs, "astre" (2 of them) is not "autre"."""
    found = {
        t.exact: spellings[0]
        for t in _typed_terms(tree)
        if (spellings := lexicon.respellings(t.exact)) and not _is_word(t, is_word)
    }
    if not found:
        return {}
    respelt = count(_respell_tree(tree, found))
    return found if respelt >= SUGGEST_BELOW and respelt > count(tree) else {}


def _is_word(term: qt.Term, is_word: IsWord | None) -> bool:
    return is_word is not None and is_word((term.typed or term.exact).lower())


def _typed_terms(tree: qt.Node) -> Iterable[qt.Term]:
    """The words as typed in the tree (not excluded, not in a phrase or a synonym)."""
    if isinstance(tree, qt.Term) and not tree.via and not tree.written:
        yield tree
    elif isinstance(tree, qt.And | qt.Or | qt.Alternatives):
        for child in tree.children:
            yield from _typed_terms(child)


def _respell_tree(tree: qt.Node, respelt: Mapping[str, str]) -> qt.Node:
    """The tree with each misspelt typed word replaced by its spelling (as a typo fix)."""
    if not respelt:
        return tree
    if isinstance(tree, qt.Term) and not tree.via and tree.exact in respelt:
        word = respelt[tree.exact]
        return qt.Term(stem(word), word, 1.0, "typo", tree.typed or tree.exact)
    if isinstance(tree, qt.And | qt.Or | qt.Alternatives):
        return type(tree)(tuple(_respell_tree(c, respelt) for c in tree.children))
    return tree


def did_you_mean(
    q: str,
    total: int,
    lexicon: Lexicon,
    found: Callable[[str], int] | None = None,
    written: Callable[[Iterable[str]], Mapping[str, str]] | None = None,
    is_word: IsWord | None = None,
) -> str | None:
    """ "Vouliez-vous dire": a better-spelt query when this one has a word the index lacks,
    or finds little: under ``SUGGEST_BELOW`` articles (``total``).

    A word the index holds is also respelt when it is in ``TYPO_DF`` articles at most, a
    spelling ``TYPO_RATIO`` times more used is one edit away or shares its key, and the
    respelt query finds ``SUGGEST_BELOW`` articles whole (``found``), more than as
    typed: a typo that slipped into the news. "Emmanuel Macorn" finds one article whole;
    "macorn" is in one article, "macron" in 5,071, and "Emmanuel Macron" finds 4,800.
    Names that are merely rare stay as typed: of the 3,784 PIAF questions over the news,
    a ratio of 20 and any article found would have respelt "Varron" as "Marron" (42
    articles), "Bibans" as "Bilans" (156) and "impériaux" as "imperieux" (39).

    A word with several spellings as near (``economiqe``: ``economie``, ``economique``)
    gets the one that finds the most articles with the rest of the query, when
    ``found(query)`` counts them, as Elasticsearch's phrase suggester collates; without
    it, or on a tie, the most frequent one.

    The words come out as ``written`` gives them ("économie" for the index's "economie"),
    in the case they were typed.
    """
    if not q:
        return None
    is_name = _names_of(written) if written is not None else None
    fixes = _words_to_fix(q, lexicon, total < SUGGEST_BELOW, is_name, is_word)
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


def _names_of(written: Callable[[Iterable[str]], Mapping[str, str]]) -> IsName:
    """Whether a folded word is a name: its written form has a capital ("Biden")."""
    return lambda word: written([word]).get(word, word)[:1].isupper()


def _words_to_fix(
    q: str, lexicon: Lexicon, few: bool, is_name: IsName | None, is_word: IsWord | None
) -> list[_Fix]:
    """The words of ``q`` that have better spellings: any the index lacks, or one it holds
    so rarely that it is a typo of the news (``Lexicon.respellings``)."""
    fixes = []
    for match in WORD.finditer(q):
        if word_terms(match.group()) is None:
            continue  # a stop word: the index never holds it, nothing to fix
        word = fold(match.group())
        held = lexicon.df.get(word, 0)
        typo = bool(held) and not few  # a word the index holds: respelt only as a typo
        if typo and is_word is not None and is_word(match.group().lower()):
            continue  # a word of French, however rare in the archive
        prefer = is_name if match.group()[:1].isupper() else None
        better = _better_words(word, lexicon, typo, prefer)
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
    finds ``SUGGEST_BELOW`` articles whole, and more than as typed; otherwise only the
    words it lacks."""
    if not any(fix.typo for fix in fixes):
        return fixes
    if found is not None:
        respelt = found(_respelt(q, fixes, [f.chosen for f in fixes]))
        if respelt >= SUGGEST_BELOW and respelt > found(q):
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


def _better_words(word: str, lexicon: Lexicon, typo: bool, prefer: IsName | None) -> list[str]:
    """Better spellings of a word, best first, never one of its own forms (same stem:
    same results). For a word the index lacks, the same name in the index's spelling
    first ("Putin": "Poutine"), then the typo corrections that ``widen`` keeps; for a
    misspelling of the archive (``typo``), its respellings; for a rare word in a query
    that finds little, a neighbour ``BETTER_RATIO`` times more used."""
    if word not in lexicon.df:
        names = lexicon.name_variants(word)
        candidates = list(dict.fromkeys(names + _corrections(word, lexicon, names, {}, prefer)))
    elif typo:
        candidates = lexicon.respellings(word)
    else:
        floor = BETTER_RATIO * lexicon.df[word]
        candidates = [w for w in lexicon.corrections_of_known(word) if lexicon.df[w] >= floor]
    return [w for w in candidates if stem(w) != stem(word)]
