"""Indexing benchmark: every system builds the news corpus, each in a fresh process.

    .venv/bin/python -m bench.indexing [--docs 10000|N|all] [--systems a,b] [--repeat N]

Reports, per system: articles, wall seconds, articles per second (wall, and per CPU
second: every thread counted), index size on disk and the worker's peak resident memory
(VmHWM: interpreter and imports included). Always rebuilds; the indexes stay in
var/bench/indexes for the query benchmark. Writes var/bench/results/indexing-DOCS.json.

``--repeat N`` builds with every system in turn, N rounds, and reports each system's
median round (by seconds; its ``samples`` list every round's seconds): on a noisy machine,
ratios of medians measured side by side, not of one round each.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench import options
from bench.corpus import corpus_dir, docs_label
from bench.machine import load_average
from bench.results import load_note, markdown_table, write_results
from bench.systems import SYSTEMS
from bench.worker import ensure_index

HEADERS = [
    "system",
    "articles",
    "seconds",
    "docs/s",
    "docs/CPU-s",
    "index MB",
    "peak RSS MB",
    "worker peak RSS MB",  # each worker process of a product build (indexer.pipeline)
]


def measure(systems: Sequence[str], corpus, cache, repeat: int = 1) -> list[dict]:
    """Build the corpus with each system, in order, ``repeat`` rounds, printing a line as
    each finishes; per system, its median round with every round's seconds."""
    rounds: dict[str, list[dict]] = {name: [] for name in systems}
    for r in range(repeat):
        for name in systems:
            stats = ensure_index(name, corpus, cache, rebuild=True)
            rounds[name].append(stats)
            label = f" (round {r + 1} of {repeat})" if repeat > 1 else ""
            print(f"  {name}: {stats['docs_per_s']:,.0f} docs/s{label}", flush=True)
    return [median_round(rounds[name]) for name in systems]


def median_round(samples: list[dict]) -> dict:
    """The round of median seconds (the lower one of an even count), with ``samples``:
    every round's seconds, in order."""
    middle = sorted(samples, key=lambda s: s["seconds"])[(len(samples) - 1) // 2]
    return {**middle, "samples": [s["seconds"] for s in samples]}


def table(rows: Sequence[dict]) -> str:
    """The Markdown table of indexing rows."""
    return markdown_table(
        HEADERS,
        [
            [
                SYSTEMS[r["system"]].label if r["system"] in SYSTEMS else r["system"],
                r["docs"],
                r["seconds"],
                r["docs_per_s"],
                r["docs_per_cpu_s"],
                r["size_mb"],
                r.get("peak_rss_mb"),
                r.get("worker_peak_rss_mb"),
            ]
            for r in rows
        ],
    )


def main(argv: Sequence[str] | None = None) -> dict:
    p = options.parser("python -m bench.indexing", __doc__)
    p.add_argument("--repeat", type=int, default=1, help="rounds of every build (median)")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat: at least 1")
    corpus = corpus_dir(args.docs, args.cache, args.source, args.replicas)
    before = load_average()
    print(f"Indexing {corpus.name} ({docs_label(args.docs, args.replicas)} articles)…", flush=True)
    rows = measure(args.systems, corpus, args.cache, args.repeat)
    payload = {
        "docs": docs_label(args.docs, args.replicas),
        "corpus": str(corpus),
        "repeat": args.repeat,
        "rows": rows,
    }
    path = write_results(
        f"indexing-{docs_label(args.docs, args.replicas)}", payload, args.results, before
    )
    print(f"\n{table(rows)}\n\n{load_note(before, load_average())}\n→ {path}")
    return payload


if __name__ == "__main__":
    main()
