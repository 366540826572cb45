"""The query mix on the index that the configuration names, as it is: no server.

    SEARCH_INDEX__ENGINE=postgres SEARCH_INDEX__DSN="host=... dbname=..." \
        .venv/bin/python -m bench.configured [--repeat 4] [--writes 100]

For an archive already imported (341,600 articles into PostgreSQL take 33 minutes; one
missing or of an older format is built or imported first, as the service does), and
for two revisions of the code on that same archive: run it from each checkout in turn
(``PYTHONPATH=<other checkout>`` for an older one, which may not have this file: name it
by its path), twice each, alternated. Each query of ``bench.mix`` runs through
``core.search`` as the API runs it (facets, passages, copies), ``--repeat`` times; the
first warms the caches and the median of the others is its time. Prints one line per
query (milliseconds, the query, its total or the error it answered), then the median and
the 95th percentile over the queries. ``--writes N`` (postgres) then times N writes of
the write API's code while another process runs the mix from 8 threads
(``postgres_load.measure_writes``; the written articles stay in the archive, under
``api/bench-*``). The search's time budget is the configuration's
(``SEARCH_SEARCH__TIME_BUDGET_MS=20000`` to time what the budget would stop). Nothing else
is written: numbers for BENCHMARKS.md say the command and the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench import postgres_load
from bench.mix import MIX
from bench.stats import percentile
from service.config import load_config
from service.corpus.indexing import open_or_build
from service.search import core
from service.search.models import SearchRequest
from service.search.settings import Settings
from service.search.snapshot import Snapshots


def main(argv: list[str] | None = None) -> list[tuple[str, float, str]]:
    """Each query of the mix with its median milliseconds and its answer, printed."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=4, help="runs per query, the first a warm-up")
    p.add_argument(
        "--writes", type=int, default=0, help="then N writes while 8 threads search (postgres)"
    )
    args = p.parse_args(argv)
    config = load_config()
    if args.writes and config.engine != "postgres":
        p.error("--writes: the postgres engine only (bench.writes times the file engines)")
    snapshots = Snapshots(open_or_build(config))
    settings = Settings.from_config(config)
    core.ready(snapshots.current())
    rows, medians = [], []
    for query in MIX:
        request = SearchRequest.from_params(query.params())
        times, answer = [], ""
        for _ in range(max(args.repeat, 2)):
            started = time.perf_counter()
            try:
                answer = str(core.search(snapshots.current(), request, settings).total)
            except Exception as e:  # noqa: BLE001 (a timeout or a refusal is a result here)
                answer = type(e).__name__
            times.append((time.perf_counter() - started) * 1000)
        medians.append(statistics.median(times[1:]))
        rows.append((query.q, medians[-1], answer))
        print(f"{medians[-1]:8.1f} ms  {query.kind:9} {query.q[:40]:40} {answer}", flush=True)
    print(f"p50 {statistics.median(medians):.1f} ms, p95 {percentile(medians, 95):.1f} ms")
    if args.writes:
        print(postgres_load.measure_writes({config.engine: config}, args.writes))
    return rows


if __name__ == "__main__":
    main()
