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

import logging
import re
import shutil
import time
from pathlib import Path

from whoosh.index import TOC

from ..disk import fsync

log = logging.getLogger(__name__)

# A segment's files: its id ("<index>_<16 letters and digits>", Segment.segment_id), a dot.
SEGMENT_FILE = re.compile(r"^(?P<segment>(?P<index>.+)_[a-z0-9]{16})\.")


def write_toc(writer, segments: list) -> None:
    """``SegmentWriter._commit_toc`` made durable, and without Whoosh's deletions."""
    storage, indexname = writer.storage, writer.indexname
    folder = Path(storage.folder)
    known = {s.segment_id() for s in writer.segments}  # the commit the writer started from
    for segment in segments:
        if segment.segment_id() not in known:
            for name in _files_of(storage, segment.segment_id()):
                fsync(folder / name)
    TOC(writer.schema, segments, writer.generation).write(storage, indexname)
    fsync(folder / TOC._filename(indexname, writer.generation))
    fsync(folder)


def remove_superseded(storage, indexname: str, grace_seconds: float) -> list[str]:
    """Remove the tables of contents older than the grace period but the latest, and the
    segment files that none of those kept names; the names removed. Run by the writer
    (one at a time: the build lock), after its commit or its failure."""
    folder = Path(storage.folder)
    now = time.time()
    tocs = sorted(_tocs(storage, indexname))
    if not tocs:
        return []
    kept = [g for g in tocs[:-1] if now - _mtime(folder / _toc(indexname, g)) < grace_seconds]
    kept.append(tocs[-1])
    named = set()
    for generation in kept:
        try:
            named |= {s.segment_id() for s in TOC.read(storage, indexname, generation).segments}
        except Exception as e:  # noqa: BLE001 (a damaged old one: keep everything)
            log.warning("table of contents %s unreadable (%s): nothing removed", generation, e)
            return []
    removed = [_toc(indexname, g) for g in tocs if g not in kept]
    for name in storage.list():
        match = SEGMENT_FILE.match(name)
        # A segment no table of contents kept names: superseded past the grace period,
        # or written by a commit that failed (a full disk), which no reader can ever open.
        if match and match["index"] == indexname and match["segment"] not in named:
            removed.append(name)
    for name in removed:
        try:
            storage.delete_file(name)
        except OSError as e:
            log.warning("could not remove superseded %s: %s", name, e)
    for temporary in folder.glob(f"{indexname}*.tmp"):  # a dead writer's pool: no writer runs
        if temporary.is_dir():
            shutil.rmtree(temporary, ignore_errors=True)
            removed.append(temporary.name)
    return removed


def _tocs(storage, indexname: str) -> list[int]:
    pattern = TOC._pattern(indexname)
    return [int(m.group(1)) for m in map(pattern.match, storage.list()) if m]


def _toc(indexname: str, generation: int) -> str:
    return TOC._filename(indexname, generation)


def _files_of(storage, segment_id: str) -> list[str]:
    return [name for name in storage.list() if name.startswith(f"{segment_id}.")]


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
