"""Runs (indexer.runs): cutting a text into runs first changes no word, term or country.

The words, index terms and countries of a text are computed per run and put together;
these properties check them against the whole-text computation, on any Unicode (dashes,
apostrophes of every kind, NBSP, surrogates, digits of any script).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer import countries as c
from indexer.analysis import WORD, analyze, analyze_words
from indexer.articles import Article
from indexer.engines.fields import article_fields
from indexer.engines.tantivy import prepare
from indexer.runs import Vocabulary, cut, run_text, runs, shared_vocabulary
from indexer.sources import SURROGATE

pytestmark = pytest.mark.filterwarnings("ignore:Surrogate character:RuntimeWarning:unidecode")

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PIECES = [
    "l’Azerbaïdjan", "l'État", "Royaume-Uni", "sino-russe", "franco–allemand", "Franco-",
    "Corée du Sud", "la Réunion", "La Réunion", "une réunion", "Nouveau-Mexique", "Pays-Bas",
    "Côte d’Ivoire", "Chine", "CHINOIS", "aujourd'hui", "qu’il", "2024", "½", "ﬁ", "ß", "北京",
    "-", "'", "’", "‐", "—", "\u00a0", "\u200b", "\u00ad", "\ud800", "€", "o", "O", " ", "\n",
]  # fmt: skip
texts = st.lists(
    st.sampled_from(PIECES) | st.text(st.characters(exclude_categories=()), max_size=4),
    max_size=30,
).map("".join)
# What the corpus reader lets through: lone surrogates replaced (sources._repaired).
readable = texts.map(lambda text: SURROGATE.sub("\ufffd", text))


def test_runs_cut_at_ascii_punctuation_and_spaces_only():
    assert [run_text(r) for r in runs("Pékin, l’État (sino-russe)… l'Inde\u00a0!")] == [
        "Pékin",
        "l’État",
        "sino-russe",
        "…",
        "l'Inde\u00a0",
    ]


@FUZZ
@given(texts)
def test_words_of_the_runs_are_the_words_of_the_text(text):
    assert [w for r in runs(text) for w in WORD.findall(run_text(r))] == WORD.findall(text)


@FUZZ
@given(readable, readable)
def test_tantivy_terms_from_runs_are_the_analyzer_terms(title, text):
    p = prepare(Article(id="a", text=text, title=title))
    assert p.title.split() == analyze(title)
    assert p.body.split() == analyze(text)
    assert p.exact.split() == analyze(title, stemmed=False) + analyze(text, stemmed=False)


def _whole_text_countries(text: str) -> tuple[str, ...]:
    """The country search on the whole folded text, word by word, as it was before runs."""
    folded = c._fold(text)
    words = c._WORD.findall(folded)
    found: set[str] = set()
    next_free = 0
    for index, word in enumerate(words):
        if word in c._SIZES and index >= next_free:
            next_free = index + c._match(words, index, found)
    if "o-" in folded or "O-" in folded:
        codes = (c._PREFIX_CODES.get(prefix.lower()) for prefix in c._PREFIXED.findall(folded))
        found.update(code for code in codes if code)
    return tuple(sorted(found))


@FUZZ
@given(texts)
def test_countries_from_runs_are_those_of_the_whole_text(text):
    assert c.find_countries(text) == _whole_text_countries(text)


@pytest.mark.parametrize(
    "text",
    [
        "les relations sino-azerbaïdjanaises",
        "un accord franco\u2013allemand et germano-russe",
        "la Réunion, la Dominique et la Grenade ; le Salvador, au Salvador",
        "la « Réunion », la réunion du Sud, LA GRENADE, la",
        "Corée du Sud, Nouveau-Mexique, Pays-Bas, New Jersey, la Saint-Barthélemy",
        "Guinée équatoriale, Papouasie-Nouvelle-Guinée, la Côte d’Ivoire, l’État de Géorgie",
    ],
)
def test_countries_from_runs_on_names_that_span_runs(text):
    assert c.find_countries(text) == _whole_text_countries(text)
    assert c.find_countries(text)  # each names at least one country


def test_vocabulary_numbers_each_run_once_and_computes_columns_for_new_runs_only():
    calls = []
    vocabulary = Vocabulary()
    upper = lambda new: calls.append(list(new)) or [r.upper() for r in new]  # noqa: E731
    numbers = list(map(vocabulary.numbers.__getitem__, runs("a b a")))
    assert numbers == [0, 1, 0] and vocabulary.runs == [b"a", b"b"]
    assert list(map(vocabulary.column(upper).__getitem__, numbers)) == [b"A", b"B", b"A"]
    vocabulary.numbers[b"c"]
    assert vocabulary.column(upper) == [b"A", b"B", b"C"]
    assert calls == [[b"a", b"b"], [b"c"]]  # each batch of new runs at once, each run once


def test_vocabulary_columns_split_tuples_and_refuse_a_wrong_count():
    vocabulary = Vocabulary()
    vocabulary.numbers[b"ab"]
    assert vocabulary.columns(lambda new: [(r, len(r)) for r in new], 2) == ([b"ab"], [2])
    with pytest.raises(ValueError):
        vocabulary.column(lambda new: [])


def test_a_build_numbers_texts_in_one_vocabulary_and_starts_a_new_one_when_full(monkeypatch):
    import indexer.runs as r

    monkeypatch.setattr(r, "MAX_RUNS", 3)
    with shared_vocabulary():
        first = cut("un deux", "deux trois quatre")  # grows past the bound within one cut
        assert first.numbers == ([0, 1], [1, 2, 3])
        second = cut("cinq")  # the next cut starts over
        assert second.vocabulary is not first.vocabulary and second.numbers == ([0],)
        assert first.vocabulary.runs == [b"un", b"deux", b"trois", b"quatre"]  # still whole
        assert cut("six").vocabulary is cut("sept").vocabulary  # one, shared


def test_outside_a_build_a_cut_keeps_nothing_for_the_next():
    """A service cuts queries and written articles: no vocabulary grows for its life."""
    first, second = cut("un deux"), cut("trois deux")
    assert first.vocabulary is not second.vocabulary
    assert second.numbers == ([0, 1],) and second.vocabulary.runs == [b"trois", b"deux"]


@FUZZ
@given(readable, readable)
def test_fields_from_runs_are_the_words_of_the_text(title, text):
    fields = article_fields(Article(id="a", text=text, title=title))
    words = analyze_words(text)
    assert fields.title == analyze(title)
    assert fields.body == [w[1] for w in words]
    assert fields.exact == analyze(title, stemmed=False) + [w[0] for w in words]


def test_threads_numbering_the_same_runs_get_one_number_each():
    from concurrent.futures import ThreadPoolExecutor

    vocabulary = Vocabulary()
    texts = [" ".join(f"mot{(i * 7 + j) % 500}" for j in range(400)) for i in range(40)]

    def number(text):
        return [vocabulary.numbers[r] for r in runs(text)]

    with ThreadPoolExecutor(4) as pool:
        numbered = list(pool.map(number, texts))
    assert sorted(vocabulary.runs) == sorted(set(vocabulary.runs))  # no run numbered twice
    assert len(vocabulary.runs) == 500
    for text, numbers in zip(texts, numbered, strict=True):
        assert [vocabulary.runs[n] for n in numbers] == list(runs(text))
