"""Index generations on disk: built aside, swapped in atomically, changed in place.

    index_dir/
      CURRENT            the name of the live generation (replaced atomically)
      gen-<time>-<pid>/  a generation: the engine's files, manifest.json, catalog.sqlite
                         (indexer.catalog), dense-model.npz (indexer.dense)
      .build.lock        held by the one writer that may run at a time

A full build (the first, ``--rebuild``, a new engine or format) writes a whole new
generation, then replaces ``CURRENT``: a reader sees the old index or the new one, never
half of one, and a build killed midway leaves an orphan folder that the next writer
removes. Everything else (``search-index`` after a change of the corpus, a write through
the API) changes the live generation in place, through the engine's own commits and the
catalog's (``indexer.update``): a write costs the change, not the index.

The manifest records the engine and its on-disk ``format``: a generation written in
another format than the engine reads now is ``IndexOutdated`` (rebuild it), never a crash.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .disk import remove_tree, write_atomic
from .engines import IndexCorrupt, engine_class

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
GRACE_SECONDS = 60  # a replaced generation stays this long for the searches still on it


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
    """What a generation is: its engine and format, when it was built and with how many
    articles (the catalog counts them after each change)."""

    engine: str
    built_at: str  # ISO 8601, UTC
    doc_count: int
    format: int = 1  # the engine's format_version; manifests written before it held format 1

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=1)

    @classmethod
    def read(cls, gen: Path) -> Manifest:
        """The manifest of a generation; IndexCorrupt if unreadable, IndexOutdated if old."""
        try:
            data = json.loads((gen / MANIFEST).read_text("utf-8"))
            expected = engine_class(data["engine"]).format_version
            found = data.get("format", 1)
        except (OSError, ValueError, TypeError, KeyError) as e:
            raise IndexCorrupt(f"{gen / MANIFEST}: {e}") from e
        if found != expected:
            raise IndexOutdated(gen, found, expected)
        try:
            return cls(data["engine"], data["built_at"], data["doc_count"], found)
        except (KeyError, TypeError) as e:
            raise IndexCorrupt(f"{gen / MANIFEST}: {e}") from e


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


def publish(index_dir: Path, gen: Path, manifest: Manifest) -> None:
    """Write the manifest, then make ``gen`` the live generation in one atomic rename."""
    write_atomic(gen / MANIFEST, manifest.to_json())
    write_atomic(index_dir / CURRENT, gen.name + "\n")
    remove_stale(index_dir)


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


def remove_stale(index_dir: Path) -> list[str]:
    """Remove the generations that requests can no longer be reading; their names. Run by
    every writer (holding the build lock), so a full disk frees itself of them.

    Kept: the live one, and one replaced less than GRACE_SECONDS ago, since a search that
    began on it may still be running (an engine may open some of its files lazily).
    Generations without a manifest are orphans of killed builds (we hold the lock).
    """
    try:
        live = current_generation(index_dir)
    except IndexCorrupt:
        live = None
    gens = [p for p in index_dir.glob("gen-*") if p.is_dir() and p != live]
    now, stale = time.time(), []
    for gen in gens:
        replaced = _replaced_at(index_dir, gen)
        if replaced is None or now - replaced >= GRACE_SECONDS:
            stale.append(gen)
    for gen in stale:
        remove_tree(gen)
    return sorted(gen.name for gen in stale)


def _replaced_at(index_dir: Path, gen: Path) -> float | None:
    """When a published generation stopped being live: when CURRENT last changed, if it
    is younger than the generation's manifest (None: never published, an orphan)."""
    try:
        published = (gen / MANIFEST).stat().st_mtime
        return max(published, (index_dir / CURRENT).stat().st_mtime)
    except OSError:
        return None


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
