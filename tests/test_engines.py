"""Every engine answers alike: the same hits, facets and passages, updates and fetches.

Each engine builds its own index over tests/data (and over the seeds for the agreement
test), as the service does (``open_or_build``): the postgres engine's archive goes into a
schema of its own on the session's PostgreSQL server. Expected hits are
written ``"a | b c | d"``: groups in order, and the ids inside a group in any order,
because engines score differently and break ties differently.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from indexer.analysis import fold, stem
from indexer.articles import Article
from indexer.engines import ENGINE_NAMES, engine_class
from indexer.engines import querytree as qt
from indexer.engines.postgres import PostgresEngine
from indexer.sources import read_source
from service.config import load_config
from service.corpus.indexing import open_or_build, update_index
from service.search import core
from service.search.models import SearchRequest
from service.search.settings import Settings
from service.search.snapshot import Snapshots
from tests.conftest import DATA_DIR, SEEDS_DIR, write_config

REFERENCE = "whoosh"
OTHER_ENGINES = [name for name in ENGINE_NAMES if name != REFERENCE]
SYNONYMS = ["la Ceinture et la Route", "Belt and Road", "nouvelles routes de la soie"]
EVERYTHING = (  # newest first, the undated last
    "a_ceinture.txt | b_oeuvre.txt | c_belt.txt | f_date_impossible.txt | sous-dossier/e_pekin.txt"
    " | news.jsonl#n1 | news.jsonl#n2 | news.jsonl#n3 | d_sans_date.txt news.jsonl#n5"
)


class Built:
    """One engine's index over a corpus, and the core settings from its config file."""

    def __init__(self, folder: Path, corpus: Path, engine: str):
        index = {"engine": engine}
        if engine == "postgres":  # the archive in the session's server, a schema of its own
            index.update(dsn=PostgresEngine.dsn, schema=f"test_{folder.name}".replace("-", "_"))
        path = write_config(folder, corpus, index=index, synonyms={"groups": [SYNONYMS]})
        self.config = load_config(path, environ={})
        self.snapshots = Snapshots(open_or_build(self.config))  # as the service opens it
        self.settings = Settings.from_config(self.config)

    def search(self, **params):
        return core.search(
            self.snapshots.current(), SearchRequest.from_params(params), self.settings
        )

    def ids(self, **params) -> list[str]:
        return [hit.id for hit in self.search(**params).hits]


def per_engine(tmp_path_factory, corpus: Path, label: str):
    """Per engine name, an index over ``corpus``, built on first use (a postgres index
    only when a postgres test asks, with the session's server)."""
    cache: dict[str, Built] = {}

    def get(engine: str) -> Built:
        if engine not in cache:
            cache[engine] = Built(tmp_path_factory.mktemp(f"{label}-{engine}"), corpus, engine)
        return cache[engine]

    return get


@pytest.fixture(scope="session")
def built_data(tmp_path_factory):
    """Per engine name, an index over tests/data."""
    return per_engine(tmp_path_factory, DATA_DIR, "data")


@pytest.fixture(scope="session")
def built_seeds(tmp_path_factory):
    """Per engine name, an index over the five seed articles."""
    return per_engine(tmp_path_factory, SEEDS_DIR, "seeds")


def groups(expected: str) -> list[set[str]]:
    return [set(group.split()) for group in expected.split("|")] if expected else []


def in_groups(ids: list[str], expected: list[set[str]]) -> list[set[str]]:
    """Cut ``ids`` into consecutive groups of the expected sizes."""
    out, start = [], 0
    for group in expected:
        out.append(set(ids[start : start + len(group)]))
        start += len(group)
    return out + ([set(ids[start:])] if ids[start:] else [])


