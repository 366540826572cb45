"""Articles found by meaning: their vectors (indexer.dense), kept per index generation,
and their place among a query's partial matches (service.hybrid)."""

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import write_config

from indexer import dense, wordvectors
from indexer.articles import Article
from indexer.build import build_index
from indexer.dense_index import DenseIndex, VectorsDamaged
from indexer.runs import cut
from indexer.store import current_generation
from service.cli.search import search_cmd
from service.config import load_config
from service.search import hybrid
from service.search.core import search
from service.search.models import SearchRequest
from service.search.snapshot import Snapshots
from service.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
PIAF = SHARED / "eval" / "corpus.jsonl.gz"
# A PIAF question whose paragraph ("Human beatbox") holds none of its stems: "beatboxing"
# is not "beatbox" to a stemmer, but their vectors are near.
QUESTION = "quel est l'ancêtre du beatboxing ?"
ANSWER = "corpus.jsonl.gz#piaf-12107bcdef82"


def lexical(n: int, prefix: str = "l") -> list[tuple[str, float]]:
    return [(f"{prefix}{i}", float(100 - i)) for i in range(1, n + 1)]


def test_full_matches_and_the_first_hits_stay_first():
    hits = lexical(30)
    nearest = [("d1", 0.9), ("l12", 0.8), ("d2", 0.7)]
    fused = hybrid.fuse(hits, all_terms=0, nearest=nearest)
    ids = [doc_id for doc_id, _ in fused.hits]
    assert ids[: hybrid.KEPT] == [f"l{i}" for i in range(1, hybrid.KEPT + 1)]
    # then by reciprocal rank: l12 (lexical 12 and nearest 2), d1 (nearest 1), d2, l11
    assert ids[hybrid.KEPT : hybrid.KEPT + 4] == ["l12", "d1", "d2", "l11"]
    assert fused.by_meaning == {"d1", "d2"} and fused.added == 2
    assert sorted(ids) == sorted([f"l{i}" for i in range(1, 31)] + ["d1", "d2"])  # none lost
    assert dict(fused.hits)["d1"] == 0.9  # the cosine stands for the score

    full = hybrid.fuse(hits, all_terms=25, nearest=nearest)
    assert [d for d, _ in full.hits][:25] == [f"l{i}" for i in range(1, 26)]
    assert hybrid.fuse(hits, all_terms=hybrid.DEPTH, nearest=nearest).hits == hits


def test_lexical_hits_pushed_out_of_the_fused_ranks_follow_them():
    hits = lexical(150)
    nearest = [(f"d{i}", 0.5) for i in range(1, 101)]
    fused = hybrid.fuse(hits, 0, nearest)
    ids = [doc_id for doc_id, _ in fused.hits]
    assert len(ids) == 150 + fused.added and fused.added > 0
    pushed = [d for d in ids[hybrid.DEPTH :] if d.startswith("l")]
    assert pushed == [f"l{i}" for i in range(1, 151) if f"l{i}" not in ids[: hybrid.DEPTH]]


def test_a_lexical_hit_near_by_meaning_is_pulled_up_once_and_never_counted_twice():
    hits = lexical(150)
    nearest = [("l120", 0.95), ("d1", 0.9), ("m1", 0.85), ("d2", 0.8)]
    # The engine says which candidates hold some words: l120, and m1 (beyond the hits
    # fetched): lexical hits both, pulled up into the fused ranks, found by meaning neither.
    fused = hybrid.fuse(hits, 0, nearest, matched=frozenset({"l120", "m1"}))
    ids = [doc_id for doc_id, _ in fused.hits]
    assert fused.by_meaning == {"d1", "d2"} and fused.added == 2
    assert len(ids) == len(set(ids)) == 150 + 1 + fused.added  # m1 came from further down
    assert ids.index("l120") < hybrid.DEPTH and ids.index("m1") < hybrid.DEPTH


def test_only_the_first_nearest_articles_may_join():
    nearest = [(f"l{i}", 0.9) for i in range(1, 6)] + [
        (f"d{i}", 0.5) for i in range(1, hybrid.MEANING_RANKS + 5)
    ]
    assert hybrid.candidates(lexical(50), nearest) == [
        f"d{i}" for i in range(1, hybrid.MEANING_RANKS - 4)
    ]
    fused = hybrid.fuse(lexical(50), 0, nearest)
    assert fused.added == hybrid.MEANING_RANKS - 5


