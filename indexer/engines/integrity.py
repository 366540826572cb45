"""The files an engine reads, checked before it reads them: damage is a 503, never a crash.

A truncated file that an engine has mapped in memory kills the process (SIGBUS) at the
first read past its new end; garbage in a postings file makes tantivy panic, or either
engine answer wrong in silence. So, as Lucene checks its files' checksums:

- ``verify(path, check)``: a file's content is checked once (tantivy: the CRC32 of each
  file's footer; Whoosh: the sums ``whoosh_files`` records when it commits), and its
  size and modification time remembered;
- ``check_unchanged(paths)``: before each request, every file of the commit read is
  looked at (a ``stat``, tens of microseconds): a size or a time that changed since it was
  verified is verified again, and a file that fails is ``IndexCorrupt`` (a 503 that says
  how to rebuild) before the engine ever reads it.
"""

from __future__ import annotations

import os
import threading
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

from .base import IndexCorrupt

CHUNK = 1 << 20  # bytes read at a time for a checksum

Check = Callable[[Path], None]  # raises IndexCorrupt for a damaged file


class Verified:
    """Files whose content was checked, by path: their size and time then."""

    def __init__(self) -> None:
        self._seen: dict[Path, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def check_unchanged(self, paths: Iterable[Path], check: Check) -> None:
        """Every file as it was verified, or verified again now; IndexCorrupt otherwise."""
        for path in paths:
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                raise IndexCorrupt(f"{path}: file of the index is missing") from None
            except OSError as e:
                raise IndexCorrupt(f"{path}: {e}") from e
            if self._seen.get(path) != (stat.st_size, stat.st_mtime_ns):
                self.verify(path, check, (stat.st_size, stat.st_mtime_ns))

    def verify(self, path: Path, check: Check, seen: tuple[int, int]) -> None:
        """Check a file's content now; remember it as verified if it passes."""
        with self._lock:
            self._seen.pop(path, None)
        check(path)
        with self._lock:
            self._seen[path] = seen


def crc32(path: Path, end: int | None = None) -> int:
    """The CRC32 (zlib's, tantivy's crc32fast's) of a file's first ``end`` bytes (all)."""
    crc, left = 0, end
    with open(path, "rb") as f:
        while left is None or left > 0:
            chunk = f.read(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                break
            crc = zlib.crc32(chunk, crc)
            if left is not None:
                left -= len(chunk)
    return crc