def tie_groups(hits, within: float = 0.05) -> list[set[str]]:
    """Hit ids grouped by near-equal score: a group ends where the score drops by > 5%.

    The engines share BM25 but not its details (idf formula, title boost, length
    quantization), so scores within a few percent may come in either order.
    """
    out: list[set[str]] = []
    last = None
    for hit in hits:
        if last is None or hit.score < last * (1 - within):
            out.append(set())
        out[-1].add(hit.id)
        last = hit.score
    return out


def date_groups(hits) -> list[set[str]]:
    """Hit ids grouped by equal date, in order (the order of a date tie is free)."""
    out: list[set[str]] = []
    for i, hit in enumerate(hits):
        if i == 0 or hit.date != hits[i - 1].date:
            out.append(set())
        out[-1].add(hit.id)
    return out


# What the engine itself implements, pinned for every engine: phrase positions (stop
# words aside), folding at index time, every-country filters, date ranges that leave the
# undated out, newest first with the undated last, paging.
@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "AZERBAÏDJAN"}, "a_ceinture.txt | c_belt.txt"),
        ({"q": "l’Azerbaïdjan"}, "a_ceinture.txt | c_belt.txt"),
        ({"q": "œuvre"}, "b_oeuvre.txt"),
        # Quoted: the article that writes the words as typed, then its synonyms' articles.
        ({"q": '"ceinture et la route"'}, "a_ceinture.txt | news.jsonl#n1 c_belt.txt"),
        ({"q": '"route ceinture"'}, ""),
        ({"q": "coopération -culturelle"}, "a_ceinture.txt"),
        ({"q": "kirghiz*"}, "b_oeuvre.txt news.jsonl#n3"),
        ({"q": "", "country": ["CN", "AZ"]}, "a_ceinture.txt | c_belt.txt"),
        ({"q": "", "to": "2019"}, "news.jsonl#n1 | news.jsonl#n2 | news.jsonl#n3"),
        ({"q": "", "per_page": 100}, EVERYTHING),
        (
            {"q": "", "page": 2, "per_page": 4},
            "sous-dossier/e_pekin.txt | news.jsonl#n1 | news.jsonl#n2 | news.jsonl#n3",
        ),
    ],
)
def test_engine_finds_the_expected_hits(built_data, engine, params, expected):
    ids = built_data(engine).ids(**params)
    want = groups(expected)
    assert in_groups(ids, want) == want


@pytest.mark.parametrize("engine", OTHER_ENGINES)
@pytest.mark.parametrize(
    "params",
    [
        {"q": "chinoise"},
        {"q": "azerbaidjan"},
        {"q": "l'oeuvre"},
        {"q": "économie chinoise"},
        {"q": "Côte d’Ivoire"},
        {"q": "etats-unis"},
        {"q": "azerbaijan"},  # a name variant, weighted
        {"q": "chnie relations"},  # a typo, weighted; alternatives score as the best one
        {"q": '"la Ceinture et la Route"'},
        {"q": "Belt and Road"},
        {"q": "ceinture route"},
        {"q": "japon OR corée"},
        {"q": "chine OR russie"},
        {"q": "(chine OR russie) -moscou"},
        {"q": '-"Ceinture et la Route" chinoise'},
        {"q": "-chine"},
        {"q": "coop*"},
        {"q": "coop* kirghizistan"},
        {"q": "xyzzy"},
        {"q": ""},
        {"q": "", "country": "CN"},
        {"q": "coop*", "country": "KG"},
        {"q": "", "from": "2020", "to": "2023"},
        {"q": "", "from": "2019", "to": "2023-06"},
        {"q": "coopération", "from": "2023-05"},
        {"q": "chinois", "sort": "date"},
        {"q": "chinois", "sort": "date", "page": 2, "per_page": 2},
    ],
)
def test_engine_agrees_with_the_reference(built_data, engine, params):
    """The same total, hits (near-equal scores in any order), facets and passages."""
    ours, ref = built_data(engine).search(**params), built_data(REFERENCE).search(**params)
    assert ours.total == ref.total
    want = date_groups(ref.hits) if params.get("sort") == "date" else tie_groups(ref.hits)
    assert in_groups([hit.id for hit in ours.hits], want) == want
    assert ours.facets == ref.facets
    passages = {h.id: [p.to_html() for p in h.passages] for h in ref.hits}
    assert {h.id: [p.to_html() for p in h.passages] for h in ours.hits} == passages


