import pytest

from indexer.analysis import (
    ElisionFilter,
    FoldFilter,
    FrenchStemFilter,
    FrenchTokenizer,
    PreAnalyzedTokenizer,
    analyze,
    analyze_spans,
    analyze_words,
    exact_analyzer,
    french_analyzer,
)


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
        ("qu'il", ["il"][:0]),  # "il" is a stop word once "qu'" is elided
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


def test_stages_run_in_a_fixed_order():
    stages = [type(item) for item in french_analyzer().items]
    names = [s.__name__ for s in stages]
    assert stages[0] is FrenchTokenizer
    assert names == [
        "FrenchTokenizer",
        "ElisionFilter",
        "LowercaseFilter",
        "FoldFilter",
        "StopFilter",
        "FrenchStemFilter",
    ]
    assert names.index(FoldFilter.__name__) < names.index("StopFilter")
    assert names.index(ElisionFilter.__name__) < names.index(FrenchStemFilter.__name__)


def test_stop_words_are_folded_so_accented_and_plain_forms_stop_alike():
    assert analyze("à a été ete") == []


def test_tokens_keep_offsets_into_the_original_text():
    text = "Le chef de l’État azerbaïdjanais"
    spans = analyze_spans(text)
    assert [(t, text[s:e]) for t, _, s, e in spans] == [
        ("chef", "chef"),
        ("etat", "État"),
        ("azerbaidjan", "azerbaïdjanais"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Le chef de l’État azerbaïdjanais a salué l'œuvre jusqu’à Pékin.",
        "ÉCONOMIE : les échanges sino-azerbaïdjanais ont crû de 20 % en 2023 !",
        "Æ ǅ ﬁ 北京 — « citation » l' d’ qu’",
    ],
)
def test_fused_word_analysis_agrees_with_the_chain(text):
    fused = analyze_words(text)
    assert [(stem, s, e) for _, stem, s, e in fused] == [
        (t, s, e) for t, _, s, e in analyze_spans(text)
    ]
    assert [exact for exact, *_ in fused] == analyze(text, stemmed=False)


@pytest.mark.parametrize("stemmed", [True, False])
def test_pre_analyzed_tokenizer_indexes_the_same_terms_as_the_chain(stemmed):
    text = "Les relations sino-azerbaïdjanaises de l’Œuvre, jusqu’à Pékin."
    tokenizer = PreAnalyzedTokenizer(stemmed=stemmed)
    from_text = [(t.text, t.pos) for t in tokenizer(text, positions=True)]
    chain = french_analyzer() if stemmed else exact_analyzer()
    expected = [t.text for t in chain(text)]
    assert [term for term, _ in from_text] == expected
    assert [pos for _, pos in from_text] == list(range(len(expected)))
    terms = list(expected)
    assert [t.text for t in tokenizer(terms)] == terms  # a pre-analysed list passes through
