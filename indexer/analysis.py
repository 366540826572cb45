"""French analysis: one chain, used at index time and at query time.

The chain, in a fixed order (a test pins it)::

    "l’Économie chinoise"
      FrenchTokenizer    -> "l’Économie" "chinoise"      words, apostrophes kept, offsets kept
      ElisionFilter      -> "Économie" "chinoise"        l' d' qu' jusqu' ... (’ ‘ ʼ count as ')
      LowercaseFilter    -> "économie" "chinoise"
      FoldFilter         -> "economie" "chinoise"        Unidecode: accents and ligatures (œ -> oe)
      StopFilter         -> (French stop words, folded, so "à" and "a" go alike)
      FrenchStemFilter   -> "econom" "chinois"           Snowball French, through PyStemmer (C)

Folding comes before stop words and stemming so that accented and accent-less spellings
meet: "coopération" and "cooperation" both stem to "cooper". The ``exact`` chain is the same
without the stemmer; it backs prefix queries and exact-match boosts.

Every token keeps ``startchar``/``endchar`` into the original text, so passages can mark
the words as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import Stemmer
from unidecode import unidecode
from whoosh.analysis import Filter, LowercaseFilter, StopFilter, Token, Tokenizer
from whoosh.lang.stopwords import stoplists

# A word, with inner apostrophes kept so that "l’État" stays whole until ElisionFilter.
WORD = re.compile(r"\w+(?:['’‘ʼ]\w+)*")
APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
ELISIONS = frozenset("l d j m n s t c qu jusqu lorsqu puisqu quoiqu presqu".split())
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lowercase and fold to ASCII letters and digits: 'Œuvre' -> 'oeuvre'."""
    return _NON_ALNUM.sub("", unidecode(text.lower()).lower())


# Snowball's French list, folded; it lacks a few of the most frequent function words (it
# has "il" and "elle" but not their plurals, which end typed questions: "manifestent-ils
# ?"), and the interrogatives that open questions ("Quand ... ?") and say nothing of the
# topic.
EXTRA_STOPWORDS = (
    "les cette cet dont ils elles quand comment pourquoi combien quel quelle quels quelles "
    "lequel laquelle lesquels lesquelles"
).split()
FOLDED_STOPWORDS = frozenset(fold(w) for w in [*stoplists["fr"], *EXTRA_STOPWORDS])
_stemmer = Stemmer.Stemmer("french")


def stem(term: str) -> str:
    """Snowball French stem of a folded term: 'relations' -> 'relat'."""
    return _stemmer.stemWord(term)


class FrenchTokenizer(Tokenizer):
    """Split text into words, apostrophes kept: "l’Azerbaïdjan, 2024" -> "l’Azerbaïdjan" "2024"."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        mode="",
        **kwargs,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, match in enumerate(WORD.finditer(value), start_pos):
            t.text = match.group()
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = t.text
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t


class ElisionFilter(Filter):
    """Strip a French elided article or pronoun: "l’Azerbaïdjan" -> "Azerbaïdjan"."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            if "'" in text or "’" in text or "‘" in text or "ʼ" in text:
                head, sep, rest = text.translate(APOSTROPHES).partition("'")
                if rest and head.lower() in ELISIONS:
                    t.text = text[len(head) + 1 :]
                    if t.chars:
                        t.startchar += len(head) + 1
            yield t


class FoldFilter(Filter):
    """Fold lowercased text to ASCII, ligatures included: "œuvre" -> "oeuvre", "ï" -> "i"."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = fold(t.text)
            if t.text:  # a word made only of symbols folds to nothing
                yield t


class FrenchStemFilter(Filter):
    """Stem folded French words with Snowball (PyStemmer): "relations" -> "relat"."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stem_word = _stemmer.stemWord
        for t in tokens:
            if not t.stopped:
                t.text = stem_word(t.text)
            yield t


