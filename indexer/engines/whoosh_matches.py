"""Every match of a Whoosh matcher tree and its score, computed subtree by subtree.

Whoosh answers a query by walking its matcher tree one document at a time: each step
is a cascade of Python calls (``is_active``, ``id``, ``next``, ``score``) through every
union and intersection node down to the posting lists. The engine needs every match
anyway (facets, totals), so ``scores`` evaluates the tree Whoosh built bottom-up
instead: each posting list is read block by block and scored by its own scorer, and
each node combines its children's ``{docnum: score}`` with the float operations, in the
order, of the node's ``score()`` (``a + b`` for unions and intersections, ``a`` for
AND NOT, the max for the disjunction, ``* boost`` for wrappers). The scores are
Whoosh's, bit for bit; a node of another kind is walked as Whoosh walks it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import (
    AndNotMatcher,
    ArrayUnionMatcher,
    ConstantScoreWrapperMatcher,
    FilterMatcher,
    IntersectionMatcher,
    Matcher,
    NullMatcherClass,
    UnionMatcher,
    WrappingMatcher,
)
from whoosh.scoring import BM25FScorer

from .querytree import check_deadline
from .whoosh_scoring import PresenceScorer

# The scorers whose ``_score`` is ``_bm25``'s, element by element.
BM25_SCORERS = (BM25FScorer, PresenceScorer)
FEW = 16  # wanted documents looked up by skipping blocks rather than reading them all
MANY = 32  # postings scored with NumPy at once (fewer: one by one, NumPy's calls cost more)
WALK_CHECK = 1024  # documents walked between two looks at the deadline


def scores(
    m: Matcher, dismax: type[Matcher] | None = None, only=None, deadline: float | None = None
) -> dict[int, float]:
    """{docnum: score} of every document ``m`` matches (from its current position).

    :param dismax: a UnionMatcher subclass whose score is the max of its sides'.
    :param only: if given, the documents wanted (a set or dict keys): others may be
        left out. An intersection scores its smaller side (Whoosh puts it second) first,
        then only those documents on the other side.
    :param deadline: time.monotonic() past which ``SearchTimeout`` is raised, checked at
        every node and every block read.
    """
    check_deadline(deadline)
    kind = type(m)
    if kind is UnionMatcher or (dismax is not None and kind is dismax):
        a, b = scores(m.a, dismax, only, deadline), scores(m.b, dismax, only, deadline)
        add = max if kind is dismax else _add
        for docnum, score in b.items():
            a[docnum] = add(a[docnum], score) if docnum in a else score
        return a
    if kind is ArrayUnionMatcher and m._scored:  # Whoosh's OR of 3+ on small indexes
        # Its first part of documents is already summed in its array (in order of the
        # submatchers, from 0.0); the submatchers stand past that part.
        base, part = m._offset, m._a[: m._limit - m._offset]
        total = {base + i: s for i, s in enumerate(part) if s > 0}
        boost = m._boost
        for sub in m._submatchers:
            for docnum, score in scores(sub, dismax, only, deadline).items():
                total[docnum] = total.get(docnum, 0.0) + score * boost
        return {d: s for d, s in total.items() if s > 0}  # its array skips a 0 total
    if issubclass(kind, IntersectionMatcher):
        b = scores(m.b, dismax, only, deadline)
        a = scores(m.a, dismax, b.keys(), deadline) if b else {}
        return {d: s + b[d] for d, s in a.items() if d in b}
    if kind is AndNotMatcher:
        a, b = scores(m.a, dismax, only, deadline), ids(m.b, deadline)
        return {d: s for d, s in a.items() if d not in b}
    if kind is WrappingMatcher or kind is FilterMatcher:
        child, boost = scores(m.child, dismax, only, deadline), m.boost
        if kind is FilterMatcher:
            keep, exclude = m._ids, m._exclude
            child = {d: s for d, s in child.items() if (d in keep) is not exclude}
        return {d: s * boost for d, s in child.items()}
    if kind is ConstantScoreWrapperMatcher:
        return dict.fromkeys(sorted(ids(m.child, deadline)), m._score)
    if isinstance(m, NullMatcherClass):
        return {}
    if kind is W3LeafMatcher and type(m.scorer) in BM25_SCORERS:
        return _leaf_scores(m, only, deadline)
    return _walk(m, deadline)


def _add(a: float, b: float) -> float:
    return a + b


class LazyIntersection(IntersectionMatcher):
    """Whoosh's intersection, positioned on its first common document only when walked.

    ``scores`` and ``ids`` intersect the two sides' documents as sets; Whoosh's own
    constructor first walked both sides to their first common document, skipping
    through unions of long posting lists one document at a time (0.9 s for 64 prefixes).
    """

    def __init__(self, a, b):
        super(IntersectionMatcher, self).__init__(a, b)  # not IntersectionMatcher's
        self._positioned = False

    def _position(self) -> None:
        if not self._positioned:
            self._positioned = True
            self._find_first()

    def is_active(self):
        self._position()
        return super().is_active()

    def id(self):
        self._position()
        return super().id()

    def next(self):
        self._position()
        return super().next()

    def skip_to(self, id):
        self._position()
        return super().skip_to(id)

    def score(self):
        self._position()
        return super().score()

    def reset(self):
        self._positioned = True
        super().reset()


def ids(m: Matcher, deadline: float | None = None) -> set[int]:
    """Every document ``m`` matches (from its current position), unscored: posting lists
    read a block at a time and unions taken as sets, where Whoosh's ``all_ids`` walks a
    union of hundreds of lists one document at a time (64 prefixes: 6 s)."""
    check_deadline(deadline)
    kind = type(m)
    if kind is UnionMatcher:
        return ids(m.a, deadline) | ids(m.b, deadline)
    if kind is ArrayUnionMatcher:
        base, part = m._offset, m._a[: m._limit - m._offset]
        found = {base + i for i, value in enumerate(part) if value}
        for sub in m._submatchers:
            found |= ids(sub, deadline)
        return found
    if kind is W3LeafMatcher:
        return set(_leaf_ids(m, deadline))
    if kind is ConstantScoreWrapperMatcher or kind is WrappingMatcher:
        return ids(m.child, deadline)
    if issubclass(kind, IntersectionMatcher):
        found = ids(m.b, deadline)
        return ids(m.a, deadline) & found if found else set()
    return set(m.all_ids()) if m.is_active() else set()


def _leaf_ids(m: W3LeafMatcher, deadline: float | None) -> list[int]:
    """A posting list's documents, read a block at a time."""
    out: list[int] = []
    while m.is_active():
        if m._ids is None:
            m._read_ids()
        out += m._ids[m._i :]
        m._next_block()
        check_deadline(deadline)
    return out


