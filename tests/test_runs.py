"""Runs (indexer.runs): cutting a text into runs first changes no word and no term.

The words and index terms of a text are computed per run and concatenated; these
properties check them against the whole-text analysis, on any Unicode (dashes,
apostrophes of every kind, NBSP, surrogates, digits of any script).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.analysis import WORD, analyze
from indexer.articles import Article
from indexer.engines.tantivy import prepare
from indexer.runs import RunTable, run_text, runs
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


def test_run_table_computes_each_run_once_and_stays_bounded():
    calls = []
    table = RunTable(lambda text: calls.append(text) or text.upper(), max_size=2)
    assert list(map(table.__getitem__, runs("a b a"))) == ["A", "B", "A"]
    assert calls == ["a", "b"]
    table[b"c"]  # a third run: the table starts over
    assert len(table) == 1 and calls == ["a", "b", "c"]