@pytest.mark.parametrize(
    "params, applies",
    [
        ({"q": "mort du pape"}, True),
        ({"q": "pape"}, False),  # one word: no partial matches
        ({"q": "mort du pape -rome"}, False),  # an exclusion
        ({"q": "mort du pape", "countries": ("VA",)}, False),
        ({"q": "mort du pape", "date_from": "2020"}, False),
        ({"q": "mort du pape", "sort": "date"}, False),
    ],
)
def test_only_relevance_queries_of_several_words_without_filters(params, applies):
    from service.search.query import parse_query

    request = SearchRequest(**params)
    assert hybrid.applies(request, parse_query(request.q)) is applies


def test_word_keys_in_bulk_are_spacys():
    words = ["", "a", "voiture", "décès", "Azerbaïdjan", "abcdefgh", "abcdefghi", "l'empire"]
    words += ["x" * n for n in range(1, 40)] + ["é" * n for n in range(1, 20)]
    words += ["y" * 64, "z" * 65, "ü" * 40, "w" * 10_000]  # longer than LONG_WORD: one by one
    assert wordvectors.word_keys(words).tolist() == [wordvectors.word_key(w) for w in words]
    vectors = wordvectors.word_vectors()
    assert vectors.rows(words + ["Mort"]).tolist() == [vectors.row(w) for w in words + ["Mort"]]


