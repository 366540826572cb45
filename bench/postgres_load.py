"""``bench.postgres``'s measures under load: writes while 8 clients search, the service's
memory, and the standby's replication lag.

- writes: what the write API's worker runs for one article alone (``service.corpus``'s
  ``write_article``: for tantivy a corpus file and the index changed in place; for
  postgres rows in one transaction, acknowledged once the standby where the service
  reads has replayed it), timed one after another while another process runs the query
  mix from 8 threads on the same engine, as a loaded service would;
- memory: a fresh process opens the engine's snapshots as ``search-serve`` does and runs
  the mix twice (the lexicon, the article vectors and the word vectors loaded): its
  resident memory then, and at its peak;
- replication lag: a commit on the primary until the standby has replayed it, polled.
"""

from __future__ import annotations

import multiprocessing
import statistics
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from bench.machine import process_memory_mb
from bench.mix import MIX
from bench.results import markdown_table
from bench.stats import percentile
from service.config import Config

SEARCH_THREADS = 8
READY_WAIT = 900  # seconds the writes wait for the searchers' first searches, at most


def service_memory(config: Config) -> dict:
    """The resident memory of a process serving ``config``'s engine, after the mix."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_memory_after_mix, (config,))


def _memory_after_mix(config: Config) -> dict:
    from bench.postgres import searcher
    from service.corpus.indexing import open_or_build
    from service.search.snapshot import Snapshots

    search = searcher(Snapshots(open_or_build(config)))
    for _ in range(2):
        for q in MIX:
            search(q.params())
    return process_memory_mb()


def measure_writes(configs: dict[str, Config], count: int) -> dict:
    """Per engine, ``count`` writes timed while 8 threads of another process search."""
    out = {}
    for engine, config in configs.items():
        context = multiprocessing.get_context("spawn")
        stop, ready, queue = context.Event(), context.Event(), context.Queue()
        # A daemon: a run that stops on an error ends it (run 13's first one left it
        # searching servers that were gone, for an hour, into the next run's log).
        searchers = context.Process(
            target=_search_until, args=(config, stop, ready, queue), daemon=True
        )
        searchers.start()
        # Every thread past its first search: the snapshot opened, the lexicon loaded, and
        # the copies' first whole pass made (minutes at 341,600 articles that all have
        # copies, when run 12 timed its writes beside searchers still waiting for it).
        ready.wait(READY_WAIT)
        with tempfile.TemporaryDirectory(prefix="bench-writes-") as corpus:
            # Written files go to a folder of their own, not into the cached corpus: a
            # write re-reads its own file only.
            times, refused = _timed_writes(replace(config, corpus_path=Path(corpus)), count)
        stop.set()
        done = queue.get(timeout=120)
        searchers.join(30)
        out[engine] = {
            "writes": count,
            "p50_ms": round(statistics.median(times), 1),
            "p99_ms": round(percentile(times, 99), 1),
            "max_ms": round(max(times), 1),
            "refused": len(refused),  # answered an error (timed all the same)
            "refusals": refused[:5],
            "searches_meanwhile": done,
        }
        print(f"  writes {engine}: p50 {out[engine]['p50_ms']} ms", flush=True)
    return out


def _timed_writes(config: Config, count: int) -> tuple[list[float], list[str]]:
    """Each write's milliseconds, and what the refused ones answered (the API's 503: a
    write the standby has not replayed in 7 s is one): measured, not fatal."""
    from service.corpus.articles import article_file, write_article
    from service.errors import SearchError

    times, refused = [], []
    # One write untimed first: the service's write worker imports the engine and loads
    # the word vectors when it starts (``warm_up_rows``); this process would pay it in
    # its first write (640 ms alone, 1.8 s under load at 341,600: the max of run 16's
    # first measure, and a fifth of its p99 by interpolation).
    warm = article_file("api/bench-warm-up.txt", "Dépêche d'essai avant la mesure.", "2024-05-01")
    write_article(config, "api/bench-warm-up.txt", warm, False, 30.0)
    for i in range(count):
        doc_id = f"api/bench-{i}.txt"
        text = f"Dépêche {i} : le ministre annonce un plan pour l'hôpital de la ville {i}."
        content = article_file(doc_id, text, "2024-05-02")
        started = time.perf_counter()
        try:
            write_article(config, doc_id, content, False, 30.0)
        except SearchError as e:
            refused.append(f"write {i}: {e}")
            print(f"  write {i} refused: {e}", flush=True)
        times.append((time.perf_counter() - started) * 1000)
    return times, refused


def _search_until(config: Config, stop, ready, queue) -> None:
    """The mix from SEARCH_THREADS threads until ``stop``; ``ready`` once each thread
    has answered a search; searches per second, on ``queue``."""
    from bench.postgres import searcher
    from service.corpus.indexing import open_or_build
    from service.search.snapshot import Snapshots

    search = searcher(Snapshots(open_or_build(config)))
    counts = [0] * SEARCH_THREADS

    mark: dict[str, float] = {}  # when every thread had answered once, and the count then

    def all_ready() -> None:
        mark.update(time=time.perf_counter(), searches=sum(counts))
        ready.set()

    first = threading.Barrier(SEARCH_THREADS, action=all_ready)

    def loop(n: int) -> None:
        while not stop.is_set():
            for q in MIX:
                if stop.is_set():
                    return
                search(q.params())
                counts[n] += 1
                if counts[n] == 1:
                    try:
                        first.wait(READY_WAIT)
                    except threading.BrokenBarrierError:  # a thread never answered
                        pass

    from bench.postgres import FAILURES

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(n,)) for n in range(SEARCH_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    since = mark.get("time", started)
    rate = round((sum(counts) - mark.get("searches", 0)) / (time.perf_counter() - since), 1)
    queue.put({"searches_per_s": rate, "answered_503": dict(FAILURES)})


def replication_lag(primary, standby, samples: int = 50) -> dict:
    """Milliseconds from a commit on the primary to its replay on the standby."""
    import psycopg

    lags = []
    with (
        psycopg.connect(primary.dsn(), autocommit=True) as p,
        psycopg.connect(standby.dsn(), autocommit=True) as s,
    ):
        p.execute("CREATE TABLE IF NOT EXISTS lag_probe (n int)")
        for n in range(samples):
            p.execute("INSERT INTO lag_probe VALUES (%s)", (n,))
            (lsn,) = p.execute("SELECT pg_current_wal_insert_lsn()").fetchone()
            started = time.perf_counter()
            check = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
            while not s.execute(check, (lsn,)).fetchone()[0]:
                time.sleep(0.0002)
            lags.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)
    return {
        "samples": samples,
        "p50_ms": round(statistics.median(lags), 2),
        "p99_ms": round(percentile(lags, 99), 2),
        "max_ms": round(max(lags), 2),
    }


def report(payload: dict) -> str:
    writes = markdown_table(
        ["engine", "writes", "p50 ms", "p99 ms", "max ms", "searches meanwhile"],
        [
            [e, w["writes"], w["p50_ms"], w["p99_ms"], w["max_ms"], w["searches_meanwhile"]]
            for e, w in payload["writes"].items()
        ],
    )
    memory = markdown_table(
        ["engine", "RSS MB", "peak RSS MB"],
        [[e, m.get("rss_mb"), m.get("peak_rss_mb")] for e, m in payload["memory"].items()],
    )
    return "\n\n".join([writes, memory, f"replication lag: {payload['replication']}"])
