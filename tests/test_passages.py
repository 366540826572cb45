import pytest

from indexer.engines.querytree import Phrase, Prefix, Term, positive_leaves
from service.search.passages import Passage, best_passages, match_spans
from service.search.query import parse_query


def marked(text: str, q: str) -> list[str]:
    leaves = list(positive_leaves(parse_query(q)))
    return [text[s:e] for s, e, _ in match_spans(text, leaves)]


@pytest.mark.parametrize(
    "text, q, words",
    [
        ("Les relations sino-azerbaïdjanaises", "relation", ["relations"]),
        ("l’Azerbaïdjan et la Chine", "azerbaidjan", ["Azerbaïdjan"]),
        ("L'ŒUVRE du Président", "oeuvre", ["ŒUVRE"]),
        ("une coopération multilatérale", "multilat*", ["multilatérale"]),
        ("la Ceinture et la Route, puis la route", '"ceinture et la route"', ["Ceinture", "Route"]),
        ("Des entreprises chinoises", "chinois", ["chinoises"]),
        ("La loi adoptée, le texte éloigné", "adopte eloignee", ["adoptée", "éloigné"]),
        # Snowball stems them apart, but a term also matches its exact word, as the
        # engines do: "publie" typed without its accent, and typed with it.
        ("Le rapport publié hier, qu'il publie", "publie", ["publié", "publie"]),
        ("Le rapport publié hier, qu'il publie", "publié", ["publié", "publie"]),
        ("Rien à voir", "chine", []),
    ],
)
def test_matches_are_the_words_as_written(text, q, words):
    assert marked(text, q) == words


def test_html_passage_escapes_text_and_marks_matches():
    text = "Le <b>sommet</b> & la Chine : l’Azerbaïdjan « salue » la Chine."
    (passage,) = best_passages(text, [Term("chin", "chine")], count=1, size=200)
    assert passage.to_html() == (
        "Le &lt;b&gt;sommet&lt;/b&gt; &amp; la <mark>Chine</mark> : "
        "l’Azerbaïdjan « salue » la <mark>Chine</mark>."
    )


def test_ansi_passage_is_bold_and_plain_text_has_no_markup():
    p = Passage("la Chine", ((3, 8),))
    assert p.to_ansi() == "la \x1b[1mChine\x1b[22m"
    assert str(p) == "la Chine"


def test_passages_end_on_word_boundaries_with_ellipses():
    words = " ".join(f"mot{i}" for i in range(200))
    text = f"{words} Bakou {words}"
    (passage,) = best_passages(text, [Term("bakou", "bakou")], count=1, size=100)
    plain = str(passage)
    assert plain.startswith("…mot") and plain.endswith("…")
    assert all(w.startswith("mot") or w == "Bakou" for w in plain.strip("…").split())
    assert "<mark>Bakou</mark>" in passage.to_html()


def test_passages_prefer_windows_that_show_more_distinct_terms():
    filler = " ".join(["texte"] * 60)
    text = f"Chine. {filler} Chine et Russie ensemble. {filler} Chine."
    leaves = [Term("chin", "chine"), Term("russ", "russie")]
    best = best_passages(text, leaves, count=1, size=80)[0]
    assert "Russie" in str(best)


def test_at_most_count_passages_in_text_order():
    filler = " ".join(["texte"] * 60)
    text = " ".join(f"Bakou{i} {filler} Bakou" for i in range(5))
    passages = best_passages(text, [Term("bakou", "bakou")], count=3, size=100)
    assert len(passages) == 3
    starts = [text.find(str(p).strip("…")[:40]) for p in passages]
    assert starts == sorted(starts)


def test_a_repeated_paragraph_shows_once():
    """Scraped news often repeat a paragraph: its copy is not a second passage."""
    para = "Ils manifestaient contre la réforme des retraites et sa politique en général."
    filler = " ".join(f"mot{i}" for i in range(40))
    text = f"{para} {filler} {para} Autre chose. {filler} Les retraites, ailleurs."
    passages = best_passages(text, [Term("retrait", "retraites")], count=3, size=120)
    shown = [str(p) for p in passages]
    assert len(shown) == 2
    assert sum("réforme des retraites" in p for p in shown) == 1
    assert "Les retraites, ailleurs." in shown[-1]


def test_without_matches_the_passage_is_the_lead():
    (passage,) = best_passages("Un texte court.", [Prefix("zz")])
    assert str(passage) == "Un texte court."


def test_phrase_leaf_marks_each_word():
    text = "initiative Belt and Road depuis le début"
    phrase = Phrase(("belt", "and", "road"), ("belt", "and", "road"))
    (passage,) = best_passages(text, [phrase])
    assert (
        passage.to_html()
        == "initiative <mark>Belt</mark> <mark>and</mark> <mark>Road</mark> depuis le début"
    )
