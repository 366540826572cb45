import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.analysis import (
    STEM_CHAIN,
    WORD,
    analyze,
    analyze_word,
    analyze_words,
    elided_length,
    fold,
    fold_stem,
    is_stopword,
    join_families,
    kept_terms,
    kept_word,
    mend_ending,
    open_letters,
    snowball,
    stem,
    word_terms,
)
from tests.conftest import ROOT


@pytest.mark.parametrize(
    "text, terms",
    [
        ("l’Azerbaïdjan", ["azerbaidjan"]),
        ("l'Azerbaïdjan", ["azerbaidjan"]),
        ("lʼAzerbaïdjan", ["azerbaidjan"]),
        ("AZERBAÏDJAN", ["azerbaidjan"]),
        ("azerbaidjan", ["azerbaidjan"]),
        ("œuvre", ["oeuvr"]),
        ("oeuvre", ["oeuvr"]),
        ("ŒUVRE", ["oeuvr"]),
        ("coopération", ["cooper"]),
        ("cooperation", ["cooper"]),
        ("relations", ["relat"]),
        ("relation", ["relat"]),
        ("chinoise", ["chinois"]),
        ("chinois", ["chinois"]),
        ("Pékin", ["pekin"]),
        ("Pekin", ["pekin"]),
        ("jusqu’à Bakou", ["bakou"]),
        ("qu'il", []),  # "il" is a stop word once "qu'" is elided
        ("presqu’île", ["ile"]),
        ("d’État", ["etat"]),
        ("an us", ["an", "us"]),  # English stop words are French words here
        ("la Ceinture et la Route", ["ceintur", "rout"]),
        ("sino-azerbaïdjanaises", ["sino", "azerbaidjan"]),
        ("Æsop", ["aesop"]),
        ("COVID-19", ["covid", "19"]),
        ("l’Éloignée", ["eloign"]),
        ("Europe de l'Est", ["europ", "est"]),
        ("les avions de chasse", ["avion", "chass"]),
        ("le maïs, mais", ["mais"]),
    ],
)
def test_french_analyzer_terms(text, terms):
    assert analyze(text) == terms


def test_stem_stages_run_in_a_fixed_order():
    # Snowball reads the form it was written for, so it comes before folding, and the
    # ending of a word typed without accents is mended before it.
    assert [stage.__name__ for stage in STEM_CHAIN] == [
        "open_letters",
        "mend_ending",
        "snowball",
        "fold_stem",
        "join_families",
    ]
    word = "eloignee"
    for stage in STEM_CHAIN:
        word = stage(word)
    assert word == stem("eloignee") == stem("éloignée") == "eloign"


@pytest.mark.parametrize(
    "stage, given, expected",
    [
        (elided_length, "l’Azerbaïdjan", 2),
        (elided_length, "jusqu'à", 6),
        (elided_length, "aujourd'hui", 0),
        (is_stopword, "mais", True),
        (is_stopword, "maïs", False),
        (open_letters, "œuvre", "oeuvre"),
        (open_letters, "maïs", "mais"),
        (open_letters, "après", "apres"),
        (open_letters, "éloignée", "éloignée"),
        (open_letters, "aujourd'hui", "aujourdhui"),
        (mend_ending, "eloignee", "eloignée"),
        (mend_ending, "éloignée", "éloignée"),
        (mend_ending, "heritiere", "heritière"),
        (mend_ending, "pleurerent", "pleurèrent"),
        (mend_ending, "different", "different"),
        (mend_ending, "securite", "securité"),
        (mend_ending, "explicite", "explicite"),
        (mend_ending, "employe", "employé"),
        (snowball, "éloignée", "éloign"),
        (fold, "Œuvre", "oeuvre"),
        (fold, "Pékin 2024", "pekin2024"),
        (fold_stem, "éloign", "eloign"),
        (join_families, "identifi", "identif"),
    ],
)
def test_each_stage_does_what_its_docstring_shows(stage, given, expected):
    assert stage(given) == expected


def test_the_chain_stops_words_as_written_and_stems_before_folding():
    # Elision before the stop list, the stop list before folding, stemming before folding.
    assert word_terms("qu’il") is None
    assert word_terms("mais") is None and word_terms("maïs") == (0, "mais", "mais")
    assert word_terms("l’Éloignée") == (2, "eloignee", "eloign")
    assert analyze_word("éloigné") == analyze_word("éloignée") == "eloign"
    assert analyze_word("mai") != analyze_word("maïs")


def test_stop_words_are_checked_as_written():
    assert analyze("à a où ou mais pas") == []
    assert analyze("maïs sûr né dû été est son sommes avions ton") == [
        "mais",
        "sur",
        "ne",
        "du",
        "ete",
        "est",
        "son",
        "somm",
        "avion",
        "ton",
    ]


def test_words_keep_offsets_into_the_original_text():
    text = "Le chef de l’État azerbaïdjanais"
    assert [(s, text[a:b]) for _, s, a, b in analyze_words(text)] == [
        ("chef", "chef"),
        ("etat", "État"),
        ("azerbaidjan", "azerbaïdjanais"),
    ]


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=40))
def test_every_reading_of_a_text_is_the_one_chain(text):
    words = analyze_words(text)
    kept = [w for w in WORD.findall(text) if word_terms(w)]
    assert analyze(text) == [s for _, s, _, _ in words] == list(kept_terms(text)[0])
    assert analyze(text, stemmed=False) == [e for e, _, _, _ in words]
    assert [kept_word(w) for w in kept] == [text[a:b] for _, _, a, b in words]
    assert all(stem(e) == stem(e.upper()) for e, _, _, _ in words)


@pytest.mark.parametrize("module", ["indexer.analysis", "indexer.engines.tantivy"])
def test_the_analysis_and_the_tantivy_engine_do_not_import_whoosh(module):
    code = f"import sys, {module}; assert 'whoosh' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
