"""Relevance harness: the product's search, and three peers, on French judged queries.

    .venv/bin/python -m bench.relevance [--setting eval|distractors|both] [--peers]
        [--engine whoosh|tantivy|postgres]... [--limit N] [--json] [--rebuild] [--config PATH]
        [--data DIR] [--cache DIR] [--ceiling]

Run it from the repository root. Settings (see EVALUATION.md):

- ``eval``: the PIAF paragraphs ``../shared/data/eval/corpus.jsonl.gz`` alone (1,518);
- ``distractors``: the same plus every news article of ``news-fr.jsonl.gz`` (34,160).

Each setting's corpus is a folder of hard links to the shared files (no copy) under the
cache folder (``var/bench/``), and every index built from it stays there, reused by later
runs until ``--rebuild``. Every query of ``queries-dev.tsv`` goes through ``core.search``,
the path the page and the API use, with the config's Settings and 100 hits a page. The
hits' ids (``corpus.jsonl.gz#piaf-…``) map back to docids, scored against
``qrels-dev.tsv``: MRR@10, Recall@10, Recall@100, queries with no hit, median latency.
``--ceiling`` only counts the judged queries that share at least one stem with one
of their relevant paragraphs: no system that needs a common word can find the others.
``--peers`` runs SQLite FTS5, Tantivy and stock Whoosh (``bench.relevance_peers``) on the
same corpora and queries, in the same run.

Experiments import it: ``evaluate(snapshots, queries, qrels, settings) -> Metrics``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import indexer
from indexer.analysis import analyze_words, is_question
from indexer.build import build_index
from indexer.engines import ENGINE_NAMES
from service.config import load_config
from service.errors import QueryError
from service.search import core
from service.search.models import SearchRequest
from service.search.settings import Settings
from service.search.snapshot import Snapshots

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / "var" / "bench"
DEPTH = 100  # hits asked of every system: Recall@100 needs them all
SETTINGS = {
    "eval": ("eval/corpus.jsonl.gz",),
    "distractors": ("eval/corpus.jsonl.gz", "news-fr.jsonl.gz"),
}
QUERIES, QRELS = "eval/queries-dev.tsv", "eval/qrels-dev.tsv"

# A ranker answers one query text with docids, best first (at most DEPTH).
Ranker = Callable[[str], list[str]]


# --- judgments -------------------------------------------------------------------------


def read_queries(path: Path) -> dict[str, str]:
    """``qid<TAB>query`` lines -> {qid: query text}, in file order."""
    queries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, _, text = line.partition("\t")
            queries[qid] = text.strip()
    return queries


def read_qrels(path: Path) -> dict[str, set[str]]:
    """``qid<TAB>docid<TAB>relevance`` lines -> {qid: relevant docids} (relevance > 0)."""
    qrels: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and int(parts[2]) > 0:
            qrels.setdefault(parts[0], set()).add(parts[1])
    return qrels


# --- metrics ---------------------------------------------------------------------------


def _top(ranking: Sequence[str], k: int) -> list[str]:
    """The first k distinct docids; ties keep the system's order, as users see it."""
    return list(dict.fromkeys(ranking))[:k]