@pytest.mark.parametrize("engine", OTHER_ENGINES)
@pytest.mark.parametrize("word", ["chine", "route", "coopération", "pékin"])
def test_engines_score_a_word_alike(built_data, engine, word):
    """One BM25 (indexer/engines/whoosh_scoring.py): each article scores within 3 % on
    every engine; only the field lengths are quantized differently. A word an article
    repeats counts once in ``exact`` on both (Whoosh read its frequency there before)."""
    term = qt.Term(stem(fold(word)), fold(word))

    def scores(name: str) -> dict[str, float]:
        engine = built_data(name).snapshots.current().engine
        found = engine.search(qt.EngineQuery(qt.And((term,)), limit=50, facets=False))
        return dict(found.hits)

    ours, ref = scores(engine), scores(REFERENCE)
    assert ref and ours.keys() == ref.keys()
    assert ours == pytest.approx(ref, rel=0.03)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_facets_count_all_matches(built_data, engine):
    facets = built_data(engine).search(q="", per_page=1).facets
    countries = {v.value: v.count for v in facets["country"]}
    assert countries["CN"] == 4 and countries["AZ"] == 2 and countries["KG"] == 2
    assert [v.value for v in facets["year"]] == [str(y) for y in range(2024, 2016, -1)]
    assert {v.value for v in facets["month"]} >= {"2024-03", "2022-11", "2017-02"}


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_ids_restrict_a_query_to_some_articles_and_count_their_facets(built_data, engine):
    eng = built_data(engine).snapshots.current().engine
    some = qt.Ids(("news.jsonl#n1", "a_ceinture.txt", "b_oeuvre.txt", "nope.txt"))
    chine = qt.Or((qt.Term(stem("chine"), "chine"), qt.Term(stem("chinois"), "chinois")))
    found = eng.search(qt.EngineQuery(qt.And((chine, some)), limit=10))
    assert {doc_id for doc_id, _ in found.hits} == {"news.jsonl#n1", "a_ceinture.txt"}
    counted = eng.search(qt.EngineQuery(some, limit=1, facets=True))
    assert counted.total == 3 and sum(counted.facets["year"].values()) == 3
    assert eng.search(qt.EngineQuery(qt.Ids(()), limit=1)).total == 0


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_ids_past_a_megabyte_of_text_still_restrict_a_query(built_data, engine):
    """The copies' pass asks which of every copy's id match a query: 341,600 ids in an
    archive that holds each article ten times (PostgreSQL refuses a tsquery past 1 MB)."""
    eng = built_data(engine).snapshots.current().engine
    many = [f"inews-r{n % 10}.jsonl.gz#orangesum-{n}-r{n % 10}" for n in range(40_000)]
    some = qt.Ids(tuple([*many, "news.jsonl#n1", "a_ceinture.txt"]))
    chine = qt.Or((qt.Term(stem("chine"), "chine"), qt.Term(stem("chinois"), "chinois")))
    found = eng.search(qt.EngineQuery(qt.And((chine, some)), limit=10, facets=True))
    assert {doc_id for doc_id, _ in found.hits} == {"news.jsonl#n1", "a_ceinture.txt"}
    assert found.total == 2 and sum(found.facets["year"].values()) == 2


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_fetch_returns_the_stored_article_or_none(built_data, engine):
    articles, _ = read_source(DATA_DIR, "news.jsonl")
    n1 = next(a for a in articles if a.id.endswith("#n1"))
    fetched = built_data(engine).snapshots.current().engine.fetch([n1.id, "nope.txt", n1.id])
    assert fetched == [n1, None, n1]


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_doc_count_and_vocabulary(built_data, engine):
    eng = built_data(engine).snapshots.current().view.engine
    assert eng.doc_count() == 10
    assert eng.vocabulary("co", 3) == [("cooperation", 2), ("commune", 1), ("coree", 1)]


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_searches_from_many_threads_agree(built_data, engine):
    built = built_data(engine)
    queries = ["chinoise", "coop*", '"la Ceinture et la Route"', "", "-chine"] * 8
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda q: built.ids(q=q), queries))
    assert results == [built.ids(q=q) for q in queries]


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_incremental_update_adds_changes_and_removes_files(tmp_path, engine):
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    built = Built(tmp_path, corpus, engine)
    (corpus / "g_nouveau.txt").write_text(" date 2025-01 Le Brésil rejoint le Couloir médian.")
    (corpus / "b_oeuvre.txt").write_text(" date 2023-05-05 Un accord sur le tourisme kirghize.")
    (corpus / "d_sans_date.txt").unlink()
    report = update_index(built.config)
    assert (report.added, report.changed, report.removed) == (
        ["g_nouveau.txt"],
        ["b_oeuvre.txt"],
        ["d_sans_date.txt"],
    )
    assert report.doc_count == 10
    assert built.ids(q="brésil") == ["g_nouveau.txt"]
    assert built.ids(q="tourisme") == ["b_oeuvre.txt"]
    assert built.ids(q="oeuvre") == [] and built.ids(q="Ivoire") == []
    assert built.ids(q="chinoise") != []  # unchanged files are still there, copied


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_writer_deletes_by_id_and_cancel_drops_changes(tmp_path, engine):
    eng = engine_class(engine).create(tmp_path / "ix")
    everything = qt.EngineQuery(qt.MatchAll(), limit=10)
    with eng.writer() as w:
        w.add([Article(f"a{i}", f"texte numéro {i}", f"titre {i}", source="s") for i in range(3)])
    assert eng.search(everything).total == 3  # the same engine sees its commit
    with eng.writer() as w:
        w.delete_ids(["a1", "inconnu"])
    assert sorted(i for i, _ in eng.search(everything).hits) == ["a0", "a2"]
    w = eng.writer()
    w.delete_source("s")
    w.cancel()
    assert eng.doc_count() == 2
    eng.close()


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_fetch_after_a_search_sees_the_next_commit(tmp_path, engine):
    # tantivy keeps the documents a search loaded, for the fetch that follows it
    eng = engine_class(engine).create(tmp_path / "ix")
    everything = qt.EngineQuery(qt.MatchAll(), limit=10)
    with eng.writer() as w:
        w.add([Article("a", "ancien texte", "ancien titre", source="s")])
    assert [i for i, _ in eng.search(everything).hits] == ["a"]
    assert eng.fetch(["a"])[0].text == "ancien texte"
    with eng.writer() as w:
        w.delete_ids(["a"])
        w.add([Article("a", "nouveau texte", "nouveau titre", source="s")])
    assert eng.fetch(["a"])[0].text == "nouveau texte"
    assert [i for i, _ in eng.search(everything).hits] == ["a"]
    assert [a.title for a in eng.fetch(["a", "inconnu", "a"]) if a] == ["nouveau titre"] * 2
    with eng.writer() as w:
        w.delete_ids(["a"])
    assert eng.fetch(["a"]) == [None]
    eng.close()


