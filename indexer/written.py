"""Two views of a text that the French analysis folds away, for the engines to index.

- ``written_words``: the words the analysis keeps, as written but for case and the first
  letter: "l'Élysée en marche" -> ("elysée", "marche"). A quoted phrase lists first the
  articles that write its words with the accents as typed ('"En Marche"' is not "en
  marché"), while a capital's accent, often left off in French ("Etat", "Edouard"),
  never counts.
- ``phrases``: the runs of two and three words of a title, every word folded, stop words
  and elisions included, each after its number of words: "Incendie à Notre-Dame" ->
  ("2:a_notre", "2:incendie_a", "2:notre_dame", "3:a_notre_dame", "3:incendie_a_notre").
  Completion offers the phrases that really follow each other in the archive ("notre
  da" -> "notre dame") from the titles, where a newsroom names its subjects. The
  titles of the 34,160 news articles hold 333,000 two-word runs (143,000 distinct), the
  whole texts 11 million.

Each is computed once per distinct run of text (``runs.per_run``), like the terms.
"""

from __future__ import annotations

from itertools import chain

from .analysis import APOSTROPHES, WORD, fold, word_terms
from .runs import Cut, per_run

SEPARATOR = "_"  # between the words of a phrase: never in a folded word ([a-z0-9])
PHRASE_WORDS = (2, 3)


def written_form(word: str) -> str | None:
    """A tokenizer word as written, lower case, its first letter folded, elision
    stripped; None for a stop word: "l'Élysée" -> "elysée", "marché" -> "marché"."""
    terms = word_terms(word)
    return None if terms is None else _as_written(word[terms[0] :])


def _as_written(word: str) -> str:
    """A kept word, elision already stripped, as written: lower case, first letter folded."""
    rest = word.translate(APOSTROPHES).lower()
    return fold(rest[:1]) + rest[1:]


def _elided(word: str) -> int:
    """Characters of an elided article or pronoun before a stop word ("qu'il" -> 3)."""
    head, sep, rest = word.translate(APOSTROPHES).partition("'")
    return len(head) + 1 if sep and rest and len(head) <= 7 else 0


def run_terms(run: str) -> tuple[tuple[str, ...], ...]:
    """Every view of a run that the engines index, from one pass of the analysis over its
    words: (stems, exact terms, written forms, folded words with stop words). The four
    were four passes, each word through ``word_terms`` again: a third of a build."""
    stems, exacts, written, folded = [], [], [], []
    for word in WORD.findall(run):
        terms = word_terms(word)
        skip = terms[0] if terms else _elided(word)
        plain = fold(word[skip:])
        if plain:
            folded.append(plain)
        if terms is None:
            continue
        stems.append(terms[2])
        exacts.append(terms[1])
        written.append(_as_written(word[skip:]))
    return tuple(stems), tuple(exacts), tuple(written), tuple(folded)


# The four views of every run, as four columns of the vocabulary (``views``).
TERMS = per_run(run_terms)


def views(texts: Cut) -> tuple[list, list, list, list]:
    """The columns of ``run_terms`` for a cut's vocabulary: stems, exact terms, written
    forms and folded words, each indexed by run number."""
    return texts.vocabulary.columns(TERMS, 4)


def written_words(texts: Cut) -> list[str]:
    """The written form of every kept word of a cut text (title and body), in order."""
    column = views(texts)[2]
    return list(chain.from_iterable(map(column.__getitem__, chain(*texts.numbers))))


def phrases(texts: Cut) -> list[str]:
    """The distinct two- and three-word runs of the title (the first text of the cut)."""
    column = views(texts)[3]
    words = list(chain.from_iterable(map(column.__getitem__, texts.numbers[0])))
    return sorted(
        {phrase_key(words[i : i + n]) for n in PHRASE_WORDS for i in range(len(words) - n + 1)}
    )


def phrase_key(words: list[str] | tuple[str, ...]) -> str:
    """A run of folded words as the engines index it: ["notre", "dame"] -> "2:notre_dame"
    (the count first, so that a prefix of two words never meets a phrase of three)."""
    return f"{len(words)}:{SEPARATOR.join(words)}"


def phrase_words(key: str) -> tuple[str, ...]:
    """The words of a phrase key: "2:notre_dame" -> ("notre", "dame")."""
    return tuple(key.partition(":")[2].split(SEPARATOR))


def folded_words(texts: Cut, part: int) -> list[str]:
    """Every folded word of one text of the cut, stop words included (``copies``)."""
    column = views(texts)[3]
    return list(chain.from_iterable(map(column.__getitem__, texts.numbers[part])))
