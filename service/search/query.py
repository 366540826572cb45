"""Query text -> the engine-neutral query tree (``indexer.engines.querytree``).

The language, as users type it::

    chine relations          both words (terms are ANDed)
    "la Ceinture et la Route"  a phrase (an unclosed quote closes at the end); its
                             matches with the accents as typed first (``tiers``)
    chine OR russie          either side (also OU)
    chine AND russie         both (also ET: the default, written out)
    -taïwan                  without this word (also -"a phrase", NOT taïwan, SAUF taïwan)
    multilat*                words starting with "multilat" (2 letters at least)
    (chine OR russie) gaz    grouping

Operators are words in capitals, in English or in French: ``AND``/``ET``, ``OR``/``OU``,
``NOT``/``SAUF``; in lower case (or another case) they are ordinary words ("et", "not").

Words go through the same French analysis as the index, so accents, case and elision do
not matter. Synonym groups (config.toml) widen a run of words that spells one of their
expressions into an OR of all of them. Where intent is clear (a dangling OR, an unclosed
quote or parenthesis) the query is answered; otherwise QueryError says why, in French.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from indexer.analysis import WORD, analyze, analyze_words, is_question
from indexer.engines import querytree as qt
from indexer.written import written_form

from ..errors import QueryError

MAX_QUERY_CHARS = 1000
MAX_LEAVES = 64
MAX_DEPTH = 20
MIN_PREFIX = 2
# Operators as people type them, in capitals: English and French.
AND_WORDS = frozenset({"AND", "ET"})
OR_WORDS = frozenset({"OR", "OU"})
NOT_WORDS = frozenset({"NOT", "SAUF"})
TOKEN = re.compile(r'\s*(?:(?P<quote>"[^"]*"?)|(?P<open>\()|(?P<close>\))|(?P<word>[^\s()"]+))')


@dataclass(frozen=True)
class _Tok:
    kind: str  # "quote", "open", "close", "word"
    text: str
    negated: bool = False


class Synonyms:
    """Synonym groups in index-term space: a stem sequence -> the group's phrases."""

    def __init__(self, groups: Iterable[Iterable[str]] = ()):
        self._by_stems: dict[tuple[str, ...], tuple[qt.Phrase, ...]] = {}
        for group in groups:
            phrases = tuple(
                p for p in (_phrase(text, via="synonym") for text in group) if p is not None
            )
            for phrase in phrases:
                self._by_stems[phrase.stems] = phrases
        self.longest = max((len(k) for k in self._by_stems), default=0)

    def group(self, stems: tuple[str, ...]) -> tuple[qt.Phrase, ...] | None:
        """The phrases of the group that one of whose expressions has these stems."""
        return self._by_stems.get(stems)


def parse_query(text: str, synonyms: Synonyms | None = None) -> qt.Node:
    """Parse what a user typed into a query tree; QueryError when it cannot be answered."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"requête trop longue ({len(text)} caractères) : {MAX_QUERY_CHARS} au plus"
        )
    parser = _Parser(_tokenize(text), synonyms or Synonyms(), is_question(text))
    tree = parser.parse()
    if parser.leaves > MAX_LEAVES:
        raise QueryError(f"requête trop complexe : {MAX_LEAVES} mots au plus")
    return tree


def _tokenize(text: str) -> list[_Tok]:
    """The query's tokens; operators become the parser's: ``-`` and NOT/SAUF set the next
    token's ``negated``, AND/ET go (terms are ANDed anyway), OU is OR."""
    tokens: list[_Tok] = []
    negate = False
    for match in TOKEN.finditer(text.replace("\u201c", '"').replace("\u201d", '"')):
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "word" and value.startswith("-") and len(value) > 1:
            tokens.append(_Tok(kind, value[1:], True))  # "-NOT" is the word "not", excluded
            negate = False
            continue
        if kind == "word" and (value == "-" or value in NOT_WORDS):
            negate = True  # '-"phrase"', '-(group)' and 'NOT word' negate what follows
            continue
        if kind == "word" and value in AND_WORDS:
            continue
        tokens.append(_Tok(kind, "OR" if kind == "word" and value in OR_WORDS else value, negate))
        negate = False
    return tokens


