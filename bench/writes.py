"""Write benchmark: 1,000 API writes into a live archive while 8 clients search.

    .venv/bin/python -m bench.writes --docs 3000 --engines whoosh,tantivy
    .venv/bin/python -m bench.writes --docs all --writes 1000 --searchers 8

For each engine: the first ``--docs`` news articles in a corpus (a hard link to the
shared file when all of them), the index built by ``search-index``, then the real
``search-serve`` with a write token. ``--searchers`` clients search without pause (the
soak's searches and filtered searches) while one writer sends ``--writes`` writes one
after another: 60 % PUT of a new article, 30 % PUT replacing one written before, 10 %
DELETE of one written before (texts: news articles past the corpus). Reported: write
latency p50/p99/max, search latency meanwhile, errors (none expected), and the index
folder's size after the fresh build, right after the writes, and once the superseded
files' grace period is over; then a burst (``--storm``: 32 clients at once, each PUTting
5 new articles then DELETEing them: writes per second, latency, errors); then, for scale,
a fresh build of the corpus as the writes left it. Results:
var/bench/results/writes-DOCS.json and tables on stdout.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.machine import disk_size_mb, load_average
from bench.results import RESULTS, markdown_table
from bench.soak import (
    BIN,
    FILTERS,
    NEWS,
    QUERIES,
    Client,
    percentile,
    process_stats,
    start_server,
    stop_server,
)

GRACE_SECONDS = 61  # past indexer.engines.whoosh.GRACE_SECONDS: superseded files removed
HEADERS = [
    "engine",
    "articles",
    "write p50 ms",
    "write p99 ms",
    "write max ms",
    "search p50 ms",
    "search p99 ms",
    "errors",
    "fresh MB",
    "after MB",
    "settled MB",
    "ratio",
]


STORM_HEADERS = [
    "engine",
    "articles",
    "writers",
    "writes",
    "writes/s",
    "p50 ms",
    "p99 ms",
    "errors",
]


def texts(skip: int, count: int) -> list[str]:
    """``count`` article texts from the news past the first ``skip`` (the corpus's)."""
    out = []
    with gzip.open(NEWS, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n >= skip:
                out.append(json.loads(line)["text"][:4000])
            if len(out) == count:
                break
    return out or ["Un article d'essai sur le tungstène et le zinc."] * count


def make_site(folder: Path, docs: int | None, engine: str) -> Path:
    """A corpus of the first ``docs`` articles (all: a hard link), a config, its index."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    if docs is None:
        os.link(NEWS, corpus / NEWS.name)
    else:
        with (
            gzip.open(NEWS, "rt", encoding="utf-8") as src,
            open(corpus / "news.jsonl", "w") as out,
        ):
            for n, line in enumerate(src):
                if n == docs:
                    break
                out.write(line)
    config = folder / "config.toml"
    config.write_text(
        f'[corpus]\npath = "corpus"\n[index]\npath = "index"\nengine = "{engine}"\n', "utf-8"
    )
    subprocess.run([str(BIN / "search-index"), "--config", str(config)], check=True)
    return config


class Writer:
    """The one writer: PUT new, PUT again, DELETE, in a fixed seeded order."""

    def __init__(self, base_url: str, bodies: list[str]):
        self.client = Client(base_url, 10_000, [], False)
        self.rnd, self.bodies = random.Random(20), bodies
        self.live: list[str] = []
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def step(self, n: int) -> None:
        roll = self.rnd.random()
        if self.live and roll >= 0.9:
            url, method, body, ok = (
                self.live.pop(self.rnd.randrange(len(self.live))),
                "DELETE",
                None,
                {204},
            )
        elif self.live and roll >= 0.6:
            url, method, ok = self.rnd.choice(self.live), "PUT", {200}
            body = self._body(n)
        else:
            url, method, ok = f"/api/documents/bench/w{n}.txt", "PUT", {201}
            body = self._body(n)
        started = time.perf_counter()
        try:
            status = self.client.request(method, url, body)
            if status not in ok:
                self.errors.append(f"{method} {url} -> {status}")
            elif method == "PUT" and status == 201:
                self.live.append(url)
        except Exception as e:  # noqa: BLE001 (counted)
            self.errors.append(f"{method} {url} -> {type(e).__name__}: {e}")
        self.latencies.append((time.perf_counter() - started) * 1000)

    def _body(self, n: int) -> bytes:
        return json.dumps(
            {"text": self.bodies[n % len(self.bodies)], "date": "2021-03-04"}
        ).encode()


def searchers(base_url: str, count: int, stop: threading.Event) -> tuple[list, list[float]]:
    """``count`` clients searching until ``stop``; their threads and latencies (ms)."""
    latencies: list[float] = []
    lock = threading.Lock()

    def run(number: int) -> None:
        client = Client(base_url, number, [], False)
        rnd = random.Random(number)
        while not stop.is_set():
            params = rnd.choice(FILTERS) if rnd.random() < 0.3 else {"q": rnd.choice(QUERIES)}
            started = time.perf_counter()
            try:
                client.request("GET", "/api/search?" + urlencode(params))
            except Exception:  # noqa: BLE001 (a search error shows in the soak, not here)
                continue
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
        client.conn.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads, latencies


def storm(base_url: str, writers: int, each: int, bodies: list[str]) -> dict:
    """``writers`` clients at once, each PUTting ``each`` new articles then DELETEing
    them: a newsroom's burst. Latency of every write, writes per second, errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run(number: int) -> None:
        client = Client(base_url, 20_000 + number, [], False)
        urls = [f"/api/documents/storm/{number}-{n}.txt" for n in range(each)]
        steps = [("PUT", url, {201}) for url in urls] + [("DELETE", url, {204}) for url in urls]
        for n, (method, url, ok) in enumerate(steps):
            body = json.dumps({"text": bodies[(number * each + n) % len(bodies)]}).encode()
            started = time.perf_counter()
            try:
                status = client.request(method, url, body if method == "PUT" else None)
                failed = None if status in ok else f"{method} {url} -> {status}"
            except Exception as e:  # noqa: BLE001 (counted)
                failed = f"{method} {url} -> {type(e).__name__}: {e}"
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                if failed:
                    errors.append(failed)
        client.conn.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(writers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    return {
        "writers": writers,
        "writes": len(latencies),
        "per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "errors": len(errors),
        "error_examples": errors[:5],
    }


def run_engine(
    folder: Path,
    docs: int | None,
    engine: str,
    writes: int,
    count: int,
    grace: float,
    burst_of: tuple[int, int],
) -> dict:
    config = make_site(folder, docs, engine)
    index_dir = folder / "index"
    fresh = disk_size_mb(index_dir)
    process, url = start_server(config)
    try:
        stop = threading.Event()
        threads, searched = searchers(url, count, stop)
        writer = Writer(url, texts(docs or 0, min(writes, 2_000)))  # all: corrections
        started = time.monotonic()
        for n in range(writes):
            writer.step(n)
        seconds = time.monotonic() - started
        stop.set()
        for thread in threads:
            thread.join()
        after = disk_size_mb(index_dir)
        memory = process_stats(process.pid)
        time.sleep(grace)
        writer.step(writes)  # one more write: its commit removes what the grace kept
        writer.client.conn.close()
        settled = disk_size_mb(index_dir)
        burst = storm(url, *burst_of, writer.bodies)
    finally:
        stop_server(process)
    rebuilt = folder / "rebuilt"
    shutil.copytree(folder / "corpus", rebuilt / "corpus")
    (rebuilt / "config.toml").write_text(config.read_text(), "utf-8")
    subprocess.run(
        [str(BIN / "search-index"), "--config", str(rebuilt / "config.toml")], check=True
    )
    rebuilt_mb = disk_size_mb(rebuilt / "index")
    return {
        "engine": engine,
        "articles": docs or 34_160,
        "writes": writes,
        "seconds": round(seconds, 1),
        "write_p50_ms": round(statistics.median(writer.latencies), 1),
        "write_p99_ms": round(percentile(writer.latencies, 0.99), 1),
        "write_max_ms": round(max(writer.latencies), 1),
        "searches": len(searched),
        "search_p50_ms": round(statistics.median(searched), 1) if searched else None,
        "search_p99_ms": round(percentile(searched, 0.99), 1) if searched else None,
        "errors": len(writer.errors),
        "error_examples": writer.errors[:5],
        "fresh_mb": fresh,
        "after_mb": after,
        "settled_mb": settled,
        "rebuilt_mb": rebuilt_mb,
        "ratio": round(settled / rebuilt_mb, 2) if rebuilt_mb else None,
        "slowest_writes": _slowest(writer.latencies),
        "storm": burst,
        "server": memory,
        "load_average": load_average(),
    }


def _slowest(latencies: list[float], count: int = 12) -> list[tuple[int, float]]:
    """The slowest writes: (which, in order of sending, ms): at the start (a server that
    warms up), or spread (merges)?"""
    ranked = sorted(enumerate(latencies), key=lambda nl: -nl[1])[:count]
    return [(n, round(ms, 1)) for n, ms in ranked]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.writes", description=__doc__.split("\n")[0])
    p.add_argument("--docs", default="3000", help="articles in the corpus, or 'all'")
    p.add_argument("--engines", default="whoosh,tantivy")
    p.add_argument("--writes", type=int, default=1000)
    p.add_argument("--searchers", type=int, default=8)
    p.add_argument(
        "--grace", type=float, default=GRACE_SECONDS, help="seconds before the settled size"
    )
    p.add_argument("--storm", default="32x5", help="the burst: WRITERSxEACH (PUTs, then DELETEs)")
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--work", type=Path, default=Path("var/bench/writes"), help="sites' folder")
    args = p.parse_args(argv)
    docs = None if args.docs == "all" else int(args.docs)
    rows = []
    for engine in args.engines.split(","):
        folder = args.work / f"{engine}-{args.docs}"
        shutil.rmtree(folder, ignore_errors=True)
        burst_of = tuple(int(n) for n in args.storm.split("x"))
        rows.append(
            run_engine(folder, docs, engine, args.writes, args.searchers, args.grace, burst_of)
        )
        print(json.dumps(rows[-1], ensure_ascii=False))
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"writes-{args.docs}.json").write_text(json.dumps(rows, indent=1), "utf-8")
    table = [
        [r["engine"], r["articles"], r["write_p50_ms"], r["write_p99_ms"], r["write_max_ms"],
         r["search_p50_ms"], r["search_p99_ms"], r["errors"], r["fresh_mb"], r["after_mb"],
         r["settled_mb"], f"{r['ratio']} x {r['rebuilt_mb']}"]
        for r in rows
    ]  # fmt: skip
    print(markdown_table(HEADERS, table))
    bursts = [
        [r["engine"], r["articles"], r["storm"]["writers"], r["storm"]["writes"],
         r["storm"]["per_second"], r["storm"]["p50_ms"], r["storm"]["p99_ms"],
         r["storm"]["errors"]]
        for r in rows
    ]  # fmt: skip
    print(markdown_table(STORM_HEADERS, bursts))
    return rows


if __name__ == "__main__":
    main()
