"""Bounded expansion: the words a query's prefixes stand for, the most frequent first.

A prefix matches every word of the index that starts like it: "re*" starts thousands
of words of the news, and 64 such prefixes in one query held Whoosh for 25 s. As
Lucene's top-terms rewrite and Elasticsearch's ``max_expansions`` do, each prefix
stands for its ``MAX_PREFIX_WORDS`` most frequent words (the snapshot's lexicon), and
all the prefixes of a query for ``MAX_EXPANSIONS`` words at most, shared among them::

    bound_prefixes(Prefix("multilat"), lexicon)
    -> Prefix("multilat", words=("multilateral", "multilaterale", "multilateralisme", ...))

A word past the bound is not found through the prefix; the passages mark only the
words the prefix stands for. Spelling corrections are bounded in ``spelling``.
"""

from __future__ import annotations

from indexer.engines import querytree as qt

from .lexicon import Lexicon

MAX_PREFIX_WORDS = 50  # as Elasticsearch's max_expansions
MAX_EXPANSIONS = 200  # for all the prefixes of a query


def bound_prefixes(tree: qt.Node, lexicon: Lexicon) -> qt.Node:
    """The tree with each prefix bounded to its most frequent words."""
    count = sum(1 for _ in _prefixes(tree))
    if not count:
        return tree
    each = max(1, min(MAX_PREFIX_WORDS, MAX_EXPANSIONS // count))
    return _bounded(tree, lexicon, each)


def _prefixes(node: qt.Node):
    if isinstance(node, qt.Prefix):
        yield node
    elif isinstance(node, qt.And | qt.Or | qt.Alternatives):
        for child in node.children:
            yield from _prefixes(child)
    elif isinstance(node, qt.Not):
        yield from _prefixes(node.child)


def _bounded(node: qt.Node, lexicon: Lexicon, each: int) -> qt.Node:
    if isinstance(node, qt.Prefix):
        return qt.Prefix(node.prefix, tuple(lexicon.complete(node.prefix, each)))
    if isinstance(node, qt.And | qt.Or | qt.Alternatives):
        return type(node)(tuple(_bounded(c, lexicon, each) for c in node.children))
    if isinstance(node, qt.Not):
        return qt.Not(_bounded(node.child, lexicon, each))
    return node
