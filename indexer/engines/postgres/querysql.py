"""The engine-neutral query tree -> a ``tsquery`` that finds the matches, and a BM25 score
in SQL, with the other engines' semantics node for node.

Matching: the whole tree becomes one tsquery over the ``lexemes`` column (see ``rows``),
which one GIN index answers; a phrase is its pairs of stems, and, past two words, its
positions checked where all its pairs are::

    And(Term("chinois", "chinoise"), Not(Prefix("russ")))
    -> ('tchinois' | 'bchinois' | 'xchinoise') & !'xruss':*
    Phrase(("gilet", "jaun")) -> ('ptgilet jaun' | 'pbgilet jaun')

but for the ``Ids`` of the top level (``split_ids``), matched by the primary key.

Scoring, as Whoosh scores the same tree with tantivy's BM25 (``whoosh_scoring``):

- Term: per field, idf x BM25(tf, field length) with k1 = 1.2, b = 0.75 and the IDF
  ln(1 + (N - df + 0.5) / (df + 0.5)) of that field; the ``exact`` field counts a word's
  presence (tf = 1); scaled by FIELD_WEIGHTS and the term's weight, summed over fields.
- Phrase: in each field where the phrase occurs, the sum of its stems' BM25 there (Whoosh
  scores a phrase as the intersection of its terms). Where it occurs is asked once per
  statement: the articles that have its pairs of stems in that field, found by the GIN
  index alone and hashed (``PHRASE_SET_MAX``), then looked up per match; a test of the
  match's own tsvector would read it back from the TOAST table for each (``_if_phrase``).
- Prefix: a constant 1.0 (its bounded words only, when the core bounded it);
  MatchAll: 1.0; Not: nothing; Ids, Written, Bands: 0 (sets of documents, matched by
  their lexemes without positions: ``rows.set_lexeme``).
- And, Or: the sum of the children that match; Alternatives: the best one (dis-max).

A document's term frequencies come from its id arrays (``idx`` finds a term's place). A
term, phrase or prefix that is absent scores 0, so an Or adds up only what matches; an And
that may not match (under an Or) is guarded by a test of its match on the arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .. import querytree as qt
from .rows import (
    BAND,
    BODY,
    EXACT,
    ID,
    TITLE,
    WEIGHTY,
    WRITTEN,
    fits,
    pair_lexeme,
    quote,
    set_lexeme,
)

K1, B = 1.2, 0.75  # tantivy's BM25 parameters, as whoosh_scoring's
# The most articles a phrase may be in (its rarest stem's frequency in the field) for
# them to be asked as a set: PostgreSQL hashes an IN (SELECT ...) only while it fits in
# work_mem (150,000 numbers at its defaults); past that, each match's tsvector is tested.
PHRASE_SET_MAX = 100_000
FIELD_COLUMNS = {TITLE: ("tf_title", "len_title"), BODY: ("tf_body", "len_body")}
FIELD_NAMES = {TITLE: "title", BODY: "body", EXACT: "exact"}  # qt.FIELD_WEIGHTS' keys
ALL, NOTHING = "ALL", "NOTHING"  # a subtree that matches every document, or none


@dataclass(frozen=True)
class Stats:
    """BM25's collection statistics: N and each field's average length."""

    docs: int
    avg_title: float
    avg_body: float
    avg_exact: float

    def idf(self, df: int) -> float:
        return math.log(1 + (self.docs - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class Dictionary:
    """The ids and document frequencies of a query's terms (absent terms are missing)."""

    stems: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # id, df title, body
    words: dict[str, tuple[int, int]] = field(default_factory=dict)  # id, df


def query_terms(node: qt.Node) -> tuple[set[str], set[str]]:
    """The stems and folded words the tree's scores need."""
    stems, words = set(), set()
    for leaf in qt.positive_leaves(node):
        if isinstance(leaf, qt.Term):
            stems.add(leaf.stem)
            words.add(leaf.exact)
        elif isinstance(leaf, qt.Phrase):
            stems.update(leaf.stems)
            words.update(leaf.exacts[:1])
    return stems, words


