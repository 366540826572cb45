"""A bounded soak on loopback: the real server under a mixed load, for a fixed time.

    .venv/bin/python -m bench.soak                      # 60 s, 32 clients, 3,000 articles
    .venv/bin/python -m bench.soak --seconds 10 --concurrency 8 --json soak.json

It copies the first articles of ../shared/data/news-fr.jsonl.gz (the seeds when it is
absent) into a temporary corpus, builds the index, starts ``search-serve --port 0`` with
a write token, and runs ``concurrency`` clients (threads, one keep-alive connection each)
until the time is up. They mix searches, filtered searches and facets, suggestions
(skipped when /api/suggest answers 404), whole articles, and writes (PUT then DELETE of
their own articles, with the token). The report: requests and req/s, p50/p99/max per
kind, errors (an exception, or a status other than the expected one: there must be none),
and the server's memory (RSS) and open files at the start and at the end. Only loopback
is ever contacted, and every loop ends with the time budget.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "data" / "news-fr.jsonl.gz"
BIN = Path(sys.executable).parent
TOKEN = "soak-" + os.urandom(8).hex()
READY = re.compile(r"Service prêt : (http://\S+?)/?\s")

# kind -> (share of requests, expected statuses)
KINDS = {
    "search": (0.50, {200}),
    "filter": (0.23, {200}),
    "suggest": (0.13, {200}),
    "document": (0.12, {200}),
    "write": (0.02, {200, 201, 204}),  # each one publishes a new index generation
}
WORDS = (
    "gouvernement président France Macron élection santé hôpital économie emploi grève "
    "police justice Europe Chine Russie États-Unis Allemagne climat énergie football "
    "coronavirus confinement vaccin école entreprise banque pétrole guerre Syrie Iran "
    "migrants réforme retraites impôts budget Paris Marseille Lyon tribunal incendie"
).split()
QUERIES = [
    *WORDS,
    "réforme des retraites",
    '"premier ministre"',
    "santé OR hôpital",
    "économie -chine",
    "gouvern*",
    "présidnt",  # a typo
    "Quand le président a-t-il parlé de la réforme ?",
]
FILTERS = [
    {"country": "FR"},
    {"country": "US", "q": "président"},
    {"from": "2019", "to": "2019-12"},
    {"q": "santé", "sort": "date"},
    {"q": "économie", "country": "CN", "from": "2018"},
    {"q": "", "from": "2020-03", "per_page": "20"},
    {"q": "police", "page": "2"},
]


@dataclass
class Tally:
    """Latencies (ms) per kind, and the errors seen, shared by the client threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(ms)
            if error:
                self.errors.append(f"{kind}: {error}")


def make_corpus(folder: Path, articles: int) -> int:
    """A corpus of the first ``articles`` news articles (or the seeds); how many."""
    folder.mkdir(parents=True)
    if not NEWS.exists():
        shutil.copytree(ROOT / "seeds", folder, dirs_exist_ok=True)
        return len(list(folder.glob("*.txt")))
    with gzip.open(NEWS, "rt", encoding="utf-8") as src, open(folder / "news.jsonl", "w") as out:
        for count, line in enumerate(src):
            if count == articles:
                return count
            out.write(line)
    return count + 1


def write_config(folder: Path) -> Path:
    path = folder / "config.toml"
    path.write_text('[corpus]\npath = "corpus"\n[index]\npath = "index"\n', "utf-8")
    return path


