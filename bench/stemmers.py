"""Stemmer speed: PyStemmer (Snowball in C) against Whoosh's pure-Python French stemmer.

    .venv/bin/python bench/stemmers.py [N_ARTICLES]

Stems every word of the first N news articles (folded, as the analyzer does), three
times each, and prints the median per-word time of each stemmer and their ratio.
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import sys
import time
from pathlib import Path

import Stemmer
from whoosh.lang.snowball.french import FrenchStemmer

from indexer.analysis import fold

NEWS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "news-fr.jsonl.gz"


def words(n: int) -> list[str]:
    out: list[str] = []
    with gzip.open(NEWS, "rt", encoding="utf-8") as f:
        for _, line in zip(range(n), f, strict=False):
            out += [fold(w) for w in re.findall(r"\w+", json.loads(line)["text"])]
    return [w for w in out if w]


def timed(fn, items: list[str]) -> float:
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        for w in items:
            fn(w)
        runs.append((time.perf_counter() - started) / len(items))
    return statistics.median(runs)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    items = words(n)
    c = timed(Stemmer.Stemmer("french", 0).stemWord, items)  # cache off: raw speed
    py = timed(FrenchStemmer().stem, items)
    print(f"{len(items):,} words from {n} articles")
    print(f"PyStemmer (C, no cache): {c * 1e9:8.0f} ns/word")
    print(f"Whoosh FrenchStemmer   : {py * 1e9:8.0f} ns/word")
    print(f"ratio                  : {py / c:8.1f}x")


if __name__ == "__main__":
    main()
