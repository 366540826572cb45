"""HTTP benchmark: the query mix against the real server, at concurrency 1, 8 and 32.

    .venv/bin/python -m bench.http_load [--docs all|N] [--engines whoosh,tantivy]
        [--duration 15] [--concurrency 1,8,32] [--client auto|wrk|python]
        [--answer-cache on,off]

For each product engine it starts ``search-serve`` (waitress, the config's 8 threads)
on a free loopback port over the benchmark's index of that engine, warms it up with the
whole mix, then, for each concurrency, loads two routes for ``--duration`` seconds each:
``/api/search`` rotating through the 40 queries of the mix (10 hits, facets, passages),
and ``/healthz`` as the floor. /healthz is the app's most trivial route (it reads the
live manifest, no search): the benchmark adds no route of its own to the app.
Each engine is served twice, one server after the other: as config.toml has it, with
the answer cache (``service.answers``: after the warm-up, every query of the mix is an
answer already given), then with ``answer_cache_mb = 0``, where every request searches.
Reports req/s, p50, p99 and errors per run, and the server's resident memory after the
runs (VmRSS) and at its peak (VmHWM). Writes var/bench/results/http-DOCS.json.

The load generator is wrk (Debian: ``apt-get install -y wrk``) when it is installed: one
event-loop thread in C that keeps every connection alive and uses little CPU, which
matters on a 2-core machine where the server needs both cores. Without it, or with
``--client python``, a Python generator (a thread per connection, http.client with
keep-alive) does the same work; it takes more of the CPU from the server, so its
figures are lower bounds, and the result file says which client ran.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

from bench import options
from bench.corpus import corpus_dir, corpus_size, docs_label
from bench.machine import load_average, process_memory_mb
from bench.mix import MIX
from bench.results import ROOT, load_note, markdown_table, write_results
from bench.stats import percentile
from bench.systems import SYSTEMS
from bench.worker import ensure_index
from service.config import DEFAULT_CONFIG

FLOOR = "/healthz"
READY_LINE = "Service prêt : "
START_TIMEOUT = 120.0
WRK_TIMEOUT = "10s"  # wrk's default (2 s) would count slow answers under load as errors

LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH-JSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"errors\\": {\\"connect\\": %%d, "
    .. "\\"read\\": %%d, \\"write\\": %%d, \\"status\\": %%d, \\"timeout\\": %%d}, "
    .. "\\"p50_us\\": %%d, \\"p99_us\\": %%d, \\"mean_us\\": %%f, \\"max_us\\": %%d}\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
"""


# --- the server ------------------------------------------------------------------------


