"""Query benchmark: the fixed mix (bench.mix) in-process, every system in a fresh process.

    .venv/bin/python -m bench.queries [--docs 10000|N|all] [--systems a,b] [--rounds 5]
        [--rebuild] [--profile]

Each worker opens its index (built first if var/bench/indexes has none), runs the mix
once to warm up, then ``--rounds`` times in a shuffled order, timing every query with
``time.perf_counter`` (wall) and ``time.process_time`` (CPU, all threads). The product
answers through ``core.search`` with 10 hits a page, facets and passages rendered as the
API's JSON; the peers return their top 10 with snippets and a year facet. Figures are
medians over the rounds of each round's p50, p95 and p99. ``--profile`` also runs the
product's mix under cProfile: var/bench/results/profile-SYSTEM-DOCS.txt.
Writes var/bench/results/queries-DOCS.json.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from bench import options
from bench.corpus import corpus_dir, docs_label
from bench.machine import load_average
from bench.mix import KINDS
from bench.results import load_note, markdown_table, write_results
from bench.stats import median_summary
from bench.systems import SYSTEMS
from bench.worker import ensure_index, run_worker

HEADERS = ["system", "p50 ms", "p95 ms", "p99 ms", "CPU p50 ms", "CPU p95 ms", "RSS MB"]


def summarize_run(out: dict) -> dict:
    """A worker's raw latencies -> the medians over rounds, per kind, and its memory."""
    wall, cpu = median_summary(out["wall_ms"]), median_summary(out["cpu_ms"])
    kinds = [q["kind"] for q in out["queries"]]
    by_kind = {
        kind: statistics.median(
            r[i] for r in out["wall_ms"] for i, k in enumerate(kinds) if k == kind
        )
        for kind in dict.fromkeys(kinds)
    }
    return {
        "system": out["system"],
        "wall": wall.to_dict(),
        "cpu": cpu.to_dict(),
        "p50_by_kind": {k: round(v, 3) for k, v in by_kind.items()},
        "open_ms": out["open_ms"],
        "first_query_ms": out["first_query_ms"],
        "rss_mb": out.get("rss_mb"),
        "peak_rss_mb": out.get("peak_rss_mb"),
        "zero_hit_queries": sum(1 for q in out["queries"] if not q["total"]),
        "totals": [q["total"] for q in out["queries"]],
        "profile": out.get("profile"),
    }


def measure(systems, corpus, cache, rounds: int, rebuild: bool, profile) -> list[dict]:
    """Each system's index (built if missing), then its mix in a fresh worker."""
    rows = []
    for name in systems:
        built = ensure_index(name, corpus, cache, rebuild)
        args = ["query", name, built["folder"], "--rounds", str(rounds)]
        if profile and name.startswith("product-"):
            args += ["--profile", str(profile(name))]
        row = summarize_run(run_worker(args))
        row["build"] = built
        rows.append(row)
        print(f"  {name}: p50 {row['wall']['p50']:.2f} ms", flush=True)
    return rows


def label(system: str) -> str:
    return SYSTEMS[system].label if system in SYSTEMS else system


def table(rows: Sequence[dict]) -> str:
    """The Markdown table of latencies and memory."""
    return markdown_table(
        HEADERS,
        [
            [
                label(r["system"]),
                r["wall"]["p50"],
                r["wall"]["p95"],
                r["wall"]["p99"],
                r["cpu"]["p50"],
                r["cpu"]["p95"],
                r["rss_mb"],
            ]
            for r in rows
        ],
    )


def kinds_table(rows: Sequence[dict]) -> str:
    """p50 (ms) of each kind of query, per system, and the queries that found nothing."""
    return markdown_table(
        ["system", *KINDS, "no hit"],
        [
            [label(r["system"]), *(r["p50_by_kind"].get(k) for k in KINDS), r["zero_hit_queries"]]
            for r in rows
        ],
    )


def main(argv: Sequence[str] | None = None) -> dict:
    p = options.parser("python -m bench.queries", __doc__)
    p.add_argument("--rounds", type=int, default=5, help="measured rounds of the mix (5)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the indexes first")
    p.add_argument("--profile", action="store_true", help="cProfile the product's mix")
    args = p.parse_args(argv)
    corpus = corpus_dir(args.docs, args.cache, args.source, args.replicas)
    label_ = docs_label(args.docs, args.replicas)
    profile = (lambda s: args.results / f"profile-{s}-{label_}.prof") if args.profile else None
    before = load_average()
    print(f"Query mix on {corpus.name}, {args.rounds} rounds…", flush=True)
    rows = measure(args.systems, corpus, args.cache, args.rounds, args.rebuild, profile)
    payload = {"docs": label_, "rounds": args.rounds, "rows": rows}
    path = write_results(f"queries-{label_}", payload, args.results, before)
    print(f"\n{table(rows)}\n\np50 ms by kind of query:\n\n{kinds_table(rows)}")
    print(f"\n{load_note(before, load_average())}\n→ {path}")
    return payload


if __name__ == "__main__":
    main()
