"""Wire copies: a dispatch published twice takes one place, in the hits and in the counts."""

import json
import threading
from dataclasses import replace

import pytest

from indexer.articles import Article, ArticleDate
from indexer.engines import ENGINE_NAMES
from indexer.engines import querytree as qt
from service.search import core
from service.search.copies import Groups, are_copies, find_groups, hidden, whole_groups
from service.search.models import SearchRequest, SimilarRequest
from service.search.similar import similar
from service.search.snapshot import Snapshots
from tests.conftest import built, update

DISPATCH = (
    "Un camion a foncé lundi soir dans la foule d'un marché de Noël au centre de Berlin, "
    "faisant au moins neuf morts et une cinquantaine de blessés, selon la police allemande, "
    "qui a arrêté le conducteur présumé. Le passager du camion est mort sur le coup, a "
    "précisé la police, qui évoque une attaque délibérée. La chancelière a exprimé sa "
    "tristesse et promis que toute la lumière serait faite sur ce drame."
)
UPDATE = DISPATCH.replace("neuf morts", "douze morts") + " Le bilan a été revu à la hausse."
LATER = DISPATCH.replace("lundi soir", "un an plus tôt")  # the same text, a year later
OTHER = (
    "La police de Berlin a présenté mardi le bilan de l'année : moins de cambriolages, plus "
    "d'accidents de la route, et un camion volé retrouvé dans un canal près du centre."
)


def news(doc_id: str, title: str, text: str, day: str) -> Article:
    return Article(doc_id, text, title, ArticleDate(day, "day", "metadata"))


def test_copies_are_near_texts_published_within_a_week():
    first = news("a", "Attentat à Berlin", DISPATCH, "2016-12-19")
    assert are_copies(first, news("b", "Berlin : le bilan s'alourdit", UPDATE, "2016-12-20"))
    assert not are_copies(first, news("c", "Un an après", LATER, "2017-12-19"))
    assert not are_copies(first, news("d", "Bilan de la police", OTHER, "2016-12-19"))


def test_the_same_text_twice_is_a_copy_without_cutting_it_into_shingles(monkeypatch):
    """341,600 articles (the news ten times over): cutting every text into shingles took
    minutes at each start, for texts that were simply equal."""
    from service.search import copies

    monkeypatch.setattr(copies.bands, "shingle_set", lambda *a: pytest.fail("shingles cut"))
    first = news("a", "Attentat à Berlin", DISPATCH, "2016-12-19")
    assert are_copies(first, news("a-r1", "Attentat à Berlin", DISPATCH, "2016-12-20"))
    assert not are_copies(first, news("a-r2", "Attentat à Berlin", DISPATCH, "2017-12-19"))


def test_groups_join_the_candidates_that_are_copies_oldest_first():
    articles = [
        news("b", "Berlin : le bilan s'alourdit", UPDATE, "2016-12-20"),
        news("a", "Attentat à Berlin", DISPATCH, "2016-12-19"),
        news("d", "Bilan de la police", OTHER, "2016-12-19"),
    ]
    candidates = {"a": ("0:x", "1:y"), "b": ("0:x",), "d": ("1:y",)}
    groups = find_groups(candidates, articles)
    assert groups.of == {"a": ("a", "b"), "b": ("a", "b")}
    assert groups.members == ("a", "b")


def test_a_whole_pass_reads_a_chunk_of_texts_at_a_time_and_finds_the_same_groups():
    """Articles linked by shared bands are read together, a few thousand at a time (at
    341,600 articles with copies, all their texts at once were gigabytes)."""
    articles = [
        news("b", "Berlin : le bilan s'alourdit", UPDATE, "2016-12-20"),
        news("a", "Attentat à Berlin", DISPATCH, "2016-12-19"),
        news("d", "Bilan de la police", OTHER, "2016-12-19"),
        news("e", "Attentat à Berlin (bis)", DISPATCH, "2016-12-19"),
        news("f", "Seul", OTHER, "2016-12-19"),
    ]
    candidates = {"a": ("0:x", "1:y"), "b": ("0:x",), "d": ("1:y",), "e": ("2:z",), "f": ()}
    candidates["a"] += ("2:z",)  # a, b, d and e are linked; f shares nothing
    by_id = {a.id: a for a in articles}
    reads: list[list[str]] = []

    def fetch(ids: list[str]) -> list:
        reads.append(ids)
        return [by_id[i] for i in ids]

    chunked = whole_groups(candidates, fetch, chunk=1)
    assert chunked == find_groups(candidates, articles)
    assert chunked.of["a"] == ("a", "e", "b")
    assert reads == [["a", "b", "d", "e"]]  # one component, read once; f never read
    reads.clear()
    two = {**candidates, "g": ("3:w",), "h": ("3:w",)}
    by_id |= {
        "g": news("g", "Autre", OTHER, "2017-01-02"),
        "h": news("h", "Autre", OTHER, "2017-01-02"),
    }
    whole_groups(two, fetch, chunk=1)
    assert sorted(reads) == [["a", "b", "d", "e"], ["g", "h"]]  # a chunk per component


