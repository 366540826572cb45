"""Changes in place: the live generation follows the corpus, one commit per change.

    reconcile(corpus, live)                   search-index, and the service at start: the
                                              files added, changed and removed since
    change_sources(corpus, index_dir, rels)   an API write: these files re-read (a missing
                                              one removed), nothing else looked at

Both hold the build lock (their callers take it) and go through ``apply``:

    1. the catalog records the sources about to change (``Catalog.begin``)
    2. the engine deletes their articles and adds the new ones, then commits (durable)
    3. the catalog records the change as a new commit: the sources' signatures, the
       words each article brought or took, the vectors of the articles written
       (made with the build's model), the article count

A change costs what it touches: the engine writes a segment of the new articles and
marks the old ones deleted, and the catalog a few rows; nothing is copied. If step 2 or 3
fails or the process dies between them, the recorded intents remain: the next writer
first redoes those sources from the corpus (``recover``), and counts the vocabulary
anew from the engine, so no source is ever recorded as indexed when it is not.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from .build import BuildReport, full_build
from .catalog import Catalog, Change
from .engines import Engine, IndexCorrupt, engine_class
from .ingest import Progress, ingest
from .pipeline import article_words
from .sources import Signature, list_sources, source_path
from .store import IndexOutdated, Manifest, current_generation

log = logging.getLogger(__name__)


def updatable(index_dir: Path, engine_name: str) -> Path | None:
    """The live generation, if it can be changed in place: the same engine, this
    version's format, a readable catalog; else None (a full build is due)."""
    try:
        gen = current_generation(index_dir)
        if gen is None:
            return None
        manifest = Manifest.read(gen)
        Catalog.open(gen).close()
    except IndexOutdated as e:
        log.warning("index of another format (%s): rebuilding it", e)
        return None
    except IndexCorrupt as e:
        log.warning("live index unreadable (%s): rebuilding it", e)
        return None
    return gen if manifest.engine == engine_name else None


def reconcile(
    corpus: Path, gen: Path, progress: Progress | None = None, processes: int | None = None
) -> BuildReport:
    """Bring the live generation up to the corpus: what a crash left undone, then every
    file added, changed or removed since it was indexed (hold the build lock)."""
    with LiveIndex(gen) as live:
        recovered = recover(corpus, live)
        known = live.catalog.sources()
        plan = plan_sources(corpus, known)
        if not (plan.added or plan.changed or plan.removed):
            last = live.catalog.last()
            return BuildReport(
                unchanged=len(plan.unchanged),
                doc_count=last.doc_count if last else 0,
                published=bool(recovered),
                recovered=recovered,
            )
        todo = plan.added + plan.changed
        change, ingested = apply(corpus, live, todo, plan.removed, progress, processes)
    return BuildReport.of_changes(plan, ingested, change.doc_count, recovered=recovered)


def change_sources(
    corpus: Path,
    index_dir: Path,
    engine_name: str,
    rels: list[str],
    kept: LiveIndex | None = None,
) -> Change:
    """Re-read these source files into the live generation (one missing from the corpus
    is removed), after what a crash left undone; a full build when there is no live
    generation to change. Hold the build lock. The change committed.

    :param kept: the live generation kept open by the caller between changes (the write
        worker's): its engine, catalog and vector model are not opened again each time.
    """
    gen = updatable(index_dir, engine_name)
    if gen is None:
        report = full_build(corpus, index_dir, engine_name, processes=0)
        return Change(doc_count=report.doc_count)
    live = kept if kept is not None and kept.gen == gen else LiveIndex(gen)
    try:
        recover(corpus, live)
        present = [rel for rel in rels if source_path(corpus, rel).is_file()]
        missing = [rel for rel in rels if rel not in present]
        change, _ = apply(corpus, live, present, missing, processes=0)
    finally:
        if live is not kept:
            live.close()
    return change


def recover(corpus: Path, live: LiveIndex) -> list[str]:
    """Redo the sources of a change that did not finish (their intents remain in the
    catalog), and count the vocabulary anew; the sources redone."""
    pending = live.catalog.pending()
    if not pending:
        return []
    log.warning("redoing %d source(s) a failed or killed write left undone", len(pending))
    present = [rel for rel in pending if source_path(corpus, rel).is_file()]
    missing = [rel for rel in pending if rel not in present]
    apply(corpus, live, present, missing, processes=0, recount=True)
    return pending


def apply(
    corpus: Path,
    live: LiveIndex,
    todo: list[str],
    removed: list[str],
    progress: Progress | None = None,
    processes: int | None = None,
    recount: bool = False,
):
    """Replace the articles of ``todo`` by what the files hold now, delete those of
    ``removed``, in one engine commit and one catalog commit (see the module's steps).

    :param recount: count the vocabulary anew from the engine (after a recovery), instead
        of adding the change's words to the catalog's.
    """
    try:
        return _apply(corpus, live, todo, removed, progress, processes, recount)
    finally:  # after a failure too: what a failed commit wrote is freed at once
        live.engine.collect_garbage()


