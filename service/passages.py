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

import html
from dataclasses import dataclass

from indexer.analysis import analyze_words
from indexer.engines import querytree as qt

ELLIPSIS = "…"


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
    """(start, end, leaf index) for every word of ``text`` that a query leaf matches."""
    words = analyze_words(text)
    stems = {leaf.stem: i for i, leaf in enumerate(leaves) if isinstance(leaf, qt.Term)}
    prefixes = [(leaf.prefix, i) for i, leaf in enumerate(leaves) if isinstance(leaf, qt.Prefix)]
    phrases = [(leaf.stems, i) for i, leaf in enumerate(leaves) if isinstance(leaf, qt.Phrase)]
    spans: dict[int, tuple] = {}
    for n, (exact, stem, start, end) in enumerate(words):
        if stem in stems:
            spans[n] = (start, end, stems[stem])
        else:
            for prefix, i in prefixes:
                if exact.startswith(prefix):
                    spans[n] = (start, end, i)
                    break
        for phrase, i in phrases:
            if stem == phrase[0] and tuple(w[1] for w in words[n : n + len(phrase)]) == phrase:
                for k in range(n, n + len(phrase)):
                    spans[k] = (words[k][2], words[k][3], i)
    return [spans[n] for n in sorted(spans)]


def best_passages(
    text: str, leaves: list[qt.Term | qt.Phrase | qt.Prefix], count: int = 3, size: int = 200
) -> list[Passage]:
    """Up to ``count`` passages of about ``size`` characters showing the matches."""
    spans = match_spans(text, leaves) if leaves else []
    if not spans:
        return [_window(text, 0, size, [])] if text else []
    chosen: list[tuple[int, int]] = []
    for start in sorted(_candidates(spans, size), key=lambda c: (-c[0], -c[1], c[2])):
        lo, hi = start[2], start[2] + size
        if len(chosen) < count and all(hi <= a or lo >= b for a, b in chosen):
            chosen.append((lo, hi))
    return [_window(text, lo - size // 4, size, spans) for lo, _ in sorted(chosen)]


def _candidates(spans: list[tuple], size: int) -> list[tuple[int, int, int]]:
    """(distinct leaves, marks, start) for a window opening at each match."""
    out = []
    for n, (start, _, _) in enumerate(spans):
        inside = [s for s in spans[n:] if s[1] <= start + size - size // 4]
        out.append((len({s[2] for s in inside}), len(inside), start))
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
    """Trim the piece and fold runs of white space (paragraph breaks) into one space."""
    kept: list[str] = []
    new_at: list[int] = []  # new offset of each old offset
    for ch in piece:
        new_at.append(len(kept))
        if not ch.isspace():
            kept.append(ch)
        elif kept and kept[-1] != " ":
            kept.append(" ")
    new_at.append(len(kept))
    text = "".join(kept).rstrip()
    return text, [(new_at[s], new_at[e]) for s, e in marks]


def _next_word(text: str, pos: int) -> int:
    space = text.find(" ", pos)
    return space + 1 if space >= 0 else pos