@pytest.mark.parametrize("engine", OTHER_ENGINES)
@pytest.mark.parametrize(
    "q",
    ["Azerbaïdjan Chine", "coopération", "président", '"Ceinture et la Route"', "pandémie OR gaz"],
)
def test_engines_agree_on_the_seeds_top_ten(built_seeds, engine, q):
    ours, ref = built_seeds(engine).search(q=q), built_seeds(REFERENCE).search(q=q)
    assert (ours.total, ours.facets) == (ref.total, ref.facets)
    want = tie_groups(ref.hits)
    assert in_groups([hit.id for hit in ours.hits], want) == want


def test_many_hits_among_listed_ids_are_read_from_the_key_column(built_data, monkeypatch):
    """tantivy: the ids of many hits among listed ids come from their hashed key (a
    numeric column), not from each hit's stored document; two listed ids that share a
    key are told apart by their documents."""
    from indexer.engines import tantivy_reader

    eng = built_data("tantivy").snapshots.current().engine
    everything = eng.search(qt.EngineQuery(qt.MatchAll(), limit=100))
    ids = tuple(sorted(doc_id for doc_id, _ in everything.hits))
    monkeypatch.setattr(tantivy_reader, "KEYED_FROM", 1)
    loaded = _count_loaded_documents(eng, monkeypatch)
    query = qt.EngineQuery(qt.And((qt.MatchAll(), qt.Ids(ids))), limit=len(ids))
    assert sorted(doc_id for doc_id, _ in eng.search(query).hits) == list(ids)
    assert loaded == []
    real_key = tantivy_reader.id_key
    a, b = ids[0], ids[1]  # b's key, as the list's keys are made, is a's: a collision
    monkeypatch.setattr(tantivy_reader, "id_key", lambda i: real_key(a if i == b else i))
    tantivy_reader._Keys.of.cache_clear()
    assert sorted(doc_id for doc_id, _ in eng.search(query).hits) == list(ids)
    assert sorted(loaded) == sorted([a, b])
    tantivy_reader._Keys.of.cache_clear()


