import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.analysis import (
    WORD,
    analyze,
    analyze_word,
    analyze_words,
    elided_length,
    fold,
    is_stopword,
    kept_terms,
    kept_word,
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
    ],
)
def test_french_analyzer_terms(text, terms):
    assert analyze(text) == terms


@pytest.mark.parametrize(
    "stage, given, expected",
    [
        (elided_length, "l’Azerbaïdjan", 2),
        (elided_length, "jusqu'à", 6),
        (elided_length, "aujourd'hui", 0),
        (fold, "Œuvre", "oeuvre"),
        (is_stopword, "a", True),
        (stem, "relations", "relat"),
    ],
)
def test_each_stage_does_what_its_docstring_shows(stage, given, expected):
    assert stage(given) == expected


def test_the_chain_elides_then_folds_then_stops_then_stems():
    assert word_terms("qu’il") is None  # elision before the stop list
    assert analyze("à a été ete") == []  # the stop list on the folded form
    assert word_terms("l’Économie") == (2, "economie", "econom")
    assert analyze_word("coopération") == analyze_word("cooperation") == "cooper"


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


@pytest.mark.parametrize("module", ["indexer.analysis", "indexer.engines.tantivy"])
def test_the_analysis_and_the_tantivy_engine_do_not_import_whoosh(module):
    code = f"import sys, {module}; assert 'whoosh' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
