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
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import pipeline, runs, store
from .articles import Article
from .engines import engine_class
from .engines import querytree as qt
from .sources import Draft, Skip, list_sources, log_skips, read_drafts, source_path, unreadable

if TYPE_CHECKING:
    from .dense import Bags

log = logging.getLogger(__name__)

# progress(phase, done, total): bytes of source files indexed so far, of all to index
Progress = Callable[[str, int, int], None]
FETCH_BATCH = 500  # stored articles read at once when the article vectors are recomputed


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
    processes: int | None = None,
) -> BuildReport:
    """Build ``index_dir`` from the files under ``corpus``, incrementally unless ``rebuild``.

    :param wait: seconds to wait for another build to finish (BuildLocked after that).
    :param processes: worker processes for dates, countries and analysis (``pipeline``);
        by default one per core for a big build on 2 cores or more, else 0 (none).
    """
    started = time.perf_counter()
    progress = progress or (lambda phase, done, total: None)
    with store.build_lock(index_dir, wait), runs.shared_vocabulary():
        for orphan in store.remove_orphans(index_dir):
            log.warning("removed %s, left by a build that was killed", orphan)
        live = _live_generation(index_dir)
        old = _live_manifest(live) if live and not rebuild else None
        if old is not None and old.engine != engine:
            old = None  # another engine: rebuild from scratch
        plan = _plan(corpus, old.sources if old else {})
        live = live if old else None
        report = _apply(corpus, index_dir, engine, live, old, plan, progress, processes)
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
    signatures = {
        rel: _signature(source_path(corpus, rel), known.get(rel)) for rel in list_sources(corpus)
    }
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


def _apply(
    corpus, index_dir, engine_name, live, old, plan: _Plan, progress, processes
) -> BuildReport:
    if live is not None and not (plan.added or plan.changed or plan.removed):
        return BuildReport(unchanged=len(plan.unchanged), doc_count=old.doc_count)
    cls = engine_class(engine_name)
    if live:
        gen = store.copy_generation(live, index_dir, link=cls.immutable_files)
    else:
        gen = store.new_generation(index_dir)
    try:
        engine = cls.open(gen) if live else cls.create(gen)
        from . import dense  # NumPy and the word vectors: only for a build

        # The article vectors are computed in a thread while the engine commits (native
        # for tantivy: 1 s of a 20 s build) and its lexicon is written. Leaving the block
        # waits for the thread, so a failed build discards a generation nobody writes to.
        with ThreadPoolExecutor(1, thread_name_prefix="article-vectors") as aside:
            dropped = set(plan.changed + plan.removed)

            def vectors(bags: Bags) -> Future:
                kept = lambda: _stored_articles(live, engine_name, dropped)  # noqa: E731
                return aside.submit(dense.write, gen, live, dropped, bags, kept)

            sources, skipped, count, written = _write(
                corpus, engine, engine_name, old, plan, progress, processes, vectors
            )
            doc_count = engine.doc_count()
            store.write_lexicon(gen, engine.lexicon())
            engine.close()
            written.result()  # its exception, if any, fails the build
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


def _write(
    corpus, engine, engine_name, old, plan: _Plan, progress, processes, vectors
) -> tuple[dict, list[Skip], int, Future]:
    """Add the plan's articles to the engine, and commit. ``vectors(bags)`` is handed the
    bags of the articles added once they are all read, before the commit; what it returns
    is returned last."""
    sources = {rel: old.sources[rel] for rel in plan.unchanged} if old else {}
    todo = plan.added + plan.changed
    sizes = {rel: plan.signatures[rel]["size"] for rel in todo}
    total = sum(sizes.values()) or 1
    workers = pipeline.worker_count(sum(sizes.values()), processes)
    files = {rel: _File() for rel in todo}
    skipped: list[Skip] = []
    from . import dense  # NumPy and the word vectors: only for a build

    bags = dense.Collected()  # the bag of each article added
    count, finished = 0, 0  # articles, and bytes of the files done
    with engine.writer() as writer, pipeline.Preparer(engine_name, workers) as preparer:
        for rel in plan.changed + plan.removed:
            writer.delete_source(rel)
        for segments, prepared, skips in preparer.run(_batches(corpus, todo, files)):
            for skip in skips:
                files[skip.file].skips.append(skip)
            start = 0
            for rel, size, offset, last in segments:
                part = [p for p in prepared[start : start + size] if p is not None]
                start += size
                writer.add_prepared([article for article, _ in part])
                for _, bag in part:
                    if bag is not None:
                        bags.add(bag)
                file = files[rel]
                file.articles += len(part)
                if last:  # as read_source would have: skips in line order, then logged
                    file.skips.sort(key=lambda skip: skip.line)
                    log_skips(file.skips)
                    skipped.extend(file.skips)
                    count += file.articles
                    sources[rel] = {**plan.signatures[rel], "articles": file.articles}
                    finished += sizes[rel]
                # progress by bytes, so one big JSONL file moves too
                progress("index", finished if last else finished + offset, total)
        progress("index", total, total)
        written = vectors(bags.bags())  # computed while the writer commits, on leaving
    return sources, skipped, count, written


@dataclass
class _File:
    """What the build has done with a source file so far."""

    articles: int = 0
    skips: list[Skip] = field(default_factory=list)


# (file, drafts of it in the batch, bytes of it read, whether the batch ends it)
_Segment = tuple[str, int, int, bool]


def _batches(corpus: Path, todo: list[str], files: dict) -> Iterator[tuple[list[_Segment], list]]:
    """The drafts of the files to index, in order, in batches of pipeline.BATCH; each with
    its segments, which say how its drafts split into files. Read skips go to ``files``."""
    segments: list[_Segment] = []
    batch: list[Draft] = []
    for rel in todo:
        count, offset = 0, 0
        try:
            for draft in read_drafts(corpus, rel, files[rel].skips):
                batch.append(draft)
                count, offset = count + 1, draft.offset
                if len(batch) == pipeline.BATCH:
                    yield [*segments, (rel, count, offset, False)], batch
                    segments, batch, count = [], [], 0
        except OSError as e:
            files[rel].skips.append(unreadable(rel, e))
        segments.append((rel, count, offset, True))
        if len(batch) >= pipeline.BATCH or len(segments) >= pipeline.BATCH:
            yield segments, batch
            segments, batch = [], []
    if segments:
        yield segments, batch


def _stored_articles(gen: Path, engine_name: str, dropped: set[str]) -> Iterator[Article]:
    """The articles a generation's engine stores, but those of the ``dropped`` sources:
    what the article vectors are recomputed from when the generation's are lost."""
    engine = engine_class(engine_name).open(gen)
    try:
        everything = qt.EngineQuery(qt.MatchAll(), limit=max(1, engine.doc_count()))
        ids = [doc_id for doc_id, _ in engine.search(everything).hits]
        for first in range(0, len(ids), FETCH_BATCH):
            for article in engine.fetch(ids[first : first + FETCH_BATCH]):
                if article is not None and article.source not in dropped:
                    yield article
    finally:
        engine.close()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _with_time(report: BuildReport, seconds: float) -> BuildReport:
    return BuildReport(**{**report.__dict__, "seconds": round(seconds, 3)})