class _Parser:
    """Recursive descent over the tokens: or_expr := and_expr (OR and_expr)*."""

    def __init__(self, tokens: list[_Tok], synonyms: Synonyms, question: bool = False):
        self.tokens, self.i, self.depth, self.leaves = tokens, 0, 0, 0
        self.synonyms = synonyms
        self.question = question  # its words, quotes aside, drop "est", "été", "son"

    def parse(self) -> qt.Node:
        node = self.or_expr()
        while self.i < len(self.tokens):  # a stray ")": skip it, read on
            self.i += 1
            more = self.or_expr()
            node = _and([node, more]) if node and more else (node or more)
        return node if node is not None else qt.MatchAll()

    def or_expr(self) -> qt.Node | None:
        sides = [self.and_expr()]
        while self._peek_word("OR"):
            self.i += 1
            sides.append(self.and_expr())
        sides = list(dict.fromkeys(s for s in sides if s is not None))  # "chine OR" is "chine"
        if len(sides) > 1 and any(_is_negative(s) for s in sides):
            raise QueryError(
                "« OR » (ou « OU ») ne peut pas relier une exclusion : écrivez -mot à part"
            )
        return sides[0] if len(sides) == 1 else (qt.Or(tuple(sides)) if sides else None)

    def and_expr(self) -> qt.Node | None:
        items: list[tuple[_Tok, qt.Node]] = []
        while self.i < len(self.tokens):
            tok = self.tokens[self.i]
            if tok.kind == "close" or (tok.kind == "word" and tok.text == "OR"):
                break
            self.i += 1
            node = self.group(tok) if tok.kind == "open" else self.leaf(tok)
            if node is not None:
                items.append((tok, qt.Not(node) if tok.negated else node))
        return _and(self._with_synonyms(items))

    def group(self, tok: _Tok) -> qt.Node | None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"requête trop imbriquée : {MAX_DEPTH} niveaux de parenthèses au plus")
        node = self.or_expr()
        if self.i < len(self.tokens) and self.tokens[self.i].kind == "close":
            self.i += 1  # an unclosed "(" closes at the end
        self.depth -= 1
        return node

    def leaf(self, tok: _Tok) -> qt.Node | None:
        if tok.kind == "quote":
            node = _quoted(tok.text.strip('"'))
        elif tok.text.endswith("*"):
            node = _prefix(tok.text)
        else:
            node = _phrase(tok.text, question=self.question)
        if node is not None:
            self.leaves += len(node.stems) if isinstance(node, qt.Phrase) else 1
        return _simplify(node)

    def _with_synonyms(self, items: list[tuple[_Tok, qt.Node]]) -> list[qt.Node]:
        """Replace a run of plain words (or one phrase) that spells a synonym by the group."""
        out: list[qt.Node] = []
        i = 0
        while i < len(items):
            found = self._synonym_at(items, i)
            if found:
                length, node = found
                out.append(node)
                i += length
            else:
                out.append(items[i][1])
                i += 1
        return out

    def _synonym_at(self, items, i) -> tuple[int, qt.Node] | None:
        stems: tuple[str, ...] = ()
        for j in range(i, len(items)):
            tok, node = items[j]
            if tok.negated or not isinstance(node, qt.Term | qt.Phrase):
                return None
            stems += (node.stem,) if isinstance(node, qt.Term) else node.stems
            if len(stems) > self.synonyms.longest:
                return None
            group = self.synonyms.group(stems)
            if group:
                typed = [n for _, n in items[i : j + 1]]
                alternatives = [p for p in group if p.stems != stems]
                return j - i + 1, qt.Alternatives((_and(typed), *alternatives))
        return None

    def _peek_word(self, text: str) -> bool:
        return (
            self.i < len(self.tokens)
            and self.tokens[self.i].kind == "word"
            and self.tokens[self.i].text == text
        )


def _phrase(text: str, via: str = "", question: bool = False) -> qt.Phrase | None:
    """Analyse text into a phrase of stems (None if only stop words or symbols)."""
    words = analyze_words(text, question)
    if not words:
        return None
    typed = text[words[0][2] : words[-1][3]]  # as written, elided article aside
    stems, exacts = tuple(w[1] for w in words), tuple(w[0] for w in words)
    return qt.Phrase(stems, exacts, via=via, typed=typed)


def _quoted(text: str) -> qt.Phrase | None:
    """A quoted phrase, with the written form of its words: its matches written with the
    accents as typed come first (``tiers``)."""
    phrase = _phrase(text)
    if phrase is None:
        return None
    forms = tuple(f for f in map(written_form, WORD.findall(text)) if f is not None)
    return replace(phrase, written=forms) if len(forms) == len(phrase.stems) else phrase


def _prefix(word: str) -> qt.Node | None:
    exacts = analyze(word.rstrip("*"), stemmed=False)
    if not exacts or len(exacts[-1]) < MIN_PREFIX:
        raise QueryError(
            f"préfixe inutilisable « {word} » : il faut au moins {MIN_PREFIX} lettres "
            "avant « * », et pas un mot vide comme « de »"
        )
    prefix = qt.Prefix(exacts[-1])
    if len(exacts) == 1:
        return prefix
    return qt.And((_phrase(" ".join(exacts[:-1])), prefix))


def _simplify(node: qt.Node | None) -> qt.Node | None:
    if isinstance(node, qt.Phrase) and len(node.stems) == 1:
        return qt.Term(node.stems[0], node.exacts[0], typed=node.typed, written=node.written)
    return node


def _is_negative(node: qt.Node) -> bool:
    if isinstance(node, qt.Not):
        return True
    return isinstance(node, qt.And) and all(
        isinstance(c, qt.MatchAll) or _is_negative(c) for c in node.children
    )


def _and(nodes: list[qt.Node]) -> qt.Node | None:
    # A word typed twice is one condition: "re* re* re*" costs what "re*" costs.
    nodes = list(dict.fromkeys(n for n in nodes if n is not None))
    if not nodes:
        return None
    if all(isinstance(n, qt.Not) for n in nodes):
        nodes = [qt.MatchAll(), *nodes]  # "-chine" alone: every article but those
    return nodes[0] if len(nodes) == 1 else qt.And(tuple(nodes))
