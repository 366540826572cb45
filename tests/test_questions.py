import pytest

from service.search.questions import content, is_question


@pytest.mark.parametrize(
    "typed, kept",
    [
        (
            "Quand a eu lieu l'incendie de la cathédrale Notre-Dame ?",
            "Quand l'incendie de la cathédrale Notre-Dame ?",
        ),
        ("Où ont eu lieu les JO de 2024", "Où les JO de 2024"),
        ("Combien y a-t-il eu de morts ?", "Combien y de morts ?"),
        ("Qui a fait la loi Travail ?", "Qui la loi Travail ?"),
        ("Quel est le lieu du crime ?", "Quel le lieu du crime ?"),  # no "avoir": a noun
        ("Est-ce que Macron a fait une erreur ?", "que Macron une erreur ?"),
        ("Quand l'Azerbaïdjan a-t-il présidé la CICA ?", "Quand l'Azerbaïdjan présidé la CICA ?"),
    ],
)
def test_a_questions_light_verbs_do_not_decide_what_is_found(typed, kept):
    assert content(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "incendie a eu lieu",  # not a question: every word counts
        "les faits divers de l'été",
        "Qu'est-ce qui a eu lieu ?",  # nothing else: left whole
        'Quand "a eu lieu" le sacre ?',  # quoted: asked for
        "Quand a eu lieu le sacre OR le couronnement ?",  # operators say exactly
        "Quand a eu lieu le sacre -Napoléon ?",
    ],
)
def test_other_queries_keep_every_word(typed):
    assert content(typed) == typed


@pytest.mark.parametrize(
    "text, question",
    [("Quand est né Mozart", True), ("Mozart ?", True), ("naissance de Mozart", False)],
)
def test_a_question_is_a_question_mark_or_an_interrogative_first(text, question):
    assert is_question(text) is question
