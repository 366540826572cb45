"""What the engines index beside the terms: words as written, title phrases, copy bands."""

import pytest

from indexer import copies
from indexer.runs import cut
from indexer.written import phrase_key, phrase_words, phrases, written_form, written_words
from tests.test_copies import DISPATCH, OTHER, UPDATE


@pytest.mark.parametrize(
    "word, form",
    [
        ("marché", "marché"),
        ("Marche", "marche"),
        ("l'Élysée", "elysée"),  # elision stripped, a capital's accent folded
        ("État", "etat"),
        ("Etat", "etat"),
        ("aujourd’hui", "aujourd'hui"),
        ("les", None),  # a stop word
    ],
)
def test_a_word_is_indexed_as_written_but_for_case_and_its_first_letter(word, form):
    assert written_form(word) == form


def test_the_words_as_written_follow_the_kept_words_of_title_and_text():
    assert written_words(cut("Marché de Noël", "La République en marche.")) == [
        "marché",
        "noël",
        "république",
        "marche",
    ]


def test_a_title_gives_its_runs_of_two_and_three_words_stop_words_included():
    found = phrases(cut("Incendie à Notre-Dame", "Le texte ne compte pas."))
    assert found == [
        "2:a_notre",
        "2:incendie_a",
        "2:notre_dame",
        "3:a_notre_dame",
        "3:incendie_a_notre",
    ]
    assert phrase_words(phrase_key(["notre", "dame"])) == ("notre", "dame")


def test_a_dispatch_and_its_update_share_bands_and_an_unrelated_text_none():
    dispatch, update, other = (cut("", t) for t in (DISPATCH, UPDATE, OTHER))
    assert len(copies.bands(dispatch)) == copies.BANDS
    assert set(copies.bands(dispatch)) & set(copies.bands(update))
    assert not set(copies.bands(dispatch)) & set(copies.bands(other))
    assert copies.similarity(dispatch, update) > 0.7 > copies.similarity(dispatch, other)
    assert copies.bands(cut("", "")) == ()
