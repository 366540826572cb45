"""The search core on the five seeds: what a new user tries first."""

import json

import pytest

from indexer.build import build_index
from indexer.engines import querytree as qt
from service.config import DEFAULT_CONFIG, load_config
from service.errors import DocumentNotFound, IndexUnavailable, QueryError
from service.search import core
from service.search.completion import complete_words
from service.search.models import SearchRequest, SimilarRequest
from service.search.settings import Settings
from service.search.similar import similar
from service.search.snapshot import Snapshot, Snapshots

SEED_003 = "003_30614341ae222060.txt"
SEED_FACTS = {
    "000_ded5eee353b675f0.txt": ("2021-06-02", ("AZ", "CN")),
    "001_21c5a49f65fa3f46.txt": ("2025-04-23", ("AZ", "CN", "KZ", "TW")),
    "002_7c7b68eb1ae0abd2.txt": (None, ("AZ", "CN")),
    "003_30614341ae222060.txt": ("2026-01-28", ("AZ", "CN", "TW")),
    "004_39aa6ed02c1f3f44.txt": ("2021-07-02", ("AZ", "KG")),
}


DEFAULT_SETTINGS = Settings()


def run(index, settings=DEFAULT_SETTINGS, **params):
    params.setdefault("per_page", "50")
    return core.search(index, SearchRequest.from_params(params), settings)


def hit_ids(result):
    return [h.id for h in result.hits]


def test_ceinture_et_la_route_finds_the_articles_on_the_initiative(seeds_index):
    settings = Settings.from_config(load_config(DEFAULT_CONFIG, environ={}))
    result = run(seeds_index, settings, q="Ceinture et la Route")
    assert set(hit_ids(result)) == {
        "000_ded5eee353b675f0.txt",  # « Une ceinture, une route »
        "001_21c5a49f65fa3f46.txt",  # « la Ceinture et la Route »
        "002_7c7b68eb1ae0abd2.txt",  # Belt and Road, through the synonym group
        "003_30614341ae222060.txt",
    }
    passages = " ".join(p.to_html() for h in result.hits for p in h.passages)
    assert "<mark>Ceinture</mark> et la <mark>Route</mark>" in passages
    assert "<mark>Belt</mark> <mark>and</mark> <mark>Road</mark>" in passages


@pytest.mark.parametrize(
    "variants",
    [
        ["Azerbaïdjan", "azerbaidjan", "AZERBAÏDJAN", "l’Azerbaïdjan", "l'azerbaidjan"],
        ["kirghize", "Kirghize", "KIRGHIZE"],
        ["Pékin", "pekin", "PEKIN"],
        ["coopération", "cooperation", "COOPÉRATION"],
        ["chinoise", "chinois", "Chinoises"],
        ["relation", "relations"],
    ],
)
def test_spellings_find_the_same_articles(seeds_index, variants):
    found = [set(hit_ids(run(seeds_index, q=v))) for v in variants]
    assert found[0] and all(f == found[0] for f in found)


def test_a_stemmed_match_highlights_the_word_as_written(seeds_index):
    result = run(seeds_index, q="kirghize")
    html = " ".join(p.to_html() for p in result.hits[0].passages)
    assert "<mark>kirghiz</mark>" in html or "<mark>Kirghizistan</mark>" not in html
    assert "<mark>kirghize</mark>" in html


def test_facets_are_right_for_every_seed(seeds_index):
    for doc_id, (date, countries) in SEED_FACTS.items():
        (article,) = seeds_index.engine.fetch([doc_id])
        assert (article.date.value if article.date else None) == date, doc_id
        assert article.countries == countries, doc_id


