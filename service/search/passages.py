"""Highlighted passages: the best windows of an article's original text.

The text is analysed word by word (``indexer.analysis.analyze_words``) so a word matches
when its stem equals a query stem, its folded form starts with a query prefix, or it is
part of a query phrase. The marks cover the words as written (accents kept), however
they matched. Windows of about ``size`` characters are scored by how many distinct query
leaves they show, then by how many marks; the best ones, cut at word boundaries, are
returned in text order. Rendering is separate: ``to_html`` escapes and wraps marks in
``<mark>``, ``to_ansi`` makes them bold for a terminal, ``str`` is plain text.
"""

from __future__ import annotations

import bisect
import html
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from indexer.analysis import WORD, fold, word_terms
from indexer.engines import querytree as qt

ELLIPSIS = "…"
FOLDABLE = re.compile(r"\s{2,}|[^\S ]")  # white space that folding into " " changes


@dataclass(frozen=True)
class Passage:
    """A piece of text and the (start, end) spans to mark in it."""

    text: str
    marks: tuple[tuple[int, int], ...]
    leading: bool = False  # the passage starts inside the text
    trailing: bool = False  # ... and ends before its end

    def _render(self, wrap, escape) -> str:
        out, last = [], 0
        for start, end in self.marks:
            out += [escape(self.text[last:start]), wrap(escape(self.text[start:end]))]
            last = end
        out.append(escape(self.text[last:]))
        body = "".join(out)
        return f"{ELLIPSIS if self.leading else ''}{body}{ELLIPSIS if self.trailing else ''}"

    def to_html(self) -> str:
        """HTML-escaped text with matches in <mark>."""
        return self._render(lambda s: f"<mark>{s}</mark>", html.escape)

    def to_ansi(self) -> str:
        """Text with matches in bold, for a terminal."""
        return self._render(lambda s: f"\x1b[1m{s}\x1b[22m", str)

    def __str__(self) -> str:
        return self._render(str, str)


def match_spans(text: str, leaves: list[qt.Term | qt.Phrase | qt.Prefix]) -> list[tuple]:
    """(start, end, leaf index) for every word of ``text`` that a query leaf matches.

    Only the words that start like a query term are analysed: a regular expression,
    accent- and case-insensitive, finds them (``_heads_pattern``), so a long article
    costs a C-speed scan and a few dozen word analyses instead of hundreds.
    """
    stems = {leaf.stem: i for i, leaf in enumerate(leaves) if isinstance(leaf, qt.Term)}
    # A term also matches its exact word, as in the engines: "publie" is "publié" typed
    # without its accent, though Snowball stems them apart.
    exacts = {leaf.exact: i for i, leaf in enumerate(leaves) if isinstance(leaf, qt.Term)}
    prefixes = [
        (leaf.prefix, None if leaf.words is None else frozenset(leaf.words), i)
        for i, leaf in enumerate(leaves)
        if isinstance(leaf, qt.Prefix)
    ]
    phrases = [(leaf.stems, i) for i, leaf in enumerate(leaves) if isinstance(leaf, qt.Phrase)]
    heads = [*stems, *exacts, *(p for p, _, _ in prefixes), *(p[0] for p, _ in phrases)]
    if not heads:
        return []
    spans: dict[int, tuple] = {}
    seen: set[int] = set()
    for found in _heads_pattern(tuple(sorted(set(heads)))).finditer(text):
        token = _token_at(text, found.start())
        if token is None or token[2] in seen:
            continue
        seen.add(token[2])
        exact, stem, start, end = token
        if stem in stems:
            spans[start] = (start, end, stems[stem])
        elif exact in exacts:
            spans[start] = (start, end, exacts[exact])
        else:
            for prefix, words, i in prefixes:
                if exact.startswith(prefix) and (words is None or exact in words):
                    spans[start] = (start, end, i)
                    break
        for phrase, i in phrases:
            if stem == phrase[0]:
                words = _words_from(text, token, len(phrase))
                if tuple(w[1] for w in words) == phrase:
                    spans.update((w[2], (w[2], w[3], i)) for w in words)
    return [spans[start] for start in sorted(spans)]


HEAD = 3  # letters of a term that every word with its stem starts with (Snowball
# rewrites endings, and y into i: "chevaux" -> "cheval" still starts with "che")
LIGATURES = {"oe": "œŒ", "ae": "æÆ", "ss": "ß"}
APOSTROPHES = "'’‘ʼ"
MAX_ELIDED = 12  # letters of an elided word: "jusqu", "lorsqu"
MAX_WORD = 64
MAX_STOPPED_IN_PHRASE = 20  # a phrase's words, stop words aside, are this close at most


def _letter_classes() -> dict[str, str]:
    """For each ASCII letter or digit, every character that folds to it: e -> eéèêëE..."""
    classes: dict[str, str] = {c: c + c.upper() for c in "abcdefghijklmnopqrstuvwxyz0123456789"}
    for code in range(0xC0, 0x250):
        folded = fold(chr(code))
        if len(folded) == 1 and folded in classes:
            classes[folded] += chr(code)
    # Snowball French turns a y into an i ("voyez" -> "voi"): each letter finds the other.
    classes["i"], classes["y"] = classes["i"] + classes["y"], classes["y"] + classes["i"]
    return classes


LETTERS = _letter_classes()


@lru_cache(maxsize=512)
def _heads_pattern(heads: tuple[str, ...]) -> re.Pattern:
    """A regex that finds, at a word start, any spelling of the first letters of a term."""
    return re.compile(r"\b(?:" + "|".join(_spellings(h[:HEAD]) for h in heads) + ")")


