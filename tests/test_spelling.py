from indexer.analysis import stem
from indexer.engines import querytree as qt
from service.search.lexicon import Lexicon
from service.search.query import parse_query
from service.search.spelling import NAME_WEIGHT, TYPO_WEIGHT, correct, widen
from service.search.spelling import did_you_mean as respell

LEXICON = Lexicon(
    [("macron", 700), ("bayramov", 2), ("bairamov", 3), ("chine", 400), ("chinois", 300)],
    doc_count=1000,
)


def test_unknown_words_gain_their_corrections_at_a_lower_weight():
    tree = widen(parse_query("macorn"), LEXICON)
    assert tree == qt.Alternatives(
        (qt.Term("macorn", "macorn"), qt.Term("macron", "macron", TYPO_WEIGHT))
    )
    assert tree.children[1].via == "typo" and tree.children[1].typed == "macorn"


def test_rare_names_gain_their_variants():
    tree = widen(parse_query("Bayramov"), LEXICON)
    assert tree == qt.Alternatives(
        (qt.Term("bayramov", "bayramov"), qt.Term("bairamov", "bairamov", NAME_WEIGHT))
    )


def test_exclusions_phrases_and_known_words_are_left_as_typed():
    for q in ["chine", "-macorn chine", '"macorn chine"']:
        assert widen(parse_query(q), LEXICON) == parse_query(q)


def test_suggest_respells_words_the_index_lacks_however_many_results():
    assert respell("Emmanuel Macorn", 0, LEXICON) == "Emmanuel Macron"  # as typed: capital
    assert respell("Emmanuel Macorn", 50, LEXICON) == "Emmanuel Macron"
    assert respell("EMMANUEL MACORN", 0, LEXICON) == "EMMANUEL MACRON"
    assert respell("emmanuel macorn", 0, LEXICON) == "emmanuel macron"
    assert respell("chine", 0, LEXICON) is None
    assert respell("", 0, LEXICON) is None


def test_suggest_respells_a_known_rare_word_only_when_the_query_finds_little():
    lexicon = Lexicon([("macron", 700), ("macren", 2)], doc_count=1000)
    assert respell("macren", 2, lexicon) == "macron"
    assert respell("macren", 50, lexicon) is None


def test_typo_corrections_keep_only_the_nearest_frequent_spellings():
    lexicon = Lexicon([("macron", 700), ("macon", 40), ("micron", 300)], doc_count=1000)
    assert lexicon.corrections("macorn") == ["macron"]  # "macon" is as near, but rare


def test_suggest_never_offers_another_form_of_the_same_word():
    lexicon = Lexicon([("relations", 900), ("relation", 30), ("bilaterale", 3)], doc_count=1000)
    assert respell("relation bilaterale", 1, lexicon) is None  # relations: same stem


def test_suggest_leaves_stop_words_alone_though_the_index_never_holds_them():
    lexicon = Lexicon([("combine", 40), ("morts", 600), ("france", 900)], doc_count=1000)
    assert respell("Combien de morts en France ?", 600, lexicon) is None  # not "combine"
    assert respell("Combien de mrots en France ?", 0, lexicon) == "Combien de morts en France ?"


def test_name_keys_keep_the_ee_of_french_participles_apart():
    lexicon = Lexicon([("basee", 3), ("basse", 3), ("hassanov", 2), ("hasanov", 2)], 1000)
    assert lexicon.name_variants("basee") == []  # not "basse"
    assert lexicon.name_variants("hassanov") == ["hasanov"]


def test_less_used_corrections_weigh_less_than_the_most_used_one():
    lexicon = Lexicon([("merkel", 210), ("markle", 74), ("france", 900)], doc_count=1000)
    tree = widen(parse_query("Merkle"), lexicon)
    weights = {t.exact: t.weight for t in tree.children if t.via == "typo"}
    assert weights["merkel"] == TYPO_WEIGHT
    assert weights["markle"] == round(TYPO_WEIGHT * (74 / 210) ** 0.5, 3)


def test_suggest_picks_the_spelling_that_finds_most_with_the_rest_of_the_query():
    lexicon = Lexicon([("cooperation", 50), ("economie", 90), ("economique", 60)], doc_count=1000)
    assert respell("cooperation economiqe", 0, lexicon) == "cooperation economie"  # more used
    together = {"cooperation economie": 2, "cooperation economique": 30}
    assert respell("cooperation economiqe", 0, lexicon, together.get) == "cooperation economique"
    assert respell("cooperation economiqe", 0, lexicon, lambda q: 0) == "cooperation economie"