def _apply(corpus, live, todo, removed, progress, processes, recount):
    live.catalog.begin([*todo, *removed])
    change = Change(sources=dict.fromkeys([*todo, *removed]))
    before, gone = live.engine.reader(), 0
    for rel in [*todo, *removed]:
        for article in before.articles_of(rel):
            change.count_words(article_words(article), -1)
            change.vectors[article.id] = None
            change.articles.add(article.id)
            gone += 1
    with live.engine.writer() as writer:
        for rel in [*todo, *removed]:
            writer.delete_source(rel)
        ingested = ingest(corpus, todo, writer, live.engine.name, progress, processes)
    for word, df in ingested.words.items():
        change.words[word] = change.words.get(word, 0) + df
    change.vectors.update(_vectors(live.dense(change), ingested.bags))
    change.sources.update(ingested.sources)
    change.articles.update(ingested.ids)
    last = live.catalog.last()
    # Counted, not read from the engine: a reader of the new commit would first read the
    # columns of every article (Whoosh).
    change.doc_count = (last.doc_count if last else 0) - gone + ingested.articles
    vocabulary = live.engine.reader(writer.commit_id).lexicon() if recount else None
    live.catalog.apply(change, writer.commit_id, vocabulary)
    return change, ingested


def _vectors(dense, bags) -> dict[str, bytes | None]:
    """The vectors of the articles written, made with the generation's model."""
    if dense is None or bags is None:
        return {}
    rows = zip(bags.ids, bags.starts[:-1].tolist(), bags.starts[1:].tolist(), strict=True)
    return {
        doc_id: dense.article_vector(
            bags.rows[start:end].tobytes(), bags.counts[start:end].tobytes()
        )
        for doc_id, start, end in rows
    }


class LiveIndex:
    """The live generation opened for changes: its engine, catalog and vector model,
    opened once (the write worker keeps one open between writes)."""

    def __init__(self, gen: Path, background_merges: bool = False):
        manifest = Manifest.read(gen)
        self.gen = gen
        self.engine: Engine = engine_class(manifest.engine).open(gen)
        if background_merges:  # a writer that lives on between changes (the write worker)
            self.engine.merge_in_background()
        self.catalog = Catalog.open(gen)
        self._dense = None
        self._dense_file: tuple | None = None

    def dense(self, change: Change):
        """The build's vector model (None without one). A damaged one is recomputed from
        the articles the index holds now, and ``change`` says so (the vectors recorded
        since the build are then part of the new model). Read again when another process
        has replaced the file since (it recomputed a damaged one)."""
        from .dense import MODEL, rebuild_model

        if self._dense_file != _identity(self.gen / MODEL):
            self._dense = None
        if self._dense is None:
            from .dense_index import DenseIndex, VectorsDamaged

            try:
                self._dense = DenseIndex.load(self.gen)
            except VectorsDamaged as e:
                log.warning("article vectors unreadable (%s): recomputed", e)
                rebuild_model(self.gen, _every_article(self.engine))
                self._dense = DenseIndex.load(self.gen)
                change.vectors_reset = True
            self._dense_file = _identity(self.gen / MODEL)
        return self._dense

    def warm_up(self) -> None:
        """Open the engine's reader and read the vector model now rather than at the
        first change (a Whoosh reader reads its columns: 0.3 s at 34,160 articles; a
        damaged model is left to that change, which recomputes it and records so)."""
        from .dense import MODEL
        from .dense_index import DenseIndex, VectorsDamaged

        self.engine.reader()
        try:
            self._dense = DenseIndex.load(self.gen)
        except VectorsDamaged:
            return
        self._dense_file = _identity(self.gen / MODEL)

    def __enter__(self) -> LiveIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.engine.close()
        self.catalog.close()


def _identity(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _every_article(engine: Engine) -> Iterable:
    from .engines import querytree as qt

    reader = engine.reader()
    everything = qt.EngineQuery(qt.MatchAll(), limit=max(1, reader.doc_count()))
    ids = [doc_id for doc_id, _ in reader.search(everything).hits]
    for first in range(0, len(ids), 500):
        yield from (a for a in reader.fetch(ids[first : first + 500]) if a is not None)


class SourcePlan:
    """The corpus against the catalog: files added, changed, removed, unchanged."""

    def __init__(self) -> None:
        self.added: list[str] = []
        self.changed: list[str] = []
        self.removed: list[str] = []
        self.unchanged: list[str] = []


def plan_sources(corpus: Path, known: dict[str, Signature]) -> SourcePlan:
    """A file is unchanged when its size and time are those recorded, or, when they
    differ, its SHA-1 is (a file touched but not changed is not read again)."""
    plan = SourcePlan()
    present = list_sources(corpus)
    plan.removed = sorted(set(known) - set(present))
    for rel in present:
        old = known.get(rel)
        if old is None:
            plan.added.append(rel)
        elif _same(source_path(corpus, rel), old):
            plan.unchanged.append(rel)
        else:
            plan.changed.append(rel)
    return plan


def _same(path: Path, old: Signature) -> bool:
    import hashlib

    stat = path.stat()
    if stat.st_size != old.size:
        return False
    if stat.st_mtime_ns == old.mtime_ns:
        return True
    with open(path, "rb") as f:  # by chunks: a huge file is hashed without loading it whole
        return hashlib.file_digest(f, "sha1").hexdigest() == old.sha1
