"""The relevance harness (bench/relevance.py): its metrics, and one run on a tiny corpus."""

from __future__ import annotations

import gzip
import importlib
import json
import sys
from pathlib import Path

import pytest

from indexer.live import IndexHandle

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ holds scripts beside the installed packages
    sys.path.insert(0, str(ROOT))
relevance = importlib.import_module("bench.relevance")
SHARED = ROOT.parent / "shared" / "data"


@pytest.mark.parametrize(
    "ranking, relevant, expected",
    [
        (["a", "b"], {"a"}, 1.0),
        (["x", "a"], {"a"}, 0.5),
        (["x", "a", "b"], {"a", "b"}, 0.5),  # the first relevant hit counts
        (["x", "x", "a"], {"a"}, 0.5),  # a repeated id takes one rank
        ([*"cdefghijk", "a"], {"a"}, 0.1),  # rank 10: still in
        ([*"cdefghijkl", "a"], {"a"}, 0.0),  # rank 11: out
        ([], {"a"}, 0.0),  # no hits
    ],
)
def test_reciprocal_rank_at_10(ranking, relevant, expected):
    assert relevance.reciprocal_rank(ranking, relevant, 10) == pytest.approx(expected)


@pytest.mark.parametrize(
    "ranking, relevant, k, expected",
    [
        (["a", "x"], {"a"}, 10, 1.0),
        (["a", "x"], {"a", "b"}, 10, 0.5),
        (["x", "a"], {"a"}, 1, 0.0),
        (["a", "a", "b"], {"a", "b"}, 2, 1.0),  # a repeated id takes one rank: b is 2nd
        ([], {"a"}, 100, 0.0),
        (["a"], set(), 10, 0.0),  # nothing judged relevant: nothing to recall
    ],
)
def test_recall_at_k(ranking, relevant, k, expected):
    assert relevance.recall_at(ranking, relevant, k) == pytest.approx(expected)


def test_reciprocal_rank_keeps_the_systems_order_for_tied_scores():
    # two hits with one score: the harness scores what users see, in the order given
    assert relevance.reciprocal_rank(["b", "a"], {"a"}) == 0.5
    assert relevance.reciprocal_rank(["a", "b"], {"a"}) == 1.0


def test_score_run_averages_judged_queries_and_counts_zero_hits():
    rankings = {"q1": ["a"], "q2": [], "q3": ["x", "b"], "unjudged": ["z"]}
    qrels = {"q1": {"a"}, "q2": {"b"}, "q3": {"b"}}
    m = relevance.score_run(rankings, qrels, latencies_ms=[1.0, 5.0, 3.0], errors=1)
    assert m.queries == 3
    assert m.mrr10 == pytest.approx((1 + 0 + 0.5) / 3)
    assert m.recall10 == pytest.approx(2 / 3)
    assert (m.zero_hits, m.errors, m.latency_p50_ms) == (1, 1, 3.0)


def test_read_queries_and_qrels(tmp_path):
    (tmp_path / "q.tsv").write_text("q1\tQui a vu ?\nq2\tOù\n", encoding="utf-8")
    (tmp_path / "r.tsv").write_text("q1\td1\t1\nq1\td2\t0\nq2\td3\t1\n", encoding="utf-8")
    assert relevance.read_queries(tmp_path / "q.tsv") == {"q1": "Qui a vu ?", "q2": "Où"}
    assert relevance.read_qrels(tmp_path / "r.tsv") == {"q1": {"d1"}, "q2": {"d3"}}


EVAL_DOCS = [
    ("piaf-baku", "Azerbaïdjan", "Bakou est la capitale de l'Azerbaïdjan, sur la Caspienne."),
    ("piaf-pekin", "Chine", "Pékin est la capitale de la Chine depuis des siècles."),
    ("piaf-cica", "CICA", "L'Azerbaïdjan a présidé la Conférence pour l'interaction en Asie."),
]
NEWS_DOCS = [("orangesum-1", "Paris", "Paris, capitale de la France, accueille un sommet.")]
# Queries whose answers do not hang on ranking (which others keep improving): one word
# found in one paragraph only, or a word found nowhere; every system scores 3 of 4.
QUERIES = {
    "q1": ("Bakou", "piaf-baku"),
    "q2": ("kwxjzv", "piaf-cica"),  # in no document: a zero-hit query for every system
    "q3": ("Chine Pékin", "piaf-pekin"),
    "q4": ("CICA", "piaf-cica"),
}