def test_facet_counts_cover_all_matches_not_just_the_page(seeds_index):
    result = run(seeds_index, q="", per_page="1")
    assert len(result.hits) == 1 and result.total == 5
    country = {v.value: v.count for v in result.facets["country"]}
    assert country == {"AZ": 5, "CN": 4, "TW": 2, "KZ": 1, "KG": 1}
    assert [(v.value, v.count) for v in result.facets["year"]] == [
        ("2026", 1),
        ("2025", 1),
        ("2021", 2),
    ]
    assert {v.value for v in result.facets["month"]} == {"2026-01", "2025-04", "2021-07", "2021-06"}
    assert {v.value: v.label for v in result.facets["country"]}["AZ"] == "Azerbaïdjan"


def test_country_filters_require_every_country(seeds_index):
    assert set(hit_ids(run(seeds_index, country=["KG"]))) == {"004_39aa6ed02c1f3f44.txt"}
    assert set(hit_ids(run(seeds_index, country=["CN", "TW"]))) == {
        "001_21c5a49f65fa3f46.txt",
        "003_30614341ae222060.txt",
    }


@pytest.mark.parametrize(
    "date_from, date_to, expected",
    [
        ("2021", "2021", {"000_ded5eee353b675f0.txt", "004_39aa6ed02c1f3f44.txt"}),
        (
            "2021-07",
            None,
            {"004_39aa6ed02c1f3f44.txt", "001_21c5a49f65fa3f46.txt", "003_30614341ae222060.txt"},
        ),
        (None, "2021-06-02", {"000_ded5eee353b675f0.txt"}),
        ("2026-01-28", "2026-01-28", {"003_30614341ae222060.txt"}),
    ],
)
def test_date_range_is_inclusive_and_skips_undated(seeds_index, date_from, date_to, expected):
    params = {k: v for k, v in (("from", date_from), ("to", date_to)) if v}
    assert set(hit_ids(run(seeds_index, **params))) == expected


def test_empty_query_lists_newest_first_undated_last(seeds_index):
    assert hit_ids(run(seeds_index)) == [
        "003_30614341ae222060.txt",
        "001_21c5a49f65fa3f46.txt",
        "004_39aa6ed02c1f3f44.txt",
        "000_ded5eee353b675f0.txt",
        "002_7c7b68eb1ae0abd2.txt",
    ]


def test_sort_by_date_orders_matches_newest_first(seeds_index):
    result = run(seeds_index, q="Bayramov OR Baïramov", sort="date")
    assert hit_ids(result) == ["003_30614341ae222060.txt", "004_39aa6ed02c1f3f44.txt"]