class Server:
    """``search-serve`` in a subprocess on a free loopback port, over one index folder."""

    def __init__(self, engine: str, corpus: Path, index: Path, log: Path, cache: bool = True):
        self.engine, self.corpus, self.index, self.log_path = engine, corpus, index, log
        self.cache = cache
        self.proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self.url = ""

    def command(self) -> list[str]:
        script = Path(sys.executable).with_name("search-serve")
        if script.is_file():
            return [str(script), "--host", "127.0.0.1", "--port", "0"]
        code = "from service.cli.serve import serve_cmd; serve_cmd()"
        return [sys.executable, "-c", code, "--host", "127.0.0.1", "--port", "0"]

    def environment(self) -> dict:
        """The repository's config.toml, with the corpus, index and engine overridden, and
        the answer cache turned off when asked."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEARCH_")}
        env.update(
            SEARCH_CONFIG=str(DEFAULT_CONFIG),
            SEARCH_CORPUS__PATH=str(self.corpus),
            SEARCH_INDEX__PATH=str(self.index),
            SEARCH_INDEX__ENGINE=self.engine,
        )
        if not self.cache:
            env["SEARCH_SERVICE__ANSWER_CACHE_MB"] = "0"
        return env

    def __enter__(self) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.environment(),
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.url = self._wait_ready()
        return self

    def _wait_ready(self) -> str:
        lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._drain, args=(lines,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if line.startswith(READY_LINE):
                return line[len(READY_LINE) :].split()[0].rstrip("/")
        raise RuntimeError(f"search-serve did not start: see {self.log_path}")

    def _drain(self, lines: queue.Queue) -> None:
        for line in self.proc.stdout:
            lines.put(line.strip())

    def memory(self) -> dict:
        return process_memory_mb(self.proc.pid)

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=5)
        self.proc.stdout.close()
        self._log.close()


# --- load generators -------------------------------------------------------------------


def _lua_string(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_load(url: str, paths: Sequence[str], concurrency: int, seconds: float) -> dict:
    """Run wrk for ``seconds`` with ``concurrency`` connections rotating through ``paths``."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA % ", ".join(_lua_string(p) for p in paths))
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{concurrency}",
                f"-d{max(1, round(seconds))}s",
                f"--timeout={WRK_TIMEOUT}",
            ]
            + ["-s", f.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    line = next(x for x in out.splitlines() if x.startswith("BENCH-JSON "))
    raw = json.loads(line.removeprefix("BENCH-JSON "))
    elapsed = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": round(elapsed, 2),
        "req_per_s": round(raw["requests"] / elapsed, 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": round(raw["mean_us"] / 1000, 3),
        "max_ms": raw["max_us"] / 1000,
        "errors": sum(raw["errors"].values()),
        "error_kinds": raw["errors"],
    }


class _PythonClient(threading.Thread):
    """One keep-alive connection sending GETs, rotating through the paths, until the deadline."""

    def __init__(self, url: str, paths: Sequence[str], first: int, start: threading.Barrier):
        super().__init__()
        parts = urlsplit(url)
        self.address = (parts.hostname, parts.port)
        self.paths, self.next, self.start_line = paths, first, start
        self.deadline = 0.0
        self.latencies: list[float] = []
        self.errors = 0

    def run(self) -> None:
        conn = HTTPConnection(*self.address, timeout=30)
        self.start_line.wait()
        while time.perf_counter() < self.deadline:
            t0 = time.perf_counter()
            ok = self._get(conn, self.paths[self.next % len(self.paths)])
            self.latencies.append((time.perf_counter() - t0) * 1000)
            self.errors += not ok
            self.next += 1
            if not ok:  # a broken connection is replaced; a 4xx/5xx one is reused
                conn.close()
                conn = HTTPConnection(*self.address, timeout=30)
        conn.close()

    @staticmethod
    def _get(conn: HTTPConnection, path: str) -> bool:
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            return response.status == 200
        except OSError:
            return False


def python_load(url: str, paths: Sequence[str], concurrency: int, seconds: float) -> dict:
    """The same load from Python: a thread per connection, keep-alive, until the deadline."""
    start = threading.Barrier(concurrency + 1)
    # connections start at different places in the mix
    clients = [_PythonClient(url, paths, k * 7, start) for k in range(concurrency)]
    for c in clients:
        c.start()
    t0 = time.perf_counter()
    for c in clients:
        c.deadline = t0 + seconds
    start.wait()
    for c in clients:
        c.join()
    samples = [x for c in clients for x in c.latencies]
    return _python_summary(samples, sum(c.errors for c in clients), time.perf_counter() - t0)


def _python_summary(samples: list[float], errors: int, elapsed: float) -> dict:
    """The figures wrk reports, from the Python client's samples (ms)."""
    return {
        "requests": len(samples),
        "seconds": round(elapsed, 2),
        "req_per_s": round(len(samples) / elapsed, 1),
        "p50_ms": round(percentile(samples, 50), 3) if samples else None,
        "p99_ms": round(percentile(samples, 99), 3) if samples else None,
        "mean_ms": round(sum(samples) / len(samples), 3) if samples else None,
        "max_ms": round(max(samples), 3) if samples else None,
        "errors": errors,
    }


CLIENTS = {"wrk": wrk_load, "python": python_load}


def pick_client(name: str) -> str:
    """'auto' -> wrk when it is installed, else python."""
    if name == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if name == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk (or --client python)")
    return name


# --- one engine ------------------------------------------------------------------------


def warm_up(url: str, paths: Sequence[str]) -> tuple[list[int], list[str]]:
    """Every path once, in order, on one connection: their HTTP statuses, and their
    X-Cache headers ('hit', 'miss', or '' for a route without the answer cache)."""
    parts = urlsplit(url)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=60)
    statuses, cache = [], []
    for path in [*paths, FLOOR]:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        statuses.append(response.status)
        cache.append(response.getheader("X-Cache", ""))
    conn.close()
    return statuses, cache


