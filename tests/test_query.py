import pytest

from indexer.engines.querytree import (
    Alternatives,
    And,
    MatchAll,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    positive_leaves,
)
from service.config import DEFAULT_CONFIG, load_config
from service.errors import QueryError
from service.search.query import Synonyms, parse_query

CHINE = Term("chin", "chine")
RUSSIE = Term("russ", "russie")


@pytest.mark.parametrize(
    "text, tree",
    [
        ("", MatchAll()),
        ("   ", MatchAll()),
        ("Chine", CHINE),
        ("chine russie", And((CHINE, RUSSIE))),
        ("chine OR russie", Or((CHINE, RUSSIE))),
        ("chine or russie", And((CHINE, Term("or", "or"), RUSSIE))),  # "or" is French gold
        ("chine OU russie", Or((CHINE, RUSSIE))),
        ("chine AND russie", And((CHINE, RUSSIE))),
        ("chine ET russie", And((CHINE, RUSSIE))),
        ("chine NOT russie", And((CHINE, Not(RUSSIE)))),
        ("chine SAUF russie", And((CHINE, Not(RUSSIE)))),
        ("SAUF russie", And((MatchAll(), Not(RUSSIE)))),
        ("(chine OU russie) SAUF gaz", And((Or((CHINE, RUSSIE)), Not(Term("gaz", "gaz"))))),
        ("chine not russie", And((CHINE, Term("not", "not"), RUSSIE))),  # lower case: words
        ("chine sauf russie", And((CHINE, Term("sauf", "sauf"), RUSSIE))),
        ("chine And russie", And((CHINE, Term("and", "and"), RUSSIE))),
        ('"chine AND russie"', Phrase(("chin", "and", "russ"), ("chine", "and", "russie"))),
        ("-NOT chine", And((Not(Term("not", "not")), CHINE))),  # "-" excludes the word
        ("chine AND", CHINE),
        ("chine NOT", CHINE),
        ("chine -russie", And((CHINE, Not(RUSSIE)))),
        ("-russie", And((MatchAll(), Not(RUSSIE)))),
        ('"relations bilatérales"', Phrase(("relat", "bilateral"), ("relations", "bilaterales"))),
        ('"relations bilatérales', Phrase(("relat", "bilateral"), ("relations", "bilaterales"))),
        ("multilat*", Prefix("multilat")),
        ("(chine OR russie) gaz", And((Or((CHINE, RUSSIE)), Term("gaz", "gaz")))),
        ("(chine OR russie", Or((CHINE, RUSSIE))),
        ("chine OR", CHINE),
        ("OR chine", CHINE),
        ("chine )", CHINE),
        ("l’Azerbaïdjan", Term("azerbaidjan", "azerbaidjan")),
        ("la le les", MatchAll()),
        ("sino-azerbaïdjanaises", Phrase(("sino", "azerbaidjan"), ("sino", "azerbaidjanaises"))),
        ("“relations bilatérales”", Phrase(("relat", "bilateral"), ("relations", "bilaterales"))),
    ],
)
def test_parse_query_builds_the_tree(text, tree):
    assert parse_query(text) == tree


@pytest.mark.parametrize(
    "text, message",
    [
        ("a*", "préfixe inutilisable"),
        ("*", "préfixe inutilisable"),
        ("de*", "mot vide"),
        ("x" * 1001, "trop longue"),
        ("(" * 30 + "chine", "trop imbriquée"),
        (" ".join(f"mot{i}" for i in range(70)), "trop complexe"),
        ("chine OR -russie", "exclusion"),
        ("chine OU NOT russie", "exclusion"),
    ],
)
def test_parse_query_rejects_what_it_cannot_answer(text, message):
    with pytest.raises(QueryError, match=message):
        parse_query(text)


SYNONYMS = Synonyms([["la Ceinture et la Route", "Belt and Road", "nouvelles routes de la soie"]])
BELT = Phrase(("belt", "and", "road"), ("belt", "and", "road"))
SOIE = Phrase(("nouvel", "rout", "soi"), ("nouvelles", "routes", "soie"))


def test_synonyms_widen_a_run_of_words_into_the_group():
    typed = And((Term("ceintur", "ceinture"), Term("rout", "route")))
    assert parse_query("Ceinture et la Route", SYNONYMS) == Alternatives((typed, BELT, SOIE))


def test_synonyms_keep_the_other_words_of_the_query():
    tree = parse_query('chine "belt and road"', SYNONYMS)
    ceinture = Phrase(("ceintur", "rout"), ("ceinture", "route"))
    assert tree == And((CHINE, Alternatives((BELT, ceinture, SOIE))))


@pytest.mark.parametrize(
    "typed, also",
    [
        ("Gaddafi", "kadhafi"),  # the English spelling finds the French one
        ("Khadafi", "kadhafi"),
        ("Daech", "islamique"),  # and the group's other names
        ("Beijing", "pekin"),
    ],
)
def test_the_default_synonym_groups_join_the_names_of_the_news(typed, also):
    groups = Synonyms(load_config(DEFAULT_CONFIG, environ={}).synonyms)
    words = {
        word
        for leaf in positive_leaves(parse_query(typed, groups))
        for word in (leaf.exacts if isinstance(leaf, Phrase) else (leaf.exact,))
    }
    assert also in words


def test_synonyms_do_not_apply_to_excluded_words():
    assert parse_query("-belt and road", SYNONYMS) == And(
        (Not(Term("belt", "belt")), Term("and", "and"), Term("road", "road"))
    )


def test_a_quoted_phrase_keeps_its_words_as_written():
    phrase = parse_query('"la République en marche"')
    assert phrase.written == ("république", "marche")  # kept words, accents as typed
    assert parse_query('"Marché"').written == ("marché",)
    assert parse_query("marché").written == ()  # unquoted: accents never count
