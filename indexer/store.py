"""Index generations on disk: built aside, swapped in atomically, read without locks.

    index_dir/
      CURRENT            the name of the live generation (replaced atomically)
      gen-<time>-<pid>/  one complete engine index + manifest.json
      .build.lock        held by the one build that may run at a time

A build writes a whole new generation, then replaces ``CURRENT``: a reader sees the old
index or the new one, never half of one, and a build killed midway leaves only an orphan
folder that the next build removes. The previous generation is kept so that requests still
running on it finish.

The manifest records the engine's on-disk ``format``: a generation written in another
format than the engine reads now is ``IndexOutdated`` (rebuild it), never a crash.
"""

from __future__ import annotations

import fcntl
import gc
import itertools
import json
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .engines import Engine, IndexCorrupt, engine_class

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
LEXICON = "lexicon.tsv"  # word<TAB>document frequency, from the exact field
GRACE_SECONDS = 60  # a replaced generation stays this long for the searches still on it
COPIED_SUFFIXES = (".toc", ".json")  # rewritten by engines: never hard-linked


class IndexMissing(Exception):
    """No index has been built in this folder yet."""


class BuildLocked(Exception):
    """Another build holds the lock on this index folder."""


class IndexOutdated(IndexCorrupt):
    """A generation written in another on-disk format than the engine reads: rebuild it."""

    def __init__(self, gen: Path, found: int, expected: int):
        super().__init__(f"{gen}: format {found}, this version reads format {expected}")
        self.found, self.expected = found, expected


@dataclass(frozen=True)
class Manifest:
    """What a generation holds: its engine and format, when it was built, its source files."""

    engine: str
    built_at: str  # ISO 8601, UTC
    doc_count: int
    sources: dict[str, dict] = field(default_factory=dict)  # rel -> size, mtime_ns, sha1, ids
    format: int = 1  # the engine's format_version; manifests written before it held format 1

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=1)

    @classmethod
    def read(cls, gen: Path) -> Manifest:
        """The manifest of a generation; IndexCorrupt if unreadable, IndexOutdated if old."""
        try:
            manifest = cls(**json.loads((gen / MANIFEST).read_text("utf-8")))
            expected = engine_class(manifest.engine).format_version
        except (OSError, ValueError, TypeError) as e:
            raise IndexCorrupt(f"{gen / MANIFEST}: {e}") from e
        if manifest.format != expected:
            raise IndexOutdated(gen, manifest.format, expected)
        return manifest


def current_generation(index_dir: Path) -> Path | None:
    """The live generation's folder, or None when nothing was ever published."""
    try:
        name = (index_dir / CURRENT).read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:  # ValueError: not UTF-8
        raise IndexCorrupt(f"{index_dir / CURRENT}: {e}") from e
    if not name.startswith("gen-") or "/" in name or "\x00" in name:
        raise IndexCorrupt(f"{index_dir / CURRENT}: not a generation name: {name[:80]!r}")
    return index_dir / name


def has_index(index_dir: Path) -> bool:
    """Whether a build ever published here; a damaged ``CURRENT`` counts (it asks for
    ``--rebuild``, not for a first build over it)."""
    try:
        return current_generation(index_dir) is not None
    except IndexCorrupt:
        return True


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty generation folder (not yet live)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    gen = index_dir / f"gen-{time.time_ns()}-{os.getpid()}"
    gen.mkdir()
    return gen


def copy_generation(source: Path, index_dir: Path, link: bool = False) -> Path:
    """A new generation that starts as a copy of ``source`` (for incremental updates).

    :param link: hard-link the files instead of copying them, for an engine that never
        changes a file once written (``Engine.immutable_files``); its tables of contents
        and locks are still copied. Where links are not possible, files are copied.
    """
    gen = new_generation(index_dir)
    try:
        for item in source.iterdir():
            if (
                item.is_file()
                and not item.name.endswith(".lock")
                and item.name not in (MANIFEST, LEXICON)
                and not item.name.startswith("dense-")  # rewritten by each build (dense)
            ):
                _copy_or_link(item, gen / item.name, link)
    except BaseException:
        discard(gen)  # a full disk must not keep half a copy
        raise
    return gen


def _copy_or_link(source: Path, target: Path, link: bool) -> None:
    if link and not source.name.endswith(COPIED_SUFFIXES) and "LOCK" not in source.name:
        try:
            os.link(source, target)
            return
        except OSError:
            pass  # another file system, or no links there: copy
    shutil.copy2(source, target)


def write_lexicon(gen: Path, words: list[tuple[str, int]]) -> None:
    """Save the generation's vocabulary (typo correction, name variants, completion)."""
    write_atomic(gen / LEXICON, "".join(f"{w}\t{n}\n" for w, n in words))


def read_lexicon(gen: Path) -> list[tuple[str, int]]:
    """The vocabulary saved with a generation; empty for one built without it.

    IndexCorrupt when the file is damaged (not UTF-8, a line without its count).
    """
    try:
        lines = (gen / LEXICON).read_text("utf-8").splitlines()
        return [(w, int(n)) for w, _, n in (line.partition("\t") for line in lines)]
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{gen / LEXICON}: {e}") from e


def publish(index_dir: Path, gen: Path, manifest: Manifest) -> None:
    """Write the manifest, then make ``gen`` the live generation in one atomic rename."""
    write_atomic(gen / MANIFEST, manifest.to_json())
    write_atomic(index_dir / CURRENT, gen.name + "\n")
    _remove_stale(index_dir, keep={gen.name})


