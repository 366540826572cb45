"""Spelling help on the archive: the intended word proposed, and no stray corrections."""

from __future__ import annotations

import pytest

from tests.archive.checks import holds


@pytest.mark.parametrize(
    "q, suggestion",
    [
        ("Emmanuel Macorn", "Emmanuel Macron"),
        ("Edouard Philipe", "Edouard Philippe"),
        ("Putin", "Poutine"),
        ("Lukashenko", "Loukachenko"),
        ("Castanner", "Castaner"),
        ("Greta Tunberg", "Greta Thunberg"),
        ("Nicolas Sarkosy", "Nicolas Sarkozy"),
        ("Christophe Castaner", None),  # well spelt: nothing to propose
        ("Emmanuel Macron", None),
        ("Poutine", None),
        ("retraites", None),
    ],
)
def test_vouliez_vous_dire_proposes_the_intended_spelling(archive, q, suggestion):
    assert archive.search(q=q, per_page=1)["suggestion"] == suggestion


@pytest.mark.parametrize(
    "q, word, stray",
    [
        ("Putin", r"poutine|putin", r"\bbutin\b|\bputain\b"),
        ("Gorbachev", r"gorbatchev|gorbachev", None),
        ("Edouard Philipe", r"philippe|philipe|phillipe", r"philip kerr|prince philip"),
    ],
)
def test_no_hit_comes_from_an_unrelated_word_one_letter_away(archive, q, word, stray):
    body = archive.search(q=q, per_page=100)
    articles = [a for a in body["articles"] if a is not None]
    assert all(holds(a, word) for a in articles), [a.title for a in articles if not holds(a, word)]
    if stray:
        assert not [a.title for a in articles if holds(a, stray)]


def test_the_page_says_vouliez_vous_dire(archive):
    page = archive.client.get("/", query_string={"q": "Edouard Philipe"}).get_data(as_text=True)
    assert "Vouliez-vous dire" in page and "Edouard Philippe" in page