def measure_engine(engine, corpus, index_folder, args, client, cache: bool = True) -> dict:
    """Start the server over one engine's index, with its answer cache or without, and
    load both routes at each concurrency."""
    paths = [mq.url() for mq in MIX]
    load = CLIENTS[client]
    log = args.results / f"http-server-{engine}{'' if cache else '-no-cache'}.log"
    runs = []
    label = server_label({"engine": engine, "answer_cache": cache})
    print(f"HTTP on {label}, {corpus.name}, client {client}…", flush=True)
    with Server(engine, corpus, index_folder, log, cache) as server:
        statuses, _ = warm_up(server.url, paths)
        _, cache_after = warm_up(server.url, paths)  # what the load will find in the cache
        memory_warm = server.memory()
        for c in args.concurrency:
            for route, route_paths in (("floor", [FLOOR]), ("search", paths)):
                result = load(server.url, route_paths, c, args.duration)
                runs.append({"route": route, "concurrency": c, **result})
                print(
                    f"  {label} {route:<6} c={c:<3} {result['req_per_s']:>8,.1f} req/s"
                    f"  p50 {result['p50_ms']:.2f} ms  errors {result['errors']}",
                    flush=True,
                )
        memory = server.memory()
    return {
        "engine": engine,
        "answer_cache": cache,
        "docs": corpus_size(corpus),
        "client": client,
        "warm_up_statuses": sorted(set(statuses)),
        "mix_from_cache": cache_after[: len(paths)].count("hit"),  # of the mix's queries
        "memory_after_warm_up": memory_warm,
        "rss_mb": memory.get("rss_mb"),
        "peak_rss_mb": memory.get("peak_rss_mb"),
        "runs": runs,
    }


def table(rows: Sequence[dict]) -> str:
    """Req/s, p50, p99 and errors of each engine, route and concurrency."""
    lines = []
    for r in rows:
        for run in r["runs"]:
            route = "/api/search (mix)" if run["route"] == "search" else "/healthz (floor)"
            lines.append(
                [
                    server_label(r),
                    route,
                    run["concurrency"],
                    run["req_per_s"],
                    run["p50_ms"],
                    run["p99_ms"],
                    run["errors"],
                ]
            )
    return markdown_table(["server", "route", "c", "req/s", "p50 ms", "p99 ms", "errors"], lines)


def server_name(row: dict) -> str:
    """A row's server: 'tantivy' as deployed, 'tantivy, no answer cache' without it."""
    return row["engine"] + ("" if row.get("answer_cache", True) else ", no answer cache")


def server_label(row: dict) -> str:
    """'product (tantivy)', 'product (tantivy, no answer cache)': ``server_name``."""
    return f"product ({server_name(row)})"


def memory_table(rows: Sequence[dict]) -> str:
    """The server's resident memory after the runs, and at its peak."""
    return markdown_table(
        ["server", "articles", "client", "RSS after runs MB", "peak RSS MB"],
        [[server_label(r), r["docs"], r["client"], r["rss_mb"], r["peak_rss_mb"]] for r in rows],
    )


def main(argv: Sequence[str] | None = None) -> dict:
    p = options.parser("python -m bench.http_load", __doc__, docs_default="all")
    p.add_argument("--engines", default="whoosh,tantivy", help="product engines (whoosh,tantivy)")
    p.add_argument("--duration", type=float, default=15.0, help="seconds per run (15)")
    p.add_argument(
        "--concurrency",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[1, 8, 32],
        help="connections, comma-separated (1,8,32)",
    )
    p.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    p.add_argument(
        "--answer-cache",
        type=lambda v: [{"on": True, "off": False}[x] for x in v.split(",")],
        default=[True, False],
        help="servers to load: with the answer cache as config.toml has it, without (on,off)",
    )
    args = p.parse_args(argv)
    client = pick_client(args.client)
    corpus = corpus_dir(args.docs, args.cache, args.source, args.replicas)
    engines = [e for e in args.engines.split(",") if f"product-{e}" in SYSTEMS]
    before = load_average()
    rows = []
    for engine in engines:
        built = ensure_index(f"product-{engine}", corpus, args.cache)
        for cache in args.answer_cache:
            rows.append(measure_engine(engine, corpus, Path(built["folder"]), args, client, cache))
    label = docs_label(args.docs, args.replicas)
    payload = {"docs": label, "duration_s": args.duration, "client": client, "rows": rows}
    path = write_results(f"http-{label}", payload, args.results, before)
    print(f"\n{table(rows)}\n\n{memory_table(rows)}")
    print(f"\n{load_note(before, load_average())}\n→ {path}")
    return payload


if __name__ == "__main__":
    main()
