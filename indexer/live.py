"""The live index as readers see it: one generation, at one commit, opened once.

    handle = IndexHandle(index_dir)    # one per index folder, per process
    view = handle.view()               # cheap once per request: CURRENT and the last commit
    view.reader.search(query)          # the engine at exactly that commit
    view.catalog, view.commit          # what the catalog says of it (indexer.catalog)

A view pins a generation (``CURRENT``, swapped by full builds) and a commit of it (the
catalog's latest, made by writes in place): a request that holds it reads one commit
whatever is published meanwhile, as a Lucene ``SearcherManager`` hands out searchers.
Only when ``CURRENT`` or the last commit changed is anything opened again.

Before a commit serves, every file it reads is checked against the checksum its engine
wrote (``engines.integrity``), and before each request, that none has changed since (a
``stat`` each); a check that fails is ``IndexCorrupt``: the service answers 503 with how
to rebuild, never a crash (a truncated file mapped in memory would kill the process).
"""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .catalog import Catalog, Commit
from .engines import Engine, IndexCorrupt, engine_class
from .engines.base import EngineReader
from .store import MANIFEST, IndexMissing, Manifest, current_generation

OPEN_TRIES, OPEN_PAUSE = 4, 0.05  # a commit whose files a concurrent merge removed
CATCH_UP_TRIES = 20  # a commit the engine made before the catalog recorded it: wait so long
CATCH_UP_PAUSE = 0.005


@dataclass(frozen=True)
class Generation:
    """A generation opened for reading: its folder, manifest, engine and catalog."""

    path: Path
    manifest: Manifest
    engine: Engine
    catalog: Catalog

    def close(self) -> None:
        self.engine.close()
        self.catalog.close()


@dataclass(frozen=True)
class IndexView:
    """One commit of the live generation, opened: what a request reads from. (For the
    archive in a database, ``database.DatabaseHandle`` makes them: its generation is the
    schema and build, its catalog a ``DatabaseCatalog`` with the same read API.)"""

    generation: Path
    manifest: Manifest
    engine: Engine
    catalog: Catalog
    commit: Commit
    reader: EngineReader

    @property
    def name(self) -> str:
        """What an answer computed on this view depends on: the generation and the commit."""
        return f"{self.generation.name}@{self.commit.number}"


class IndexHandle:
    """The live index of a folder: its view, reopened when a build or a write publishes."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._generation: Generation | None = None
        self._view: IndexView | None = None

    def view(self) -> IndexView:
        """The live commit, opened; IndexMissing or IndexCorrupt if there is none.

        A writer in another process (the service's write worker, ``search-index``) may
        commit and merge while this one opens the latest commit, and tantivy removes the
        files a merge superseded at once: a file found missing is looked for again in
        the commit after, a few times, before it is called damage (a file removed by
        hand stays missing: 503 within OPEN_TRIES * OPEN_PAUSE).
        """
        for attempt in range(OPEN_TRIES):
            try:
                return self._open_view()
            except IndexCorrupt:
                if attempt == OPEN_TRIES - 1:
                    raise
                time.sleep(OPEN_PAUSE)
        raise AssertionError("unreachable")

    def _open_view(self) -> IndexView:
        path = current_generation(self.index_dir)
        if path is None:
            raise IndexMissing(str(self.index_dir))
        view = self._view
        if view is not None and view.generation == path:
            if not (path / MANIFEST).exists():
                raise IndexCorrupt(f"{path}: generation folder was removed")  # by hand
            if view.catalog.last() == view.commit:
                view.engine.check(view.reader)  # its files unchanged since verified
                return view
        with self._lock:
            generation = self._open(path)
            commit = generation.catalog.last()
            if commit is None:
                raise IndexCorrupt(f"{path}: the catalog holds no commit")
            if self._view is None or self._view.commit != commit or self._view.generation != path:
                reader = _reader_at(generation.engine, commit)
                generation.engine.check(reader)  # every file it reads, before it reads one
                self._view = IndexView(
                    path, generation.manifest, generation.engine, generation.catalog, commit, reader
                )
            return self._view

    def live_name(self) -> str | None:
        """The name of the live commit now (None if unreadable or none): what a request
        compares with its view's ``name`` to know whether a publish came between."""
        try:
            return self.view().name
        except (IndexCorrupt, IndexMissing, OSError):
            return None

    def is_read_error(self, error: BaseException) -> bool:
        """Whether an exception means the index's files are damaged (``Engine.read_errors``)."""
        generation = self._generation
        engine = type(generation.engine) if generation is not None else Engine
        return isinstance(error, IndexCorrupt) or engine.is_read_error(error)

    def load_vectors(self, generation: Path):
        """The build's article vectors of a generation (``DenseIndex``), None without
        them; VectorsDamaged when they cannot be read."""
        from .dense_index import DenseIndex

        return DenseIndex.load(generation)

    def describe(self, error: BaseException) -> str | None:
        """A user's sentence for an error of this kind of archive (None: the usual ones)."""
        return None

    def _open(self, path: Path) -> Generation:
        """The generation at ``path``, opened and checked once (the last one is kept)."""
        if self._generation is not None and self._generation.path == path:
            return self._generation
        if not path.is_dir():
            raise IndexCorrupt(f"{path}: generation folder is missing")
        manifest = Manifest.read(path)
        engine = engine_class(manifest.engine).open(path)
        catalog = Catalog.open(path)
        _verify(engine, path)
        old, self._generation = self._generation, Generation(path, manifest, engine, catalog)
        self._view = None
        if old is not None:
            # Whoosh's readers sit in reference cycles: only a full collection frees a
            # replaced generation's (and the arrays they hold, MBs per thread).
            gc.collect()
        return self._generation


def _reader_at(engine: Engine, commit: Commit) -> EngineReader:
    """The engine's reader of the catalog's commit. An engine that opens only its latest
    commit (tantivy) may have moved past it: a writer between its engine commit and its
    catalog commit. It catches up within milliseconds; past that, the latest is read."""
    reader = engine.reader(commit.engine_commit)
    for _ in range(CATCH_UP_TRIES):
        if reader.commit == commit.engine_commit:
            break
        time.sleep(CATCH_UP_PAUSE)
        reader = engine.reader(commit.engine_commit)
    return reader


def _verify(engine: Engine, gen: Path) -> None:
    """A generation whose files fail the engine's check is IndexCorrupt before it serves."""
    try:
        engine.verify()
    except Exception as e:
        if not engine.is_read_error(e):
            raise
        raise IndexCorrupt(f"{gen}: {type(e).__name__}: {e}") from e
