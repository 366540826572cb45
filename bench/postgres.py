"""The postgres engine beside tantivy on the news: builds, the query mix, many matches.

    .venv/bin/python -m bench.postgres [--docs all] [--repeat 2] [--rounds 5] [--dsn DSN]

Without ``--dsn`` it starts its own PostgreSQL server (``tests/postgres_server.py``:
Debian's, at its defaults but for the port; fsync on) in a temporary folder, and stops it
at the end. Both engines run in this process, side by side, so their ratio is what the
shared machine's load cannot move much:

1. build: ``build_index`` of the corpus into a fresh folder (analysis in this process,
   ``processes=0``; lexicon and article vectors included), ``--repeat`` rounds, the
   engines alternated; the median round of each, and the index size (for postgres, its
   schema's tables and indexes);
2. the query mix (``bench.mix``) through ``core.search`` with facets and passages, as the
   API answers it: ``--rounds`` rounds, the engines alternated query by query, in a
   shuffled order; the median of the rounds' p50 and p95;
3. many matches: ``Engine.search`` of single words of growing document frequency, and of
   every article, with facets: what counting and scoring N matches costs;
4. agreement: for each query of the mix, how many of tantivy's first ten results postgres
   also has in its first ten, and whether totals and facets are equal;
5. the first cut (``indexer/engines/postgres/view.py``): the mix again with every match
   ranked, its time, and how many of those first ten the cut keeps.

Writes var/bench/results/postgres-DOCS.json.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bench import options
from bench.corpus import corpus_dir, docs_label
from bench.machine import disk_size_mb, load_average
from bench.mix import MIX
from bench.results import load_note, markdown_table, write_results
from bench.stats import median_summary, percentile
from indexer.build import build_index
from indexer.engines import querytree as qt
from indexer.engines.postgres import PostgresEngine, view
from indexer.engines.postgres.connections import close_pools
from indexer.engines.postgres.rows import WEIGHT
from indexer.store import current_generation
from service.config import load_config
from service.search import core
from service.search.models import SearchRequest
from service.search.settings import Settings
from service.search.snapshot import Snapshots

ENGINES = ("tantivy", "postgres")
WORDS = ("benalla", "coronavirus", "macron", "gouvernement", "france", "plus")  # df grows


def main(argv: Sequence[str] | None = None) -> dict:
    p = options.parser("python -m bench.postgres", __doc__, docs_default="all")
    p.add_argument("--repeat", type=int, default=2, help="builds per engine (median)")
    p.add_argument("--rounds", type=int, default=5, help="rounds of the query mix")
    p.add_argument("--dsn", default="", help="an existing server (default: start one)")
    args = p.parse_args(argv)
    corpus = corpus_dir(args.docs, args.cache, args.source)
    before = load_average()
    with _server(args.dsn) as dsn:
        PostgresEngine.dsn = dsn
        with tempfile.TemporaryDirectory(prefix="bench-postgres-") as folder:
            builds = measure_builds(corpus, Path(folder), args.repeat)
            handles = {b["engine"]: Snapshots.at(Path(b["index"])) for b in builds}
            payload = {
                "docs": docs_label(args.docs),
                "builds": builds,
                "mix": measure_mix(handles, args.rounds),
                "matches": measure_matches(handles),
                "agreement": measure_agreement(handles),
                "first_cut": measure_first_cut(handles["postgres"]),
            }
        close_pools()
    path = write_results(f"postgres-{docs_label(args.docs)}", payload, args.results, before)
    print(report(payload))
    print(f"\n{load_note(before, load_average())}\n→ {path}")
    return payload


@contextmanager
def _server(dsn: str) -> Iterator[str]:
    if dsn:
        yield dsn
        return
    from tests.postgres_server import server_root, start_primary

    with server_root() as root:
        yield start_primary(root, durable=True).dsn()


def measure_builds(corpus: Path, folder: Path, repeat: int) -> list[dict]:
    """Full builds, the engines alternated; per engine its median round, and the last
    round's index kept for the queries."""
    rounds: dict[str, list[dict]] = {e: [] for e in ENGINES}
    for r in range(repeat):
        for engine in ENGINES:
            index = folder / f"{engine}-{r}"
            started = time.perf_counter()
            report = build_index(corpus, index, engine=engine, processes=0)
            seconds = time.perf_counter() - started
            rounds[engine].append(
                {
                    "engine": engine,
                    "index": str(index),
                    "docs": report.doc_count,
                    "seconds": round(seconds, 2),
                    "docs_per_s": round(report.doc_count / seconds),
                    "size_mb": _size_mb(engine, index),
                }
            )
            print(f"  build {engine}: {report.doc_count / seconds:,.0f} docs/s", flush=True)
    out = []
    for samples in rounds.values():
        middle = sorted(samples, key=lambda s: s["seconds"])[(len(samples) - 1) // 2]
        out.append(
            {**middle, "index": samples[-1]["index"], "samples": [s["seconds"] for s in samples]}
        )
    return out


def _size_mb(engine: str, index: Path) -> float:
    gen = current_generation(index)
    if engine != "postgres":
        return disk_size_mb(gen)
    pg = Snapshots.at(index).current().view.engine
    with pg.pool.connection() as conn:
        size = conn.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'm')",
            (pg.location.schema,),
        ).fetchone()[0]
    vectors = sum(f.stat().st_size for f in gen.glob("dense-*")) / 1e6  # files, as tantivy's
    return round(float(size) / 1e6 + vectors, 1)


