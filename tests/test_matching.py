from indexer.engines import querytree as qt
from service.matching import relaxed_tiers

A, B, C = qt.Term("a", "a"), qt.Term("b", "b"), qt.Term("c", "c")
FREQ = {"a": 500, "b": 5, "c": 50}


def frequency(node):
    return FREQ[node.exact]


def test_tiers_drop_the_most_frequent_word_first_then_or_everything():
    assert relaxed_tiers(qt.And((A, B, C)), frequency) == [
        qt.And((B, C)),
        B,
        qt.Or((A, B, C)),
    ]


def test_tiers_keep_the_exclusions():
    neg = qt.Not(qt.Term("x", "x"))
    tiers = relaxed_tiers(qt.And((A, B, neg)), frequency)
    assert tiers == [qt.And((B, neg)), qt.And((qt.Or((A, B)), neg))]


def test_a_single_word_or_an_or_has_no_partial_tiers():
    assert relaxed_tiers(A, frequency) == []
    assert relaxed_tiers(qt.Or((A, B)), frequency) == []
    assert relaxed_tiers(qt.And((qt.MatchAll(), qt.Not(A))), frequency) == []