def write_jsonl_gz(path: Path, docs) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"id": i, "title": t, "text": x}, ensure_ascii=False) for i, t, x in docs]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


@pytest.fixture
def tiny_data(tmp_path) -> Path:
    """A shared-data folder in miniature: eval corpus, queries, qrels, news distractors."""
    data = tmp_path / "data"
    write_jsonl_gz(data / "eval" / "corpus.jsonl.gz", EVAL_DOCS)
    write_jsonl_gz(data / "news-fr.jsonl.gz", NEWS_DOCS)
    queries = "".join(f"{qid}\t{q}\n" for qid, (q, _) in QUERIES.items()) + "q5\tsans jugement\n"
    qrels = "".join(f"{qid}\t{doc}\t1\n" for qid, (_, doc) in QUERIES.items())
    (data / "eval" / "queries-dev.tsv").write_text(queries, encoding="utf-8")
    (data / "eval" / "qrels-dev.tsv").write_text(qrels, encoding="utf-8")
    return data


def test_run_measures_product_and_peers_on_both_settings(tiny_data, tmp_path, capsys):
    cache = tmp_path / "cache"
    argv = ["--data", str(tiny_data), "--cache", str(cache), "--engine", "whoosh"]
    rows = relevance.main([*argv, "--engine", "tantivy", "--setting", "both", "--peers", "--json"])
    systems = ["product (whoosh)", "product (tantivy)", "fts5", "tantivy", "whoosh"]
    assert [(r.setting, r.system) for r in rows] == [
        (setting, system) for setting in ("eval", "distractors") for system in systems
    ]
    for row in rows:  # q5 has no judgment: it is not scored
        m = row.metrics
        assert (m.queries, m.zero_hits, m.errors) == (4, 1, 0), row
        assert (m.mrr10, m.recall10, m.recall100) == (0.75, 0.75, 0.75), row
    assert json.loads(capsys.readouterr().out)["rows"][0]["metrics"]["queries"] == 4
    linked = cache / "corpus" / "distractors" / "news-fr.jsonl.gz"
    assert linked.is_file() and not linked.is_symlink()  # a hard link: the indexer reads it
    assert IndexHandle(cache / "product-whoosh-distractors").view().manifest.doc_count == 4
    again = relevance.main([*argv, "--setting", "eval", "--limit", "2"])
    assert [r.system for r in again] == ["product (whoosh)"]
    assert again[0].build_seconds == 0.0  # the cached index is reused
    assert again[0].metrics.queries == 2


def test_cached_product_index_is_rebuilt_when_the_indexer_changed(tiny_data, tmp_path, monkeypatch):
    argv = ["--data", str(tiny_data), "--cache", str(tmp_path / "cache"), "--limit", "1"]
    assert relevance.main(argv)[0].build_seconds > 0  # first run: built
    assert relevance.main(argv)[0].build_seconds == 0.0  # same code: reused
    monkeypatch.setattr(relevance, "indexer_fingerprint", lambda: "another indexer")
    assert relevance.main(argv)[0].build_seconds > 0  # other code: rebuilt


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared data not found at {SHARED}")
def test_dev_qrels_judge_documents_of_the_eval_corpus():
    queries = relevance.read_queries(SHARED / relevance.QUERIES)
    qrels = relevance.read_qrels(SHARED / relevance.QRELS)
    with gzip.open(SHARED / "eval" / "corpus.jsonl.gz", "rt", encoding="utf-8") as f:
        ids = {json.loads(line)["id"] for line in f}
    assert len(queries) == len(qrels) == 3784
    assert set().union(*qrels.values()) <= ids


def test_the_lexical_ceiling_counts_queries_sharing_a_stem_with_their_paragraph(tiny_data):
    corpus = tiny_data / relevance.SETTINGS["eval"][0]
    queries = {qid: text for qid, (text, _) in QUERIES.items()}
    qrels = {qid: {docid} for qid, (_, docid) in QUERIES.items()}
    assert relevance.lexical_ceiling(corpus, queries, qrels) == (4, 3)  # not "kwxjzv"
    queries["q1"] = "Capitales"  # a stem of the paragraph ("capitale"), not its words
    assert relevance.lexical_ceiling(corpus, queries, qrels) == (4, 3)
    queries["q1"] = "Quel est le nom ?"  # stop words and a word of no judged paragraph
    assert relevance.lexical_ceiling(corpus, queries, qrels) == (4, 2)
