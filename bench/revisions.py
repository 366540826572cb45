"""Two revisions of the code side by side: the indexing rate and the query mix, alternated.

    .venv/bin/python -m bench.revisions f2bfa90 [--docs 10000] [--rounds 3]
        [--systems product-whoosh,product-tantivy]

The other revision is checked out in var/bench/revisions/REV (a git worktree) and runs
with this checkout's interpreter and packages; each revision keeps its own corpus cache
and indexes; both read the same corpus, named by its absolute path (the other tree's
``../shared`` does not exist). Every round builds (``bench.indexing``) then runs the query mix
(``bench.queries``, 3 rounds of its own) with one revision, then the other, the order
swapped each round, so that both see the same machine. Reported per system: each
revision's median over the rounds of docs/s and of the mix's p50, and their ratio (this
checkout over the other: above 1, this one indexes faster; below 1, it answers faster).
A change is "within noise" when the ratio's spread over rounds covers 1.
Results: var/bench/results/revisions-REV-DOCS.json and a table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench.corpus import NEWS
from bench.results import RESULTS, markdown_table

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["system", "measure", "this", "other", "ratio", "ratio per round"]


def worktree(rev: str, folder: Path) -> Path:
    """The other revision checked out (once) in ``folder``."""
    tree = folder / rev
    if not (tree / "bench").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev], check=True
        )
    return tree


def run_round(tree: Path, args, results: Path) -> dict:
    """One build and one query mix with the code in ``tree``; the two results' rows."""
    common = ["--docs", args.docs, "--systems", args.systems, "--results", str(results)]
    common += ["--cache", str(tree / "var" / "bench"), "--source", str(args.source)]
    for script, extra in (("bench.indexing", []), ("bench.queries", ["--rounds", "3"])):
        subprocess.run([sys.executable, "-m", script, *common, *extra], cwd=tree, check=True)
    (indexing_file,) = results.glob("indexing-*.json")  # one per round's folder
    (queries_file,) = results.glob("queries-*.json")
    indexing = json.loads(indexing_file.read_text())["rows"]
    queries = json.loads(queries_file.read_text())["rows"]
    return {
        "docs_per_s": {r["system"]: r["docs_per_s"] for r in indexing},
        "query_p50_ms": {r["system"]: r["wall"]["p50"] for r in queries},
    }


def compare(rounds: list[dict], systems: list[str]) -> list[dict]:
    """Per system and measure: the medians of both revisions and their ratio."""
    rows = []
    for system in systems:
        for measure in ("docs_per_s", "query_p50_ms"):
            this = [r["this"][measure][system] for r in rounds]
            other = [r["other"][measure][system] for r in rounds]
            rows.append(
                {
                    "system": system,
                    "measure": measure,
                    "this": statistics.median(this),
                    "other": statistics.median(other),
                    "ratio": round(statistics.median(this) / statistics.median(other), 3),
                    "ratios": [round(a / b, 3) for a, b in zip(this, other, strict=True)],
                }
            )
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(prog="bench.revisions", description=__doc__.split("\n")[0])
    p.add_argument("rev", help="the other revision (a commit, a branch)")
    p.add_argument("--docs", default="10000")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--systems", default="product-whoosh,product-tantivy")
    p.add_argument(
        "--source", type=Path, default=NEWS, help="the JSONL(.gz) corpus (the news by default)"
    )
    p.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "revisions")
    p.add_argument("--results", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    trees = {"this": ROOT, "other": worktree(args.rev, args.work)}
    rounds = []
    for n in range(args.rounds):
        order = ["this", "other"] if n % 2 == 0 else ["other", "this"]
        found = {}
        for which in order:
            out = args.work / "results" / f"{which}-{n}"
            out.mkdir(parents=True, exist_ok=True)
            found[which] = run_round(trees[which], args, out)
        rounds.append(found)
    rows = compare(rounds, args.systems.split(","))
    args.results.mkdir(parents=True, exist_ok=True)
    path = args.results / f"revisions-{args.rev}-{args.docs}.json"
    path.write_text(json.dumps({"rev": args.rev, "rounds": rounds, "rows": rows}, indent=1))
    table = [
        [r["system"], r["measure"], r["this"], r["other"], r["ratio"],
         " ".join(map(str, r["ratios"]))]
        for r in rows
    ]  # fmt: skip
    print(markdown_table(HEADERS, table))
    return rows


if __name__ == "__main__":
    main()
