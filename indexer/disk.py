"""Files on disk made durable, and removed without a fuss: what every layer that writes
an index shares (generations, the catalog, the engines' commits).

    write_atomic(path, data)   replaced in one rename, flushed: a crash keeps the old one
    replace_all({path: data})  the same for many files, flushed together
    fsync(path), fsync_all(paths), fsync_dir(folder)
    remove_tree(folder)        a failure is logged, never raised
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

log = logging.getLogger(__name__)

MAX_FLUSHES = 16  # files flushed at once


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


def replace_all(files: dict[Path, bytes]) -> None:
    """``write_atomic`` for many files, their flushes taken together: every new file
    written and flushed, then each renamed over the old, then the folders flushed. A
    crash keeps each file whole, old or new; on a failure, no temporary file is left."""
    tmps = {path: path.with_name(f".{path.name}.{os.getpid()}.tmp") for path in files}
    try:
        for path, data in files.items():
            tmps[path].write_bytes(data)
        fsync_all(list(tmps.values()))
        for path, tmp in tmps.items():
            os.replace(tmp, path)
    except BaseException:
        for tmp in tmps.values():
            tmp.unlink(missing_ok=True)  # a full disk must not keep the half-written copies
        raise
    fsync_all(sorted({path.parent for path in files}))


def fsync_all(paths: list[Path]) -> None:
    """Flush many files at once: the disk takes their flushes together (ten small files:
    4.6 ms, against 28 ms one after the other, medians of 8)."""
    if len(paths) <= 1:
        for path in paths:
            fsync(path)
        return
    with ThreadPoolExecutor(min(len(paths), MAX_FLUSHES), thread_name_prefix="fsync") as pool:
        list(pool.map(fsync, paths))


def fsync(path: Path) -> None:
    """Flush a file's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename or an unlink in it) to disk."""
    fsync(folder)
