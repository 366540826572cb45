from indexer.engines import querytree as qt
from service.search.tiers import relaxed

A, B, C = qt.Term("a", "a"), qt.Term("b", "b"), qt.Term("c", "c")


def test_partial_matches_are_the_words_ored():
    assert relaxed(qt.And((A, B, C))) == qt.Or((A, B, C))


def test_partial_matches_keep_the_exclusions():
    neg = qt.Not(qt.Term("x", "x"))
    assert relaxed(qt.And((A, B, neg))) == qt.And((qt.Or((A, B)), neg))


def test_a_single_word_or_an_or_has_no_partial_tier():
    assert relaxed(A) is None
    assert relaxed(qt.Or((A, B))) is None
    assert relaxed(qt.And((qt.MatchAll(), qt.Not(A)))) is None
