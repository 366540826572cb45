"""The engine-neutral query tree as tantivy queries (``to_tantivy``), on the fields of
``tantivy.make_schema``: the same matches and BM25 as the Whoosh engine's translation.

    Term       title and body (stems) and exact (folded word), each weighted
    Phrase     title and body, positions
    Prefix     exact: its bounded words (a term set), or a regex over every word
    And, Or    Must and Should; Alternatives: dis-max, its best spelling
    Not        MustNot beside everything
"""

from __future__ import annotations

import threading

import tantivy
from tantivy import Occur, Query

from . import querytree as qt

_REGEX_META = set(r"\.+*?()|[]{}^$#&-~")
_ID_SETS: dict[tuple[int, tuple[str, ...]], tuple[tantivy.Schema, Query]] = {}
_ID_SETS_KEPT = 2  # the copies' members of the last generations
_ID_SETS_LOCK = threading.Lock()


def to_tantivy(node: qt.Node, schema: tantivy.Schema, keep_id_sets: bool = False) -> Query:
    """Translate the engine-neutral tree into a tantivy query (``keep_id_sets``: its
    long lists of ids will be asked again, keep their sets; see ``_id_set``)."""
    if isinstance(node, qt.Term):
        return _weighted(
            {
                "title": Query.term_query(schema, "title", node.stem),
                "body": Query.term_query(schema, "body", node.stem),
                "exact": Query.term_query(schema, "exact", node.exact),
            },
            node.weight,
        )
    if isinstance(node, qt.Phrase):
        if len(node.stems) == 1:
            return to_tantivy(qt.Term(node.stems[0], node.exacts[0]), schema)
        return _weighted(
            {
                "title": Query.phrase_query(schema, "title", list(node.stems)),
                "body": Query.phrase_query(schema, "body", list(node.stems)),
            }
        )
    if isinstance(node, qt.Prefix):
        if node.words is not None:  # constant score, as the regex query scores
            return Query.term_set_query(schema, "exact", list(node.words))
        return Query.regex_query(schema, "exact", _regex_escape(node.prefix) + ".*")
    if isinstance(node, qt.And):
        return _and_not(node, schema, keep_id_sets)
    if isinstance(node, qt.Or):
        return Query.boolean_query([(Occur.Should, to_tantivy(c, schema)) for c in node.children])
    if isinstance(node, qt.Alternatives):  # scores as its best spelling, never their sum
        return Query.disjunction_max_query([to_tantivy(c, schema) for c in node.children])
    if isinstance(node, qt.Not):
        return _without(Query.all_query(), [to_tantivy(node.child, schema)])
    if isinstance(node, qt.Ids):
        return _id_set(node.ids, schema, keep_id_sets)
    if isinstance(node, qt.Written):
        words = [Query.term_query(schema, "written", w) for w in node.words]
        return Query.const_score_query(_all_of(words), 0.0)
    if isinstance(node, qt.Bands):
        bands = Query.term_set_query(schema, "copyband", list(node.bands))
        return Query.const_score_query(bands, 0.0)
    return Query.all_query()


def _weighted(by_field: dict[str, Query], weight: float = 1.0) -> Query:
    """Any of the fields, each scaled by its FIELD_WEIGHTS and ``weight`` (a Term's)."""
    clauses = []
    for field, query in by_field.items():
        boost = qt.FIELD_WEIGHTS[field] * weight
        clauses.append((Occur.Should, query if boost == 1.0 else Query.boost_query(query, boost)))
    return Query.boolean_query(clauses)


def _and_not(node: qt.And, schema: tantivy.Schema, keep_id_sets: bool = False) -> Query:
    """An And: every positive child must match, and no Not child (tantivy's MustNot)."""
    positives = [
        to_tantivy(c, schema, keep_id_sets) for c in node.children if not isinstance(c, qt.Not)
    ]
    excluded = [to_tantivy(c.child, schema) for c in node.children if isinstance(c, qt.Not)]
    if not positives:  # MustNot alone matches nothing in tantivy
        positives = [Query.all_query()]
    query = positives[0] if len(positives) == 1 else _all_of(positives)
    return _without(query, excluded) if excluded else query


def _all_of(queries: list[Query]) -> Query:
    return Query.boolean_query([(Occur.Must, q) for q in queries])


def _without(query: Query, excluded: list[Query]) -> Query:
    clauses = [(Occur.Must, query)] + [(Occur.MustNot, q) for q in excluded]
    return Query.boolean_query(clauses)


def _regex_escape(text: str) -> str:
    """Escape tantivy (Rust) regex syntax; folded prefixes are [a-z0-9], but be safe."""
    return "".join("\\" + ch if ch in _REGEX_META else ch for ch in text)


def _id_set(ids: tuple[str, ...], schema: tantivy.Schema, keep: bool) -> Query:
    """The documents of these ids, scored 0. The last lists of many ids asked to be
    ``keep`` are kept: the copies' pass asks for the same members (one list per index
    generation) in every search, and a term set of 68,000 ids costs tantivy 14 ms to
    build; a search's own lists (its hidden copies, counted once) are not."""
    if not keep or len(ids) < 1_000:
        return Query.const_score_query(Query.term_set_query(schema, "id", list(ids)), 0.0)
    key = (id(schema), ids)  # the schema is kept with its query: its id stays its own
    with _ID_SETS_LOCK:
        kept = _ID_SETS.pop(key, None)
        if kept is not None:  # the last used stay: one search's other lists come and go
            _ID_SETS[key] = kept
            return kept[1]
    query = Query.const_score_query(Query.term_set_query(schema, "id", list(ids)), 0.0)
    with _ID_SETS_LOCK:
        while len(_ID_SETS) >= _ID_SETS_KEPT:
            del _ID_SETS[next(iter(_ID_SETS))]
        _ID_SETS[key] = (schema, query)
    return query
