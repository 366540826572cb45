"""The engine-neutral query tree as Whoosh queries (``to_whoosh``), with the few query
classes of ours that make its matchers cheap to read whole (``whoosh_matches``).

    Term       title and body (stems) and exact (folded word), each weighted
    Phrase     title and body, positions
    Prefix     exact: its bounded words at a constant score (or every word, unbounded)
    And, Or    intersections and unions; Alternatives: the best of its spellings (dis-max)
    Not        AND NOT
"""

from __future__ import annotations

from whoosh import matching, query

from . import querytree as qt
from .whoosh_matches import LazyIntersection


def _weighted(by_field: dict[str, query.Query], weight: float = 1.0) -> query.Query:
    """Any of the fields, each scaled by its FIELD_WEIGHTS and ``weight`` (a Term's)."""
    for field, q in by_field.items():
        q.boost = qt.FIELD_WEIGHTS[field] * weight
    return query.Or(list(by_field.values()))


def to_whoosh(node: qt.Node) -> query.Query:
    """Translate the engine-neutral tree into a Whoosh query."""
    if isinstance(node, qt.Term):
        return _weighted(
            {
                "title": query.Term("title", node.stem),
                "body": query.Term("body", node.stem),
                "exact": query.Term("exact", node.exact),
            },
            node.weight,
        )
    if isinstance(node, qt.Phrase):
        if len(node.stems) == 1:
            return to_whoosh(qt.Term(node.stems[0], node.exacts[0]))
        return _weighted(
            {
                "title": query.Phrase("title", list(node.stems)),
                "body": query.Phrase("body", list(node.stems)),
            }
        )
    if isinstance(node, qt.Prefix):
        # Constant, as a prefix expanding to several words already is in Whoosh (and in
        # tantivy); one expansion would otherwise be scored as a plain term on "exact".
        if node.words is None:
            return _ConstantScore(query.Prefix("exact", node.prefix))
        if not node.words:
            return query.NullQuery
        return _ConstantScore(query.Or([query.Term("exact", w) for w in node.words]))
    if isinstance(node, qt.And):
        return _And([to_whoosh(c) for c in node.children])
    if isinstance(node, qt.Or):
        return query.Or([to_whoosh(c) for c in node.children])
    if isinstance(node, qt.Alternatives):
        return _DisjunctionMax([to_whoosh(c) for c in node.children])
    if isinstance(node, qt.Not):
        return query.Not(to_whoosh(node.child))
    if isinstance(node, qt.Ids):
        ids = [query.Term("id", doc_id) for doc_id in node.ids]
        return query.ConstantScoreQuery(query.Or(ids) if ids else query.NullQuery, 0.0)
    if isinstance(node, qt.Written):
        words = [query.Term("written", w) for w in node.words]
        return query.ConstantScoreQuery(query.And(words), 0.0)
    if isinstance(node, qt.Bands):
        bands = [query.Term("copyband", band) for band in node.bands]
        return query.ConstantScoreQuery(query.Or(bands) if bands else query.NullQuery, 0.0)
    return query.Every()


class _ConstantScore(query.ConstantScoreQuery):
    """Whoosh's ConstantScoreQuery, whose matcher leaves its child's documents to be read
    when scored (``whoosh_matches.ids``, a block at a time) instead of walking them all
    one by one as it is built: 6 s for 64 bounded prefixes on the news, now 0.1 s."""

    def matcher(self, searcher, context=None):
        m = self.child.matcher(searcher, context)
        if isinstance(m, matching.NullMatcherClass):
            return m
        return matching.ConstantScoreWrapperMatcher(m, self.score)


class _And(query.And):
    """Whoosh's And, whose intersections position themselves only when walked
    (``whoosh_matches.LazyIntersection``)."""

    def _matcher(self, subs, searcher, context):
        r = searcher.reader()
        # The same tree as Whoosh's And builds (its weights: minus each size).
        return self._tree_matcher(
            subs, LazyIntersection, searcher, context, lambda q: 0 - q.estimate_size(r)
        )


class _DisMaxMatcher(matching.DisjunctionMaxMatcher):
    """Whoosh 2.7.4's takes the max of both sides even when one side is on another
    document, so every match scored as the best document; max over the current one only."""

    def score(self):
        doc = self.id()
        return max(m.score() for m in (self.a, self.b) if m.is_active() and m.id() == doc)


class _DisjunctionMax(query.DisjunctionMax):
    """DisjunctionMax scored by ``_DisMaxMatcher``."""

    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        size = lambda q: q.estimate_size(reader)  # noqa: E731 (as Whoosh's own _matcher)
        return self._tree_matcher(
            subs, _DisMaxMatcher, searcher, context, size, tiebreak=self.tiebreak
        )
