"""Index generations on disk: built aside, swapped in atomically, read without locks.

    index_dir/
      CURRENT            the name of the live generation (replaced atomically)
      gen-<time>-<pid>/  one complete engine index + manifest.json
      .build.lock        held by the one build that may run at a time

A build writes a whole new generation, then replaces ``CURRENT``: a reader sees the old
index or the new one, never half of one, and a build killed midway leaves only an orphan
folder that the next build removes. The previous generation is kept so that requests still
running on it finish.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .engines import Engine, IndexCorrupt, engine_class

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
LEXICON = "lexicon.tsv"  # word<TAB>document frequency, from the exact field


class IndexMissing(Exception):
    """No index has been built in this folder yet."""


class BuildLocked(Exception):
    """Another build holds the lock on this index folder."""


@dataclass(frozen=True)
class Manifest:
    """What a generation holds: its engine, when it was built, and its source files."""

    engine: str
    built_at: str  # ISO 8601, UTC
    doc_count: int
    sources: dict[str, dict] = field(default_factory=dict)  # rel -> size, mtime_ns, sha1, ids

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=1)

    @classmethod
    def read(cls, gen: Path) -> Manifest:
        try:
            return cls(**json.loads((gen / MANIFEST).read_text("utf-8")))
        except (OSError, ValueError, TypeError) as e:
            raise IndexCorrupt(f"{gen / MANIFEST}: {e}") from e


def current_generation(index_dir: Path) -> Path | None:
    """The live generation's folder, or None when nothing was ever published."""
    try:
        name = (index_dir / CURRENT).read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise IndexCorrupt(f"{index_dir / CURRENT}: {e}") from e
    return index_dir / name


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty generation folder (not yet live)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    gen = index_dir / f"gen-{time.time_ns()}-{os.getpid()}"
    gen.mkdir()
    return gen


def copy_generation(source: Path, index_dir: Path) -> Path:
    """A new generation that starts as a copy of ``source`` (for incremental updates)."""
    gen = new_generation(index_dir)
    for item in source.iterdir():
        if (
            item.is_file()
            and not item.name.endswith(".lock")
            and item.name not in (MANIFEST, LEXICON)
        ):
            shutil.copy2(item, gen / item.name)
    return gen


def write_lexicon(gen: Path, words: list[tuple[str, int]]) -> None:
    """Save the generation's vocabulary (typo correction, name variants, completion)."""
    _write_atomic(gen / LEXICON, "".join(f"{w}\t{n}\n" for w, n in words))


def read_lexicon(gen: Path) -> list[tuple[str, int]]:
    """The vocabulary saved with a generation; empty for one built without it."""
    try:
        lines = (gen / LEXICON).read_text("utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [(w, int(n)) for w, _, n in (line.partition("\t") for line in lines)]


def publish(index_dir: Path, gen: Path, manifest: Manifest) -> None:
    """Write the manifest, then make ``gen`` the live generation in one atomic rename."""
    _write_atomic(gen / MANIFEST, manifest.to_json())
    _write_atomic(index_dir / CURRENT, gen.name + "\n")
    _remove_stale(index_dir, keep={gen.name})


def discard(gen: Path) -> None:
    """Remove a generation that was never published (a failed build)."""
    shutil.rmtree(gen, ignore_errors=True)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _remove_stale(index_dir: Path, keep: set[str]) -> None:
    """Remove every generation but the live one and the one before it (still being read)."""
    gens = sorted(
        (p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime_ns
    )
    published = [g for g in gens if (g / MANIFEST).exists() and g.name not in keep]
    keep = keep | {g.name for g in published[-1:]}
    for gen in gens:
        if gen.name not in keep:
            shutil.rmtree(gen, ignore_errors=True)


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's build lock; BuildLocked if another build has it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise BuildLocked(str(index_dir)) from e
        yield


class IndexHandle:
    """The live generation of an index folder, reopened when a build publishes a new one.

    ``engine()`` is cheap to call on every request: it reads the ``CURRENT`` pointer and
    reopens only when it changed.
    """

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._gen: Path | None = None
        self._engine: Engine | None = None
        self._manifest: Manifest | None = None

    def engine(self) -> Engine:
        """The engine on the live generation; IndexMissing or IndexCorrupt if there is none."""
        gen = current_generation(self.index_dir)
        if gen is None:
            raise IndexMissing(str(self.index_dir))
        if gen != self._gen:
            with self._lock:
                if gen != self._gen:
                    self._open(gen)
        assert self._engine is not None
        return self._engine

    def manifest(self) -> Manifest:
        """The live generation's manifest."""
        self.engine()
        assert self._manifest is not None
        return self._manifest

    @property
    def generation(self) -> Path | None:
        """The folder of the generation opened last (None before the first ``engine()``)."""
        return self._gen

    def _open(self, gen: Path) -> None:
        if not gen.is_dir():
            raise IndexCorrupt(f"{gen}: generation folder is missing")
        manifest = Manifest.read(gen)
        engine = engine_class(manifest.engine).open(gen)
        self._gen, self._engine, self._manifest = gen, engine, manifest