def _articles(folder: Path, name: str, texts: list[str]) -> None:
    lines = [
        json.dumps({"id": f"{name}{i}", "title": t.split(".")[0], "text": t})
        for i, t in enumerate(texts)
    ]
    (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_build_and_the_changes_after_it_keep_the_vectors_of_their_articles(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _articles(corpus, "a", ["Le pape est mort à Rome.", "La voiture électrique se vend bien."])
    _articles(corpus, "b", ["Le décès du souverain pontife.", "Les élections en Allemagne."])
    build_index(corpus, tmp_path / "index")
    gen = current_generation(tmp_path / "index")
    vectors = DenseIndex.load(gen)
    assert sorted(vectors.ids) == ["a.jsonl#a0", "a.jsonl#a1", "b.jsonl#b0", "b.jsonl#b1"]
    assert vectors.matrix.shape == (4, dense.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors.matrix, axis=1), 1, atol=1e-5)

    # A change in place: a file removed, one added, one unchanged. The build's model
    # makes the new article's vector; the removed ones are masked out.
    (corpus / "a.jsonl").unlink()
    _articles(corpus, "c", ["Le cheval gagne la course.", "Le décès du pape à Rome."])
    build_index(corpus, tmp_path / "index")
    assert current_generation(tmp_path / "index") == gen  # no new generation
    snapshot = Snapshots.at(tmp_path / "index").current()
    now = DenseIndex.load(gen).with_changes(snapshot.vector_changes)
    assert len(now) == 4
    nearest = now.nearest(now.query_vector("la mort du pape"), 10)
    assert {i for i, _ in nearest} == {"b.jsonl#b0", "b.jsonl#b1", "c.jsonl#c0", "c.jsonl#c1"}
    written = np.frombuffer(snapshot.vector_changes["c.jsonl#c1"], dtype=np.float32)
    assert np.allclose(written, now.query_vector("Le décès du pape à Rome."), atol=1e-5)

    # Damaged vectors: said (the snapshot then searches by words, and /healthz says so).
    (gen / dense.MODEL).write_bytes(b"garbage")
    with pytest.raises(VectorsDamaged):
        DenseIndex.load(gen)


def test_collected_bags_are_flat_arrays_and_the_model_does_not_depend_on_chunks(monkeypatch):
    texts = ["Le pape est mort à Rome.", "", "La voiture électrique.", "Le décès du pape."]
    articles = [
        Article(id=f"x{i}", text=t or "…", title="", source="s") for i, t in enumerate(texts)
    ]
    collected = dense.Collected()
    for bag in dense.bags(articles, [cut(a.title, a.text) for a in articles]):
        collected.add(bag)
    bags = collected.bags()
    assert bags.ids == ["x0", "x1", "x2", "x3"] and bags.starts[0] == 0
    assert len(bags.rows) == len(bags.counts) == bags.starts[-1]
    assert bags.starts[2] == bags.starts[1]  # "…": no word, no row
    vectors = wordvectors.word_vectors()
    whole = dense._model(bags, vectors)
    monkeypatch.setattr(dense, "CHUNK", 1)  # every article its own chunk
    chunked = dense._model(bags, vectors)
    for name in ("idf", "mean", "direction"):
        assert np.array_equal(chunked[name], whole[name]), name
    # BLAS may round a one-row product differently; the basis past the 4 articles' rank is
    # any orthonormal completion, so the vectors are compared, not it
    assert np.allclose(chunked["matrix"], whole["matrix"], atol=1e-5)
    assert dense.Collected().bags().starts.tolist() == [0]  # nothing added


def test_a_query_vector_points_at_the_article_of_the_same_subject(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _articles(
        corpus,
        "n",
        [
            "Le décès du souverain pontife a été annoncé au Vatican.",
            "La voiture électrique se vend bien en Norvège.",
            "Le match de football s'est terminé par un but.",
            "La récolte de blé est bonne cette année.",
        ],
    )
    build_index(corpus, tmp_path / "index")
    vectors = DenseIndex.load(current_generation(tmp_path / "index"))
    nearest = vectors.nearest(vectors.query_vector("la mort du pape"), 4)
    assert nearest[0][0] == "n.jsonl#n0"
    assert [c for _, c in nearest] == sorted((c for _, c in nearest), reverse=True)


def test_small_indexes_search_by_words_only(seeds_index):
    """Five articles: their mean is no centre and their nearest are all of them."""
    assert DenseIndex.load(seeds_index.view.generation) is not None
    assert seeds_index.vectors is None
    result = search(seeds_index, SearchRequest(q="Quand l'Azerbaïdjan a-t-il présidé la CICA ?"))
    assert not any(hit.by_meaning for hit in result.hits)


@pytest.fixture(scope="module")
def piaf_config(tmp_path_factory):
    if not PIAF.is_file():
        pytest.skip(f"PIAF corpus not found at {PIAF} (../shared/data/eval)")
    folder = tmp_path_factory.mktemp("piaf")
    corpus = folder / "corpus"
    corpus.mkdir()
    shutil.copy(PIAF, corpus / PIAF.name)
    path = write_config(folder, corpus)
    build_index(corpus, folder / "index")
    return path


def test_a_question_finds_by_meaning_the_paragraph_it_shares_no_stem_with(piaf_config, monkeypatch):
    index = Snapshots.at(piaf_config.parent / "index").current()
    result = search(index, SearchRequest(q=QUESTION, per_page=30))
    hits = {hit.id: hit for hit in result.hits}
    assert ANSWER in hits and hits[ANSWER].by_meaning
    assert result.total > result.all_terms_total
    with gzip.open(PIAF, "rt", encoding="utf-8") as f:
        paragraph = next(json.loads(line) for line in f if ANSWER.endswith(json.loads(line)["id"]))
    assert "beatboxing" not in paragraph["text"].lower()
    # By words only, it is not among the first 100 matches.
    monkeypatch.setitem(index._memo, "vectors", None)  # as if it had no article vectors
    words_only = search(index, SearchRequest(q=QUESTION, per_page=100))
    assert ANSWER not in {hit.id for hit in words_only.hits}


def test_found_by_meaning_is_said_by_the_api_the_page_and_the_cli(piaf_config):
    client = create_app(load_config(piaf_config, environ={})).test_client()
    body = client.get("/api/search", query_string={"q": QUESTION, "per_page": 30}).get_json()
    hit = next(h for h in body["hits"] if h["id"] == ANSWER)
    assert hit["by_meaning"] is True
    assert not body["hits"][0]["by_meaning"]

    page = client.get("/", query_string={"q": QUESTION, "per_page": 30}).get_data(as_text=True)
    assert "proche par le sens" in page

    result = CliRunner().invoke(
        search_cmd, [QUESTION, "--per-page", "30", "--explain", "--config", str(piaf_config)]
    )
    assert result.exit_code == 0, result.output
    assert "(aucun des mots cherchés : proche par le sens)" in result.output


def test_an_article_built_without_vectors_still_searches_by_words(tmp_path, monkeypatch):
    monkeypatch.setattr(dense, "word_vectors", lambda: None)
    article = Article(id="x", title="Titre", text="Le pape est mort.", source="x.jsonl")
    assert dense.bags([article], [cut(article.title, article.text)]) == [None]
