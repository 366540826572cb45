"""Completion benchmark: what /api/suggest costs as someone types, with the words written
as the articles write them (``service.written``) and with the index's folded words.

    .venv/bin/python -m bench.completions [--docs 10000|N|all] [--systems a,b] [--rounds 3]

For each product system, each round starts two fresh processes, one per way (folded
first, then written): each opens the index, loads its lexicon, then times
``completion.completions`` (words and titles, as /api/suggest answers) for every prefix of
``PREFIXES`` in order, cold (the first time in the process: the written forms are read
from the articles), then a second time, warm. Figures are medians over the rounds of
each round's p50 and max. Writes var/bench/results/completions-DOCS.json.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench import options
from bench.corpus import corpus_dir, docs_label
from bench.machine import load_average
from bench.results import ROOT, markdown_table, write_results
from bench.worker import ensure_index

# Prefixes as they are typed, three words of the news and their first letters.
PREFIXES = [
    *("eco", "econ", "econo", "econom"),
    *("ele", "elec", "elect", "electi"),
    *("gou", "gouv", "gouve", "gouver"),
    *("pol", "poli", "polit", "politi"),
    *("ret", "retr", "retra", "retrai"),
]
WAYS = ("folded", "written")
HEADERS = ["system", "words", "cold p50 ms", "cold max ms", "warm p50 ms"]


def measure(folder: Path, way: str) -> dict:
    """In this process: every prefix cold, then warm; ``way`` "folded" leaves the index's
    words as they are (the code before ``search.wordforms``)."""
    from service.search import completion
    from service.search.models import CompletionRequest
    from service.search.snapshot import Snapshots

    if way == "folded":
        completion.written_forms = lambda snapshot, words: {w: w for w in words}
    snapshot = Snapshots.at(folder).current()
    snapshot.lexicon.warm_up()  # as the service's warm-up does

    def complete(prefix: str):
        return completion.completions(snapshot, CompletionRequest(prefix))

    complete("zzz")  # the engine's first search
    runs = {}
    for state in ("cold", "warm"):
        times = []
        for prefix in PREFIXES:
            started = time.perf_counter()
            complete(prefix)
            times.append((time.perf_counter() - started) * 1000)
        runs[state] = times
    return {**runs, "example": complete("elec").words[:3]}


def run(system: str, folder: str, way: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.completions", "--measure", folder, way],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise RuntimeError(f"{system} {way} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> dict | None:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--measure"]:  # in a fresh process started by ``run``
        print(json.dumps(measure(Path(argv[1]), argv[2])))
        return None
    p = options.parser("python -m bench.completions", __doc__, docs_default="all")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    systems = [s for s in args.systems if s.startswith("product-")]
    load_before = load_average()
    corpus = corpus_dir(args.docs, args.cache, args.source, args.replicas)
    rows = []
    for system in systems:
        built = ensure_index(system, corpus, args.cache)
        samples: dict[str, list[dict]] = {way: [] for way in WAYS}
        for _ in range(args.rounds):
            for way in WAYS:
                samples[way].append(run(system, built["folder"], way))
        rows += [summary(system, way, samples[way]) for way in WAYS]
    print(markdown_table(HEADERS, [[r["system"], r["way"], *(r[k] for k in KEYS)] for r in rows]))
    payload = {"prefixes": PREFIXES, "rounds": args.rounds, "rows": rows}
    path = write_results(
        f"completions-{docs_label(args.docs, args.replicas)}", payload, args.results, load_before
    )
    print(f"results: {path}")
    return payload


KEYS = ("cold_p50_ms", "cold_max_ms", "warm_p50_ms")


def summary(system: str, way: str, samples: list[dict]) -> dict:
    """One way's figures: medians over the rounds of each round's p50 and max."""
    return {
        "system": system,
        "way": way,
        "cold_p50_ms": round(statistics.median(statistics.median(s["cold"]) for s in samples), 2),
        "cold_max_ms": round(statistics.median(max(s["cold"]) for s in samples), 2),
        "warm_p50_ms": round(statistics.median(statistics.median(s["warm"]) for s in samples), 2),
        "example": samples[-1]["example"],
        "samples": samples,
    }


if __name__ == "__main__":
    main()
