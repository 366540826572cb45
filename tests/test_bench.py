"""The benchmark suite (bench/): its statistics, and a tiny run of every script.

The scripts run on a generated corpus of 24 articles in a temporary folder, so that they
cannot rot; the news corpus is needed only by the test that slices it.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib
import io
import json
import shutil
import subprocess
import sys
import threading
from argparse import Namespace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ holds scripts beside the installed packages
    sys.path.insert(0, str(ROOT))

stats = importlib.import_module("bench.stats")
machine = importlib.import_module("bench.machine")
results = importlib.import_module("bench.results")
corpus = importlib.import_module("bench.corpus")
mix = importlib.import_module("bench.mix")
peers = importlib.import_module("bench.peers")
worker = importlib.import_module("bench.worker")
queries = importlib.import_module("bench.queries")
indexing = importlib.import_module("bench.indexing")
scale = importlib.import_module("bench.scale")
run_all = importlib.import_module("bench.run_all")
targets = importlib.import_module("bench.targets")
http_load = importlib.import_module("bench.http_load")
completions = importlib.import_module("bench.completions")
writes = importlib.import_module("bench.writes")
hostile = importlib.import_module("bench.hostile")
revisions = importlib.import_module("bench.revisions")
french_terms = importlib.import_module("bench.french_terms")
systems = importlib.import_module("bench.systems")

SUBJECTS = ["Emmanuel Macron", "Le gouvernement", "La police", "Donald Trump", "La Chine"]
ACTIONS = ["annonce", "présente", "critique", "prépare"]
OBJECTS = [
    "la réforme des retraites",
    "un accord commercial avec la Chine",
    "le confinement",
    "les élections municipales",
    "le prix du carburant",
    "un vaccin contre le coronavirus",
]


def tiny_article(i: int) -> dict:
    """A short French article whose words the query mix looks for."""
    sentences = [
        f"{SUBJECTS[(i + k) % 5]} {ACTIONS[(i + k) % 4]} {OBJECTS[(i * 3 + k) % 6]} à Paris."
        for k in range(6)
    ]
    date = f"{2016 + i % 5}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    return {"id": f"t{i}", "title": sentences[0][:-1], "date": date, "text": " ".join(sentences)}


@pytest.fixture(scope="session")
def tiny_source(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bench-source") / "tiny.jsonl"
    lines = (json.dumps(tiny_article(i), ensure_ascii=False) for i in range(24))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def bench_cache(tmp_path_factory, tiny_source) -> Path:
    """A cache with the tiny corpus (all 24 articles) indexed by every system, in-process."""
    cache = tmp_path_factory.mktemp("bench-cache")
    folder = corpus.corpus_dir(None, cache, tiny_source)
    for name in systems.SYSTEMS:
        worker.build(name, folder, worker.index_folder(name, folder, cache))
    return cache


@pytest.fixture
def in_process_workers(monkeypatch):
    """Workers run in this process (fast); the indexing test keeps a real subprocess."""

    def run_worker(args, timeout=None):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            worker.main(list(args))
        return json.loads(out.getvalue().splitlines()[-1])

    for module in (worker, queries, scale):
        monkeypatch.setattr(module, "run_worker", run_worker)


# --- statistics ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, q, expected",
    [
        ([5.0], 50, 5.0),
        ([1, 2, 3, 4], 50, 2.5),
        ([1, 2, 3, 4], 0, 1.0),
        ([1, 2, 3, 4], 100, 4.0),
        ([4, 1, 3, 2], 50, 2.5),  # order does not matter
        (list(range(1, 101)), 95, 95.05),
        (list(range(1, 101)), 99, 99.01),
    ],
)
def test_percentile_interpolates_between_closest_ranks(values, q, expected):
    assert stats.percentile(values, q) == pytest.approx(expected)


@pytest.mark.parametrize("values, q", [([], 50), ([1.0], -1), ([1.0], 101)])
def test_percentile_refuses_no_samples_and_bad_ranks(values, q):
    with pytest.raises(ValueError):
        stats.percentile(values, q)


def test_summarize_gives_percentiles_mean_and_max():
    s = stats.summarize([1.0, 2.0, 30.0])
    assert (s.count, s.p50, s.mean, s.max) == (3, 2.0, 11.0, 30.0)
    assert s.p95 == pytest.approx(27.2)
    assert s.p99 == pytest.approx(29.44)


def test_median_summary_takes_each_figure_from_the_median_round():
    rounds = [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [100.0, 100.0, 100.0]]  # one slowed round
    s = stats.median_summary(rounds)
    assert (s.count, s.p50, s.p99, s.max) == (9, 2.0, 2.0, 2.0)


@pytest.mark.parametrize(
    "sizes, values, expected",
    [
        ([1_000, 10_000], [2.0, 4.0], 0.30103),  # 10x the articles, 2x the latency
        ([1_000, 10_000], [2.0, 20.0], 1.0),  # linear
        ([1_000, 10_000, 100_000], [1.0, 5.0, 100.0], 1.0),  # first to last point
        ([1_000], [2.0], None),
        ([1_000, 1_000], [2.0, 4.0], None),
        ([1_000, 10_000], [0.0, 4.0], None),
    ],
)
def test_growth_exponent(sizes, values, expected):
    k = stats.growth_exponent(sizes, values)
    assert k == (None if expected is None else pytest.approx(expected, abs=1e-4))


# --- machine and tables ----------------------------------------------------------------


def test_machine_facts_are_read_from_proc_files():
    assert machine.cpu_model("processor : 0\nmodel name\t: AMD EPYC 7B13\n") == "AMD EPYC 7B13"
    assert machine.ram_gb("MemTotal:       24731648 kB\n") == 23.6
    status = "Name:\tpython\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n"
    assert machine.process_memory_mb(status=status) == {"peak_rss_mb": 209.7, "rss_mb": 104.9}
    assert set(machine.machine_info()) >= {"nproc", "cpu_model", "ram_gb", "load_average"}


@pytest.mark.parametrize(
    "value, text",
    [
        (None, "–"),
        (1234, "1,234"),
        (3.14159, "3.14"),
        (42.25, "42.2"),
        (4312.4, "4,312"),
        ("x", "x"),
    ],
)
def test_cells_are_rounded_by_magnitude(value, text):
    assert results.cell(value) == text


def test_markdown_table_aligns_numeric_columns_right():
    table = results.markdown_table(["engine", "p50 ms"], [["fts5", 0.94], ["whoosh", None]])
    assert table.splitlines() == [
        "| engine | p50 ms |",
        "|---|---:|",
        "| fts5 | 0.94 |",
        "| whoosh | – |",
    ]


def test_write_results_records_the_machine_and_the_load(tmp_path):
    path = results.write_results("x", {"rows": [1]}, tmp_path, load_before=[1.0, 2.0, 3.0])
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["rows"] == [1] and record["load_before"] == [1.0, 2.0, 3.0]
    assert record["machine"]["nproc"] and "load_after" in record
    assert results.read_results("x", tmp_path)["benchmark"] == "x"


# --- corpora ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, docs", [("10000", 10_000), ("10k", 10_000), ("1_000", 1_000), ("all", None)]
)
def test_parse_docs(text, docs):
    assert corpus.parse_docs(text) == docs


def test_parse_docs_refuses_zero():
    with pytest.raises(ValueError):
        corpus.parse_docs("0")


def test_a_slice_holds_the_first_articles(tmp_path, tiny_source):
    folder = corpus.corpus_dir(5, tmp_path, tiny_source)
    docs = list(corpus.read_docs(folder))
    assert [d.id for d in docs] == ["t0", "t1", "t2", "t3", "t4"]
    assert corpus.corpus_size(folder) == 5 and docs[0].date == "2016-01-01"


def test_the_whole_corpus_is_a_hard_link_not_a_copy_nor_a_symlink(tmp_path, tiny_source):
    folder = corpus.corpus_dir(None, tmp_path, tiny_source)
    (link,) = corpus.corpus_files(folder)
    assert not link.is_symlink() and link.samefile(tiny_source)  # the indexer reads it


def test_a_replica_gives_new_ids_to_the_copies(tmp_path, tiny_source):
    folder = corpus.corpus_dir(60, tmp_path, tiny_source, replicas=corpus.COPIES)
    ids = [d.id for d in corpus.read_docs(folder)]
    assert len(ids) == len(set(ids)) == 60 == corpus.corpus_size(folder)
    assert ids[24] == "t0-r1" and ids[-1] == "t11-r2"
    assert [p.name for p in corpus.corpus_files(folder)][0] == "news-r0.jsonl"
    assert folder.name.endswith("-60-copies")
    assert corpus.corpus_dir(60, tmp_path, tiny_source).name.endswith("-60-remixed")


def test_articles_past_the_source_are_remixed_from_two_of_its_articles(tmp_path):
    """New texts from the source's sentences: each is made of two articles' sentences,
    under the first's title and the second's date, the same on every run."""
    source = tmp_path / "source.jsonl"
    articles = [
        {
            "id": f"a{i}",
            "title": f"Titre {i}",
            "date": f"2019-{1 + i % 12:02d}-{1 + i:02d}",
            "text": " ".join(f"Phrase {k} de l'article {i}." for k in range(8)),
        }
        for i in range(24)
    ]
    source.write_text("\n".join(json.dumps(a) for a in articles) + "\n", encoding="utf-8")
    folder = corpus.corpus_dir(60, tmp_path, source)
    docs = list(corpus.read_docs(folder))
    assert len({d.id for d in docs}) == 60 == corpus.corpus_size(folder)
    assert docs[24].id == "a0-m1" and docs[-1].id == "a11-m2"
    assert len({d.text for d in docs}) == 60  # every text is new
    by_id = {d.id: d for d in docs[:24]}
    for doc in docs[24:]:
        first = by_id[doc.id.split("-")[0]]
        (second,) = [o for o in by_id.values() if o.date == doc.date]
        assert doc.title == first.title and second.id != first.id
        made_of = {s.split(" de l'article ")[1] for s in corpus.SENTENCE_END.split(doc.text)}
        assert made_of == {f"{first.id[1:]}.", f"{second.id[1:]}."}
    assert corpus.remix(articles[0], articles[3], 1) == corpus.remix(articles[0], articles[3], 1)


def test_a_slice_of_the_news_corpus(tmp_path):
    if not corpus.NEWS.is_file():
        pytest.skip(f"needs the news corpus: {corpus.NEWS} is absent")
    docs = list(corpus.read_docs(corpus.corpus_dir(3, tmp_path)))
    assert len(docs) == 3 and all(d.id.startswith("orangesum-") and d.date for d in docs)


# --- the mix ---------------------------------------------------------------------------


def test_the_mix_has_five_queries_of_each_kind():
    assert len(mix.MIX) == 40
    assert {k: sum(q.kind == k for q in mix.MIX) for k in mix.KINDS} == dict.fromkeys(
        ("single", "terms", "phrase", "country", "date", "sort-date", "typo", "question"), 5
    )


def test_peer_queries_take_phrases_country_names_and_full_dates():
    q = mix.MixQuery("country", '"gilets jaunes" Brexit', country=("GB",), date_from="2019")
    pq = q.peer_query()
    assert pq.words == ("brexit",)
    assert pq.phrases == (("gilets", "jaunes"), ("royaume", "uni"))
    assert (pq.date_from, pq.date_to) == ("2019-01-01", "")
    assert mix.MixQuery("date", "x", date_to="2019-04").peer_query().date_to == "2019-04-31"
    assert q.url() == ("/api/search?q=%22gilets+jaunes%22+Brexit&per_page=10&country=GB&from=2019")


def test_fts5_match_quotes_every_part():
    pq = mix.PeerQuery(words=("l'état",), phrases=(("gilets", "jaunes"),))
    assert peers.fts5_match(pq) == '"l\'état" "gilets jaunes"'


# --- the systems and the workers -------------------------------------------------------


@pytest.mark.parametrize("name", list(systems.SYSTEMS))
def test_every_system_answers_the_mix_on_the_tiny_corpus(name, bench_cache, tiny_source):
    folder = worker.index_folder(
        name, corpus.corpus_dir(None, bench_cache, tiny_source), bench_cache
    )
    out = worker.query(name, folder, rounds=1)
    assert len(out["wall_ms"]) == 1 and len(out["wall_ms"][0]) == len(mix.MIX)
    found = {q["q"]: q["total"] for q in out["queries"]}
    assert found["Macron"] > 0 and found['"gilets jaunes"'] == 0
    assert worker.built_stats(folder)["docs"] == 24


def test_peers_return_snippets_and_a_year_facet(bench_cache, tiny_source):
    folder = corpus.corpus_dir(None, bench_cache, tiny_source)
    pq = mix.MixQuery("single", "Macron").peer_query()
    for name, peer in peers.PEERS.items():
        total, top, years = peer.open(worker.index_folder(name, folder, bench_cache))(pq)
        assert total == sum(years.values()) > 0, name
        assert len(top) == min(total, 10) and "<" in top[0][1], name  # highlighted


def test_the_query_script_reuses_the_indexes(
    bench_cache, tiny_source, tmp_path, in_process_workers
):
    out = queries.main(
        ["--docs", "all", "--systems", "fts5", "--rounds", "1", "--source", str(tiny_source)]
        + ["--cache", str(bench_cache), "--results", str(tmp_path)]
    )
    (row,) = out["rows"]
    assert row["build"]["reused"] and row["wall"]["count"] == 40
    assert set(row["p50_by_kind"]) == set(mix.KINDS)
    assert "| SQLite FTS5 (stdlib) |" in queries.table(out["rows"])
    assert (tmp_path / "queries-all.json").is_file()


def test_the_indexing_script_builds_in_a_fresh_process(tiny_source, tmp_path):
    out = indexing.main(
        ["--docs", "5", "--systems", "fts5", "--source", str(tiny_source)]
        + ["--cache", str(tmp_path), "--results", str(tmp_path)]
    )
    (row,) = out["rows"]
    assert row["docs"] == 5 and row["peak_rss_mb"] > 0 and row["size_mb"] > 0
    assert not row["reused"]
    assert (tmp_path / "indexing-5.json").is_file()


def test_repeated_indexing_reports_each_systems_median_round(tiny_source, tmp_path):
    out = indexing.main(
        ["--docs", "5", "--systems", "fts5", "--repeat", "3", "--source", str(tiny_source)]
        + ["--cache", str(tmp_path), "--results", str(tmp_path)]
    )
    (row,) = out["rows"]
    assert out["repeat"] == 3 and len(row["samples"]) == 3
    assert row["seconds"] == sorted(row["samples"])[1]
    seconds = [3.0, 1.0, 2.0, 4.0]  # an even count: the lower middle one
    rounds = [{"seconds": s, "n": i} for i, s in enumerate(seconds)]
    assert indexing.median_round(rounds) == {"seconds": 2.0, "n": 2, "samples": seconds}


def test_the_completion_script_times_both_ways_in_fresh_processes(
    bench_cache, tiny_source, tmp_path
):
    out = completions.main(
        ["--docs", "all", "--systems", "product-tantivy,fts5", "--rounds", "1"]
        + ["--source", str(tiny_source), "--cache", str(bench_cache), "--results", str(tmp_path)]
    )
    folded, spelt = out["rows"]  # the peers have no completions: left out
    assert (folded["way"], spelt["way"]) == completions.WAYS
    assert (folded["example"], spelt["example"]) == (["elections"], ["élections"])
    for row in out["rows"]:
        (sample,) = row["samples"]
        assert len(sample["cold"]) == len(sample["warm"]) == len(completions.PREFIXES)
    assert (tmp_path / "completions-all.json").is_file()


def test_an_index_built_by_other_code_is_rebuilt(tiny_source, tmp_path, in_process_workers):
    folder = corpus.corpus_dir(3, tmp_path, tiny_source)
    first = worker.ensure_index("fts5", folder, tmp_path)
    assert not first["reused"] and worker.ensure_index("fts5", folder, tmp_path)["reused"]
    marker = Path(first["folder"]) / worker.MARKER
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "code": "older"}))
    assert not worker.ensure_index("fts5", folder, tmp_path)["reused"]


def test_the_scale_script_runs_a_small_curve(tiny_source, tmp_path, in_process_workers):
    out = scale.main(
        ["--systems", "tantivy", "--points", "6,3", "--rounds", "1", "--source", str(tiny_source)]
        + ["--cache", str(tmp_path), "--results", str(tmp_path)]
    )
    assert [(r["docs"], r["estimated"]) for r in out["rows"]] == [(3, False), (6, False)]
    assert out["growth"][0]["to_docs"] == 6 and "| tantivy-py" in scale.growth_table(out["growth"])


def test_run_all_writes_a_report_with_the_targets(tmp_path):
    skip = ["--skip", "indexing,queries,http,scale", "--results", str(tmp_path)]
    report = run_all.main([*skip, "--cache", str(tmp_path)]).read_text(encoding="utf-8")
    assert report.startswith("# Benchmark run") and "load average" in report
    assert "## Targets" in report and (tmp_path / "targets.json").is_file()


def test_the_scale_curve_estimates_whoosh_past_its_limit():
    measured = [{"docs": 10_000, "docs_per_s": 500.0}]
    estimate = scale.estimate_point("product-whoosh", 100_000, measured)
    assert estimate["estimated"] and estimate["build_seconds"] == 200.0
    rows = [
        {"system": "tantivy", "docs": n, "estimated": False, "p50_ms": p, "cpu_p50_ms": p}
        for n, p in ((1_000, 1.0), (10_000, 2.0), (100_000, 4.0))
    ]
    (g,) = scale.growth([*rows, {**estimate, "system": "tantivy"}])
    assert g["sub_linear"] and g["exponent_wall"] == pytest.approx(0.301)


def test_targets_are_judged_from_side_by_side_figures():
    q = {
        "rows": [
            {"system": s, "wall": {"p50": p50, "p95": p95}, "cpu": {"p50": p50}}
            for s, p50, p95 in (
                ("product-tantivy", 3.0, 5.0),
                ("tantivy", 2.5, 6.0),
                ("fts5", 1.0, 4.0),
                ("product-whoosh", 10.0, 20.0),
                ("whoosh", 27.0, 43.0),
            )
        ]
    }
    verdicts = {t["target"].split(" (")[0]: t["met"] for t in targets.query_targets(q, "all")}
    assert list(verdicts.values()) == [True, False, False]


def test_http_targets_judge_each_server_with_and_without_the_answer_cache():
    def row(cache: bool, search_p50: float) -> dict:
        runs = [
            {"route": route, "concurrency": c, "p50_ms": p50, "errors": 0, "requests": 100}
            for c in (1, 32)
            for route, p50 in (("floor", 0.6), ("search", search_p50))
        ]
        return {"engine": "tantivy", "answer_cache": cache, "runs": runs, "peak_rss_mb": 280}

    http = {"rows": [row(True, 1.0), row(False, 6.0)]}
    verdicts = {t["target"]: t["met"] for t in targets.http_targets(http, "all")}
    assert verdicts["HTTP p50 at c=1 within 2x of the trivial route (tantivy)"] is True
    assert (
        verdicts["HTTP p50 at c=1 within 2x of the trivial route (tantivy, no answer cache)"]
        is False
    )
    assert verdicts["zero errors at c=32 (tantivy, no answer cache)"] is True
    queries = {"rows": [{"system": "product-tantivy", "wall": {"p50": 4.0}}]}
    (overhead,) = targets.http_overhead(http, queries)  # the server that searches: 6.0 / 4.0
    assert "no answer cache" in overhead["target"] and overhead["ratio"] == 1.5


# --- HTTP ------------------------------------------------------------------------------


def test_http_benchmark_against_the_real_server(bench_cache, tiny_source, tmp_path):
    folder = corpus.corpus_dir(None, bench_cache, tiny_source)
    index = worker.index_folder("product-tantivy", folder, bench_cache)
    args = Namespace(concurrency=[2], duration=0.3, results=tmp_path)
    row = http_load.measure_engine("tantivy", folder, index, args, "python")
    assert row["warm_up_statuses"] == [200] and row["answer_cache"] is True
    assert row["mix_from_cache"] == len(http_load.MIX)  # the load asks answers already given
    assert [(r["route"], r["concurrency"]) for r in row["runs"]] == [("floor", 2), ("search", 2)]
    assert all(r["requests"] > 0 and r["errors"] == 0 and r["p50_ms"] > 0 for r in row["runs"])
    assert row["rss_mb"] > 0 and row["peak_rss_mb"] >= row["rss_mb"]
    assert "| product (tantivy) | /healthz (floor) | 2 |" in http_load.table([row])
    bare = http_load.measure_engine("tantivy", folder, index, args, "python", cache=False)
    assert bare["answer_cache"] is False and bare["mix_from_cache"] == 0
    assert all(r["requests"] > 0 and r["errors"] == 0 for r in bare["runs"])
    assert "| product (tantivy, no answer cache) | /api/search (mix) | 2 |" in http_load.table(
        [bare]
    )


class _Handler(BaseHTTPRequestHandler):
    """200 on /ok, 404 elsewhere, keep-alive."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b"ok"
        self.send_response(200 if self.path == "/ok" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def ok_server():
    """A stdlib HTTP server on a free loopback port: 200 on /ok, 404 elsewhere."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("client", ["python", "wrk"])
def test_load_generators_count_requests_and_errors(client, ok_server):
    if client == "wrk" and not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install -y wrk)")
    out = http_load.CLIENTS[client](ok_server, ["/ok", "/missing"], 2, 0.2)  # wrk: 1 s at least
    assert out["requests"] > 2 and out["errors"] == pytest.approx(out["requests"] / 2, abs=2)
    assert 0 < out["p50_ms"] <= out["p99_ms"] <= out["max_ms"]


def test_build_cpu_time_counts_ended_worker_processes():
    from bench.worker import cpu_time

    before = cpu_time()
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    subprocess.run([sys.executable, "-c", burn], check=True)
    assert cpu_time() - before >= 0.3  # this process itself only waited


@pytest.mark.skipif(not writes.NEWS.exists(), reason=f"{writes.NEWS} is absent (shared data)")
def test_the_write_script_writes_while_clients_search(tmp_path):
    rows = writes.main(
        ["--docs", "40", "--engines", "tantivy", "--writes", "12", "--searchers", "2"]
        + ["--grace", "0", "--storm", "4x2", "--work", str(tmp_path / "work")]
        + ["--results", str(tmp_path)]
    )
    (row,) = rows
    assert row["errors"] == 0 and row["writes"] == 12 and row["searches"] > 0
    assert row["write_p50_ms"] > 0 and row["rebuilt_mb"] > 0
    assert row["storm"]["writes"] == 16 and row["storm"]["errors"] == 0
    assert (tmp_path / "writes-40.json").is_file()


def test_the_configured_script_times_the_mix_on_the_configured_index(tmp_path, monkeypatch):
    configured = importlib.import_module("bench.configured")
    monkeypatch.setenv("SEARCH_CORPUS__PATH", str(ROOT / "seeds"))
    monkeypatch.setenv("SEARCH_INDEX__PATH", str(tmp_path / "index"))
    monkeypatch.setenv("SEARCH_INDEX__ENGINE", "tantivy")
    monkeypatch.chdir(ROOT)
    rows = configured.main(["--repeat", "2"])
    assert [q for q, _, _ in rows] == [q.q for q in importlib.import_module("bench.mix").MIX]
    assert all(ms > 0 and answer.isdigit() for _, ms, answer in rows)
    assert any(int(answer) > 0 for _, _, answer in rows)


@pytest.mark.skipif(not writes.NEWS.exists(), reason=f"{writes.NEWS} is absent (shared data)")
def test_the_hostile_script_times_each_query_with_and_without_the_budget(tmp_path):
    OUTCOMES = ("503 timeout", "400 bad_query")  # what a client may get besides hits
    rows = hostile.main(
        ["--docs", "40", "--engines", "tantivy", "--rounds", "1"]
        + ["--work", str(tmp_path / "work"), "--results", str(tmp_path)]
    )
    assert [r["query"] for r in rows] == list(hostile.QUERIES)
    for row in rows:
        assert row["unbudgeted_ms"] > 0 and row["budget_ms"] == 1000
        assert row["outcome"].endswith(" found") or row["outcome"] in OUTCOMES, row
    assert (tmp_path / "hostile-40.json").is_file()


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout")
def test_the_revisions_script_alternates_two_checkouts(tiny_source, tmp_path):
    work = tmp_path / "revisions"
    try:
        rows = revisions.main(
            ["HEAD", "--docs", "all", "--rounds", "2", "--systems", "product-tantivy"]
            + ["--source", str(tiny_source), "--work", str(work), "--results", str(tmp_path)]
        )
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(work / "HEAD")]
        )
    assert [(r["system"], r["measure"]) for r in rows] == [
        ("product-tantivy", "docs_per_s"),
        ("product-tantivy", "query_p50_ms"),
    ]
    assert all(len(r["ratios"]) == 2 and r["ratio"] > 0 for r in rows)
    assert (tmp_path / "revisions-HEAD-all.json").is_file()


def test_french_terms_counts_split_groups_and_accent_less_misses(tmp_path, capsys):
    news = [{"id": "1", "title": "Adoptée", "text": "L'éloignée, l'éloigné, publié, publie."}]
    with gzip.open(tmp_path / "news-fr.jsonl.gz", "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(article) + "\n" for article in news)
    forms = french_terms.word_forms(tmp_path / "news-fr.jsonl.gz")
    assert set(forms) == {"adoptée", "éloignée", "éloigné", "publié", "publie"}
    before = french_terms.measure(french_terms.chains()["fold, then stem (before)"], forms)
    assert (before["groups"], before["split"], before["missed"]) == (1, 1, 0)  # éloign(e)
    product = french_terms.measure(french_terms.chains()["+ join_families (the product)"], forms)
    assert (product["split"], product["accented"], product["missed"]) == (0, 4, 1)  # publié
    french_terms.main(["--data", str(tmp_path), "--show", "1"])
    assert "missed: publié publi / publie publ" in capsys.readouterr().out