def _walk(m: Matcher, deadline: float | None = None) -> dict[int, float]:
    """Whoosh's own walk, for the nodes not handled above (phrases, ...)."""
    out = {}
    while m.is_active():
        out[m.id()] = m.score()
        m.next()
        if len(out) % WALK_CHECK == 0:
            check_deadline(deadline)
    return out


def _leaf_scores(m: W3LeafMatcher, only=None, deadline: float | None = None) -> dict[int, float]:
    """A posting list scored block by block (only the documents in ``only`` if given):
    ``scorer.score(m)`` is ``scorer._score(m.weight(), scorer.dfl(m.id()))``."""
    score: Callable[[float, int], float] = m.scorer._score
    length = m.scorer.dfl
    out: dict[int, float] = {}
    if only is not None and len(only) <= FEW:  # Whoosh's skip_to: block headers only
        for docnum in sorted(only):
            if not m.is_active():
                break
            m.skip_to(docnum)
            if m.is_active() and m.id() == docnum:
                out[docnum] = m.score()
        return out
    ids: list[int] = []
    weights: list[float] = []
    while m.is_active():
        if m._ids is None:
            m._read_ids()
        if m._weights is None:
            m._read_weights()
        start = m._i
        block_ids, block_weights = m._ids[start:], m._weights[start:]
        if only is not None:
            kept = [(i, w) for i, w in zip(block_ids, block_weights, strict=True) if i in only]
            block_ids, block_weights = [i for i, _ in kept], [w for _, w in kept]
        ids += block_ids
        weights += block_weights
        m._next_block()
        check_deadline(deadline)
    lengths = getattr(m.scorer, "lengths", None)
    if lengths is None or len(ids) < MANY:
        return dict(zip(ids, map(score, weights, map(length, ids)), strict=True))
    return dict(zip(ids, _bm25(m.scorer, np.array(weights), lengths[ids]).tolist(), strict=True))


def _bm25(s: BM25FScorer, tf: np.ndarray, fl: np.ndarray) -> np.ndarray:
    """``whoosh.scoring.bm25`` over arrays: the same float64 operations in the same order,
    so the same scores, bit for bit (a term frequency of 1 for a ``PresenceScorer``)."""
    if type(s) is PresenceScorer:
        tf = np.ones_like(tf)
    idf, avgfl, b, k1 = s.idf, s.avgfl, s.B, s.K1
    return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))