def reciprocal_rank(ranking: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """1/rank of the first relevant docid in the top k, else 0: ['x', 'a'], {'a'} -> 0.5."""
    for rank, docid in enumerate(_top(ranking, k), 1):
        if docid in relevant:
            return 1.0 / rank
    return 0.0


def recall_at(ranking: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the relevant docids found in the top k: ['a', 'x'], {'a', 'b'}, 10 -> 0.5."""
    if not relevant:
        return 0.0
    return len(relevant.intersection(_top(ranking, k))) / len(relevant)


@dataclass(frozen=True)
class Metrics:
    """Scores of one system on one setting, means over the judged queries."""

    queries: int
    mrr10: float
    recall10: float
    recall100: float
    zero_hits: int  # queries answered with no hit (errors included)
    errors: int  # queries the system refused (QueryError)
    latency_p50_ms: float
    seconds: float  # the whole query pass


def score_run(
    rankings: Mapping[str, Sequence[str]],
    qrels: Mapping[str, set[str]],
    latencies_ms: Sequence[float] = (),
    errors: int = 0,
    seconds: float = 0.0,
) -> Metrics:
    """Score rankings {qid: docids} against qrels; only the judged qids of ``rankings`` count."""
    judged = [qid for qid in rankings if qrels.get(qid)]
    n = len(judged) or 1

    def mean(metric: Callable[[str], float]) -> float:
        return sum(metric(qid) for qid in judged) / n

    return Metrics(
        queries=len(judged),
        mrr10=mean(lambda q: reciprocal_rank(rankings[q], qrels[q], 10)),
        recall10=mean(lambda q: recall_at(rankings[q], qrels[q], 10)),
        recall100=mean(lambda q: recall_at(rankings[q], qrels[q], 100)),
        zero_hits=sum(1 for qid in judged if not rankings[qid]),
        errors=errors,
        latency_p50_ms=statistics.median(latencies_ms) if latencies_ms else 0.0,
        seconds=seconds,
    )


# --- running queries -------------------------------------------------------------------


def evaluate_ranker(
    ranker: Ranker, queries: Mapping[str, str], qrels: Mapping[str, set[str]]
) -> Metrics:
    """Run every judged query through ``ranker``, timing each, and score the rankings."""
    rankings: dict[str, list[str]] = {}
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    for qid, text in queries.items():
        if qid not in qrels:
            continue
        t0 = time.perf_counter()
        try:
            rankings[qid] = ranker(text)
        except QueryError:
            rankings[qid], errors = [], errors + 1
        latencies.append((time.perf_counter() - t0) * 1000)
    return score_run(rankings, qrels, latencies, errors, time.perf_counter() - started)


def docid_of(hit_id: str) -> str:
    """The judged docid of a product hit: 'corpus.jsonl.gz#piaf-0047d4da7e3d' -> 'piaf-…'."""
    return hit_id.rpartition("#")[2]


def product_ranker(index: Snapshots, settings: Settings) -> Ranker:
    """The product's default query path: SearchRequest.from_params, then core.search."""

    def rank(text: str) -> list[str]:
        params = {"q": text, "per_page": str(DEPTH)}
        request = SearchRequest.from_params(params, replace(settings, max_per_page=DEPTH))
        return [docid_of(hit.id) for hit in core.search(index.current(), request, settings).hits]

    return rank


def evaluate(
    index: Snapshots,
    queries: Mapping[str, str],
    qrels: Mapping[str, set[str]],
    settings: Settings,
) -> Metrics:
    """Metrics of the product (the index's Snapshots and core Settings) on judged queries."""
    return evaluate_ranker(product_ranker(index, settings), queries, qrels)


def lexical_ceiling(corpus: Path, queries: Mapping[str, str], qrels: Mapping[str, set[str]]):
    """(judged queries, those sharing at least one stem with one of their relevant
    documents): the most any system that needs a common word can find, at any depth.

    Title and text count, analysed as the index analyses them; reads the JSONL corpus.
    """
    wanted = {docid for qid in queries for docid in qrels.get(qid, ())}
    stems: dict[str, set[str]] = {}
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            if doc["id"] in wanted:
                text = f"{doc.get('title') or ''} {doc.get('text') or ''}"
                stems[doc["id"]] = {stem for _, stem, _, _ in analyze_words(text)}
    judged = [qid for qid in queries if qrels.get(qid)]
    reachable = 0
    for qid in judged:
        asked = {stem for _, stem, _, _ in analyze_words(queries[qid], is_question(queries[qid]))}
        reachable += any(asked & stems.get(docid, set()) for docid in qrels[qid])
    return len(judged), reachable


# --- corpora and indexes ---------------------------------------------------------------


def link_corpus(setting: str, data: Path, cache: Path) -> Path:
    """A folder of hard links to the setting's shared files (copies on another file
    system): not symbolic links, which the indexer leaves out when they lead out of the
    corpus."""
    folder = cache / "corpus" / setting
    folder.mkdir(parents=True, exist_ok=True)
    for rel in SETTINGS[setting]:
        target, link = (data / rel).resolve(), folder / Path(rel).name
        if not target.is_file():
            raise SystemExit(f"missing data file {target}: see ../shared/data/README.md")
        if (
            link.is_file()
            and not link.is_symlink()
            and link.stat().st_size == target.stat().st_size
        ):
            continue
        link.unlink(missing_ok=True)
        try:
            os.link(target, link)
        except OSError:  # another file system
            shutil.copyfile(target, link)
    return folder


def indexer_fingerprint() -> str:
    """SHA-1 of the indexer package's files: what a cached product index was built by."""
    root = Path(indexer.__file__).resolve().parent
    digest = hashlib.sha1()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def build_product(corpus: Path, cache: Path, engine: str, rebuild: bool) -> tuple[Snapshots, float]:
    """Build (or reuse) the product's index of a corpus; the handle and the build seconds.

    The build is incremental on the sources only, so a cached index is also rebuilt when
    the indexer's code changed since (a new field, another analysis): never a stale score.
    """
    index_dir = cache / f"product-{engine}-{corpus.name}"
    stamp, fingerprint = index_dir.with_suffix(".stamp"), indexer_fingerprint()
    stale = not stamp.is_file() or stamp.read_text(encoding="utf-8").strip() != fingerprint
    if stale and not rebuild and (index_dir / "CURRENT").is_file():
        print(
            f"{index_dir.name}: the indexer changed since it was built: rebuilding", file=sys.stderr
        )
    report = build_index(corpus, index_dir, engine=engine, rebuild=rebuild or stale)
    stamp.write_text(fingerprint + "\n", encoding="utf-8")
    seconds = report.seconds if report.published else 0.0
    return Snapshots.at(index_dir), seconds


def revision() -> str:
    """The repository's revision, '-dirty' when the tree has changes ('unknown' without git)."""
    try:
        run = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    return run.stdout.strip() or "unknown"


# --- one run ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table: a system on a setting, its build time and its scores."""

    setting: str
    system: str
    build_seconds: float  # 0.0: the cached index was reused
    metrics: Metrics

    def to_dict(self) -> dict:
        return {**asdict(self), "metrics": asdict(self.metrics)}


def run_setting(setting: str, args, settings, queries, qrels) -> Iterable[Row]:
    """The product on each engine, then (with --peers) each peer, on one setting."""
    corpus = link_corpus(setting, args.data, args.cache)
    for engine in args.engines:
        index, built = build_product(corpus, args.cache, engine, args.rebuild)
        yield Row(setting, f"product ({engine})", built, evaluate(index, queries, qrels, settings))
    if args.peers:
        from bench import relevance_peers

        for peer, built in relevance_peers.open_peers(corpus, args.cache, args.rebuild):
            yield Row(
                setting, peer.name, built, evaluate_ranker(peer.ranker(DEPTH), queries, qrels)
            )


HEADER = (
    "setting      system              queries  MRR@10  R@10   R@100  zero  p50 ms  run s  build s"
)


def format_row(r: Row) -> str:
    """One fixed-width line of the table."""
    m = r.metrics
    return (
        f"{r.setting:<12} {r.system:<19} {m.queries:>7}  {m.mrr10:.3f}  {m.recall10:.3f}"
        f"  {m.recall100:.3f}  {m.zero_hits:>4}  {m.latency_p50_ms:>6.1f}  {m.seconds:>5.0f}"
        f"  {r.build_seconds:>7.1f}"
    )


def run_report(rows: Sequence[Row], rev: str, load_before, load_after) -> dict:
    """The JSON of a run: its rows, the revision measured, the machine's load around it."""
    return {
        "revision": rev,
        "load": "{:.1f} {:.1f} {:.1f} before, {:.1f} {:.1f} {:.1f} after".format(
            *load_before, *load_after
        ),
        "rows": [r.to_dict() for r in rows],
    }


# --- command line ----------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command's options (see the module docstring)."""
    p = argparse.ArgumentParser(
        prog="python -m bench.relevance", description=__doc__.split("\n")[0]
    )
    p.add_argument("--setting", choices=[*SETTINGS, "both"], default="eval")
    p.add_argument(
        "--engine",
        dest="engines",
        action="append",
        choices=ENGINE_NAMES,
        help="product engine, repeatable (default: the config's)",
    )
    p.add_argument("--limit", type=int, metavar="N", help="only the first N dev queries")
    p.add_argument("--peers", action="store_true", help="also run FTS5, Tantivy and Whoosh")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument(
        "--ceiling",
        action="store_true",
        help="only count the queries that share a word with a relevant paragraph",
    )
    p.add_argument("--rebuild", action="store_true", help="rebuild every index")
    p.add_argument("--config", type=Path, help="config.toml whose Settings the core uses")
    p.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    p.add_argument("--cache", type=Path, default=CACHE, help="corpora and indexes (var/bench)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> list[Row]:
    """Run the chosen settings and systems; print the table (or JSON); return the rows."""
    args = parse_args(argv)
    config = load_config(args.config)
    args.engines = list(dict.fromkeys(args.engines or [config.engine]))
    queries = read_queries(args.data / QUERIES)
    qrels = read_qrels(args.data / QRELS)
    if args.limit:
        queries = dict(list(queries.items())[: args.limit])
    if args.ceiling:
        judged, reachable = lexical_ceiling(args.data / SETTINGS["eval"][0], queries, qrels)
        print(
            f"{reachable} of {judged} judged queries share a stem with a relevant paragraph: "
            f"Recall@k <= {reachable / judged:.4f} for lexical matching, at any depth k"
        )
        return []
    settings = Settings.from_config(config)
    names = list(SETTINGS) if args.setting == "both" else [args.setting]
    rev, load_before = revision(), os.getloadavg()  # the code measured is the code imported
    if not args.json:
        print(f"{HEADER}\n{'-' * len(HEADER)}", flush=True)
    rows = []
    for name in names:
        for row in run_setting(name, args, settings, queries, qrels):
            rows.append(row)
            if not args.json:
                print(format_row(row), flush=True)  # a row as soon as it is measured
    report = run_report(rows, rev, load_before, os.getloadavg())
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"revision {report['revision']}, load average {report['load']}")
    return rows


if __name__ == "__main__":
    main()
