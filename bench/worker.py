"""One measurement in a fresh process: build an index, or run the query mix on one.

    python -m bench.worker index SYSTEM CORPUS_DIR INDEX_DIR
    python -m bench.worker query SYSTEM INDEX_DIR [--rounds N] [--profile FILE]

Each prints one JSON line: what it measured, with the process's own peak resident memory
(VmHWM) and CPU time (``cpu_time``: every thread, tantivy's Rust threads too, and the
build's worker processes once they have ended).
One process per measurement keeps an engine's memory, caches and imports out of the
next one's figures. The benchmarks start workers with ``run_worker``; an index built by
a worker is kept under var/bench/indexes with its build figures (``BUILT.json``) and
reused by the query benchmarks (``ensure_index``) while the code that wrote it (the
product's indexer/, or bench/peers.py) is unchanged.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import pstats
import random
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.corpus import corpus_size
from bench.machine import disk_size_mb, kib_to_mb, load_average, process_memory_mb
from bench.mix import MIX, MixQuery
from bench.results import CACHE, ROOT
from bench.systems import SYSTEMS, fresh_folder

MARKER = "BUILT.json"


def code_fingerprint(system: str) -> str:
    """A hash of the code that writes a system's index: the product's indexer/ package, or
    the peers' module. A cached index built by other code is rebuilt, not misread."""
    if system.startswith("product-"):
        files = sorted((ROOT / "indexer").rglob("*.py"))
    else:
        files = [ROOT / "bench" / "peers.py"]
    digest = hashlib.sha1()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cpu_time() -> float:
    """CPU seconds of this process (all its threads) and of its ended child processes: a
    big build on 2 cores or more analyses in worker processes (indexer.pipeline)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def worker_peak_rss_mb() -> float | None:
    """The peak resident memory of the largest ended child process (a build's worker,
    ``indexer.pipeline``) in MB, None without one: a build's memory is this process's
    peak plus about that much per worker."""
    kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return kib_to_mb(kib) if kib else None


def build(system: str, corpus: Path, folder: Path) -> dict:
    """Build ``folder`` from ``corpus`` with one system; its build figures (also saved)."""
    fresh_folder(folder)
    load_before = load_average()
    cpu0, t0 = cpu_time(), time.perf_counter()
    docs = SYSTEMS[system].build(corpus, folder)
    seconds, cpu = time.perf_counter() - t0, cpu_time() - cpu0
    stats = {
        "system": system,
        "corpus": corpus.name,
        "code": code_fingerprint(system),
        "docs": docs,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "docs_per_s": round(docs / seconds, 1) if seconds else None,
        "docs_per_cpu_s": round(docs / cpu, 1) if cpu else None,
        "size_mb": disk_size_mb(folder),
        "load_before": load_before,
        "load_after": load_average(),
    }
    (folder / MARKER).write_text(json.dumps(stats) + "\n", encoding="utf-8")
    return stats


def _timed(run, mq: MixQuery) -> tuple[float, float, int]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    total = run(mq)
    return (time.perf_counter() - t0) * 1000, (time.process_time() - cpu0) * 1000, total


def query(
    system: str,
    folder: Path,
    rounds: int = 5,
    mix: Sequence[MixQuery] = MIX,
    profile: Path | None = None,
) -> dict:
    """Open the index, run the mix once to warm up, then ``rounds`` times, timing each query.

    Latencies are kept per round in mix order (``wall_ms[round][i]`` is ``mix[i]``); each
    round runs the mix in its own shuffled order, the same for every system.
    """
    t0 = time.perf_counter()
    run = SYSTEMS[system].open(folder)
    open_ms = (time.perf_counter() - t0) * 1000
    first_ms, _, _ = _timed(run, mix[0])  # the first query also loads caches (lexicon)
    totals = [_timed(run, mq)[2] for mq in mix]  # warm-up round
    wall, cpu = [], []
    load_before = load_average()
    for r in range(rounds):
        order = list(range(len(mix)))
        random.Random(r).shuffle(order)
        timings = {i: _timed(run, mix[i]) for i in order}
        wall.append([round(timings[i][0], 4) for i in range(len(mix))])
        cpu.append([round(timings[i][1], 4) for i in range(len(mix))])
    out = {
        "system": system,
        "index": folder.name,
        "open_ms": round(open_ms, 2),
        "first_query_ms": round(first_ms, 2),
        "queries": [
            {"kind": mq.kind, "q": mq.q, "total": n} for mq, n in zip(mix, totals, strict=True)
        ],
        "wall_ms": wall,
        "cpu_ms": cpu,
        "load_before": load_before,
        "load_after": load_average(),
        **process_memory_mb(),
    }
    if profile:
        out["profile"] = profile_mix(run, mix, profile)
    return out


def profile_mix(run, mix: Sequence[MixQuery], path: Path, top: int = 30) -> str:
    """Run the mix twice under cProfile; save the stats and a text report beside them."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(2):
        for mq in mix:
            run(mq)
    profiler.disable()
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(path))
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    report = path.with_suffix(".txt")
    report.write_text(text.getvalue(), encoding="utf-8")
    return str(report)


def index_folder(system: str, corpus: Path, cache: Path = CACHE) -> Path:
    """Where a system's index of a corpus folder lives: var/bench/indexes/SYSTEM-CORPUS."""
    return cache / "indexes" / f"{system}-{corpus.name}"


def built_stats(folder: Path) -> dict | None:
    """The build figures of a finished index folder, or None."""
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure_index(system: str, corpus: Path, cache: Path = CACHE, rebuild: bool = False) -> dict:
    """A system's index of a corpus, built in a worker unless a finished one is there."""
    folder = index_folder(system, corpus, cache)
    stats = None if rebuild else built_stats(folder)
    stale = stats is None or stats.get("code") != code_fingerprint(system)
    if stale or stats.get("docs") != corpus_size(corpus):
        stats = run_worker(["index", system, str(corpus), str(folder)])
        stats["reused"] = False
    else:
        stats["reused"] = True
    return {**stats, "folder": str(folder)}


def run_worker(args: Sequence[str], timeout: float | None = None) -> dict:
    """Run ``python -m bench.worker ARGS`` in a fresh process; its JSON line."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.worker", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode or not lines:
        tail = "\n".join(proc.stderr.splitlines()[-20:])
        raise RuntimeError(f"worker {' '.join(args)} failed ({proc.returncode}):\n{tail}")
    return json.loads(lines[-1])


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.worker", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("index")
    b.add_argument("system", choices=SYSTEMS)
    b.add_argument("corpus", type=Path)
    b.add_argument("folder", type=Path)
    q = sub.add_parser("query")
    q.add_argument("system", choices=SYSTEMS)
    q.add_argument("folder", type=Path)
    q.add_argument("--rounds", type=int, default=5)
    q.add_argument("--profile", type=Path)
    args = p.parse_args(argv)
    if args.command == "index":
        out = build(args.system, args.corpus, args.folder)
        out.update(process_memory_mb())  # peak_rss_mb: this whole process, imports included
        out["worker_peak_rss_mb"] = worker_peak_rss_mb()
        (args.folder / MARKER).write_text(json.dumps(out) + "\n", encoding="utf-8")
    else:
        out = query(args.system, args.folder, args.rounds, profile=args.profile)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