def test_paging_walks_through_all_matches_once(seeds_index):
    pages = [hit_ids(run(seeds_index, per_page="2", page=str(p))) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert len({i for p in pages for i in p}) == 5
    assert run(seeds_index, per_page="2", page="9").hits == []


def test_phrase_exclusion_and_prefix(seeds_index):
    assert hit_ids(run(seeds_index, q='"Couloir médian"')) == ["001_21c5a49f65fa3f46.txt"]
    assert hit_ids(run(seeds_index, q="azerbaidjan -chine")) == ["004_39aa6ed02c1f3f44.txt"]
    assert "004_39aa6ed02c1f3f44.txt" not in hit_ids(run(seeds_index, q="chine -kirghize"))
    assert set(hit_ids(run(seeds_index, q="kirghiz*"))) == {"004_39aa6ed02c1f3f44.txt"}


def test_a_bad_query_is_a_query_error(seeds_index):
    with pytest.raises(QueryError, match="préfixe"):
        run(seeds_index, q="a*")


def test_a_missing_index_is_unavailable_with_a_hint(tmp_path):
    with pytest.raises(IndexUnavailable, match="search-index"):
        run(Snapshots.at(tmp_path / "nothing").current(), q="chine")


def test_a_corrupt_index_is_unavailable_with_a_rebuild_hint(tmp_path):
    (tmp_path / "CURRENT").write_text("gen-gone\n")
    with pytest.raises(IndexUnavailable, match="--rebuild"):
        run(Snapshots.at(tmp_path).current(), q="chine")


def test_highlight_marks_the_whole_article(seeds_index):
    article = core.document(seeds_index, "004_39aa6ed02c1f3f44.txt")
    (passage,) = core.highlight(article, "Kirghizistan")
    assert passage.to_html().count("<mark>Kirghizistan</mark>") == article.text.count(
        "Kirghizistan"
    )


def test_a_question_falls_back_to_ranked_partial_matches(seeds_index):
    result = run(seeds_index, q="Quand l'Azerbaïdjan a-t-il présidé la CICA ?", per_page="10")
    assert result.all_terms_total == 0 and result.total == 5  # no article holds "CICA ?"
    assert set(hit_ids(result)[:2]) == {SEED_003, "001_21c5a49f65fa3f46.txt"}  # both name the CICA


def test_articles_with_every_term_rank_before_partial_matches(seeds_index):
    result = run(seeds_index, q="Kirghizistan coopération", per_page="10")
    assert result.all_terms_total == 1 and result.total == 5
    assert hit_ids(result)[0] == "004_39aa6ed02c1f3f44.txt"


def test_partial_matches_keep_the_exclusions(seeds_index):
    result = run(seeds_index, q="Kirghizistan Taïwan -Bichkek -COP29", per_page="10")
    assert "001_21c5a49f65fa3f46.txt" not in hit_ids(result)  # it names the COP29


@pytest.mark.parametrize("q", ["Kirghizistan coopération", "Azerbaïdjan Chine", "Taïwan Bichkek"])
@pytest.mark.parametrize("per_page", [1, 2, 3])
def test_every_page_counts_the_same_results_and_pages_through_them_once(seeds_index, q, per_page):
    pages = [run(seeds_index, q=q, per_page=str(per_page), page=str(p)) for p in range(1, 7)]
    assert len({r.total for r in pages}) == 1
    seen = [doc_id for r in pages for doc_id in hit_ids(r)]
    assert len(seen) == len(set(seen)) == pages[0].total


@pytest.mark.parametrize("per_page", ["2", "10"])
def test_no_fallback_when_enough_articles_hold_every_term(seeds_index, monkeypatch, per_page):
    """Partial matches come in under ``tiers.FEW`` full matches, whatever the page size."""
    from service.search import tiers

    monkeypatch.setattr(tiers, "FEW", 4)
    result = run(seeds_index, q="Azerbaïdjan Chine", per_page=per_page)
    assert result.all_terms_total == result.total == 4
    monkeypatch.setattr(tiers, "FEW", 5)
    result = run(seeds_index, q="Azerbaïdjan Chine", per_page=per_page)
    assert result.all_terms_total == 4 and result.total == 5


def test_complete_finishes_the_last_word_from_the_vocabulary(seeds_index):
    assert complete_words(seeds_index, "relations kirg", 8) == [
        "relations kirghiz",  # each in one article: ties in word order
        "relations kirghize",
        "relations Kirghizistan",  # as the articles write it
    ]
    assert complete_words(seeds_index, "k", 8) == []  # one letter is too little


def test_similar_finds_other_articles_and_never_the_article_itself(seeds_index):
    result = similar(seeds_index, SimilarRequest("004_39aa6ed02c1f3f44.txt", limit=3))
    ids = hit_ids(result)
    assert 0 < len(ids) <= 3 and "004_39aa6ed02c1f3f44.txt" not in ids


def test_similar_of_an_unknown_article_is_not_found(seeds_index):
    with pytest.raises(DocumentNotFound):
        similar(seeds_index, SimilarRequest("nope.txt"))


def test_typos_and_name_variants_find_the_article_with_the_typed_form_first(seeds_index):
    result = run(seeds_index, q="Bayramov", explain="true")
    assert hit_ids(result) == [SEED_003, "004_39aa6ed02c1f3f44.txt"]
    assert result.hits[0].explain[0]["match"] == "exact"
    assert result.hits[1].explain[0] == {
        "term": "Bayramov",
        "match": "name_variant",
        "label": "variante du nom",
        "words": ["Baïramov"],
    }
    typo = run(seeds_index, q="Kirghizsitan", explain="true")
    assert hit_ids(typo) == ["004_39aa6ed02c1f3f44.txt"]
    assert typo.hits[0].explain[0]["match"] == "typo"
    assert typo.suggestion == "Kirghizistan"  # in the typed case


def news_index(folder, articles: list[dict]) -> Snapshot:
    """An index of these articles (id, title, text, date), built in ``folder``."""
    corpus = folder / "corpus"
    corpus.mkdir()
    lines = "\n".join(json.dumps(a, ensure_ascii=False) for a in articles)
    (corpus / "news.jsonl").write_text(lines, encoding="utf-8")
    build_index(corpus, folder / "index")
    return Snapshots.at(folder / "index").current()


def test_a_typo_that_one_article_holds_is_respelt_and_leads(tmp_path):
    articles = [
        {
            "id": f"a{i}",
            "title": f"Article {i}",
            "date": "2019-12-05",
            # words of its own in each: a hundred copies of one text would be one result
            "text": f"Le jour {i}, mot{i}a mot{i}b mot{i}c mot{i}d, Emmanuel Macron parle de la "
            + ("réforme des retraites." if i < 10 else "réforme."),
        }
        for i in range(100)
    ]
    typo = "L'élection de Macorn a déçu."
    articles.append({"id": "typo", "title": "Une coquille", "date": "2019-12-06", "text": typo})
    index = news_index(tmp_path, articles)
    result = run(index, q="Macorn retraites")
    assert result.all_terms_total == 10  # "Macron retraites", then partial matches
    assert result.suggestion == "Macron retraites"
    alone = run(index, q="Macorn")
    assert alone.suggestion == "Macron" and alone.total == 101
    assert "news.jsonl#typo" not in hit_ids(alone)  # the respelling leads: 100 before it
    assert run(index, q="Macron retraites").suggestion is None


def test_the_counts_a_respelling_needs_are_asked_once_and_rank_nothing(tmp_path, monkeypatch):
    """Correcting "Macorn" counts its spellings, and so does "Vouliez-vous dire": the
    same counts, asked once in a request, as counts (no page to rank)."""
    text = "Emmanuel Macron parle de la réforme des retraites."
    articles = [
        {"id": f"a{i}", "title": f"Article {i}", "text": f"Le jour {i}, mot{i}a. {text}"}
        for i in range(100)
    ]
    articles.append({"id": "typo", "title": "Une coquille", "text": "Macorn a parlé."})
    index = news_index(tmp_path, articles)
    asked = []
    engine_search = index.engine.search
    monkeypatch.setattr(index.engine, "search", lambda q: (asked.append(q), engine_search(q))[1])
    assert run(index, q="Macorn").suggestion == "Macron"
    counts = [q for q in asked if q.limit == 0]
    assert {q.tree for q in counts} >= {qt.Term("macron", "macron"), qt.Term("macorn", "macorn")}
    assert len(counts) == len({(q.tree, q.filters, q.facets) for q in counts})
    assert not [q for q in asked if q.limit == 1]  # a count is not a page of one


def test_an_english_spelling_of_a_russian_name_finds_the_french_one(tmp_path):
    texts = {
        "poutine": "Vladimir Poutine reçoit au Kremlin.",
        "butin": "Les braqueurs sont partis avec leur butin.",
        "tchernobyl": "La centrale de Tchernobyl, trente ans après.",
    }
    index = news_index(
        tmp_path, [{"id": k, "title": k, "date": "2020-01-01", "text": t} for k, t in texts.items()]
    )
    putin = run(index, q="Putin")
    assert hit_ids(putin) == ["news.jsonl#poutine"] and putin.suggestion == "Poutine"  # no butin
    assert hit_ids(run(index, q="Chernobyl")) == ["news.jsonl#tchernobyl"]