NEWS = Lexicon(
    [("macorn", 1), ("macron", 5074), ("retraites", 900), ("varron", 2), ("marron", 42)], 34160
)
TOGETHER = {"Macron retraites": 466, "Marron retraites": 30, "Macorn retraites": 1}.get


def together(q: str) -> int:
    return TOGETHER(q, 0)


def test_suggest_respells_a_typo_the_news_holds_when_the_respelling_finds_more():
    assert respell("Macorn retraites", 1612, NEWS, together) == "Macron retraites"
    assert respell("Macorn retraites", 1612, NEWS) is None  # nothing to check with
    assert respell("Macorn retraites", 1612, NEWS, lambda q: 4) is None  # finds little
    assert respell("Macorn retraites", 1612, NEWS, lambda q: 9) is None  # no more than typed


def test_suggest_leaves_a_rare_name_as_typed_next_to_a_word_not_far_more_used():
    assert respell("Varron retraites", 900, NEWS, together) is None  # 21 times


def test_suggest_keeps_the_fix_of_an_unknown_word_when_a_typo_fix_finds_nothing():
    assert respell("Macorn retraitse", 1612, NEWS, lambda q: 0) == "Macorn retraites"


def test_suggest_offers_the_index_s_spelling_of_a_name_before_a_typo_correction():
    lexicon = Lexicon([("poutine", 221), ("butin", 85), ("kremlin", 300)], doc_count=34160)
    assert respell("Putin", 110, lexicon) == "Poutine"
    counts = {"Poutine Kremlin": 40, "Butin Kremlin": 0}
    assert respell("Putin Kremlin", 110, lexicon, counts.get) == "Poutine Kremlin"


PUTIN = Lexicon([("poutine", 221), ("butin", 85), ("putain", 22), ("kremlin", 300)], 34160)


def test_a_word_with_a_name_variant_is_not_widened_to_words_one_edit_away():
    tree = widen(parse_query("Putin"), PUTIN)
    assert {t.exact for t in tree.children} == {"putin", "poutine"}  # not butin, putain


def test_a_correction_that_never_meets_the_other_words_is_dropped():
    lexicon = Lexicon([("merkel", 210), ("markle", 74), ("angela", 300)], doc_count=1000)
    meets = {"merkel": 150, "markle": 0}

    def count(tree):
        return min(meets.get(t.exact, 300) for t in qt.positive_leaves(tree))

    tree = correct(parse_query("Angela Merkle"), lexicon, count).expanded
    words = {leaf.exact for leaf in qt.positive_leaves(tree)}
    assert words == {"angela", "merkle", "merkel"}  # not markle: never with Angela


def test_a_misspelling_of_the_archive_is_respelt_first_when_that_finds_more():
    lexicon = Lexicon([("philipe", 2), ("philippe", 2436), ("edouard", 1600)], 34160)
    found = {"philipe": 4, "philippe": 1200}

    def count(tree):
        return min(found.get(t.exact, 1600) for t in qt.positive_leaves(tree))

    corrected = correct(parse_query("Edouard Philipe"), lexicon, count)
    assert corrected.intended == qt.And(
        (qt.Term("edouard", "edouard"), qt.Term(stem("philippe"), "philippe", 1.0, "typo"))
    )
    leaves = {leaf.exact for leaf in qt.positive_leaves(corrected.expanded)}
    assert {"philipe", "philippe"} <= leaves  # the typed form follows
    rare = {"philipe": 4, "philippe": 3}  # the respelling finds less: left as typed
    kept = correct(
        parse_query("Edouard Philipe"),
        lexicon,
        lambda t: min(rare.get(x.exact, 1600) for x in qt.positive_leaves(t)),
    )
    assert kept.intended == parse_query("Edouard Philipe")


def test_a_word_typed_with_a_capital_is_corrected_to_a_name_where_one_is_as_near():
    lexicon = Lexicon([("bien", 8000), ("biden", 600), ("france", 900)], doc_count=34160)
    names = {"biden", "france"}.__contains__
    typed = widen(parse_query("Biedn"), lexicon, is_name=names)
    assert {t.exact for t in typed.children if t.via == "typo"} == {"biden"}
    lower = widen(parse_query("biedn"), lexicon, is_name=names)  # no capital: the most used
    assert {t.exact for t in lower.children if t.via == "typo"} == {"bien"}
    forms = {"bien": "bien", "biden": "Biden"}
    assert respell("Biedn", 0, lexicon, written=lambda ws: {w: forms[w] for w in ws}) == "Biden"
