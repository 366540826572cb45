"""Full and incremental builds -> BuildReport(added, changed, removed, skipped).

A build never writes into the live index: it copies the live generation (incremental)
or starts an empty one (full), applies the changes, then publishes it (``store``).
Source files are compared by size and modification time, then by SHA-1 when those
differ, so a touched but unchanged file is not reindexed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import store
from .engines import engine_class
from .sources import Skip, list_sources, read_source

log = logging.getLogger(__name__)

# progress(phase, done, total): bytes of source files indexed so far, of all to index
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildReport:
    """What a build did: files added, changed, removed; articles indexed; inputs skipped."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    articles: int = 0  # articles (re)indexed by this build
    doc_count: int = 0  # articles in the index after it
    skipped: list[Skip] = field(default_factory=list)
    seconds: float = 0.0
    published: bool = False

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def build_index(
    corpus: Path,
    index_dir: Path,
    engine: str = "whoosh",
    rebuild: bool = False,
    progress: Progress | None = None,
    wait: float = 0.0,
) -> BuildReport:
    """Build ``index_dir`` from the files under ``corpus``, incrementally unless ``rebuild``.

    :param wait: seconds to wait for another build to finish (BuildLocked after that).
    """
    started = time.perf_counter()
    progress = progress or (lambda phase, done, total: None)
    with store.build_lock(index_dir, wait):
        for orphan in store.remove_orphans(index_dir):
            log.warning("removed %s, left by a build that was killed", orphan)
        live = _live_generation(index_dir)
        old = _live_manifest(live) if live and not rebuild else None
        if old is not None and old.engine != engine:
            old = None  # another engine: rebuild from scratch
        plan = _plan(corpus, old.sources if old else {})
        report = _apply(corpus, index_dir, engine, live if old else None, old, plan, progress)
    return _with_time(report, time.perf_counter() - started)


def _live_generation(index_dir: Path) -> Path | None:
    try:
        return store.current_generation(index_dir)
    except store.IndexCorrupt as e:
        log.warning("live index unreadable (%s): rebuilding from scratch", e)
        return None


def _live_manifest(live: Path) -> store.Manifest | None:
    try:
        return store.Manifest.read(live)
    except store.IndexCorrupt as e:
        log.warning("live index unreadable (%s): rebuilding from scratch", e)
        return None


@dataclass
class _Plan:
    signatures: dict[str, dict]
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]


def _plan(corpus: Path, known: dict[str, dict]) -> _Plan:
    signatures = {rel: _signature(corpus / rel, known.get(rel)) for rel in list_sources(corpus)}
    plan = _Plan(signatures, [], [], sorted(set(known) - set(signatures)), [])
    for rel, sig in signatures.items():
        old = known.get(rel)
        if old is None:
            plan.added.append(rel)
        elif old["sha1"] != sig["sha1"]:
            plan.changed.append(rel)
        else:
            plan.unchanged.append(rel)
    return plan


def _signature(path: Path, old: dict | None) -> dict:
    stat = path.stat()
    sig = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    if old and old["size"] == sig["size"] and old["mtime_ns"] == sig["mtime_ns"]:
        return {**sig, "sha1": old["sha1"]}
    with open(path, "rb") as f:  # by chunks: a huge file is hashed without loading it whole
        return {**sig, "sha1": hashlib.file_digest(f, "sha1").hexdigest()}


def _apply(corpus, index_dir, engine_name, live, old, plan: _Plan, progress) -> BuildReport:
    if live is not None and not (plan.added or plan.changed or plan.removed):
        return BuildReport(unchanged=len(plan.unchanged), doc_count=old.doc_count)
    cls = engine_class(engine_name)
    if live:
        gen = store.copy_generation(live, index_dir, link=cls.immutable_files)
    else:
        gen = store.new_generation(index_dir)
    try:
        engine = cls.open(gen) if live else cls.create(gen)
        sources, skipped, count = _write(corpus, engine, old, plan, progress)
        doc_count = engine.doc_count()
        store.write_lexicon(gen, engine.lexicon())
        engine.close()
        manifest = store.Manifest(engine_name, _now(), doc_count, sources, cls.format_version)
        store.publish(index_dir, gen, manifest)
    except BaseException:
        store.discard(gen)
        raise
    return BuildReport(
        added=plan.added,
        changed=plan.changed,
        removed=plan.removed,
        unchanged=len(plan.unchanged),
        articles=count,
        doc_count=doc_count,
        skipped=skipped,
        published=True,
    )


def _write(corpus, engine, old, plan: _Plan, progress) -> tuple[dict, list[Skip], int]:
    sources = {rel: old.sources[rel] for rel in plan.unchanged} if old else {}
    todo = plan.added + plan.changed
    total = sum(plan.signatures[rel]["size"] for rel in todo) or 1
    skipped: list[Skip] = []
    count, done = 0, 0.0
    with engine.writer() as writer:
        for rel in plan.changed + plan.removed:
            writer.delete_source(rel)
        for rel in todo:
            articles, skips = read_source(corpus, rel)
            share = plan.signatures[rel]["size"] / max(1, len(articles))
            for article in articles:  # progress by bytes, so one big JSONL file moves too
                writer.add([article])
                done += share
                progress("index", int(done), total)
            skipped.extend(skips)
            count += len(articles)
            sources[rel] = {**plan.signatures[rel], "articles": len(articles)}
        progress("index", total, total)
    return sources, skipped, count


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _with_time(report: BuildReport, seconds: float) -> BuildReport:
    return BuildReport(**{**report.__dict__, "seconds": round(seconds, 3)})