def discard(gen: Path) -> None:
    """Remove a generation that was never published (a failed build)."""
    try:
        if current_generation(gen.parent) == gen:
            return  # CURRENT was replaced before the failure: it is live, keep it
    except IndexCorrupt:
        pass  # no live generation to protect: remove it
    remove_tree(gen)


def remove_orphans(index_dir: Path) -> list[str]:
    """Remove the generations that killed builds left unpublished; their names.

    Call it holding the build lock: then no build is running, and a generation without a
    manifest can only be a dead build's.
    """
    try:
        live = current_generation(index_dir)
    except IndexCorrupt:
        live = None
    orphans = [
        gen
        for gen in index_dir.glob("gen-*")
        if gen.is_dir() and gen != live and not (gen / MANIFEST).exists()
    ]
    for gen in orphans:
        remove_tree(gen)
    return sorted(gen.name for gen in orphans)


def remove_tree(folder: Path) -> None:
    """Remove a folder that is no longer needed; what cannot be removed is logged (it
    only costs disk), never raised: the build or write that cleans up has succeeded."""

    def report(function, path, error) -> None:
        log.warning("could not remove %s (%s): %s", path, function.__name__, error)

    if sys.version_info >= (3, 12):
        shutil.rmtree(folder, onexc=report)
    else:  # 3.11: the same hook, with the exception inside sys.exc_info()'s triple
        shutil.rmtree(folder, onerror=lambda function, path, info: report(function, path, info[1]))


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace ``path`` with ``data`` in one rename, flushed to disk (a crash keeps the old)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not keep the half-written copy
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename or an unlink in it) to disk."""
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _remove_stale(index_dir: Path, keep: set[str]) -> None:
    """Remove the generations that requests can no longer be reading.

    Kept: the live one, the one before it, and any replaced less than GRACE_SECONDS ago,
    since a search that began on it may still be running (an engine may open some of its
    files lazily). Generations without a manifest are orphans of killed builds (we hold
    the build lock): removed.
    """
    gens = [p for p in index_dir.glob("gen-*") if p.is_dir()]
    published = sorted(
        (g for g in gens if (g / MANIFEST).exists()), key=lambda g: (g / MANIFEST).stat().st_mtime
    )
    keep = keep | {g.name for g in published[-2:]}
    now = time.time()
    for older, newer in itertools.pairwise(published):
        if now - (newer / MANIFEST).stat().st_mtime < GRACE_SECONDS:
            keep.add(older.name)  # replaced recently: requests may still be reading it
    for gen in gens:
        if gen.name not in keep:
            remove_tree(gen)


@contextmanager
def build_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index folder's build lock, waiting up to ``wait`` seconds for it.

    BuildLocked if another build (another process, or another thread here) still holds
    it then. The lock is the kernel's (flock): a killed build releases it.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as f:
        _acquire(f, wait, index_dir)
        yield


def _acquire(f, wait: float, index_dir: Path) -> None:
    deadline, pause = time.monotonic() + wait, 0.005
    while True:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError as e:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BuildLocked(str(index_dir)) from e
            time.sleep(min(pause, left))  # flock has no timeout: poll, backing off
            pause = min(pause * 2, 0.1)


@dataclass(frozen=True)
class IndexView:
    """One published generation, opened: its folder, its engine and its manifest. What a
    request reads from, start to end, whatever a build publishes meanwhile."""

    generation: Path
    engine: Engine
    manifest: Manifest

    @property
    def name(self) -> str:
        """The generation's name: what an answer computed on this view depends on."""
        return self.generation.name


class IndexHandle:
    """The live generation of an index folder, reopened when a build publishes a new one.

    ``view()`` is cheap to call once per request: it reads the ``CURRENT`` pointer and
    opens the generation only when it changed, as Lucene's ``SearcherManager`` refreshes.
    """

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._view: IndexView | None = None

    def view(self) -> IndexView:
        """The live generation, opened; IndexMissing or IndexCorrupt if there is none."""
        gen = current_generation(self.index_dir)
        if gen is None:
            raise IndexMissing(str(self.index_dir))
        view = self._view
        if view is not None and view.generation == gen:
            if not (gen / MANIFEST).exists():
                raise IndexCorrupt(f"{gen}: generation folder was removed")  # deleted by hand
            return view
        with self._lock:
            if self._view is None or self._view.generation != gen:
                self._view = _open(gen)
            return self._view

    def live_name(self) -> str | None:
        """The name of the generation ``CURRENT`` names now (None if unreadable or none)."""
        try:
            gen = current_generation(self.index_dir)
        except IndexCorrupt:
            return None
        return gen.name if gen is not None else None

    def is_read_error(self, error: BaseException) -> bool:
        """Whether an exception means the index's files are damaged (``Engine.read_errors``)."""
        view = self._view
        engine = type(view.engine) if view is not None else Engine
        return isinstance(error, IndexCorrupt) or engine.is_read_error(error)


def _open(gen: Path) -> IndexView:
    if not gen.is_dir():
        raise IndexCorrupt(f"{gen}: generation folder is missing")
    manifest = Manifest.read(gen)
    engine = engine_class(manifest.engine).open(gen)
    _verify(engine, gen)
    # The engines of older generations are garbage once their last requests end, but
    # Whoosh's readers sit in reference cycles: only a full collection frees them (and
    # the arrays they hold, MBs per thread). Unforced, it comes hundreds of MB later.
    gc.collect()
    return IndexView(gen, engine, manifest)


def _verify(engine: Engine, gen: Path) -> None:
    """A generation whose files fail the engine's check is IndexCorrupt before it serves."""
    try:
        engine.verify()
    except Exception as e:
        if not engine.is_read_error(e):
            raise
        raise IndexCorrupt(f"{gen}: {type(e).__name__}: {e}") from e