def _count_loaded_documents(reader, monkeypatch) -> list[str]:
    """The ids of the documents a tantivy reader loads from here on."""
    loaded: list[str] = []

    class Counting:
        def __init__(self, searcher):
            self._searcher = searcher

        def doc(self, address):
            doc = self._searcher.doc(address)
            loaded.append(doc["id"][0])
            return doc

        def __getattr__(self, name):
            return getattr(self._searcher, name)

    monkeypatch.setattr(reader, "searcher", Counting(reader.searcher))
    return loaded


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize("facets", [False, True])
def test_a_count_asks_for_no_hits(built_data, engine, facets):
    """``limit=0``: the total (and the facets) of every match, no page. The core counts
    this way (spelling, the copies' pass); the postgres engine then neither ranks nor
    reads the query's statistics."""
    eng = built_data(engine).snapshots.current().engine
    chine = qt.Or((qt.Term(stem("chinoise"), "chinoise"), qt.Term(stem("pékin"), "pekin")))
    for tree, filters in [
        (chine, qt.Filters()),
        (chine, qt.Filters(countries=("AZ",))),
        (qt.MatchAll(), qt.Filters(date_to=qt.date_key("2019", upper=True))),
    ]:
        paged = eng.search(qt.EngineQuery(tree, filters, limit=10, facets=facets))
        counted = eng.search(qt.EngineQuery(tree, filters, limit=0, facets=facets))
        assert paged.total > 0 and paged.hits
        assert (counted.total, counted.hits, counted.facets) == (paged.total, [], paged.facets)
        anyway = eng.search(qt.EngineQuery(tree, filters, limit=0, counted=False))
        assert (anyway.total, anyway.hits) == (paged.total, [])  # nothing ranked: counted


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_an_uncounted_search_ranks_alike(built_data, engine, sort):
    """``counted=False``: the page alone is wanted (a tier whose total no one reads), and
    it is the page of a counted search, whatever its depth."""
    eng = built_data(engine).snapshots.current().engine
    chine = qt.Or((qt.Term(stem("chinoise"), "chinoise"), qt.Term(stem("route"), "route")))
    for limit in (1, 3, 100):
        query = qt.EngineQuery(chine, limit=limit, sort=sort)
        assert eng.search(replace(query, counted=False)).hits == eng.search(query).hits
