"""How a word of the index is written: "economie" -> "économie".

The index and its lexicon hold words folded (lower case, no accents), so the words the
service proposes, completions and "Vouliez-vous dire", came out without their accents.
A folded word's written form is read from the articles that hold it: its most frequent
form in the first ``SAMPLE`` of them: "économie", "œuvre", "état", "centre" (where
"centré" is rarer), and "Pékin" with its capital, a word never written in lower case.
Only the words shown are looked up, and each once per index generation (on its
``Snapshot``): nothing is added to the index or to its build.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from indexer.analysis import fold, stem, word_terms
from indexer.engines import querytree as qt

from .snapshot import MAX_WORD_FORMS, Snapshot

SAMPLE = 3  # articles read for a word: the best matches of its folded form
_OTHER = "[^\\x00-\\x7f]"  # in a regex: a letter that folds to ASCII ones (é -> e, œ -> oe)


def written_forms(snapshot: Snapshot, words: Iterable[str]) -> dict[str, str]:
    """The written form of each folded word (itself where no article writes it otherwise),
    remembered on the snapshot: each word is read once per generation."""
    forms = snapshot.word_forms
    out = {}
    for word in words:
        form = forms.get(word)
        if form is None:
            if len(forms) >= MAX_WORD_FORMS:
                forms.clear()
            form = forms[word] = _read(snapshot, word)
        out[word] = form
    return out


def written_phrase(snapshot: Snapshot, words: tuple[str, ...]) -> str:
    """How the articles write a run of folded words: ("notre", "dame") -> "Notre-Dame",
    ("champs", "elysees") -> "Champs-Élysées" (separators and capitals as most often
    written); the words joined by spaces where no article holds them. Remembered on the
    snapshot, as words are."""
    key = " ".join(words)
    forms = snapshot.word_forms
    form = forms.get(key)
    if form is None:
        if len(forms) >= MAX_WORD_FORMS:
            forms.clear()
        form = forms[key] = _read_phrase(snapshot, words) or key
    return form


def _read_phrase(snapshot: Snapshot, words: tuple[str, ...]) -> str | None:
    kept = [qt.Term(stem(w), w) for w in words if word_terms(w) is not None]
    if not kept:
        return None
    engine = snapshot.engine
    tree = kept[0] if len(kept) == 1 else qt.And(tuple(kept))
    found = engine.search(qt.EngineQuery(tree, limit=SAMPLE, facets=False))
    pattern = re.compile(
        r"(?<!\w)" + r"[\s\-'’]+".join(map(_letters, words)) + r"(?!\w)",
        re.IGNORECASE,
    )
    seen: Counter[str] = Counter()
    for article in engine.fetch([doc_id for doc_id, _ in found.hits]):
        for text in (article.title, article.text) if article is not None else ():
            seen.update(form for form in pattern.findall(text) if fold(form) == "".join(words))
    # The most frequent form; on a tie, one with capitals (a name), then alphabetically.
    ranked = sorted(seen.items(), key=lambda fc: (-fc[1], fc[0].islower(), fc[0]))
    return ranked[0][0] if ranked else None


def _read(snapshot: Snapshot, word: str) -> str:
    engine = snapshot.engine
    found = engine.search(qt.EngineQuery(qt.Term(stem(word), word), limit=SAMPLE, facets=False))
    # Forms as written in lower case, and those with a capital: French often leaves a
    # capital bare ("l'Etat", "Economie :"), so these count only for a word never written
    # in lower case, a name, which keeps its capital: "Pékin".
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    pattern = _pattern(word)
    for article in engine.fetch([doc_id for doc_id, _ in found.hits]):
        for text in (article.title, article.text) if article is not None else ():
            for form in pattern.findall(text):
                if fold(form) == word:
                    if form[0].islower():
                        lower[form.lower()] += 1
                    else:  # "PÉKIN" in a title is "Pékin"
                        capital[form.capitalize() if form.isupper() else form] += 1
    seen = lower or capital
    # The most frequent form; on a tie, an accented one, then the first alphabetically.
    ranked = sorted(seen.items(), key=lambda fc: (-fc[1], fc[0] == word, fc[0]))
    return ranked[0][0] if ranked else word


def _pattern(word: str) -> re.Pattern:
    """A regex for the words of a text that may fold to ``word`` (``_letters``). Faster
    than analysing the whole text; ``fold`` then checks each one found."""
    return re.compile(r"(?<!\w)" + _letters(word) + r"(?!\w)", re.IGNORECASE)


def _letters(word: str) -> str:
    """Each letter of ``word``, or any non-ASCII letter in its place ("économie"), and one
    for an "oe" or "ae" ("œuvre", "poète")."""
    parts, i = [], 0
    while i < len(word):
        one = f"(?:{re.escape(word[i])}|{_OTHER})"
        if word[i : i + 2] in ("oe", "ae"):
            parts.append(f"(?:{_OTHER}|{one}(?:{re.escape(word[i + 1])}|{_OTHER}))")
            i += 2
        else:
            parts.append(one)
            i += 1
    return "".join(parts)