def exact_analyzer():
    """The French chain without stemming: words folded, stop words removed."""
    return (
        FrenchTokenizer()
        | ElisionFilter()
        | LowercaseFilter()
        | FoldFilter()
        | StopFilter(stoplist=FOLDED_STOPWORDS, minsize=1)
    )


def french_analyzer():
    """The French chain: tokenize, elide, lowercase, fold, stop, stem."""
    return exact_analyzer() | FrenchStemFilter()


_FRENCH = french_analyzer()
_EXACT = exact_analyzer()


def analyze(text: str, stemmed: bool = True) -> list[str]:
    """The terms of a text, as the index holds them: "l’Azerbaïdjan" -> ["azerbaidjan"]."""
    chain = _FRENCH if stemmed else _EXACT
    return [t.text for t in chain(text)]


def analyze_spans(text: str, stemmed: bool = True) -> list[tuple[str, int, int, int]]:
    """(term, position, start, end) for every term of a text, offsets into ``text``."""
    chain = _FRENCH if stemmed else _EXACT
    return [
        (t.text, t.pos, t.startchar, t.endchar) for t in chain(text, positions=True, chars=True)
    ]


@lru_cache(maxsize=500_000)
def word_terms(word: str) -> tuple[int, str, str] | None:
    """One tokenizer word through the chain: (elided chars, exact term, stem), or None if stopped.

    The same stages as ``french_analyzer()``, fused and cached per distinct word, for the
    hot paths (passages) that analyse many words:
    "l’Azerbaïdjan" -> (2, "azerbaidjan", "azerbaidjan").
    """
    skip = 0
    if "'" in word or "’" in word or "‘" in word or "ʼ" in word:
        head, _, rest = word.translate(APOSTROPHES).partition("'")
        if rest and head.lower() in ELISIONS:
            skip = len(head) + 1
    exact = fold(word[skip:])
    if not exact or exact in FOLDED_STOPWORDS:
        return None
    return skip, exact, _stemmer.stemWord(exact)


def kept_word(token: str) -> str | None:
    """A tokenizer word as written, without its elision ("l'empire" -> "empire"); None for
    a stop word. Word vectors are looked up by this form (``dense``, service.semantics)."""
    terms = word_terms(token)
    return None if terms is None else token[terms[0] :]


def analyze_words(text: str) -> list[tuple[str, str, int, int]]:
    """(exact, stem, start, end) for every kept word of a text, offsets into ``text``."""
    out = []
    for match in WORD.finditer(text):
        terms = word_terms(match.group())
        if terms is not None:
            skip, exact, stemmed = terms
            out.append((exact, stemmed, match.start() + skip, match.end()))
    return out


def kept_terms(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(stems, folded words) of the kept words of a text, in order: what the writers index
    for a run of text (``indexer.runs``). "l’Azerbaïdjan et" -> (("azerbaidjan",),
    ("azerbaidjan",))."""
    kept = [terms for terms in map(word_terms, WORD.findall(text)) if terms]
    return tuple(terms[2] for terms in kept), tuple(terms[1] for terms in kept)


class PreAnalyzedTokenizer(Tokenizer):
    """Index terms already analysed once per article: ["chinois", "relat"] -> two tokens.

    The indexer runs ``analyze_words`` once per article and hands the stems to the stemmed
    fields and the folded words to the exact field, instead of running the chain once per
    field. A plain string still goes through the fused chain, so the field stays usable
    on its own. Positions are consecutive, as StopFilter(renumber=True) makes them.
    """

    def __init__(self, stemmed: bool = True):
        self.stemmed = stemmed

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.stemmed == self.stemmed

    def __call__(
        self, value, positions=False, chars=False, removestops=True, start_pos=0, mode="", **kw
    ) -> Iterator[Token]:
        if isinstance(value, str):
            value = [w[1] if self.stemmed else w[0] for w in analyze_words(value)]
        t = Token(positions, chars, removestops=removestops, mode=mode, **kw)
        for pos, term in enumerate(value, start_pos):
            t.text, t.boost, t.stopped = term, 1.0, False
            if positions:
                t.pos = pos
            yield t