def start_server(config: Path, log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """search-serve on a free loopback port, with the write token; its process and URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEARCH_")}
    env["SEARCH_SERVICE__WRITE_TOKEN"] = TOKEN
    command = [str(BIN / "search-serve"), "--config", str(config), "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=open(log, "w") if log else subprocess.DEVNULL,  # noqa: SIM115 (the child's)
        text=True,
        env=env,
    )
    for line in process.stdout:
        match = READY.search(line + "\n")
        if match:
            return process, match.group(1)
    raise RuntimeError(f"search-serve exited ({process.wait()}) before it was ready")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.stdout.close()


def process_stats(pid: int) -> dict:
    """The server's resident memory (MB) and open file descriptors, from /proc.

    RSS counts the index files that each thread's reader maps (file pages, shared with
    the page cache) as well as the heap: ``anon_mb`` is the process's own memory.
    """
    status = Path(f"/proc/{pid}/status").read_text()

    def mb(field: str) -> float:
        return round(int(re.search(rf"{field}:\s+(\d+)", status).group(1)) / 1024, 1)

    return {
        "rss_mb": mb("VmRSS"),
        "anon_mb": mb("RssAnon"),
        "file_mb": mb("RssFile"),
        "open_files": len(os.listdir(f"/proc/{pid}/fd")),
    }


class Client:
    """One simulated user: a keep-alive connection and its own articles to write."""

    def __init__(self, base_url: str, number: int, doc_ids: list[str], suggest: bool):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.rnd = random.Random(number)
        self.number, self.doc_ids, self.suggest = number, doc_ids, suggest
        self.written: str | None = None
        self.writes = 0

    def request(self, method: str, url: str, body: bytes | None = None) -> int:
        headers = {"Authorization": f"Bearer {TOKEN}"} if method != "GET" else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, url, body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()  # reconnect on the next request; the error is counted
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            raise

    def one(self) -> tuple[str, str, str, bytes | None]:
        """The next request: (kind, method, url, body)."""
        kind = self.rnd.choices(list(KINDS), [share for share, _ in KINDS.values()])[0]
        if kind == "suggest" and not self.suggest:
            kind = "search"
        if kind == "search":
            return kind, "GET", "/api/search?" + urlencode({"q": self.rnd.choice(QUERIES)}), None
        if kind == "filter":
            return kind, "GET", "/api/search?" + urlencode(self.rnd.choice(FILTERS)), None
        if kind == "suggest":
            prefix = self.rnd.choice(WORDS)[: self.rnd.randint(2, 5)]
            return kind, "GET", "/api/suggest?" + urlencode({"q": f"la {prefix}"}), None
        if kind == "document":
            doc_id = quote(self.rnd.choice(self.doc_ids), safe="/")
            return kind, "GET", f"/api/documents/{doc_id}", None
        return self.write()

    def write(self) -> tuple[str, str, str, bytes | None]:
        """PUT a new article of this client, or DELETE the one it wrote before."""
        if self.written:
            return "write", "DELETE", self.written, None
        self.writes += 1
        url = f"/api/documents/soak/c{self.number}-{self.writes}.txt"
        words = " ".join(self.rnd.choice(WORDS) for _ in range(60))
        text = f"Article d'essai {self.number}-{self.writes} sur le tungstène. {words}."
        body = json.dumps({"text": text, "date": "2024-05-02"}).encode()
        return "write", "PUT", url, body

    def wrote(self, method: str, url: str, status: int) -> None:
        """Remember the article a PUT created, forget the one a DELETE removed."""
        if method == "PUT" and status in (200, 201):
            self.written = url
        elif method == "DELETE" and status == 204:
            self.written = None

    def run(self, deadline: float, tally: Tally) -> None:
        while time.monotonic() < deadline:
            kind, method, url, body = self.one()
            started = time.perf_counter()
            try:
                status, error = self.request(method, url, body), None
                self.wrote(method, url, status)
                if status not in KINDS[kind][1]:
                    error = f"{method} {url} -> {status}"
            except Exception as e:  # noqa: BLE001 (every failure is counted, none is fatal)
                error = f"{method} {url} -> {type(e).__name__}: {e}"
            tally.add(kind, (time.perf_counter() - started) * 1000, error)
        if self.written:  # leave the corpus as it was
            self.request("DELETE", self.written)
        self.conn.close()


def document_ids(base_url: str) -> list[str]:
    """Some article ids to fetch, from a first search."""
    client = Client(base_url, -1, [], False)
    client.conn.request("GET", "/api/search?per_page=100")
    hits = json.loads(client.conn.getresponse().read())["hits"]
    client.conn.close()
    return [hit["id"] for hit in hits] or ["missing.txt"]


def has_suggest(base_url: str) -> bool:
    client = Client(base_url, -1, [], False)
    status = client.request("GET", "/api/suggest?q=gouv")
    client.conn.close()
    return status != 404


def run_load(base_url: str, seconds: float, concurrency: int, pid: int) -> dict:
    """Run the clients for ``seconds``; the tally and the server's memory over time."""
    ids, suggest = document_ids(base_url), has_suggest(base_url)
    clients = [Client(base_url, n, ids, suggest) for n in range(concurrency)]
    tally, samples = Tally(), []
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=c.run, args=(deadline, tally)) for c in clients]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        samples.append(process_stats(pid)["anon_mb"])
        for thread in threads:
            thread.join(timeout=5 / len(threads))
    elapsed = time.monotonic() - started
    return {"tally": tally, "elapsed": elapsed, "rss_samples": samples, "suggest": suggest}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def summary(load: dict) -> dict:
    tally: Tally = load["tally"]
    total = sum(len(v) for v in tally.latencies.values())
    kinds = {
        kind: {
            "requests": len(values),
            "p50_ms": round(statistics.median(values), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "max_ms": round(max(values), 1),
        }
        for kind, values in sorted(tally.latencies.items())
    }
    return {
        "requests": total,
        "requests_per_s": round(total / load["elapsed"], 1),
        "errors": len(tally.errors),
        "error_examples": tally.errors[:10],
        "kinds": kinds,
        "suggest_tested": load["suggest"],
    }


def machine() -> dict:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else "?",
        "ram_gb": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "python": sys.version.split()[0],
    }