def _spellings(head: str) -> str:
    out, i = [], 0
    while i < len(head):
        pair = head[i : i + 2]
        if pair in LIGATURES:
            out.append(f"(?:[{LETTERS[pair[0]]}][{LETTERS[pair[1]]}]|[{LIGATURES[pair]}])")
            i += 2
        else:
            out.append(f"[{LETTERS.get(head[i], re.escape(head[i]))}]")
            i += 1
    return "".join(out)


def _token_at(text: str, pos: int) -> tuple[str, str, int, int] | None:
    """The analysed word that holds ``pos`` (back over an elided "l’"), or None if stopped.

    Bounded, so that garbage such as 100 KB of "l'l'l'..." costs linear time: an elided
    word is a few letters, and no real word is longer than MAX_WORD characters.
    """
    start = pos
    if start >= 2 and text[start - 1] in APOSTROPHES and text[start - 2].isalnum():
        start -= 1
        floor = max(0, start - MAX_ELIDED)
        while start > floor and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
    match = WORD.match(text, start, start + MAX_WORD)
    terms = word_terms(match.group()) if match else None
    if terms is None:
        return None
    skip, exact, stem = terms
    return exact, stem, match.start() + skip, match.end()


def _words_from(text: str, first: tuple, count: int) -> list[tuple]:
    """``count`` kept words from ``first`` on (stop words skipped, as phrases skip them)."""
    words = [first]
    for n, match in enumerate(WORD.finditer(text, first[3])):
        if len(words) == count or n == count + MAX_STOPPED_IN_PHRASE:
            break
        terms = word_terms(match.group())
        if terms is not None:
            skip, exact, stem = terms
            words.append((exact, stem, match.start() + skip, match.end()))
    return words


def best_passages(
    text: str,
    leaves: list[qt.Term | qt.Phrase | qt.Prefix],
    count: int = 3,
    size: int = 200,
    spans: list[tuple] | None = None,
) -> list[Passage]:
    """Up to ``count`` passages of about ``size`` characters showing the matches
    (``spans``: the text's ``match_spans`` for these leaves, when already known)."""
    if spans is None:
        spans = match_spans(text, leaves) if leaves else []
    if not spans:
        return [_window(text, 0, size, [])] if text else []
    chosen: list[tuple[int, int]] = []
    shown: set[str] = set()  # what the chosen windows show around their first match
    for start in sorted(_candidates(spans, size), key=lambda c: (-c[0], -c[1], c[2])):
        lo, hi = start[2], start[2] + size
        if len(chosen) == count:
            break
        if all(hi <= a or lo >= b for a, b in chosen):
            # Scraped news often repeat a paragraph: its copy is no second passage.
            seen = " ".join(text[max(0, lo - size // 4) : lo + size // 4].split())
            if seen not in shown:
                shown.add(seen)
                chosen.append((lo, hi))
    return [_window(text, lo - size // 4, size, spans) for lo, _ in sorted(chosen)]


def _candidates(spans: list[tuple], size: int) -> list[tuple[int, int, int]]:
    """(distinct leaves, marks, start) for a window opening at each match.

    One sliding pass (spans are in text order): a text that repeats a matched word
    thousands of times costs linear time, not quadratic (a 100 KB one took 17 s).
    """
    out: list[tuple[int, int, int]] = []
    leaves: Counter[int] = Counter()  # leaf -> marks in spans[n:end]
    end = 0
    for n, (start, _, _) in enumerate(spans):
        end = max(end, n)
        while end < len(spans) and spans[end][1] <= start + size - size // 4:
            leaves[spans[end][2]] += 1
            end += 1
        out.append((len(leaves), end - n, start))
        if end > n:  # spans[n] leaves the window before the next one opens
            leaves[spans[n][2]] -= 1
            if not leaves[spans[n][2]]:
                del leaves[spans[n][2]]
    return out


def _window(text: str, start: int, size: int, spans: list[tuple]) -> Passage:
    """The passage around [start, start+size), widened or narrowed to word boundaries."""
    start = max(0, start)
    if start > 0:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and start - space < 30 else _next_word(text, start)
    end = min(len(text), start + size)
    if end < len(text):
        space = text.rfind(" ", start, end + 1)
        end = space if space > start else end
    piece = text[start:end]
    marks = [(s - start, e - start) for s, e, _ in spans if s >= start and e <= end]
    piece, marks = _collapse_spaces(piece, marks)
    return Passage(piece, tuple(marks), start > 0, end < len(text))


def _collapse_spaces(piece: str, marks: list[tuple[int, int]]) -> tuple[str, list]:
    """Trim the piece and fold runs of white space (paragraph breaks) into one space.

    Only what folding changes is visited (runs of two or more, a lone newline or tab),
    not every space between two words: this ran for every passage of every hit.
    """
    lead = len(piece) - len(piece.lstrip())
    piece = piece.strip()
    marks = [(s - lead, e - lead) for s, e in marks]
    starts, removed, total = [], [], 0
    for run in FOLDABLE.finditer(piece):
        total += run.end() - run.start() - 1
        starts.append(run.start())
        removed.append(total)
    if not starts:
        return piece, marks

    def shifted(pos: int) -> int:  # marks never start or end inside white space
        before = bisect.bisect_left(starts, pos)
        return pos - (removed[before - 1] if before else 0)

    return FOLDABLE.sub(" ", piece), [(shifted(s), shifted(e)) for s, e in marks]


def _next_word(text: str, pos: int) -> int:
    space = text.find(" ", pos)
    return space + 1 if space >= 0 else pos
