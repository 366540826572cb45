"""The postgres archive beside the tantivy engine on the news: one run, one machine.

    .venv/bin/python -m bench.postgres [--docs all|341600] [--rounds 5] [--writes 100]

It starts its own PostgreSQL (``tests/postgres_server.py``: Debian's, at its defaults but
the port, fsync on), a primary and a streaming standby (with DEPLOYMENT.md's standby
settings), in a temporary folder, and stops them at the end. Both engines run at their
own defaults, side by side in one run, so their ratios are what the shared machine's load
cannot move much:

1. import: tantivy's ``build_index`` into a fresh folder, postgres's ``import_sources``
   into a fresh schema (analysis in one process per core for both, as ``search-index``;
   lexicon and article vectors included); seconds, articles/s, size on disk;
2. the query mix (``bench.mix``) through ``core.search`` with facets and passages, as the
   API answers it, the postgres searches on the standby: ``--rounds`` rounds, the engines
   alternated query by query in a shuffled order; the median of the rounds' p50 and p95;
3. many matches: ``reader.search`` with facets of single words of growing document
   frequency, and of every article: what counting N matches costs;
4. agreement: per query of the mix, the overlap of the first ten, equal totals and facets;
5. writes with 8 clients searching, service memory, replication lag (``postgres_load``).

Writes var/bench/results/postgres-DOCS.json and prints the tables.
"""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bench import options, postgres_load
from bench.corpus import corpus_dir, docs_label
from bench.machine import disk_size_mb, load_average
from bench.mix import MIX
from bench.results import load_note, markdown_table, write_results
from bench.stats import median_summary
from indexer.engines import querytree as qt
from indexer.engines.postgres.connections import close_pools
from indexer.store import current_generation
from service.config import Config, load_config
from service.corpus.indexing import archive, open_or_build, update_index
from service.errors import IndexUnavailable, TooLong
from service.search import core
from service.search.models import SearchRequest
from service.search.settings import Settings
from service.search.snapshot import Snapshots

ENGINES = ("tantivy", "postgres")
WORDS = ("benalla", "coronavirus", "macron", "gouvernement", "france", "plus")  # df grows


def main(argv: Sequence[str] | None = None) -> dict:
    p = options.parser("python -m bench.postgres", __doc__, docs_default="all")
    p.add_argument("--rounds", type=int, default=5, help="rounds of the query mix")
    p.add_argument("--writes", type=int, default=100, help="writes timed per engine")
    args = p.parse_args(argv)
    corpus = corpus_dir(args.docs, args.cache, args.source, args.replicas)
    before = load_average()
    name = f"postgres-{docs_label(args.docs, args.replicas)}"
    payload = {"docs": docs_label(args.docs, args.replicas), "load_before": before}

    def measured(key: str, value) -> None:  # kept as it comes: a run that stops keeps them
        payload[key] = value
        write_results(name, payload, args.results, before)

    servers = _servers(args.results / f"{name}-servers")
    with servers as (primary, standby), tempfile.TemporaryDirectory(prefix="bench-pg-") as tmp:
        configs = {e: _config(Path(tmp), corpus, e, primary, standby) for e in ENGINES}
        measured("builds", [measure_build(configs[e]) for e in ENGINES])
        snapshots = {e: Snapshots(open_or_build(configs[e])) for e in ENGINES}
        measured("mix", measure_mix(snapshots, args.rounds))
        measured("matches", measure_matches(snapshots))
        measured("agreement", measure_agreement(snapshots))
        measured("failures", dict(FAILURES))
        measured("memory", {e: postgres_load.service_memory(configs[e]) for e in ENGINES})
        measured("writes", postgres_load.measure_writes(configs, args.writes))
        measured("replication", postgres_load.replication_lag(primary, standby))
        close_pools()
    path = write_results(name, payload, args.results, before)
    print(report(payload))
    print(f"\n{load_note(before, load_average())}\n→ {path}")
    return payload


@contextmanager
def _servers(logs: Path) -> Iterator[tuple]:
    """A durable primary and its streaming standby, for this run; their logs are copied
    to ``logs`` at the end (recovery conflicts are logged on the standby)."""
    from tests.postgres_server import STANDBY_SETTINGS, server_root, start_primary, start_standby

    with server_root() as root:
        try:
            primary = start_primary(root, durable=True)
            yield primary, start_standby(primary, root, durable=True, settings=STANDBY_SETTINGS)
        finally:
            logs.mkdir(parents=True, exist_ok=True)
            for log in root.glob("*.log"):
                shutil.copyfile(log, logs / log.name)


def _config(folder: Path, corpus: Path, engine: str, primary, standby) -> Config:
    """The engine's config as a deployment would write it (postgres: both servers named)."""
    lines = ["[corpus]", f'path = "{corpus}"', "[index]", f'path = "{folder / engine}"']
    lines.append(f'engine = "{engine}"')
    if engine == "postgres":
        hosts = f"host=127.0.0.1,127.0.0.1 port={primary.port},{standby.port}"
        lines.append(f'dsn = "{hosts} user=postgres dbname=search"')
        lines.append('schema = "bench"')
    lines += ["[service]", 'write_token = "bench"']
    path = folder / f"{engine}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path, environ={})


def measure_build(config: Config) -> dict:
    """A full import or build at the engine's defaults; its rate and size on disk."""
    started = time.perf_counter()
    report = update_index(config, rebuild=True)
    seconds = time.perf_counter() - started
    print(f"  build {config.engine}: {report.doc_count / seconds:,.0f} docs/s", flush=True)
    return {
        "engine": config.engine,
        "docs": report.doc_count,
        "seconds": round(seconds, 1),
        "docs_per_s": round(report.doc_count / seconds),
        "size_mb": _size_mb(config),
    }


