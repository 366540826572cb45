"""HTML left in sources (indexer.markup): titles and texts indexed and shown as plain text."""

import json

import pytest

from indexer.markup import plain
from indexer.sources import make_article, read_source


@pytest.mark.parametrize(
    "raw, text",
    [
        ("<i>Les Guignols de l'info</i>", "Les Guignols de l'info"),
        ("<i>Vizzavona</i> (navire)", "Vizzavona (navire)"),
        (
            '<span class="nowrap">Louis <abbr class="abbr" title="16"><span class="romain" '
            'style="text-transform:uppercase">XVI</span></abbr></span>',
            "Louis XVI",
        ),
        (
            "Le &quot;Brexit&quot; &amp; l&#39;Europe, &#xE9;t&eacute;",
            'Le "Brexit" & l\'Europe, été',
        ),
        ("Un<br/>deux<p>trois</p>", "Un\ndeux\ntrois\n"),
        ("<!-- note -->Texte", "Texte"),
    ],
)
def test_markup_becomes_plain_text(raw, text):
    assert plain(raw) == text


@pytest.mark.parametrize(
    "raw",
    ["1 < 2 et 3 > 2", "AT&T et R&D", "a <b c", "x<2>", "&nosuchthing", "Texte sans balise"],
)
def test_text_that_only_looks_like_markup_is_kept(raw):
    assert plain(raw) == raw


def test_a_jsonl_title_in_html_is_indexed_as_its_text(tmp_path):
    record = {
        "id": "p1",
        "title": '<i>Saw 3D :</i>\n<span lang="en">Chapitre final</span>',
        "text": "Le film &quot;Saw 3D&quot; est sorti en 2010.",
    }
    (tmp_path / "wiki.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    (article,), skips = read_source(tmp_path, "wiki.jsonl")
    assert not skips
    assert article.title == "Saw 3D : Chapitre final"
    assert article.text == 'Le film "Saw 3D" est sorti en 2010.'


def test_a_title_of_markup_alone_falls_back_to_the_text():
    article = make_article("a.txt", "Premier paragraphe. Suite.", record={"title": "<br/>"})
    assert article.title == "Premier paragraphe."