def measure_mix(handles: dict[str, Snapshots], rounds: int) -> dict:
    """The mix through core.search, engines alternated query by query; p50/p95 per engine."""
    settings = Settings.from_config(load_config(environ={}))
    search = {e: _searcher(h, settings) for e, h in handles.items()}
    queries = list(MIX)
    for engine in ENGINES:  # warm: caches, pools, the lexicon of each generation
        for q in queries:
            search[engine](q.params())
    times: dict[str, list[list[float]]] = {e: [] for e in ENGINES}
    kinds: dict[str, dict[str, list[float]]] = {e: {} for e in ENGINES}
    for r in range(rounds):
        random.Random(r).shuffle(queries)
        round_times: dict[str, list[float]] = {e: [] for e in ENGINES}
        for q in queries:
            for engine in ENGINES:
                started = time.perf_counter()
                search[engine](q.params())
                ms = (time.perf_counter() - started) * 1000
                round_times[engine].append(ms)
                kinds[engine].setdefault(q.kind, []).append(ms)
        for engine in ENGINES:
            times[engine].append(round_times[engine])
    return {
        e: {
            "wall": median_summary(times[e]).to_dict(),
            "p50_by_kind": {k: round(statistics.median(v), 2) for k, v in kinds[e].items()},
        }
        for e in ENGINES
    }


def _searcher(index: Snapshots, settings: Settings) -> Callable[[dict], object]:
    return lambda params: core.search(index.current(), SearchRequest.from_params(params), settings)


def measure_matches(handles: dict[str, Snapshots]) -> list[dict]:
    """Engine.search with facets over words of growing document frequency, and everything."""
    rows = []
    trees = [("(every article)", qt.MatchAll())]
    trees += [(w, qt.And((_term(w),))) for w in WORDS]
    for label, tree in trees:
        query = qt.EngineQuery(tree, limit=10, facets=True)
        row = {"query": label}
        for engine in ENGINES:
            eng = handles[engine].current().engine
            found = eng.search(query)
            samples = []
            for _ in range(7):
                started = time.perf_counter()
                eng.search(query)
                samples.append((time.perf_counter() - started) * 1000)
            row["matches"] = found.total
            row[f"{engine}_ms"] = round(statistics.median(samples), 2)
        rows.append(row)
    return rows


def _term(word: str) -> qt.Term:
    from indexer.analysis import fold, stem

    return qt.Term(stem(fold(word)), fold(word))


def measure_agreement(handles: dict[str, Snapshots]) -> dict:
    """Overlap of the first ten, and equal totals and facets, for each query of the mix."""
    overlaps, same_counts = [], 0
    for q in MIX:
        results = {
            e: core.search(h.current(), SearchRequest.from_params(q.params()))
            for e, h in handles.items()
        }
        a, b = (results[e] for e in ENGINES)
        ref = [h.id for h in a.hits]
        overlaps.append(len(set(ref) & {h.id for h in b.hits}) / max(len(ref), 1))
        same_counts += (a.total, a.facets) == (b.total, b.facets)
    return {
        "queries": len(MIX),
        "mean_top10_overlap": round(statistics.fmean(overlaps), 3),
        "min_top10_overlap": round(min(overlaps), 3),
        "same_total_and_facets": same_counts,
    }


def measure_first_cut(index: Snapshots, rounds: int = 3) -> dict:
    """The mix through core.search with the first cut and with every match ranked: the
    median time of each, and the overlap of their first ten."""
    settings = Settings.from_config(load_config(environ={}))
    search = _searcher(index, settings)
    cut_from = view.FIRST_CUT_FROM
    times: dict[str, list[float]] = {"cut": [], "exact": []}
    overlaps = []
    try:
        for _ in range(rounds):
            for q in MIX:
                found = {}
                for label, threshold in (("cut", cut_from), ("exact", 10**12)):
                    view.FIRST_CUT_FROM = threshold
                    started = time.perf_counter()
                    found[label] = [h.id for h in search(q.params()).hits]
                    times[label].append((time.perf_counter() - started) * 1000)
                exact = found["exact"]
                overlaps.append(len(set(exact) & set(found["cut"])) / max(len(exact), 1))
    finally:
        view.FIRST_CUT_FROM = cut_from
    return {
        "first_cut_from": cut_from,
        "weight": WEIGHT,
        **{f"{label}_p50_ms": round(statistics.median(t), 2) for label, t in times.items()},
        **{f"{label}_p95_ms": round(percentile(t, 95), 2) for label, t in times.items()},
        "mean_top10_overlap": round(statistics.fmean(overlaps), 3),
        "min_top10_overlap": round(min(overlaps), 3),
    }


def report(payload: dict) -> str:
    builds = markdown_table(
        ["engine", "articles", "seconds (rounds)", "docs/s", "index MB"],
        [
            [
                b["engine"],
                b["docs"],
                " / ".join(map(str, b["samples"])),
                b["docs_per_s"],
                b["size_mb"],
            ]
            for b in payload["builds"]
        ],
    )
    mix = markdown_table(
        ["engine", "p50 ms", "p95 ms", "p99 ms"],
        [
            [e, m["wall"]["p50"], m["wall"]["p95"], m["wall"]["p99"]]
            for e, m in payload["mix"].items()
        ],
    )
    kinds = sorted(next(iter(payload["mix"].values()))["p50_by_kind"])
    by_kind = markdown_table(
        ["engine", *kinds],
        [[e, *(m["p50_by_kind"][k] for k in kinds)] for e, m in payload["mix"].items()],
    )
    matches = markdown_table(
        ["query", "matches", *(f"{e} ms" for e in ENGINES)],
        [[r["query"], r["matches"], *(r[f"{e}_ms"] for e in ENGINES)] for r in payload["matches"]],
    )
    sections = [builds, mix, by_kind, matches, str(payload["agreement"])]
    return "\n\n".join([*sections, str(payload["first_cut"])])


if __name__ == "__main__":
    main()
