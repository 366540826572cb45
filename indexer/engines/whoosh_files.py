"""A Whoosh commit made durable, and the files it supersedes removed after a grace period.

Whoosh writes a commit's segment files, then its table of contents (``_MAIN_<n>.toc``)
through a temporary file and a rename, and flushes nothing to disk; then it deletes
every file the new table of contents does not name. Both are wrong for a live index:

- ``write_toc``: the new segment files are flushed (fsync) before the table of contents
  is written, then it and the folder: a write acknowledged is on disk, and a crash never
  leaves a table of contents that names half-written files.
- ``remove_superseded``: a request still reading an older commit needs that commit's
  files (Whoosh opens some of them lazily): they go only once no table of contents
  written within the grace period names them, as Lucene's deletion policies keep the
  commits that readers may hold.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from pathlib import Path

from whoosh.index import TOC

from ..disk import fsync, fsync_all, write_atomic
from .base import IndexCorrupt
from .integrity import crc32

log = logging.getLogger(__name__)

# A segment's files: its id ("<index>_<16 letters and digits>", Segment.segment_id), a dot.
SEGMENT_FILE = re.compile(r"^(?P<segment>(?P<index>.+)_[a-z0-9]{16})\.")
SUMS = ".sums"  # a segment's files, their sizes and CRC32s (ours: Whoosh keeps none)


def write_toc(writer, segments: list) -> None:
    """``SegmentWriter._commit_toc`` made durable, and without Whoosh's deletions."""
    storage, indexname = writer.storage, writer.indexname
    folder = Path(storage.folder)
    new = [s.segment_id() for s in segments if s.segment_id() not in writer.started_with]
    files = {segment_id: _files_of(storage, segment_id) for segment_id in new}
    fsync_all([folder / name for names in files.values() for name in names])
    for segment_id, names in files.items():
        write_sums(folder, segment_id, names)
    TOC(writer.schema, segments, writer.generation).write(storage, indexname)
    fsync(folder / TOC._filename(indexname, writer.generation))
    fsync(folder)


def remove_superseded(
    storage,
    indexname: str,
    grace_seconds: float,
    known: dict[int, tuple] | None = None,
    building: frozenset[str] = frozenset(),
) -> list[str]:
    """Remove the tables of contents older than the grace period but the latest, and the
    segment files that none of those kept names; the names removed. Run by the writer
    (one at a time: the build lock), after its commit or its failure.

    :param known: each table of contents' time and the segments it names, by generation,
        kept by the writer between calls: a table of contents never changes once
        written, and reading (and ``stat``-ing) all those of the grace period again made
        each write cost the writes of the last minute (86 ms a write at ten writes a
        second, 34,160 articles).
    :param building: the segments a background merge is writing (``whoosh_background``):
        no table of contents names them yet, and their files stay.
    """
    folder = Path(storage.folder)
    now = time.time()
    names = storage.list()
    tocs = sorted(_tocs(names, indexname))
    if not tocs:
        return []
    known = {} if known is None else known
    for generation in tocs:
        if generation not in known:
            known[generation] = (_mtime(folder / _toc(indexname, generation)), None)
    kept = [g for g in tocs[:-1] if now - known[g][0] < grace_seconds] + [tocs[-1]]
    for generation in set(known) - set(kept):
        del known[generation]
    named = set()
    for generation in kept:
        mtime, segments = known[generation]
        if segments is None:
            try:
                toc = TOC.read(storage, indexname, generation)
            except Exception as e:  # noqa: BLE001 (a damaged old one: keep everything)
                log.warning("table of contents %s unreadable (%s): nothing removed", generation, e)
                return []
            segments = frozenset(s.segment_id() for s in toc.segments)
            known[generation] = (mtime, segments)
        named |= segments
    removed = [_toc(indexname, g) for g in tocs if g not in kept]
    for name in names:
        match = SEGMENT_FILE.match(name)
        # A segment no table of contents kept names: superseded past the grace period,
        # or written by a commit that failed (a full disk), which no reader can ever open.
        if name.endswith(".tmp"):  # a writer's temporary folder: below
            continue
        if match and match["index"] == indexname and match["segment"] not in named | building:
            removed.append(name)
    for name in removed:
        try:
            storage.delete_file(name)
        except OSError as e:
            log.warning("could not remove superseded %s: %s", name, e)
    for name in names:  # a dead writer's pool: no writer runs (but a merge's, which is kept)
        if name.startswith(tuple(building)):
            continue
        if name.startswith(indexname) and name.endswith(".tmp") and (folder / name).is_dir():
            shutil.rmtree(folder / name, ignore_errors=True)
            removed.append(name)
    return removed


def write_sums(folder: Path, segment_id: str, names: list[str]) -> None:
    """Record each file of a new segment, its size and CRC32: Whoosh keeps no checksums,
    and a damaged file must be a 503, not a wrong answer (``check_file``)."""
    sums = {name: [(folder / name).stat().st_size, crc32(folder / name)] for name in names}
    write_atomic(folder / f"{segment_id}{SUMS}", json.dumps(sums, sort_keys=True))


def segment_files(folder: Path, segment_ids: list[str]) -> list[Path]:
    """The files of these segments, as their sums list them (the sums file included)."""
    files = []
    for segment_id in segment_ids:
        files.append(folder / f"{segment_id}{SUMS}")
        files.extend(folder / name for name in sorted(_sums(folder, segment_id)))
    return files


def check_file(path: Path) -> None:
    """A Whoosh segment file as its segment's sums record it; IndexCorrupt otherwise."""
    segment_id = path.name.split(".", 1)[0]
    sums = _sums(path.parent, segment_id)
    if path.name == f"{segment_id}{SUMS}":
        return  # read and parsed by _sums
    expected = sums.get(path.name)
    try:
        found = [path.stat().st_size, crc32(path)] if expected is not None else None
    except OSError as e:
        raise IndexCorrupt(f"{path}: {e}") from e
    if found != expected:
        raise IndexCorrupt(f"{path}: not the file its segment wrote (cut, overwritten)")


def _sums(folder: Path, segment_id: str) -> dict[str, list[int]]:
    try:
        sums = json.loads((folder / f"{segment_id}{SUMS}").read_bytes())
        if not isinstance(sums, dict):
            raise ValueError("not an object")
        return sums
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{folder / segment_id}{SUMS}: {e}") from e


def _tocs(names: list[str], indexname: str) -> list[int]:
    pattern = TOC._pattern(indexname)
    return [int(m.group(1)) for m in map(pattern.match, names) if m]


def _toc(indexname: str, generation: int) -> str:
    return TOC._filename(indexname, generation)


def _files_of(storage, segment_id: str) -> list[str]:
    return [name for name in storage.list() if name.startswith(f"{segment_id}.")]


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