def quarters(samples: list[float]) -> list[float]:
    """Memory at a quarter, half, three quarters and the end of the run: growth shows here."""
    if not samples:
        return []
    return [samples[min(len(samples) - 1, len(samples) * q // 4)] for q in (1, 2, 3, 4)]


def run_soak(
    seconds: float = 60,
    concurrency: int = 32,
    articles: int = 3000,
    warmup: float = 5,
    server_log: Path | None = None,
) -> dict:
    """Build, serve, warm up, load, measure; the report (errors must be 0).

    Memory is measured after the warm-up (the first requests load the readers and the
    vocabulary), then through the run and at its end.
    """
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        count = make_corpus(work / "corpus", articles)
        config = write_config(work)
        started = time.monotonic()
        subprocess.run([str(BIN / "search-index"), "--config", str(config)], check=True,
                       capture_output=True)  # fmt: skip
        build_s = time.monotonic() - started
        process, base_url = start_server(config, server_log)
        try:
            cold = process_stats(process.pid)
            run_load(base_url, warmup, concurrency, process.pid)  # caches, readers, lexicon
            before = process_stats(process.pid)
            load = run_load(base_url, seconds, concurrency, process.pid)
            after = process_stats(process.pid)
        finally:
            stop_server(process)
        return {
            "seconds": seconds,
            "concurrency": concurrency,
            "articles": count,
            "build_s": round(build_s, 1),
            **summary(load),
            "warmup_s": warmup,
            "server_cold": cold,
            "server_start": before,
            "server_end": after,
            "anon_peak_mb": max(load["rss_samples"], default=after["anon_mb"]),
            "anon_quarters_mb": quarters(load["rss_samples"]),
            "machine": machine(),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render(report: dict) -> str:
    lines = [
        f"soak: {report['seconds']:.0f} s, {report['concurrency']} clients, "
        f"{report['articles']} articles (index built in {report['build_s']} s)",
        f"requests: {report['requests']} ({report['requests_per_s']}/s), "
        f"errors: {report['errors']}",
        f"{'kind':<10}{'requests':>10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}",
    ]
    for kind, k in report["kinds"].items():
        lines.append(
            f"{kind:<10}{k['requests']:>10}{k['p50_ms']:>10}{k['p99_ms']:>10}{k['max_ms']:>10}"
        )
    cold, start, end = report["server_cold"], report["server_start"], report["server_end"]
    for name, key in (("RSS", "rss_mb"), ("heap (RssAnon)", "anon_mb"), ("files", "file_mb")):
        lines.append(
            f"server {name}: {cold[key]} MB cold, {start[key]} MB after the "
            f"{report['warmup_s']:.0f} s warm-up, {end[key]} MB at the end"
        )
    lines.append(
        f"heap by quarter of the run: {report['anon_quarters_mb']} MB "
        f"(peak {report['anon_peak_mb']} MB)"
    )
    lines.append(f"open files: {start['open_files']} after warm-up, {end['open_files']} at the end")
    lines.extend(f"  error: {e}" for e in report["error_examples"])
    m = report["machine"]
    lines.append(f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--warmup", type=float, default=5, help="seconds not measured")
    parser.add_argument("--json", type=Path, help="also write the report to this file")
    parser.add_argument("--server-log", type=Path, help="the server's stderr (its logs)")
    args = parser.parse_args(argv)
    report = run_soak(args.seconds, args.concurrency, args.articles, args.warmup, args.server_log)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
