"""The HTML door: the search page, its facets, chips, timeline and paging, the article view."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, unquote

import pytest

from indexer.build import build_index
from service.config import load_config
from service.web.app import create_app
from tests.conftest import html_elements, write_config


def get_page(client, url: str, status: int = 200) -> list[dict]:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return html_elements(response.get_data(as_text=True))


def find(elements: list[dict], tag: str, **attrs) -> list[dict]:
    """Elements with this tag whose attributes contain these values (class: one of the classes)."""

    def matches(e: dict) -> bool:
        for name, value in attrs.items():
            name = name.rstrip("_").replace("_", "-")
            actual = e["attrs"].get(name)
            if name == "class":
                if value not in (actual or "").split():
                    return False
            elif actual != value:
                return False
        return True

    return [e for e in elements if e["tag"] == tag and matches(e)]


def text(element: dict) -> str:
    return " ".join(element["text"].split())


def link(elements: list[dict], label: str, **attrs) -> str:
    """The href of the one link whose text starts with ``label``."""
    (found,) = [a for a in find(elements, "a", **attrs) if text(a).startswith(label)]
    return found["attrs"]["href"]


def hit_ids(elements: list[dict]) -> list[str]:
    """The article ids that the result titles link to, in order."""
    return [
        unquote(a["attrs"]["href"].split("?")[0].removeprefix("/documents/"))
        for a in find(elements, "a")
        if a["attrs"].get("id", "").startswith("hit-")
    ]


def summary(elements: list[dict]) -> str:
    return text(find(elements, "h1", id="summary")[0])


def test_search_page_is_french_and_fits_a_phone(client):
    page = get_page(client, "/")
    assert find(page, "html")[0]["attrs"]["lang"] == "fr"
    assert find(page, "meta", name="viewport")[0]["attrs"]["content"].startswith("width=device")


def test_search_box_keeps_the_query(seeds_client):
    page = get_page(seeds_client, "/?q=Ceinture+et+la+Route")
    assert find(page, "input", id="q")[0]["attrs"]["value"] == "Ceinture et la Route"
    assert summary(page) == "3 résultats pour « Ceinture et la Route »"  # no synonyms in tests


def test_each_result_shows_title_date_countries_and_marked_passages(client):
    page = get_page(client, "/?q=ceinture")
    (hit,) = find(page, "li", class_="hit")
    assert "Le ministre azerbaïdjanais" in text(hit)
    assert find(page, "a", id="hit-1")[0]["attrs"]["href"] == "/documents/a_ceinture.txt?q=ceinture"
    assert text(find(page, "time", datetime="2024-03-12")[0]) == "12 mars 2024"
    assert [text(t) for t in find(page, "span", class_="tag")] == ["Azerbaïdjan", "Chine"]
    assert [text(m) for m in find(page, "mark")] == ["Ceinture"]


def test_empty_query_lists_every_article_newest_first(client):
    page = get_page(client, "/")
    assert summary(page) == "10 résultats"
    dates = [t["attrs"]["datetime"] for t in find(page, "time")]
    assert dates == sorted(dates, reverse=True)


def test_clicking_a_country_facet_filters_and_shows_a_removable_chip(client):
    page = get_page(client, "/?q=chinois")
    assert summary(page) == "3 résultats pour « chinois »"
    filtered = get_page(client, link(page, "Azerbaïdjan", class_="facet-link"))
    assert summary(filtered) == "2 résultats pour « chinois »"
    (chip,) = find(filtered, "a", class_="chip")
    assert text(chip).startswith("Pays : Azerbaïdjan")
    active = find(filtered, "a", class_="is-active", aria_current="true")
    assert "Azerbaïdjan" in [text(a).split(" (")[0] for a in active]
    unfiltered = get_page(client, chip["attrs"]["href"])
    assert summary(unfiltered) == "3 résultats pour « chinois »"
    assert not find(unfiltered, "a", class_="chip")


def test_a_year_facet_then_a_month_facet_narrow_the_period(client):
    year_page = get_page(client, link(get_page(client, "/"), "2024", class_="facet-link"))
    assert text(find(year_page, "h3", id="facet-month")[0]) == "Mois en 2024"
    assert text(find(year_page, "figcaption")[0]).startswith("Résultats par mois en 2024")
    month_page = get_page(client, link(year_page, "mars", class_="facet-link"))
    assert text(find(month_page, "a", class_="chip")[0]).startswith("Période : mars 2024")
    assert hit_ids(month_page) == ["a_ceinture.txt"]


def test_several_active_filters_can_be_cleared_at_once(client):
    page = get_page(client, "/?country=CN&from=2019")
    assert len(find(page, "a", class_="chip")) == 2
    cleared = get_page(client, link(page, "Tout effacer"))
    assert summary(cleared) == "10 résultats"


def test_timeline_draws_matches_per_year_as_inline_svg(client):
    page = get_page(client, "/")
    (svg,) = find(page, "svg", role="img")
    assert "2017 : 1" in svg["attrs"]["aria-label"]
    assert len(find(page, "rect", class_="bar")) == 8  # 2017..2024, one article each
    assert "(2 sans date)" in text(find(page, "figcaption")[0])


def test_timeline_bars_link_to_their_year_then_their_month(client):
    bars = find(get_page(client, "/"), "a", class_="bar-link")
    assert len(bars) == 8
    year_page = get_page(client, bars[-1]["attrs"]["href"])  # 2024, the last bar
    assert text(find(year_page, "a", class_="chip")[0]).startswith("Période : 2024")
    (month,) = find(year_page, "a", class_="bar-link")  # one month of 2024 has a match
    month_page = get_page(client, month["attrs"]["href"])
    assert text(find(month_page, "a", class_="chip")[0]).startswith("Période : mars 2024")
    assert hit_ids(month_page) == ["a_ceinture.txt"]


@pytest.mark.parametrize("q", ["", "chinois zzyzx", "chinois Kirghizistan", "route soie japon"])
def test_page_n_of_m_never_changes_while_paging(client, q):
    first = get_page(client, f"/?q={q}&per_page=1")
    pages = int(text(find(first, "p", class_="page-info")[0]).rsplit(" ", 1)[1])
    for n in range(1, pages + 1):
        page = get_page(client, f"/?q={q}&per_page=1&page={n}")
        assert text(find(page, "p", class_="page-info")[0]) == f"Page {n} sur {pages}"


def test_date_range_form_filters_and_keeps_its_values(client):
    page = get_page(client, "/?from=2019&to=2020")
    assert set(hit_ids(page)) == {"news.jsonl#n1", "sous-dossier/e_pekin.txt"}
    assert find(page, "input", id="from")[0]["attrs"]["value"] == "2019"
    assert find(page, "input", id="to")[0]["attrs"]["value"] == "2020"
    assert text(find(page, "a", class_="chip")[0]).startswith("Période : du 2019 au 2020")


@pytest.mark.parametrize(
    "url, current",
    [("/?q=chinois", "Pertinence"), ("/?q=chinois&sort=date", "Date"), ("/", "Date")],
)
def test_sort_links_mark_the_current_order(client, url, current):
    page = get_page(client, url)
    (nav,) = find(page, "nav", class_="sort")
    assert current in nav["text"]
    assert [text(a) for a in find(page, "a", aria_current="true")] == [current]


def test_paging_has_previous_next_and_numbers(client):
    first = get_page(client, "/?per_page=3")
    assert [text(a) for a in find(first, "a", class_="page-number")] == ["1", "2", "3", "4"]
    assert text(find(first, "a", aria_current="page")[0]) == "1"
    assert find(first, "span", class_="is-disabled")  # no previous page
    second = get_page(client, link(first, "Suivante", rel="next"))
    assert text(find(second, "a", aria_current="page")[0]) == "2"
    assert not set(hit_ids(first)) & set(hit_ids(second))
    assert find(second, "ol", class_="hits")[0]["attrs"]["start"] == "4"


def test_a_page_past_the_end_offers_the_first_one(client):
    page = get_page(client, "/?per_page=3&page=9")
    assert "Cette page est vide" in text(find(page, "main")[0])
    assert link(page, "revenir à la première") == "/?per_page=3"


def test_no_results_gives_helpful_hints(client):
    page = get_page(client, "/?q=zzyzx")
    assert summary(page) == "Aucun résultat pour « zzyzx »"
    hints = text(find(page, "section", class_="no-results")[0])
    for hint in ("orthographe", "moins de mots", "OU", "plus général"):
        assert hint in hints


def test_no_results_with_filters_offers_the_unfiltered_count(client):
    page = get_page(client, "/?q=chinois&country=JP")
    assert link(page, "3 résultats") == "/?q=chinois"


def test_no_results_by_date_for_several_words_suggests_or(client):
    page = get_page(client, "/?q=chine+zzyzx&sort=date")
    assert link(page, "chine OU zzyzx") == "/?q=chine+OU+zzyzx&sort=date"


def test_articles_with_only_some_words_are_set_apart(client):
    page = get_page(client, "/?q=belt+chinois")
    assert summary(page) == "3 résultats pour « belt chinois »"
    note = text(find(page, "p", class_="partial-note")[0])
    assert note == "1 contient tous les mots ; les 2 suivants n’en contiennent qu’une partie."
    first, partial = find(page, "ol", class_="hits")
    assert "Belt and Road" in text(first) and "Belt and Road" not in text(partial)
    assert partial["attrs"]["start"] == "2"
    assert text(find(page, "h2", id="partial-heading")[0]).startswith("Avec une partie des mots")


def test_when_no_article_has_every_word_the_page_says_so(client):
    page = get_page(client, "/?q=chine+zzyzx")
    assert summary(page) == "Aucun article ne contient tous les mots de « chine zzyzx »"
    assert hit_ids(page) == ["news.jsonl#n1"]
    assert not find(page, "section", class_="no-results")


@pytest.mark.parametrize(
    "url, kept",
    [
        ("/?q=de*", "de*"),
        ("/?q=chine&page=0", "chine"),
        ("/?q=chine&country=ZZ", "chine"),
        ("/?q=chine&q=russie", "chine"),
    ],
)
def test_a_query_error_is_shown_beside_the_search_box(client, url, kept):
    page = get_page(client, url, 400)
    (error,) = find(page, "p", id="q-error")
    assert error["attrs"]["role"] == "alert"
    (box,) = find(page, "input", id="q")
    assert box["attrs"]["value"] == kept
    assert box["attrs"]["aria-invalid"] == "true"
    assert "q-error" in box["attrs"]["aria-describedby"]


@pytest.mark.parametrize(
    "url, field, typed",
    [
        ("/?q=chine&from=2023-13", "from", {"from": "2023-13", "to": ""}),
        ("/?q=chine&from=2019&to=31/02/2020", "to", {"from": "2019", "to": "31/02/2020"}),
        ("/?q=chine&from=2024&to=2020", "to", {"from": "2024", "to": "2020"}),
    ],
)
def test_a_bad_date_keeps_the_period_form_as_typed_and_says_why_there(client, url, field, typed):
    page = get_page(client, url, 400)
    assert not find(page, "p", id="q-error")
    (error,) = find(page, "p", id="period-error")
    assert error["attrs"]["role"] == "alert"
    for name, value in typed.items():
        (box,) = find(page, "input", id=name)
        assert box["attrs"]["value"] == value
        assert (box["attrs"].get("aria-invalid") == "true") == (name == field)
    assert hit_ids(page)  # the search still answers, without the period


def test_article_view_shows_the_text_with_the_query_marked(client):
    page = get_page(client, "/documents/a_ceinture.txt?q=ceinture+route")
    assert text(find(page, "h1")[0]).startswith("Le ministre azerbaïdjanais")
    assert [text(m) for m in find(page, "mark")] == ["Ceinture", "Route"]
    assert text(find(page, "time")[0]) == "12 mars 2024"
    assert [a["attrs"]["href"] for a in find(page, "a", class_="tag")] == [
        "/?country=AZ",
        "/?country=CN",
    ]
    assert "2 mots surlignés" in text(find(page, "p", class_="marks-note")[0])


def test_article_view_keeps_every_paragraph_whatever_the_match(seeds_client, seeds_index):
    from service.search.core import document

    article = document(seeds_index, "001_21c5a49f65fa3f46.txt")
    page = get_page(seeds_client, "/documents/001_21c5a49f65fa3f46.txt?q=Route")
    body = find(page, "div", class_="document-body")[0]
    assert text(body) == " ".join(article.text.split())
    assert len(find(page, "p")) > 10


def test_article_view_links_back_to_the_same_results(client):
    page = get_page(client, "/documents/a_ceinture.txt?q=chine&country=CN&page=1&utm=x")
    assert link(page, "‹ Retour aux résultats") == "/?q=chine&country=CN&page=1"


def test_article_view_with_a_bad_query_still_shows_the_text(client):
    page = get_page(client, "/documents/a_ceinture.txt?q=de*")
    assert find(page, "p", role="alert")
    assert "Couloir médian" in text(find(page, "div", class_="document-body")[0])


@pytest.mark.parametrize(
    "url, heading",
    [("/documents/nope.txt", "Page introuvable"), ("/nulle-part", "Page introuvable")],
)
def test_unknown_pages_are_french_html_404s(client, url, heading):
    page = get_page(client, url, 404)
    assert text(find(page, "h1")[0]) == heading


def test_a_missing_index_is_an_html_503_page(tmp_path):
    config = load_config(write_config(tmp_path, tmp_path / "no-corpus"), environ={})
    page = get_page(create_app(config).test_client(), "/?q=chine", 503)
    assert "search-index" in text(find(page, "p", class_="error-message")[0])


@pytest.mark.parametrize(
    "url", ["/", "/?q=chine&country=CN", "/?q=zzyzx", "/documents/b_oeuvre.txt"]
)
def test_pages_have_landmarks_skip_link_and_labelled_fields(client, url):
    page = get_page(client, url)
    assert find(page, "a", class_="skip-link")[0]["attrs"]["href"] == "#contenu"
    assert find(page, "main", id="contenu")
    assert find(page, "header") and find(page, "footer")
    assert find(page, "form", role="search")
    labelled = {label["attrs"].get("for") for label in find(page, "label")}
    for field in find(page, "input"):
        if field["attrs"].get("type") not in ("hidden", "submit"):
            assert field["attrs"]["id"] in labelled


def test_search_page_has_a_filters_aside(client):
    page = get_page(client, "/?q=chine")
    assert find(page, "aside", id="filtres")
    assert link(page, "Affiner la recherche") == "#filtres"


@pytest.mark.parametrize("url", ["/", "/?q=chine&from=2019", "/documents/news.jsonl%23n1", "/nope"])
def test_pages_have_no_inline_script_or_style(client, url):
    html = client.get(url).get_data(as_text=True)
    for element in html_elements(html):
        assert "style" not in element["attrs"]
        assert not any(name.startswith("on") for name in element["attrs"])
        assert element["tag"] != "style"
        assert element["tag"] != "script" or "src" in element["attrs"]


def test_only_web_links_from_the_corpus_are_rendered(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [
        {"id": "bad", "text": "La Chine.", "url": "javascript:alert(1)"},
        {"id": "good", "text": "Le Japon.", "url": "https://example.org/a?b=1&c=2"},
    ]
    (corpus / "a.jsonl").write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    build_index(corpus, tmp_path / "index")
    client = create_app(load_config(write_config(tmp_path, corpus), environ={})).test_client()
    bad = get_page(client, "/documents/a.jsonl%23bad")
    assert not [a for a in find(bad, "a") if a["attrs"]["href"].startswith("javascript")]
    good = client.get("/documents/a.jsonl%23good").get_data(as_text=True)
    assert 'href="https://example.org/a?b=1&amp;c=2"' in good


def test_static_files_are_served(client):
    with client.get("/static/style.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
        assert re.search(r":focus-visible", css.get_data(as_text=True))


# Did you mean, « Pourquoi ? », « Articles proches », completions as you type


@pytest.mark.parametrize(
    "url, href",
    [
        ("/?q=kirghizstan", "/?q=Kirghizistan"),
        ("/?q=kirghizstan&country=KG&sort=date", "/?q=Kirghizistan&country=KG&sort=date"),
        ("/?q=kirghizstan&from=2023&page=1", "/?q=Kirghizistan&from=2023"),
    ],
)
def test_did_you_mean_links_to_the_same_search_better_spelt(client, url, href):
    page = get_page(client, url)
    (suggestion,) = find(page, "p", class_="suggestion")
    assert text(suggestion) == "Vouliez-vous dire : Kirghizistan ?"  # a name: its capital
    assert link(page, "Kirghizistan") == href


def test_did_you_mean_also_shows_when_nothing_was_found(client):
    page = get_page(client, "/?q=kirghizstan&country=JP")
    assert summary(page) == "Aucun résultat pour « kirghizstan »"
    assert link(page, "Kirghizistan") == "/?q=Kirghizistan&country=JP"


@pytest.mark.parametrize("url", ["/?q=chine", "/", "/?q=zzyzx"])
def test_did_you_mean_stays_away_when_there_is_nothing_better(client, url):
    assert not find(get_page(client, url), "p", class_="suggestion")


def test_each_hit_says_why_it_matched_in_a_closed_disclosure(client):
    page = get_page(client, "/?q=relation+OR+chinoises")
    whys = find(page, "details", class_="why")
    assert len(whys) == len(find(page, "li", class_="hit")) == 4
    assert all("open" not in why["attrs"] for why in whys)
    assert {text(s) for s in find(page, "summary")} == {"Pourquoi ce résultat ?"}
    reasons = {" ".join(li["text"].split()) for li in find(page, "li") if "»" in li["text"]}
    assert "« relation » : relation (exact)" in reasons
    assert "« relation » : relations (même racine)" in reasons
    assert "« chinoises » : chinoise (même racine)" in reasons


def test_a_listing_without_a_query_has_no_why(client):
    assert not find(get_page(client, "/?country=CN"), "details", class_="why")


def test_article_view_lists_articles_like_it(client):
    page = get_page(client, "/documents/sous-dossier/e_pekin.txt?q=chine")
    assert len(find(page, "section", class_="similar")) == 1
    assert text(find(page, "h2", id="similar-title")[0]) == "Articles proches"
    api = client.get("/api/documents/sous-dossier/e_pekin.txt/similar").get_json()
    links = [
        a["attrs"]["href"]
        for a in find(page, "a")
        if a["text"] in {h["title"] for h in api["hits"]}
    ]
    assert links == [f"/documents/{quote(h['id'], safe='/')}?q=chine" for h in api["hits"]]
    assert "/documents/sous-dossier/e_pekin.txt?q=chine" not in links


def test_an_articles_proches_link_opens_that_article(client):
    page = get_page(client, "/documents/a_ceinture.txt")
    (first, *_) = [a for a in find(page, "a") if a["attrs"]["href"].startswith("/documents/")]
    article = get_page(client, first["attrs"]["href"])
    assert text(find(article, "h1")[0]) == text(first)


def test_the_search_box_asks_for_completions_only_through_a_static_script(client):
    page = get_page(client, "/")
    (box,) = find(page, "input", id="q")
    assert box["attrs"]["data-suggest"] == "/api/suggest"
    assert "role" not in box["attrs"]  # suggest.js makes it a combobox; the HTML keeps a plain box
    (script,) = find(page, "script")
    assert script["attrs"] == {"src": "/static/suggest.js", "defer": None}


def test_the_suggest_script_never_writes_html(client):
    with client.get("/static/suggest.js") as js:
        assert js.status_code == 200 and js.mimetype in (
            "text/javascript",
            "application/javascript",
        )
        source = js.get_data(as_text=True)
    assert "textContent" in source
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source


def test_did_you_mean_never_offers_another_form_of_the_same_word(seeds_client):
    # The seeds hold "relations", never "relation": stemming already finds one from the other
    assert not find(get_page(seeds_client, "/?q=relation+bilatérale"), "p", class_="suggestion")