def first_cut(node: qt.Node, common: set[str]) -> str | None:
    """The tsquery of the articles worth ranking when the tree has ``common`` stems: those
    that have one of its other terms, or in which a common one weighs (``rows.weighty``).
    None when nothing would be cut: no common stem, a prefix (any word may match it), or
    a rare term that every match has (a phrase's rare stem: the cut would hold every
    match, and the statement read them twice)."""
    if _held_by_all(node, common):
        return None
    lexemes = []
    for leaf in qt.positive_leaves(node):
        if isinstance(leaf, qt.Prefix):
            return None
        if isinstance(leaf, qt.Term):
            terms = [(leaf.stem, leaf.exact)]
        else:
            terms = list(zip(leaf.stems, leaf.exacts, strict=False))
        for stem, exact in terms:
            if stem in common:
                lexemes.append(quote(WEIGHTY + stem) if fits(stem) else NOTHING)
            else:
                lexemes.extend(_term_lexemes(stem, exact))
    if not common or not lexemes:
        return None
    return _any_of(list(dict.fromkeys(lexemes)))


def _held_by_all(node: qt.Node, common: set[str]) -> bool:
    """Whether every match of ``node`` has a stem that is not ``common`` (a first cut
    keeps every article that has one)."""
    if isinstance(node, qt.Term):
        return node.stem not in common
    if isinstance(node, qt.Phrase):
        return any(stem not in common for stem in node.stems)
    if isinstance(node, qt.And):
        return any(_held_by_all(child, common) for child in node.children)
    return False


def tsquery(node: qt.Node) -> str:
    """The tsquery text of the tree's matches, or ALL or NOTHING."""
    if isinstance(node, qt.Term):
        return _any_of(_term_lexemes(node.stem, node.exact))
    if isinstance(node, qt.Phrase):
        if len(node.stems) == 1:
            return tsquery(qt.Term(node.stems[0], node.exacts[0]))
        return _any_of([_phrase(tag, node.stems) for tag in (TITLE, BODY)])
    if isinstance(node, qt.Prefix):
        if node.words is not None:  # bounded by the core to its most frequent words
            return _any_of([quote(EXACT + w) if fits(w) else NOTHING for w in node.words])
        return f"{quote(EXACT + node.prefix)}:*" if fits(node.prefix) else NOTHING
    if isinstance(node, qt.And):
        return _all_of([tsquery(c) for c in node.children])
    if isinstance(node, qt.Or | qt.Alternatives):
        return _any_of([tsquery(c) for c in node.children])
    if isinstance(node, qt.Not):
        inner = tsquery(node.child)
        return {ALL: NOTHING, NOTHING: ALL}.get(inner, f"!({inner})")
    if isinstance(node, qt.Ids):
        return _any_of([quote(set_lexeme(ID, doc_id)) for doc_id in node.ids])
    if isinstance(node, qt.Written):  # each word; none: no document (as the other engines)
        words = [quote(set_lexeme(WRITTEN, w)) for w in node.words]
        return _all_of(words) if words else NOTHING
    if isinstance(node, qt.Bands):
        return _any_of([quote(set_lexeme(BAND, band)) for band in node.bands])
    return ALL


def split_ids(node: qt.Node) -> tuple[qt.Node, list[str] | None]:
    """The tree without its top-level ``Ids`` and the ids they allow (None: no ``Ids``).

    Those ids are matched by the primary key (``id = ANY(...)``), not in the tsquery: a
    tsquery past 1 MB of text is refused ("value is too big in tsquery"), and the copies'
    pass asks which of every copy's id match a query (341,600 ids when the archive is
    the news ten times over). One list goes as it is (``= ANY`` minds neither order nor
    repeats: sorting 341,600 ids cost 360 ms a search); several are intersected."""
    if isinstance(node, qt.Ids):
        return qt.MatchAll(), list(node.ids)
    if not isinstance(node, qt.And) or not any(isinstance(c, qt.Ids) for c in node.children):
        return node, None
    lists = [child.ids for child in node.children if isinstance(child, qt.Ids)]
    rest = [child for child in node.children if not isinstance(child, qt.Ids)]
    tree = rest[0] if len(rest) == 1 else qt.And(tuple(rest)) if rest else qt.MatchAll()
    if len(lists) == 1:
        return tree, list(lists[0])
    return tree, sorted(set(lists[0]).intersection(*lists[1:]))


def bounded(node: qt.Node) -> bool:
    """Whether the tree's matches are among a few given documents (``Ids``, ``Bands``):
    ranking all of them costs little, no first cut is worth it."""
    if isinstance(node, qt.Ids | qt.Bands):
        return True
    return isinstance(node, qt.And) and any(map(bounded, node.children))


