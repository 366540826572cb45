"""The command-line options that every benchmark script shares."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.corpus import NEWS, REMIXED, REPLICAS, parse_docs
from bench.results import CACHE, RESULTS
from bench.systems import SYSTEMS


def docs_option(value: str) -> int | None:
    """argparse type of --docs: a count ('10000', '10k') or 'all'."""
    try:
        return parse_docs(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"--docs: {e}") from None


def systems_option(value: str) -> list[str]:
    """argparse type of --systems: comma-separated names of bench.systems.SYSTEMS."""
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown system {', '.join(unknown)}: expected some of {', '.join(SYSTEMS)}"
        )
    return names


def parser(prog: str, doc: str, docs_default: str = "10000") -> argparse.ArgumentParser:
    """A parser with the shared options: --docs, --systems, --source, --cache, --results."""
    p = argparse.ArgumentParser(
        prog=prog,
        description=doc.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--docs",
        type=docs_option,
        default=parse_docs(docs_default),
        help=f"articles: a count or 'all' (34,160); default {docs_default}",
    )
    p.add_argument(
        "--systems",
        type=systems_option,
        default=list(SYSTEMS),
        help=f"comma-separated, default all: {','.join(SYSTEMS)}",
    )
    p.add_argument("--source", type=Path, default=NEWS, help="the JSONL(.gz) corpus to slice")
    p.add_argument(
        "--replicas",
        choices=REPLICAS,
        default=REMIXED,
        help="articles past the news's 34,160: remixed from two (default), or its copies "
        "(the worst case of the copies' pass); see bench/corpus.py",
    )
    p.add_argument("--cache", type=Path, default=CACHE, help="corpora and indexes (var/bench)")
    p.add_argument("--results", type=Path, default=RESULTS, help="JSON results folder")
    return p
