"""Index terms: Snowball's French stem of the form it was written for, then folded.

Snowball's French stemmer reads accents: its rules for "-é", "-ée", "-ées", "-ité",
"-ière", "-èrent" need them, so it is given the word as French writes it, and the stem
is folded after. A word typed without its accents ("eloignee") reaches the same term:
its ending gets back the accents French writes there before stemming. The stages, in
order (``STEM_CHAIN``, pinned by a test)::

                    "Éloignée"  "eloignee"  "maïs"  "après"  "identifiée"
    (lower case)    "éloignée"  "eloignee"  "maïs"  "après"  "identifiée"
    open_letters    "éloignée"  "eloignee"  "mais"  "apres"  "identifiée"
    mend_ending     "éloignée"  "eloignée"  "mais"  "apres"  "identifiée"
    snowball        "éloign"    "eloign"    "mais"  "apre"   "identifi"
    fold_stem       "eloign"    "eloign"    "mais"  "apre"   "identifi"
    join_families   "eloign"    "eloign"    "mais"  "apre"   "identif"

Chosen on every word form of the 34,160 news articles (``python -m bench.french_terms``,
EVALUATION.md): folding first split 19.6 % of Snowball's stem groups (premier/première,
adopté/adoptée); stemming first and folding after splits 0.46 %, and 1.9 % of the
accented words get another term without their accents, most of them because that
spelling is another word that Snowball stems apart ("publié" and "publie").
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lowercase and fold to ASCII letters and digits: 'Œuvre' -> 'oeuvre'."""
    if text.isascii():  # most words: Unidecode would give them back as they are
        return _NON_ALNUM.sub("", text.lower())
    return _NON_ALNUM.sub("", unidecode(text.lower()).lower())


# The only accents Snowball's French rules read that a word may lose in typing: é in
# "-é(e)(s)", "-ité", "-éra"; è in "-ière", "-èrent". Every other letter is folded before
# stemming: ligatures opened ("œuvre" -> "oeuvre", as typed), and ï, â, î, ç, ü... as a
# word typed without them reads. Kept, ï made "maïs" "maï" (the month "mai" once folded)
# and "égoïste" "égo"; â made "dégât" a verb, "dég".
_SNOWBALL_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789éè")
# Endings French writes with accents that Snowball needs, put back on a word typed
# without them. Not "-icite" (explicite, implicite: the adjectives, which Snowball's
# "-icité" rule would send to expliquer, impliquer), "-aite", "-oite", "-uite" (faite,
# droite, produite: no noun ends in -aité or -oité), "-férent", "-hérent" (différent,
# cohérent, far more common than the verbs diffèrent, adhèrent), nor a final "-e" or
# "-ie" (publie and publié, partie: both are words; measured in EVALUATION.md).
_PLAIN_ENDING = re.compile(
    r"(?:ierement|ieres?|ees?|(?<![fh])erent|(?<![aou])(?<!ic)ites?|(?<=[ou])yes?)$"
)
_ACCENTED_ENDING = {
    "ierement": "ièrement",  # particulièrement
    "ieres": "ières",  # héritières
    "iere": "ière",
    "ees": "ées",  # éloignées
    "ee": "ée",
    "erent": "èrent",  # pleurèrent
    "ites": "ités",  # sécurités
    "ite": "ité",
    "yes": "yés",  # employés, appuyés
    "ye": "yé",
}
_MENDED = tuple(_ACCENTED_ENDING)


def open_letters(word: str) -> str:
    """Fold the letters Snowball's rules do not read: 'œuvre' -> 'oeuvre', 'maïs' ->
    'mais'; and an "è" before a final "s", which only keeps the "s": 'après' -> 'apres'."""
    if word.isascii():
        # An inner apostrophe ("aujourd'hui") or an underscore: as ``fold`` drops them.
        return word if word.isalnum() else _NON_ALNUM.sub("", word)
    word = "".join(c if c in _SNOWBALL_LETTERS else fold(c) for c in word)
    return word[:-2] + "es" if word.endswith("ès") else word


def mend_ending(word: str) -> str:
    """Put back the accents French writes on an ending that Snowball reads:
    'eloignee' -> 'eloignée', 'heritiere' -> 'heritière', 'securite' -> 'securité'."""
    if not word.endswith(_MENDED):  # most words; a str method is cheaper than the regex
        return word
    return _PLAIN_ENDING.sub(lambda m: _ACCENTED_ENDING[m.group()], word)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("french", 0)  # no cache of its own: callers cache words


def snowball(word: str) -> str:
    """Snowball's French stem, through PyStemmer (C): 'éloignée' -> 'éloign'."""
    return _stemmer().stemWord(word)


# Snowball stems the -ifier verbs two ways: "identifie" -> "identif" (with
# "identification"), "identifié", "identifier" -> "identifi". Their accent-less spellings
# meet once both are one family ("-graphier" likewise).
_SPLIT_FAMILY = re.compile(r"(?<=...)(f|ph)i$")


def fold_stem(stem: str) -> str:
    """Fold a stem, whose only accents are the é and è Snowball read: 'éloign' -> 'eloign'
    (``fold`` of it, without Unidecode: every other letter was folded before stemming)."""
    return stem if stem.isascii() else stem.replace("é", "e").replace("è", "e")


def join_families(term: str) -> str:
    """One term for a family Snowball splits: 'identifi' -> 'identif'."""
    return _SPLIT_FAMILY.sub(r"\1", term) if term.endswith(("fi", "phi")) else term


STEM_CHAIN = (open_letters, mend_ending, snowball, fold_stem, join_families)


def _stem(word: str) -> str:
    for stage in STEM_CHAIN:
        word = stage(word)
    return word


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The index term of one word, with or without its accents: 'Éloignée', 'eloignee'
    -> 'eloign'. The service stems folded words of the lexicon: they meet the term the
    index holds for the word as written (for 98 % of accented words; EVALUATION.md)."""
    return _stem(word.lower())