def test_the_best_ranked_copy_stays_and_stands_for_the_others():
    groups = Groups({"a": ("a", "b", "c"), "b": ("a", "b", "c"), "c": ("a", "b", "c")})
    assert hidden(groups, {"a": (-2.0,), "b": (-5.0,), "c": (-1.0,)}) == {"b": ("a", "c")}
    assert hidden(groups, {"a": (-2.0,)}) == {}  # one copy among the results: nothing to fold


ARTICLES = [
    {"id": "dispatch", "title": "Attentat à Berlin", "text": DISPATCH, "date": "2016-12-19"},
    {"id": "update", "title": "Berlin : le bilan s'alourdit", "text": UPDATE, "date": "2016-12-20"},
    {"id": "later", "title": "Un an après", "text": LATER, "date": "2017-12-19"},
    {"id": "other", "title": "Bilan de la police", "text": OTHER, "date": "2016-12-20"},
]


@pytest.fixture(scope="module", params=ENGINE_NAMES)
def index(request, tmp_path_factory):
    if request.param == "postgres":
        request.getfixturevalue("postgres_engine")
    folder = tmp_path_factory.mktemp(f"copies-{request.param}")
    (folder / "corpus").mkdir()
    lines = "\n".join(json.dumps(a, ensure_ascii=False) for a in ARTICLES)
    (folder / "corpus" / "news.jsonl").write_text(lines, encoding="utf-8")
    return built(folder, folder / "corpus", request.param).current()


def search(index, **params):
    return core.search(index, SearchRequest.from_params(params))


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_a_dispatch_and_its_update_take_one_place_in_hits_total_and_facets(index, sort):
    result = search(index, q="camion Berlin", sort=sort, per_page="10")
    ids = [hit.id.partition("#")[2] for hit in result.hits]
    assert result.total == len(ids) == 3 and "later" in ids and "other" in ids
    (kept,) = [hit for hit in result.hits if hit.copies]
    assert {kept.id, *kept.copies} == {"news.jsonl#dispatch", "news.jsonl#update"}
    assert sum(v.count for v in result.facets["year"]) == 3
    if sort == "date":
        assert kept.id == "news.jsonl#update"  # the newest copy


def test_pages_count_and_show_the_same_results(index):
    pages = [search(index, q="camion Berlin", per_page="1", page=str(p)) for p in (1, 2, 3, 4)]
    assert {r.total for r in pages} == {3}
    assert len({hit.id for r in pages for hit in r.hits}) == 3


def test_similar_articles_never_offer_an_article_s_own_copy(index):
    found = similar(index, SimilarRequest("news.jsonl#dispatch", 5))
    assert "news.jsonl#update" not in [hit.id for hit in found.hits]