def _size_mb(config: Config) -> float:
    if config.engine != "postgres":
        return disk_size_mb(current_generation(config.index_path))
    engine = archive(config).engine()
    with engine.pool.connection() as conn:
        (size,) = conn.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'm')",
            (engine.location.schema,),
        ).fetchone()
    return round(float(size) / 1e6, 1)


def searcher(snapshots: Snapshots) -> Callable[[dict], object]:
    """A search as the API runs it: the live snapshot, the default settings; None for
    one the API would answer 503 (past its time budget, or the index unavailable),
    counted in ``FAILURES`` by engine and error code."""
    settings = Settings.from_config(load_config(environ={}))
    engine = snapshots.handle.__class__.__name__

    def search(params: dict):
        try:
            return core.search(snapshots.current(), SearchRequest.from_params(params), settings)
        except (TooLong, IndexUnavailable) as e:
            FAILURES[f"{engine}: {e.code}"] += 1
            return None

    return search


FAILURES: Counter = Counter()  # searches answered 503, per handle and error code


def measure_mix(snapshots: dict[str, Snapshots], rounds: int) -> dict:
    """The mix through core.search, engines alternated query by query; p50/p95 per engine."""
    search = {e: searcher(s) for e, s in snapshots.items()}
    queries = list(MIX)
    for engine in ENGINES:  # warm: caches, pools, the lexicon and vectors of each
        for q in queries:
            search[engine](q.params())
    times: dict[str, list[list[float]]] = {e: [] for e in ENGINES}
    kinds: dict[str, dict[str, list[float]]] = {e: {} for e in ENGINES}
    for r in range(rounds):
        random.Random(r).shuffle(queries)
        round_times: dict[str, list[float]] = {e: [] for e in ENGINES}
        for q in queries:
            for engine in ENGINES:
                started = time.perf_counter()
                search[engine](q.params())
                ms = (time.perf_counter() - started) * 1000
                round_times[engine].append(ms)
                kinds[engine].setdefault(q.kind, []).append(ms)
        for engine in ENGINES:
            times[engine].append(round_times[engine])
    return {
        e: {
            "wall": median_summary(times[e]).to_dict(),
            "p50_by_kind": {k: round(statistics.median(v), 2) for k, v in kinds[e].items()},
        }
        for e in ENGINES
    }


def measure_matches(snapshots: dict[str, Snapshots]) -> list[dict]:
    """reader.search with facets over words of growing document frequency, and everything."""
    rows = []
    trees = [("(every article)", qt.MatchAll())]
    trees += [(w, qt.And((_term(w),))) for w in WORDS]
    for label, tree in trees:
        query = qt.EngineQuery(tree, limit=10, facets=True)
        row = {"query": label}
        for engine in ENGINES:
            reader = snapshots[engine].current().engine
            found = reader.search(query)
            samples = []
            for _ in range(7):
                started = time.perf_counter()
                reader.search(query)
                samples.append((time.perf_counter() - started) * 1000)
            row["matches"] = found.total
            row[f"{engine}_ms"] = round(statistics.median(samples), 2)
        rows.append(row)
    return rows


def _term(word: str) -> qt.Term:
    from indexer.analysis import fold, stem

    return qt.Term(stem(fold(word)), fold(word))


def measure_agreement(snapshots: dict[str, Snapshots]) -> dict:
    """Overlap of the first ten, and equal totals and facets, for each query of the mix."""
    search = {e: searcher(s) for e, s in snapshots.items()}
    overlaps, same_counts = [], 0
    for q in MIX:
        a, b = (search[e](q.params()) for e in ENGINES)
        if a is None or b is None:
            continue
        ref = [h.id for h in a.hits]
        overlaps.append(len(set(ref) & {h.id for h in b.hits}) / max(len(ref), 1))
        same_counts += (a.total, a.facets) == (b.total, b.facets)
    return {
        "queries": len(MIX),
        "answered_by_both": len(overlaps),  # an engine's error: the query is left out
        "mean_top10_overlap": round(statistics.fmean(overlaps), 3) if overlaps else None,
        "min_top10_overlap": round(min(overlaps), 3) if overlaps else None,
        "same_total_and_facets": same_counts,
    }


def report(payload: dict) -> str:
    builds = markdown_table(
        ["engine", "articles", "seconds", "docs/s", "size MB"],
        [
            [b["engine"], b["docs"], b["seconds"], b["docs_per_s"], b["size_mb"]]
            for b in payload["builds"]
        ],
    )
    mix = markdown_table(
        ["engine", "p50 ms", "p95 ms", "p99 ms"],
        [
            [e, m["wall"]["p50"], m["wall"]["p95"], m["wall"]["p99"]]
            for e, m in payload["mix"].items()
        ],
    )
    kinds = sorted(next(iter(payload["mix"].values()))["p50_by_kind"])
    by_kind = markdown_table(
        ["engine", *kinds],
        [[e, *(m["p50_by_kind"][k] for k in kinds)] for e, m in payload["mix"].items()],
    )
    matches = markdown_table(
        ["query", "matches", *(f"{e} ms" for e in ENGINES)],
        [[r["query"], r["matches"], *(r[f"{e}_ms"] for e in ENGINES)] for r in payload["matches"]],
    )
    sections = [builds, mix, by_kind, matches, str(payload["agreement"])]
    sections.append(f"searches answered 503 in the mix: {payload['failures']}")
    sections.append(postgres_load.report(payload))
    return "\n\n".join(sections)


if __name__ == "__main__":
    main()