def _term_lexemes(stem: str, exact: str) -> list[str]:
    found = [quote(tag + stem) for tag in (TITLE, BODY) if fits(stem)]
    return found + ([quote(EXACT + exact)] if fits(exact) else [])


def _phrase(tag: str, stems: tuple[str, ...], positions: bool = True) -> str:
    """A phrase of two stems or more in one field: each pair of them that follow each other
    (exact, from the GIN index), and their positions past two stems (unless not
    ``positions``: the pairs alone, where they all fit in a lexeme)."""
    if not all(map(fits, stems)):
        return NOTHING
    pairs = [pair_lexeme(tag, a, b) for a, b in zip(stems, stems[1:], strict=False)]
    parts = [quote(pair) for pair in pairs if pair is not None]
    if len(parts) < len(pairs) or (positions and len(stems) > 2):
        parts.append("(" + " <-> ".join(quote(tag + s) for s in stems) + ")")
    return _all_of(parts)


def _any_of(parts: list[str]) -> str:
    if ALL in parts:
        return ALL
    parts = [p for p in parts if p != NOTHING]
    return "(" + " | ".join(parts) + ")" if parts else NOTHING


def _all_of(parts: list[str]) -> str:
    if NOTHING in parts:
        return NOTHING
    parts = [p for p in parts if p != ALL]
    return "(" + " & ".join(parts) + ")" if parts else ALL


