import pytest

from indexer.analysis import analyze
from indexer.engines.whoosh_schema import PreAnalyzedTokenizer


@pytest.mark.parametrize("stemmed", [True, False])
def test_pre_analyzed_tokenizer_indexes_the_terms_of_the_analysis(stemmed):
    text = "Les relations sino-azerbaïdjanaises de l’Œuvre, jusqu’à Pékin."
    tokenizer = PreAnalyzedTokenizer(stemmed=stemmed)
    from_text = [(t.text, t.pos) for t in tokenizer(text, positions=True)]
    expected = analyze(text, stemmed=stemmed)
    assert [term for term, _ in from_text] == expected
    assert [pos for _, pos in from_text] == list(range(len(expected)))
    assert [t.text for t in tokenizer(list(expected))] == expected  # a list passes through
