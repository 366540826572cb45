"""Result files (JSON under var/bench/results/) and the Markdown tables printed from them.

    write_results("queries", {"rows": [...]}, folder) -> var/bench/results/queries.json
    markdown_table(["engine", "p50 ms"], [["fts5", 0.9]]) -> '| engine | p50 ms |\\n|---|---:|...'

Each file holds what the script measured, its options, the machine, and the load
average before and after: a rerun overwrites it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

from bench.machine import load_average, machine_info

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
RESULTS = CACHE / "results"


def stamp() -> str:
    """The local time, for result files: '2026-11-26 14:05:09'."""
    return time.strftime("%Y-%m-%d %H:%M:%S")


def write_results(name: str, payload: dict, folder: Path = RESULTS, load_before=None) -> Path:
    """Write ``payload`` with the machine and the load around the run to ``folder/name.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": name,
        "finished": stamp(),
        "machine": machine_info(),
        "load_before": load_before,
        "load_after": load_average(),
        **payload,
    }
    path = folder / f"{name}.json"
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_results(name: str, folder: Path = RESULTS) -> dict | None:
    """A result file written earlier, or None."""
    try:
        return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def cell(value) -> str:
    """A table cell: thousands separators, 2 decimals under 10, 1 under 100, else none."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) < 10:
        return f"{value:.2f}"
    if abs(value) < 100:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A Markdown table; columns whose cells are all numbers (or empty) align right."""
    numeric = [
        all(r[i] is None or isinstance(r[i], int | float) for r in rows) and bool(rows)
        for i in range(len(headers))
    ]
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def load_note(before, after) -> str:
    """'load average 1/5/15 min: 3.1 2.9 2.5 before, 3.4 3.0 2.6 after'."""

    def fmt(load) -> str:
        return " ".join(f"{x:.2f}" for x in load) if load else "?"

    return f"load average 1/5/15 min: {fmt(before)} before, {fmt(after)} after"
