"""Scale curve: index time, size, latency and memory from 1,000 to 341,600 articles.

    .venv/bin/python -m bench.scale [--points 1000,10000,all,100000,341600]
        [--systems product-tantivy,product-whoosh,tantivy] [--rounds 3] [--whoosh-max 34160]

Points past the news corpus (34,160) replicate it under new ids (``bench.corpus``):
100,000 is the corpus about three times, 341,600 ten times. Each system builds each
point in a fresh process (an index already in var/bench/indexes is reused with its
build figures), then runs the query mix in another. Whoosh engines stop at
``--whoosh-max`` articles (they take too long on 2 cores past that): for larger points
their build time is estimated from their rate at the largest measured point, and said
to be. The growth exponent k of ``p50 ~ articles**k`` between the first and last
measured points tells whether latency grows sub-linearly (k < 1).
Writes var/bench/results/scale.json.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench import options
from bench.corpus import corpus_dir, corpus_size, docs_label
from bench.machine import load_average
from bench.queries import summarize_run
from bench.results import load_note, markdown_table, write_results
from bench.stats import growth_exponent
from bench.systems import SYSTEMS
from bench.worker import ensure_index, run_worker

DEFAULT_POINTS = "1000,10000,all,100000,341600"
DEFAULT_SYSTEMS = "product-tantivy,product-whoosh,tantivy"


def points_option(value: str) -> list[int | None]:
    return [options.docs_option(v) for v in value.split(",") if v.strip()]


def measure_point(system: str, corpus, cache, rounds: int) -> dict:
    """Build (or reuse) one system's index of one corpus and run the mix on it."""
    built = ensure_index(system, corpus, cache)
    run = summarize_run(run_worker(["query", system, built["folder"], "--rounds", str(rounds)]))
    return {
        "system": system,
        "docs": built["docs"],
        "estimated": False,
        "build_seconds": built["seconds"],
        "docs_per_s": built["docs_per_s"],
        "size_mb": built["size_mb"],
        "build_peak_rss_mb": built.get("peak_rss_mb"),
        "reused_index": built["reused"],
        "p50_ms": run["wall"]["p50"],
        "p95_ms": run["wall"]["p95"],
        "cpu_p50_ms": run["cpu"]["p50"],
        "cpu_p95_ms": run["cpu"]["p95"],
        "query_rss_mb": run["rss_mb"],
    }


def estimate_point(system: str, docs: int, measured: Sequence[dict]) -> dict | None:
    """A point too large to build: its build time at the rate of the largest measured one."""
    if not measured:
        return None
    last = max(measured, key=lambda r: r["docs"])
    return {
        "system": system,
        "docs": docs,
        "estimated": True,
        "build_seconds": round(docs / last["docs_per_s"], 1) if last["docs_per_s"] else None,
        "docs_per_s": last["docs_per_s"],
    }


def growth(rows: Sequence[dict]) -> list[dict]:
    """Per system, the growth exponents of p50 (wall and CPU) over the measured points."""
    out = []
    for system in dict.fromkeys(r["system"] for r in rows):
        points = sorted(
            (r for r in rows if r["system"] == system and not r["estimated"]),
            key=lambda r: r["docs"],
        )
        if len(points) < 2:
            continue
        sizes = [r["docs"] for r in points]
        wall = growth_exponent(sizes, [r["p50_ms"] for r in points])
        cpu = growth_exponent(sizes, [r["cpu_p50_ms"] for r in points])
        out.append(
            {
                "system": system,
                "from_docs": sizes[0],
                "to_docs": sizes[-1],
                "size_ratio": round(sizes[-1] / sizes[0], 1),
                "p50_ratio": round(points[-1]["p50_ms"] / points[0]["p50_ms"], 2),
                "exponent_wall": None if wall is None else round(wall, 3),
                "exponent_cpu": None if cpu is None else round(cpu, 3),
                "sub_linear": wall is not None and wall < 1 and (cpu is None or cpu < 1),
            }
        )
    return out


def table(rows: Sequence[dict]) -> str:
    headers = ["system", "articles", "build s", "docs/s", "index MB", "build peak RSS MB"]
    headers += ["p50 ms", "p95 ms", "CPU p50 ms", "query RSS MB"]
    lines = []
    for r in rows:
        name = SYSTEMS[r["system"]].label + (" (estimated)" if r["estimated"] else "")
        lines.append(
            [name, r["docs"], r["build_seconds"], r["docs_per_s"], r.get("size_mb")]
            + [r.get(k) for k in ("build_peak_rss_mb", "p50_ms", "p95_ms", "cpu_p50_ms")]
            + [r.get("query_rss_mb")]
        )
    return markdown_table(headers, lines)


def growth_table(rows: Sequence[dict]) -> str:
    return markdown_table(
        ["system", "articles", "size ×", "p50 ×", "k (wall)", "k (CPU)", "sub-linear"],
        [
            [
                SYSTEMS[g["system"]].label,
                f"{g['from_docs']:,} → {g['to_docs']:,}",
                g["size_ratio"],
                g["p50_ratio"],
                g["exponent_wall"],
                g["exponent_cpu"],
                "yes" if g["sub_linear"] else "no",
            ]
            for g in rows
        ],
    )


def run_points(args) -> list[dict]:
    """Every point of the curve, smallest first, for every system."""
    corpora = sorted(
        (corpus_dir(d, args.cache, args.source, args.replicas) for d in args.points),
        key=corpus_size,
    )
    rows: list[dict] = []
    for corpus in corpora:
        size = corpus_size(corpus)
        for system in args.systems:
            if system.endswith("whoosh") and size > args.whoosh_max:
                measured = [r for r in rows if r["system"] == system and not r["estimated"]]
                estimate = estimate_point(system, size, measured)
                rows += [estimate] if estimate else []
                continue
            print(f"  {system} at {size:,} articles…", flush=True)
            rows.append(measure_point(system, corpus, args.cache, args.rounds))
    return rows


def main(argv: Sequence[str] | None = None) -> dict:
    p = options.parser("python -m bench.scale", __doc__)
    p.set_defaults(systems=options.systems_option(DEFAULT_SYSTEMS))
    p.add_argument("--points", type=points_option, default=points_option(DEFAULT_POINTS))
    p.add_argument("--rounds", type=int, default=3, help="measured rounds of the mix (3)")
    p.add_argument("--whoosh-max", type=int, default=34_160, help="largest Whoosh point")
    args = p.parse_args(argv)
    before = load_average()
    print("Scale curve…", flush=True)
    rows = run_points(args)
    grow = growth(rows)
    payload = {
        "points": [docs_label(d, args.replicas) for d in args.points],
        "rows": rows,
        "growth": grow,
    }
    path = write_results("scale", payload, args.results, before)
    print(f"\n{table(rows)}\n\n{growth_table(grow)}\n\n{load_note(before, load_average())}")
    print(f"→ {path}")
    return payload


if __name__ == "__main__":
    main()
