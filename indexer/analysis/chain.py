"""The French analysis of a text, word by word: one path, for the index and the queries.

``word_terms`` is the chain, fused and cached per distinct word; every other function
here reads a text's words through it::

    "l’Éloignée"
      WORD                 -> "l’Éloignée"          letters, digits, inner apostrophes
      elided_length        -> 2: "Éloignée"         l' d' qu' jusqu' ... (’ ‘ ʼ count as ')
      str.lower            -> "éloignée"
      is_stopword          -> kept                  the form as written: "mais" goes, "maïs" stays
      fold                 -> exact "eloignee"      the unstemmed term (prefixes, lexicon)
      stem                 -> "eloign"              Snowball on the accented form, then folded

In a question (``stopwords.is_question``), ``analyze_words`` also drops the function words
that are content words elsewhere: "Qui est ... ?" drops "est", "Europe de l'Est" keeps it.

Every word keeps its offsets into the original text, so passages mark it as written.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .stemming import _stem, fold
from .stopwords import HOMONYMS, is_stopword

# A word, with inner apostrophes kept so that "l’État" stays whole until its elision.
WORD = re.compile(r"\w+(?:['’‘ʼ]\w+)*")
APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
ELISIONS = frozenset("l d j m n s t c qu jusqu lorsqu puisqu quoiqu presqu".split())


def elided_length(word: str) -> int:
    """How many characters an elided article or pronoun takes: "l’Azerbaïdjan" -> 2."""
    if "'" in word or "’" in word or "‘" in word or "ʼ" in word:
        head, _, rest = word.translate(APOSTROPHES).partition("'")
        if rest and head.lower() in ELISIONS:
            return len(head) + 1
    return 0


@lru_cache(maxsize=500_000)
def word_terms(word: str) -> tuple[int, str, str] | None:
    """One word through the chain: (elided characters, exact term, stem), or None if it
    is a stop word: "l’Éloignée" -> (2, "eloignee", "eloign"); "mais" -> None."""
    skip = elided_length(word)
    lower = word[skip:].lower()
    if is_stopword(lower):
        return None
    exact = fold(lower)
    if not exact:  # a word made only of symbols folds to nothing
        return None
    return skip, exact, _stem(lower)


def analyze_word(word: str) -> str | None:
    """A word's term: 'l’Éloignée' -> 'eloign'; 'maïs' -> 'mais'; 'mais' -> None."""
    terms = word_terms(word)
    return None if terms is None else terms[2]


def analyze_words(text: str, question: bool = False) -> list[tuple[str, str, int, int]]:
    """(exact, stem, start, end) for every kept word of a text, offsets into ``text``.

    :param question: the text is (part of) a question (``is_question``): the function
        words that are also content words ("est", "été", "son") are dropped too.
    """
    out = []
    for match in WORD.finditer(text):
        terms = word_terms(match.group())
        if terms is not None and not (question and terms[1] in HOMONYMS):
            skip, exact, stemmed = terms
            out.append((exact, stemmed, match.start() + skip, match.end()))
    return out


def analyze(text: str, stemmed: bool = True) -> list[str]:
    """The terms of a text, as the index holds them: "l’Azerbaïdjan" -> ["azerbaidjan"];
    ``stemmed=False``: the exact (folded, unstemmed) terms."""
    place = 2 if stemmed else 1
    return [terms[place] for terms in map(word_terms, WORD.findall(text)) if terms]


def kept_word(token: str) -> str | None:
    """A word as written, without its elision ("l'empire" -> "empire"); None for a stop
    word. Word vectors are looked up by this form (``dense``, service.semantics)."""
    terms = word_terms(token)
    return None if terms is None else token[terms[0] :]


def kept_terms(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(stems, exact terms) of the kept words of a text, in order: what the engines index
    for a run of text (``indexer.runs``). "l’Azerbaïdjan et" -> (("azerbaidjan",),
    ("azerbaidjan",))."""
    kept = [terms for terms in map(word_terms, WORD.findall(text)) if terms]
    return tuple(terms[2] for terms in kept), tuple(terms[1] for terms in kept)