def articles_as_files(folder):
    """A corpus of the ARTICLES, one .txt file each."""
    corpus = folder / "corpus"
    corpus.mkdir()
    for n, article in enumerate(ARTICLES):
        text = f"date {article['date']}\n{article['title']}\n\n{article['text']}"
        (corpus / f"{n}_{article['id']}.txt").write_text(text, encoding="utf-8")
    return corpus


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_groups_follow_writes_at_the_cost_of_the_change(tmp_path, engine):
    """Each commit's groups come from the last ones made and the articles it changed
    (``copies.updated``), and are those a full pass over the index would find."""
    from service.search.copies import updated

    corpus = articles_as_files(tmp_path)
    snapshots = built(tmp_path, corpus, engine)

    def full(snapshot) -> dict:
        candidates = snapshot.engine.copy_candidates()
        return find_groups(candidates, snapshot.engine.fetch(sorted(candidates))).of

    first = snapshots.current()
    assert set(first.copies.of) == {"0_dispatch.txt", "1_update.txt"}  # made whole

    def write(name: str, text: str | None) -> None:
        path = corpus / name
        if text is None:
            path.unlink()
        else:
            path.write_text(text, encoding="utf-8")
        update(tmp_path, corpus, engine, [name])

    # A third copy the same day, then the dispatch withdrawn, then the update rewritten
    # into another story: each commit's groups, made from the previous ones.
    write("4_again.txt", "date 2016-12-19\nBerlin\n\n" + DISPATCH + " Une ligne de plus.")
    second = snapshots.current()
    assert second.commit > first.commit
    assert set(second.copies.of) == {"0_dispatch.txt", "1_update.txt", "4_again.txt"}
    assert second.copies.of == full(second)
    write("0_dispatch.txt", None)
    third = snapshots.current()
    assert set(third.copies.of) == {"1_update.txt", "4_again.txt"} and third.copies.of == full(
        third
    )
    snow = (
        "La neige est tombée toute la nuit sur les Alpes, et les stations de ski ouvrent "
        "leurs pistes avec deux semaines d'avance ; les moniteurs se réjouissent, les "
        "hôteliers affichent complet et les routes de montagne exigent des chaînes."
    )
    write("1_update.txt", "date 2016-12-20\nAutre chose\n\n" + snow)
    fourth = snapshots.current()
    assert fourth.copies.of == full(fourth) == {}
    assert updated(fourth.copies, set(), fourth.engine) == fourth.copies  # nothing changed


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_one_whole_pass_a_generation_and_older_commits_derive_from_newer(
    tmp_path, engine, monkeypatch
):
    """A server that starts under writes makes the groups whole once: the searches on
    the commits after wait for that pass and derive theirs; a search still on an older
    commit than the groups kept derives its own from a newer one (not a whole pass)."""
    from service.search import snapshot as snapshot_module

    corpus = articles_as_files(tmp_path)
    snapshots = built(tmp_path, corpus, engine)
    older = snapshots.current()
    (corpus / "4_again.txt").write_text(
        "date 2016-12-19\nBerlin\n\n" + DISPATCH + " Une ligne de plus.", encoding="utf-8"
    )
    update(tmp_path, corpus, engine, ["4_again.txt"])
    newer = snapshots.current()
    assert newer.commit > older.commit

    whole, real = [], snapshot_module.whole_groups
    monkeypatch.setattr(snapshot_module, "whole_groups", lambda *a: whole.append(1) or real(*a))
    fresh = Snapshots(snapshots.handle)  # as a process that starts: nothing made yet
    threads = [
        threading.Thread(target=fresh.copies_at, args=(snap,)) for snap in (newer, older) * 3
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(whole) == 1
    assert set(fresh.copies_at(newer).of) == {"0_dispatch.txt", "1_update.txt", "4_again.txt"}
    for snapshot in (newer, older):  # what a whole pass on its engine would find
        candidates = snapshot.engine.copy_candidates()
        made = find_groups(candidates, snapshot.engine.fetch(sorted(candidates)))
        assert fresh.copies_at(snapshot).of == made.of
    if engine != "postgres":  # an older commit is still read (the database reads its last)
        assert set(fresh.copies_at(older).of) == {"0_dispatch.txt", "1_update.txt"}


def test_the_database_finds_the_candidates_of_many_bands_by_a_scan(
    tmp_path, monkeypatch, postgres_engine
):
    """At 68,320 and 341,600 articles one tsquery of every shared band was refused by
    PostgreSQL (every search 503): past BANDS_PER_QUERY shared bands, a scan of the
    articles' bands finds the same articles."""
    from indexer.engines.postgres import view

    snapshot = built(tmp_path, articles_as_files(tmp_path), "postgres").current()
    whole = snapshot.engine.copy_candidates()
    assert set(whole) >= {"0_dispatch.txt", "1_update.txt"}
    monkeypatch.setattr(view, "BANDS_PER_QUERY", 1)
    assert snapshot.engine.copy_candidates() == whole


WORDS = (
    "ministre grève réforme budget élection sénat tribunal enquête police hôpital école "
    "usine port récolte incendie tempête accord sommet frontière marché banque salaire "
    "retraite loyer transport métro aéroport musée festival concert match stade équipe"
).split()


@pytest.fixture(scope="module", params=ENGINE_NAMES)
def twice(request, tmp_path_factory):
    """An archive that holds each of 150 dispatches twice, under two ids (the worst case
    of the copies' pass: every match is a member of a group)."""
    import random

    if request.param == "postgres":
        request.getfixturevalue("postgres_engine")
    folder = tmp_path_factory.mktemp(f"twice-{request.param}")
    (folder / "corpus").mkdir()
    rng = random.Random(7)
    lines = []
    for n in range(150):
        text = "Dépêche. " + " ".join(rng.choice(WORDS) for _ in range(80)) + "."
        for copy in ("", "-bis"):
            article = {"id": f"d{n}{copy}", "title": f"Dépêche {n}", "text": text}
            lines.append(json.dumps({**article, "date": "2019-05-02"}, ensure_ascii=False))
    (folder / "corpus" / "news.jsonl").write_text("\n".join(lines), encoding="utf-8")
    return built(folder, folder / "corpus", request.param).current()


def test_every_article_twice_fills_every_page_and_counts_each_dispatch_once(twice, monkeypatch):
    asked = []
    engine_search = twice.engine.search

    def spied(query):
        asked.append(query)
        return engine_search(query)

    monkeypatch.setattr(twice.engine, "search", spied)
    pages = [search(twice, q="dépêche", per_page="100", page=str(p)) for p in (1, 2)]
    # The hidden copies are counted, never listed; page 1 is ranked as deep as it
    # needs, not 150 hits deeper than its 100 (one per hidden copy).
    hidden_counts = [q for q in asked if q.facets and isinstance(q.tree, qt.And)]
    assert hidden_counts and all(q.limit == 0 for q in hidden_counts)
    first_page = asked[: asked.index(hidden_counts[0])]
    ranked = [q for q in first_page if "Ids" not in repr(q.tree)]
    assert max(q.offset + q.limit for q in ranked) < 250
    # Ranked deeper, the dispatches are not counted again: their counts stand.
    assert len(ranked) > 1 and ranked[0].counted and ranked[0].facets
    assert not any(q.counted or q.facets for q in ranked[1:])
    assert [r.total for r in pages] == [150, 150]
    assert [len(r.hits) for r in pages] == [100, 50]
    shown = [hit.id.partition("#")[2] for r in pages for hit in r.hits]
    assert len({doc_id.removesuffix("-bis") for doc_id in shown}) == 150
    for hit in (hit for r in pages for hit in r.hits):
        (copy,) = hit.copies
        assert copy.removesuffix("-bis") == hit.id.removesuffix("-bis")
    assert sum(v.count for v in pages[0].facets["year"]) == 150


@pytest.mark.parametrize("cut", [False, True])
@pytest.mark.parametrize("sort", ["relevance", "date"])
@pytest.mark.parametrize("q", ["dépêche", "grève OR police", "ministre -budget"])
def test_members_read_with_the_ranking_give_what_a_search_of_their_own_gives(
    twice, monkeypatch, sort, q, cut
):
    """postgres values the copy groups' members as its scan of the matches reads them
    (``EngineResult.members``), where the others are asked apart: the same hidden copies,
    totals, pages and facets either way, and no search of its own among the members.
    ``cut``: postgres ranks only the first cut's matches, and counts them apart."""
    from indexer.engines.postgres import view

    monkeypatch.setattr(view, "FIRST_CUT_FROM", 1 if cut else view.FIRST_CUT_FROM)
    asked = []
    engine_search = twice.engine.search

    def spied(query, answer_members=True):
        asked.append(query)
        found = engine_search(query)
        return found if answer_members else replace(found, members=None)

    monkeypatch.setattr(twice.engine, "search", spied)
    params = {"q": q, "sort": sort, "per_page": "30"}
    read = search(twice, **params)
    among_members = [x for x in asked if "Ids" in repr(x.tree) and x.limit > 0]
    monkeypatch.setattr(twice.engine, "search", lambda query: spied(query, False))
    apart = search(twice, **params)
    assert read.total == apart.total and read.total < 150 * 2
    assert [(h.id, h.copies) for h in read.hits] == [(h.id, h.copies) for h in apart.hits]
    assert read.facets == apart.facets
    if "postgres" in type(twice.engine).__module__:
        assert not among_members  # answered by the ranking's own scan
    else:
        assert among_members


@pytest.mark.parametrize("cut", [False, True])
@pytest.mark.parametrize("sort", ["relevance", "date"])
@pytest.mark.parametrize("q", ["Berlin", "bilan hausse", "camion -Noël"])
def test_members_valued_with_a_ranking_are_what_a_search_among_them_finds(
    index, monkeypatch, q, sort, cut
):
    """The members a ranking answers (postgres: valued as its scan reads the matches;
    the others answer None) are those the ranking's tree matches, with the scores a
    search among them gives: a dispatch and its update score apart. "bilan hausse" has
    fewer than ``tiers.FEW`` full matches: the partial matches' tier answers them."""
    from indexer.engines.postgres import view
    from service.search import collapse, plan
    from service.search.settings import Settings

    monkeypatch.setattr(view, "FIRST_CUT_FROM", 1 if cut else view.FIRST_CUT_FROM)
    request = SearchRequest.from_params({"q": q, "sort": sort})
    planned = plan.plan_query(index, request, Settings())
    ranking = plan.rank(index, planned).ranking
    if "postgres" not in type(index.engine).__module__:
        assert ranking.members is None
        return
    apart = collapse._among(index, planned, ranking.tree, index.copies.members).hits
    assert ranking.members is not None  # "camion -Noël": no member matches, {}
    assert len(ranking.members) >= {"Berlin": 2, "bilan hausse": 1}.get(q, 0)
    by_date = sort == "date"  # a date-sorted hit scores 0.0, as its member does
    assert {i: round(s, 6) for i, s in ranking.members.items()} == {
        i: 0.0 if by_date else round(s, 6) for i, s in apart
    }
    if q == "Berlin" and sort == "relevance":
        assert len(set(ranking.members.values())) > 1  # the copies score apart
    if q == "bilan hausse" and sort == "relevance":  # sorted by date: no partial matches
        assert ranking.tree != planned.expanded  # the partial matches' tier answered
