"""Building an index: the entry point, and the full build of a new generation.

    build_index(corpus, index_dir, engine)            -> BuildReport
      under the build lock: superseded generations removed, then
      - a full build (none yet, --rebuild, another engine or format, a damaged live
        one): a new generation written aside, then swapped in atomically (``store``);
      - else the corpus reconciled with the live generation in place (``update``):
        the files added, changed and removed since, and any change a crash left undone.

A full build writes every source file into a new engine index (``ingest``), computes the
article vectors' model (``dense``), records the sources, the vocabulary and a first
commit in the catalog (``catalog``), writes the manifest, and publishes. A build killed
midway leaves an orphan folder, which the next writer removes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from . import runs, store
from .catalog import Catalog, Change
from .engines import engine_class
from .ingest import Progress, ingest
from .sources import Skip, list_sources

log = logging.getLogger(__name__)


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
    published: bool = False  # a new generation, or a new commit of the live one
    recovered: list[str] = field(default_factory=list)  # sources a crash had left undone

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    @classmethod
    def of_full_build(cls, ingested, doc_count: int) -> BuildReport:
        """What a full build did: every source it read added (``ingest.Ingested``)."""
        return cls(
            added=sorted(ingested.sources),
            articles=ingested.articles,
            doc_count=doc_count,
            skipped=ingested.skipped,
            published=True,
        )

    @classmethod
    def of_changes(cls, plan, ingested, doc_count: int, **more) -> BuildReport:
        """What a change in place did: the files of its plan (``update.plan_sources``)."""
        return cls(
            added=plan.added,
            changed=plan.changed,
            removed=plan.removed,
            unchanged=len(plan.unchanged),
            articles=ingested.articles,
            doc_count=doc_count,
            skipped=ingested.skipped,
            published=True,
            **more,
        )


def build_index(
    corpus: Path,
    index_dir: Path,
    engine: str = "whoosh",
    rebuild: bool = False,
    progress: Progress | None = None,
    wait: float = 0.0,
    processes: int | None = None,
) -> BuildReport:
    """Build ``index_dir`` from the files under ``corpus``: in place, unless ``rebuild``
    or the live generation cannot be updated (then a full build).

    :param wait: seconds to wait for another writer to finish (BuildLocked after that).
    :param processes: worker processes for dates, countries and analysis (``pipeline``);
        by default one per core for a big build on 2 cores or more, else 0 (none).
    """
    from . import update  # it builds in full when it cannot update

    started = time.perf_counter()
    with store.build_lock(index_dir, wait), runs.shared_vocabulary():
        clean(index_dir)
        live = None if rebuild else update.updatable(index_dir, engine)
        if live is None:
            report = full_build(corpus, index_dir, engine, progress, processes)
        else:
            report = update.reconcile(corpus, live, progress, processes)
    return replace(report, seconds=round(time.perf_counter() - started, 3))


def clean(index_dir: Path) -> None:
    """What killed builds and replaced generations left, removed (holding the lock)."""
    for orphan in store.remove_orphans(index_dir):
        log.warning("removed %s, left by a build that was killed", orphan)
    store.remove_stale(index_dir)


def full_build(
    corpus: Path,
    index_dir: Path,
    engine_name: str,
    progress: Progress | None = None,
    processes: int | None = None,
) -> BuildReport:
    """Every source file into a new generation, published when whole (hold the lock)."""
    cls = engine_class(engine_name)
    gen = store.new_generation(index_dir)
    try:
        rels = list_sources(corpus)
        engine = cls.create(gen)
        with engine.writer() as writer:
            ingested = ingest(corpus, rels, writer, engine_name, progress, processes)
        engine.collect_garbage(0)  # the empty index it started from: nobody reads it
        from . import dense  # NumPy and the word vectors: only for a build

        dense.write_model(gen, ingested.bags)
        doc_count = engine.doc_count()
        engine.close()
        catalog = Catalog.create(gen, {"engine": engine_name, "built_at": _now()})
        change = Change(sources=dict(ingested.sources), doc_count=doc_count)
        catalog.apply(change, writer.commit_id, vocabulary=sorted(ingested.words.items()))
        catalog.close()
        manifest = store.Manifest(engine_name, _now(), doc_count, cls.format_version)
        store.publish(index_dir, gen, manifest)
    except BaseException:
        store.discard(gen)
        raise
    return BuildReport.of_full_build(ingested, doc_count)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
