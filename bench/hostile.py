"""Hostile queries: the worst we could construct, timed on the news archive, both engines.

    .venv/bin/python -m bench.hostile                 # 34,160 articles, whoosh and tantivy
    .venv/bin/python -m bench.hostile --docs 3000 --engines tantivy

Each query runs through the search core (``core.search``, what every door calls) on the
built index, first without a time budget (what it costs), then with the default one
(``search.time_budget_ms``: what a client gets). Reported per query and engine: the
median of ``--rounds`` runs of each, and the outcome under the budget (the total found,
or the 503 ``timeout``). Results: var/bench/results/hostile-DOCS.json and a table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import string
import time
from pathlib import Path

from bench.results import RESULTS, markdown_table
from bench.writes import make_site
from service.config import load_config
from service.corpus.indexing import update_index
from service.errors import SearchError
from service.search import core
from service.search.models import SearchRequest
from service.search.settings import Settings
from service.search.snapshot import Snapshots

COMMON = "france président gouvernement ministre police paris pays monde".split()
PREFIXES = "bal ban bar bas bat bel ben ber bes bet bil bin bir bis bit bol bon bor bos bot"
QUERIES = {
    "64 × re*": " ".join(["re*"] * 64),
    "64 distinct prefixes": " ".join(
        f"{p}*" for p in (PREFIXES + " cal can car cas cat cel cen cer col con").split() * 2
    ),
    "64 two-letter prefixes": " ".join(f"{a}{b}*" for a in "abcdefgh" for b in "aeiouyrl"),
    "64 common words": " ".join(COMMON * 8),
    "64 common words, OR": " OR ".join(COMMON * 8),
    "64 typos": " ".join(f"presidnet{c}" for c in (string.ascii_lowercase * 3)[:64]),
    "a question ×6": (
        "Quand est-ce que le président de la République française a annoncé la réforme des "
        "retraites et la grève des transports publics à Paris en décembre ? "
    )
    * 6,
    "20 phrases": " ".join(['"le président de la république"'] * 20),
    "60 exclusions": "france "
    + " ".join(f"-{w}" for w in "paris lyon marseille police ministre gouvernement".split() * 10),
    "last page of « france »": "france",
}
HEADERS = ["query", "engine", "unbudgeted ms", "budgeted ms", "outcome"]


def run(snapshot, q: str, settings: Settings, rounds: int) -> tuple[float, str]:
    """The median time (ms) of ``rounds`` searches and the last one's outcome."""
    params = {"q": q[:1000]}
    if q == "france":
        params["page"] = "100"
    request = SearchRequest.from_params(params)
    times, outcome = [], ""
    for _ in range(rounds):
        started = time.perf_counter()
        try:
            outcome = f"{core.search(snapshot, request, settings).total} found"
        except SearchError as e:
            outcome = f"{e.status} {e.code}"
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), outcome


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(prog="bench.hostile", description=__doc__.split("\n")[0])
    p.add_argument("--docs", default="all", help="articles in the corpus, or 'all'")
    p.add_argument("--engines", default="whoosh,tantivy")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--work", type=Path, default=Path("var/bench/hostile"))
    p.add_argument("--results", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    docs = None if args.docs == "all" else int(args.docs)
    rows = []
    for engine in args.engines.split(","):
        folder = args.work / f"{engine}-{args.docs}"
        if not (folder / "config.toml").is_file():
            make_site(folder, docs, engine)
        config = load_config(folder / "config.toml", environ={})
        update_index(config)  # an index of an older format is rebuilt, a current one kept
        snapshot = Snapshots.at(config.index_path).current()
        settings = Settings.from_config(config)
        unbounded = dataclasses.replace(settings, time_budget_ms=10**9)
        core.search(snapshot, SearchRequest(q="france"))  # warm: the vocabulary, the files
        for name, q in QUERIES.items():
            free_ms, _ = run(snapshot, q, unbounded, args.rounds)
            budgeted_ms, outcome = run(snapshot, q, settings, args.rounds)
            rows.append(
                {
                    "query": name,
                    "engine": engine,
                    "unbudgeted_ms": round(free_ms, 1),
                    "budgeted_ms": round(budgeted_ms, 1),
                    "outcome": outcome,
                    "budget_ms": settings.time_budget_ms,
                }
            )
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"hostile-{args.docs}.json"
    out.write_text(json.dumps(rows, indent=1, ensure_ascii=False), "utf-8")
    table = [
        [r["query"], r["engine"], r["unbudgeted_ms"], r["budgeted_ms"], r["outcome"]] for r in rows
    ]
    print(markdown_table(HEADERS, table))
    return rows


if __name__ == "__main__":
    main()
