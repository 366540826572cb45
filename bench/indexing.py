"""Indexing benchmark: every system builds the news corpus, each in a fresh process.

    .venv/bin/python -m bench.indexing [--docs 10000|N|all] [--systems a,b]

Reports, per system: articles, wall seconds, articles per second (wall, and per CPU
second: every thread counted), index size on disk and the worker's peak resident memory
(VmHWM: interpreter and imports included). Always rebuilds; the indexes stay in
var/bench/indexes for the query benchmark. Writes var/bench/results/indexing-DOCS.json.
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


def measure(systems: Sequence[str], corpus, cache) -> list[dict]:
    """Build the corpus with each system, in order, printing a line as each finishes."""
    rows = []
    for name in systems:
        stats = ensure_index(name, corpus, cache, rebuild=True)
        rows.append(stats)
        print(f"  {name}: {stats['docs_per_s']:,.0f} docs/s", flush=True)
    return rows


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
    args = options.parser("python -m bench.indexing", __doc__).parse_args(argv)
    corpus = corpus_dir(args.docs, args.cache, args.source)
    before = load_average()
    print(f"Indexing {corpus.name} ({docs_label(args.docs)} articles)…", flush=True)
    rows = measure(args.systems, corpus, args.cache)
    payload = {"docs": docs_label(args.docs), "corpus": str(corpus), "rows": rows}
    path = write_results(f"indexing-{docs_label(args.docs)}", payload, args.results, before)
    print(f"\n{table(rows)}\n\n{load_note(before, load_average())}\n→ {path}")
    return payload


if __name__ == "__main__":
    main()