class Scorer:
    """SQL expressions of the tree's BM25 score (``score``) over an article's row in
    ``articles`` (``d``: its arrays and lengths) and in ``matches`` (``a``: its lexemes,
    for phrases), with the tsquery literals they need gathered in ``params`` (named
    ``%(qN)s`` placeholders)."""

    def __init__(self, stats: Stats, dictionary: Dictionary):
        self.stats = stats
        self.dictionary = dictionary
        self.params: dict[str, str] = {}
        self._avg = {TITLE: stats.avg_title, BODY: stats.avg_body, EXACT: stats.avg_exact}

    def score(self, node: qt.Node, required: bool = True) -> str:
        """The score of ``node``; ``required``: every row scored is known to match it."""
        if isinstance(node, qt.Term):
            return self._term(node)
        if isinstance(node, qt.Phrase):
            if len(node.stems) == 1:
                return self._term(qt.Term(node.stems[0], node.exacts[0]))
            return self._phrase(node, required)
        if isinstance(node, qt.Prefix):
            return "1.0" if required else self._if_matches(tsquery(node), "1.0")
        if isinstance(node, qt.And):
            total = _sum([self.score(c, required) for c in node.children])
            return (
                total if required else f"(CASE WHEN {self.matches(node)} THEN {total} ELSE 0 END)"
            )
        if isinstance(node, qt.Or):
            return _sum(
                [self.score(c, required and len(node.children) == 1) for c in node.children]
            )
        if isinstance(node, qt.Alternatives):
            alone = required and len(node.children) == 1
            scores = [self.score(c, alone) for c in node.children]
            return scores[0] if len(scores) == 1 else f"GREATEST({', '.join(scores)})"
        if isinstance(node, qt.Not | qt.Ids | qt.Written | qt.Bands):
            return "0"
        return "1.0"  # MatchAll

    def matches(self, node: qt.Node) -> str:
        """A SQL test that the row matches ``node`` (the arrays where they tell)."""
        if isinstance(node, qt.Term):
            stem, word = self.dictionary.stems.get(node.stem), self.dictionary.words.get(node.exact)
            tests = [f"idx(d.stem_ids, {stem[0]}) > 0"] if stem else []
            tests += [f"idx(d.word_ids, {word[0]}) > 0"] if word else []
            return "(" + " OR ".join(tests) + ")" if tests else "false"
        if isinstance(node, qt.And):
            return "(" + " AND ".join(map(self.matches, node.children)) + ")"
        if isinstance(node, qt.Or | qt.Alternatives):
            return "(" + " OR ".join(map(self.matches, node.children)) + ")"
        if isinstance(node, qt.Not):
            return f"(NOT {self.matches(node.child)})"
        if isinstance(node, qt.MatchAll):
            return "true"
        return self._lexemes_match(tsquery(node))

    def _term(self, node: qt.Term) -> str:
        parts = []
        stem = self.dictionary.stems.get(node.stem)
        if stem is not None:
            sid, df_title, df_body = stem
            for tag, df in ((TITLE, df_title), (BODY, df_body)):
                if df:
                    parts.append(self._bm25(tag, self._tf(tag, sid), df))
        word = self.dictionary.words.get(node.exact)
        if word is not None and word[1]:
            wid, df = word
            present = self._bm25(EXACT, "1", df)
            parts.append(f"(CASE WHEN idx(d.word_ids, {wid}) > 0 THEN {present} ELSE 0 END)")
        total = _sum(parts)
        return total if node.weight == 1.0 else f"({_number(node.weight)} * {total})"

    def _phrase(self, node: qt.Phrase, required: bool) -> str:
        by_field = []
        for tag, df_index in ((TITLE, 1), (BODY, 2)):
            found = [self.dictionary.stems.get(s) for s in node.stems]
            if not all(f is not None and f[df_index] for f in found):
                continue  # a stem never in this field: the phrase cannot be there
            terms = [self._bm25(tag, self._tf(tag, f[0]), f[df_index]) for f in found]
            rarest = min(f[df_index] for f in found)
            by_field.append((tag, _sum(terms), rarest))
        if len(by_field) == 1 and required:
            return by_field[0][1]
        return _sum([self._if_phrase(tag, node.stems, v, most) for tag, v, most in by_field])

    def _if_phrase(self, tag: str, stems: tuple[str, ...], value: str, most: int) -> str:
        """``value`` where the match has the phrase of ``stems`` in the field ``tag`` (its
        rarest stem there in ``most`` articles).

        Asked as a set, the phrase is its pairs of stems only: the GIN index answers them
        exactly, where a test of positions reads each article's tsvector back from the
        TOAST table (60 to 70 us each: the body's set of "état d'urgence sanitaire" was
        most of its time, BENCHMARKS.md run 16). The match itself checks the positions;
        the field of a longer phrase can then count where its pairs are apart (an article
        with the phrase in its title and "état d'urgence", "urgence sanitaire" apart in
        its body), a rare score, never a wrong match."""
        if most > PHRASE_SET_MAX:
            return self._if_matches(_phrase(tag, stems), value)
        query = _phrase(tag, stems, positions=False)
        if query == NOTHING:
            return "0"
        having = f"SELECT p.seq FROM {{matches}} p WHERE p.lexemes @@ {self.param(query)}::tsquery"
        return f"(CASE WHEN a.seq IN ({having}) THEN {value} ELSE 0 END)"

    def _tf(self, tag: str, sid: int) -> str:
        column = FIELD_COLUMNS[tag][0]
        return f"coalesce(d.{column}[idx(d.stem_ids, {sid})], 0)"

    def _bm25(self, tag: str, tf: str, df: int) -> str:
        """idf (k1 + 1) tf / (tf + k1 (1 - b + b len / avg)), times the field's weight,
        written as c (1 - n / (tf + n)) with n = k1 (1 - b + b len / avg): the term
        frequency, a look-up in the row's arrays, is then read once (0 when tf is 0)."""
        length = FIELD_COLUMNS[tag][1] if tag in FIELD_COLUMNS else "len_exact"
        idf = self.stats.idf(df) * qt.FIELD_WEIGHTS[FIELD_NAMES[tag]]
        fixed, per_length = K1 * (1 - B), K1 * B / (self._avg[tag] or 1.0)
        norm = f"({_number(fixed)} + {_number(per_length)} * d.{length})"
        return f"({_number(idf * (K1 + 1))} * (1.0::float8 - {norm} / ({tf} + {norm})))"

    def _if_matches(self, query: str, value: str) -> str:
        return f"(CASE WHEN {self._lexemes_match(query)} THEN {value} ELSE 0 END)"

    def _lexemes_match(self, query: str) -> str:
        if query in (ALL, NOTHING):
            return "true" if query == ALL else "false"
        return f"(a.lexemes @@ {self.param(query)}::tsquery)"

    def param(self, value: str) -> str:
        """A placeholder for ``value`` (a tsquery text)."""
        name = f"q{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"


def _sum(parts: list[str]) -> str:
    if not parts:
        return "0"
    return parts[0] if len(parts) == 1 else "(" + " + ".join(parts) + ")"


def _number(value: float) -> str:
    return f"{value!r}::float8"
