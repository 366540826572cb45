"""The index's vocabulary: typo corrections, name variants and word completion.

Built once per index generation (``Snapshot.lexicon``) from the ``lexicon.tsv`` a build
writes (every folded word of the index with its document frequency), so it works the same
for every engine.

- Typos: a word the index does not hold, of 5 letters or more, is corrected to the
  nearest words it does hold: 1 edit from 5 letters, 2 from 9 (an edit is an insertion,
  deletion, substitution or swap of neighbours), nearest first, then most frequent.
- Names: transliterations of the same name share a key (``name_key``): Bayramov and
  Baïramov, Djeyhoun and Jeyhun, Aliyev and Aliev, Poutine and Putin. A rare word brings
  in the other words of the index with its key. Common words are left alone, so "pour"
  never meets "pur"; but a word the index lacks, or holds in ``MISSPELT_DF`` articles at
  most, meets a common one too ("Philipe": "Philippe").
- Misspellings of the archive: a word that one or two articles hold is a misspelling
  when a spelling ``MISSPELT_RATIO`` times more used is one edit away or shares its key
  ("macorn", 1 article: "macron", 5,071) (``respellings``).
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.analysis import analyze_words, stem

MIN_TYPO_LENGTH = 5
TWO_EDITS_LENGTH = 9
MAX_CORRECTIONS = 3
MAX_CACHED_CORRECTIONS = 10_000
FREQUENT_SHARE = 0.1  # a correction is kept if used at least this share as often as the best
NAME_KEY_MIN_LENGTH = 4
# A word in this many articles at most is a misspelling when a spelling MISSPELT_RATIO
# times more used is one edit away, or shares its transliteration key: "a name that one
# or two articles misspell". The ratio keeps rare names as typed ("Varron" is in 2
# articles, "marron" in 42).
MISSPELT_DF = 2
MISSPELT_RATIO = 100
# A word in more than this share of the articles (and more than NAME_MAX_COUNT of them)
# is a common word, not a name.
NAME_MAX_SHARE = 0.02
NAME_MAX_COUNT = 50

# Transliteration rules, applied in order to a folded word: the Russian, Azerbaijani and
# Turkic names of the news are spelt the French way (dj, ou, ï, tch, ch, -ine) or the
# English way (j, u, y, ch, sh, -in): Poutine and Putin, Gorbatchev and Gorbachev,
# Loukachenko and Lukashenko, Khrouchtchev and Khrushchev.
NAME_RULES = [
    (re.compile(r"tch(?=[aeiouy])"), "ch"),  # not "match", which met "mach"
    (re.compile(r"dzh|dj|zh"), "j"),
    (re.compile(r"kh"), "k"),
    (re.compile(r"sh"), "ch"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ou"), "u"),
    (re.compile(r"y"), "i"),
    (re.compile(r"w"), "v"),
    # Doubled letters (Hassanov / Hasanov), but not the "ee" of folded French participles:
    # "basée" is not a spelling of "basse".
    (re.compile(r"([^e])\1+"), r"\1"),
    # The French e of Russian names in -ine: Staline / Stalin. Only there: a final e
    # dropped from any word met French feminines and others (défaite / défait, comité /
    # commit) and moved the judged paragraph of 30 PIAF questions, most of them down
    # (R@100 with the news as distractors 0.909 -> 0.908); -aine and -eine are French.
    (re.compile(r"(?<=[^ae\n]in)e$", re.MULTILINE), ""),
]


def name_key(word: str) -> str:
    """The transliteration key of a folded word: 'djeyhoun' and 'jeyhun' -> 'jeihun'."""
    for pattern, replacement in NAME_RULES:
        word = pattern.sub(replacement, word)
    return word


def name_keys(words: list[str]) -> list[str]:
    """``name_key`` of each word, each rule run once over all of them, one per line: no
    rule matches across a line break. 0.1 s for the 100k words of the news, not 1 s."""
    text = "\n".join(words)
    for pattern, replacement in NAME_RULES:
        text = pattern.sub(replacement, text)
    return text.split("\n") if words else []


def max_edits(word: str) -> int:
    """How many edits a typo of this word may hold: 0 under 5 letters, 1, then 2 from 9."""
    if len(word) < MIN_TYPO_LENGTH:
        return 0
    return 2 if len(word) >= TWO_EDITS_LENGTH else 1


class Lexicon:
    """The words of one index generation, with their document frequencies."""

    def __init__(self, words: list[tuple[str, int]], doc_count: int = 0):
        self.words = sorted(w for w, _ in words)
        self.df = dict(words)
        self.doc_count = doc_count or max(self.df.values(), default=0)
        # expand and suggest ask for the same words: (word, with a preference) -> words
        self._corrected: dict[tuple[str, bool], list[str]] = {}
        self._stem_df: dict[str, int] = {}

    def with_changes(self, changed: list[tuple[str, int]], doc_count: int) -> Lexicon:
        """The lexicon after a commit: the words it changed, with their new document
        frequencies (0: no article holds the word any more). What was computed from this
        one (its words by length and by name key) is carried over and patched, not
        computed again: a write costs the words it touched."""
        new = Lexicon.__new__(Lexicon)
        new.df = dict(self.df)
        new.doc_count = doc_count
        new._corrected, new._stem_df = {}, {}
        added = sorted({w for w, n in changed if n > 0 and w not in self.df})
        gone = {w for w, n in changed if n <= 0 and w in self.df}
        for word, n in changed:
            if n > 0:
                new.df[word] = n
            else:
                new.df.pop(word, None)
        new.words = _patched(self.words, added, gone)
        for name, key in (("_by_length", len), ("_by_key", name_key)):
            if name in vars(self):  # computed on this one: patch a copy
                vars(new)[name] = _patched_groups(vars(self)[name], added, gone, key)
        return new

    @cached_property
    def _by_length(self) -> dict[int, list[str]]:
        """Words by length: a typo of an n-letter word is among words of n±edits letters."""
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in self.words:
            by_length[len(word)].append(word)
        return by_length

    def stem_df(self, term: str) -> int:
        """Document frequency of a stem, summed over the words that have it (an upper
        bound: an article with two forms counts twice). Its words start like it, bar
        its last letter (Snowball rewrites endings: "chevaux" -> "cheval"), so only
        those are stemmed, once per stem: stemming the whole vocabulary took 1.5 s."""
        found = self._stem_df.get(term)
        if found is None:
            head = term[: max(3, len(term) - 1)]
            start = bisect.bisect_left(self.words, head)
            end = bisect.bisect_left(self.words, head + "\uffff")
            found = sum(self.df[w] for w in self.words[start:end] if stem(w) == term)
            if len(self._stem_df) >= MAX_CACHED_CORRECTIONS:
                self._stem_df.clear()
            self._stem_df[term] = found
        return found

    @cached_property
    def _by_key(self) -> dict[str, list[str]]:
        """Words by transliteration key (built on first use)."""
        by_key: dict[str, list[str]] = defaultdict(list)
        names = [w for w in self.words if len(w) >= NAME_KEY_MIN_LENGTH and not w.isdigit()]
        for word, key in zip(names, name_keys(names), strict=True):
            by_key[key].append(word)
        return by_key

    def corrections(self, word: str, prefer: Callable[[str], bool] | None = None) -> list[str]:
        """Words of the index within the allowed edits of an unknown word, best first.

        Only the nearest ones, and among those only the ones used at least a tenth as
        often as the most used: "macorn" is "macron", not "mâcon". ``prefer``: the
        nearest words to keep if any is such (a name for a word typed with a capital:
        "Biedn" is Biden, though "bien" is as near and twelve times more used).
        """
        if word in self.df or word.isdigit():
            return []
        key = (word, prefer is not None)
        if key not in self._corrected:
            if len(self._corrected) > MAX_CACHED_CORRECTIONS:
                self._corrected.clear()
            self._corrected[key] = self._nearest_frequent(word, prefer)
        return self._corrected[key]

    def _nearest_frequent(self, word: str, prefer: Callable[[str], bool] | None) -> list[str]:
        found = self._neighbours(word, max_edits(word))
        if not found:
            return []
        nearest = [w for w, d in found if d == found[0][1]]
        preferred = [w for w in nearest if prefer(w)] if prefer else []
        nearest = preferred or nearest
        floor = self.df[nearest[0]] * FREQUENT_SHARE
        return [w for w in nearest if self.df[w] >= floor][:MAX_CORRECTIONS]

    def corrections_of_known(self, word: str) -> list[str]:
        """Other words of the index one edit away from a word it holds, best first."""
        neighbours = self._neighbours(word, min(1, max_edits(word)))
        return [w for w, _ in neighbours if w != word][:MAX_CORRECTIONS]

    def _neighbours(self, word: str, edits: int) -> list[tuple[str, int]]:
        """(word, distance) within ``edits``, nearest first, then most frequent."""
        if not edits:
            return []
        lengths = range(len(word) - edits, len(word) + edits + 1)
        choices = [w for n in lengths for w in self._by_length[n]]
        found = process.extract(
            word, choices, scorer=OSA.distance, score_cutoff=edits, limit=MAX_CORRECTIONS * 4
        )
        ranked = sorted(found, key=lambda m: (m[1], -self.df[m[0]], m[0]))
        return [(w, int(d)) for w, d, _ in ranked]

    def name_variants(self, word: str) -> list[str]:
        """Other spellings of a rare word in the index that share its transliteration key;
        of a word it lacks or misspells (``is_rare``), common ones too."""
        if len(word) < NAME_KEY_MIN_LENGTH or self._is_common(word):
            return []
        rare = self.is_rare(word)
        return [
            w
            for w in self._by_key.get(name_key(word), [])
            if w != word and (rare or not self._is_common(w))
        ]

    def is_rare(self, word: str) -> bool:
        """Whether the index lacks a word or holds it in ``MISSPELT_DF`` articles at most."""
        return self.df.get(word, 0) <= MISSPELT_DF

    def respellings(self, word: str) -> list[str]:
        """The spellings a word of the index misspells, most used first: for a word in
        ``MISSPELT_DF`` articles at most, the words ``MISSPELT_RATIO`` times more used one
        edit away or with its transliteration key, never one of its own forms."""
        held = self.df.get(word, 0)
        if not held or held > MISSPELT_DF or word.isdigit():
            return []
        floor = MISSPELT_RATIO * held
        near = self.corrections_of_known(word) + self._by_key.get(name_key(word), [])
        found = {w for w in near if self.df[w] >= floor and stem(w) != stem(word)}
        return sorted(found, key=lambda w: (-self.df[w], w))

    def complete(self, prefix: str, limit: int = 8) -> list[str]:
        """The most frequent words that start with ``prefix``."""
        start = bisect.bisect_left(self.words, prefix)
        end = bisect.bisect_left(self.words, prefix + "\uffff")
        found = sorted(self.words[start:end], key=lambda w: (-self.df[w], w))
        return found[:limit]

    def distinctive(self, text: str, limit: int = 20) -> list[str]:
        """The words that best tell a text apart from the rest of the index (tf x idf)."""
        counts = Counter(exact for exact, *_ in analyze_words(text) if not exact.isdigit())
        n = max(self.doc_count, 1)
        scored = [
            (tf * math.log(n / df), word)
            for word, tf in counts.items()
            if 2 <= (df := self.df.get(word, 0)) <= n // 2 and len(word) > 2
        ]
        return [word for _, word in sorted(scored, reverse=True)[:limit]]

    def __len__(self) -> int:
        return len(self.words)

    def warm_up(self) -> None:
        """Build the indexes that corrections and name variants need, now rather than on
        the first request that asks (1-2 s on the 34,160 news articles)."""
        self._by_length, self._by_key  # noqa: B018 (cached on first access)

    def _is_common(self, word: str) -> bool:
        return self.df.get(word, 0) > max(NAME_MAX_COUNT, NAME_MAX_SHARE * self.doc_count)


def _patched(words: list[str], added: list[str], gone: set[str]) -> list[str]:
    """A sorted word list with ``added`` (sorted) put in and ``gone`` taken out."""
    if not added and not gone:
        return words
    kept = [w for w in words if w not in gone] if gone else list(words)
    for word in added:
        bisect.insort(kept, word)
    return kept


def _patched_groups(groups: dict, added: list[str], gone: set[str], key) -> dict:
    """Words grouped by ``key`` (their length, their name key), patched: the groups the
    change touches are copied, the others shared."""
    out = defaultdict(list, groups)
    for word in gone:
        k = key(word)
        if word in out.get(k, ()):
            out[k] = [w for w in out[k] if w != word]
    for word in added:
        if key is len or (len(word) >= NAME_KEY_MIN_LENGTH and not word.isdigit()):
            k = key(word)
            out[k] = list(out.get(k, []))  # a copy: the old lexicon's group is shared
            bisect.insort(out[k], word)  # in word order, as a lexicon built whole has them
    return out
