"""The whole benchmark suite, in one command (``make bench``).

    .venv/bin/python -m bench.run_all [--sizes 10000,all] [--skip http,scale]
        [--duration 15] [--rounds 5]

In order: indexing and the in-process query mix at each size of ``--sizes`` (10,000 is
the issue's peer table, ``all`` the 34,160 articles the targets are judged on; the
product's mix is profiled at the last size), HTTP at the last size, the scale curve, and
the targets. Every step writes its JSON under var/bench/results/; this command also
writes report.md there: every table of the run, the machine and the load.
About 45 minutes on the 2-core VM, most of it the Whoosh builds of 34,160 articles and
the product building the 341,600-article point of the scale curve.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from bench import http_load, indexing, queries, scale, targets
from bench.corpus import NEWS, docs_label, parse_docs
from bench.machine import load_average, machine_info
from bench.results import CACHE, RESULTS, load_note, stamp

STEPS = ("indexing", "queries", "http", "scale")


def machine_lines(info: dict) -> str:
    ram = f"{info['ram_gb']} GiB RAM" if info["ram_gb"] else "RAM unknown"
    return (
        f"- {info['nproc']} CPUs: {info['cpu_model']}; {ram}\n"
        f"- Python {info['python']} on {info['platform']}"
    )


def run(args) -> list[str]:
    """Run the chosen steps; the Markdown sections of the report."""
    common = ["--results", str(args.results), "--cache", str(args.cache)]
    common += ["--source", str(args.source)]
    sections = []
    for size in args.sizes:
        docs = ["--docs", docs_label(size)]
        if "indexing" not in args.skip:
            out = indexing.main([*docs, *common, "--repeat", str(args.repeat)])
            sections.append(
                f"## Indexing, {docs_label(size)} articles\n\n{indexing.table(out['rows'])}"
            )
        if "queries" not in args.skip:
            extra = ["--profile"] if size == args.sizes[-1] else []
            out = queries.main([*docs, *common, "--rounds", str(args.rounds), *extra])
            sections.append(
                f"## Query mix, {docs_label(size)} articles\n\n{queries.table(out['rows'])}"
                f"\n\np50 ms by kind:\n\n{queries.kinds_table(out['rows'])}"
            )
    last = docs_label(args.sizes[-1])
    if "http" not in args.skip:
        out = http_load.main(["--docs", last, "--duration", str(args.duration), *common])
        sections.append(
            f"## HTTP, {last} articles ({out['client']})\n\n{http_load.table(out['rows'])}"
            f"\n\n{http_load.memory_table(out['rows'])}"
        )
    if "scale" not in args.skip:
        out = scale.main([*common, "--points", args.points])
        sections.append(
            f"## Scale curve\n\n{scale.table(out['rows'])}\n\n{scale.growth_table(out['growth'])}"
        )
    checked = targets.main(["--docs", last, "--results", str(args.results)])
    sections.append(f"## Targets\n\n{targets.table(checked)}")
    return sections


def main(argv: Sequence[str] | None = None) -> Path:
    p = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__.split("\n")[0])
    p.add_argument(
        "--sizes",
        type=lambda v: [parse_docs(x) for x in v.split(",")],
        default=[10_000, None],
        help="sizes for indexing and queries, the last one also for HTTP (10000,all)",
    )
    p.add_argument("--skip", type=lambda v: set(v.split(",")), default=set(), help=",".join(STEPS))
    p.add_argument("--duration", type=float, default=15.0, help="seconds per HTTP run (15)")
    p.add_argument("--rounds", type=int, default=5, help="rounds of the query mix (5)")
    p.add_argument("--repeat", type=int, default=1, help="rounds of every build, median (1)")
    p.add_argument("--points", default=scale.DEFAULT_POINTS, help="scale curve points")
    p.add_argument("--source", type=Path, default=NEWS, help="the JSONL(.gz) corpus")
    p.add_argument("--cache", type=Path, default=CACHE, help="corpora and indexes (var/bench)")
    p.add_argument("--results", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    started, before = stamp(), load_average()
    sections = run(args)
    header = (
        f"# Benchmark run {started} → {stamp()}\n\n{machine_lines(machine_info())}\n"
        f"- {load_note(before, load_average())}"
    )
    report = args.results / "report.md"
    report.write_text("\n\n".join([header, *sections]) + "\n", encoding="utf-8")
    print(f"\n→ {report}")
    return report


if __name__ == "__main__":
    main()
