"""Whoosh merges off the write path: written by a helper process at a lower CPU priority,
put in place at a later commit.

Merged at commit time (``whoosh_merge.merge_small``), the small segments of API writes
made one write in five wait for a merge: a commit of one article takes 16 ms, one that
merges 50 articles 200 to 300 ms (most of it writing the merged segment's postings in
Python), and those were the slowest tenth of the writes at 34,160 articles with 8
clients searching (write p99 413 ms). Lucene's ConcurrentMergeScheduler merges in threads
while the writer goes on, and the merged segment replaces its sources at a later commit.
A thread of the write worker was tried first: the interpreter lock made the writes wait
for the merge, and on 2 cores the merge's CPU slowed the searches (p50 504 -> 708 ms).
So the long-lived write worker (``Engine.merge_in_background``) hands merges to a
process of its own, started once, at ``NICENESS``: it takes the CPU the searches and the
writes leave. ``search-index`` still merges at commit.

1. after a commit, when the policy (``whoosh_merge.tiers_due``) picks small segments and
   no merge runs, the worker names the new segment (its files are kept from the
   collector from then on: ``building``) and a thread hands the merge to the helper,
   which writes their live articles into that segment, without Whoosh's lock (no table
   of contents names it yet, no reader sees it), and sends back what it wrote;
2. the next commit that finds it written puts it in place of its sources (``swap``),
   after deleting in it the articles that were deleted from them meanwhile (replaced or
   withdrawn by the writes in between); if a source is gone, it is dropped;
3. a merge that fails, or whose helper dies, is dropped (its sources stay, its files
   are garbage for the next collection) and the next one starts a new helper.

The helper reads its jobs from a pipe: when the worker ends, even killed, the pipe
closes and the helper ends with it; killed in the middle of a merge, the helper sees
its parent gone within half a second (no process left behind).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass

from whoosh.codec.whoosh3 import W3Codec, W3Segment
from whoosh.index import TOC, FileIndex
from whoosh.writing import PostingPool

from .whoosh_merge import add_live_articles, tiers_due
from .whoosh_segment import BulkSegmentWriter

NICENESS = 10  # the helper's: about a tenth of a core's share beside busy processes
PARENT_CHECK_SECONDS = 0.5

log = logging.getLogger(__name__)


@dataclass
class Merged:
    """A merge written: its sources, the new segment, and the source article behind each
    of its documents (segment id, document number), in order."""

    sources: frozenset[str]
    segment: object
    order: list[tuple[str, int]]


class BackgroundMerges:
    """The merges of one Whoosh index, written by a helper process of the writing one."""

    def __init__(self, ix):
        self._ix = ix
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._done: Merged | None = None
        self._closed = False
        self._helper: _Helper | None = None
        self.building: set[str] = set()  # segment ids whose files a merge is writing

    def policy(self, writer, segments: list) -> list:
        """Whoosh's ``mergetype`` for a write: no merge of its own; a merge written
        since is put in place of its sources."""
        with self._lock:
            done, self._done = self._done, None
        return segments if done is None else swap(done, segments, self.building)

    def start_if_due(self) -> None:
        """After a commit: a merge of the segments the policy picks, handed to the
        helper, unless one is running or waits to be put in place."""
        with self._lock:
            if self._closed or self._thread is not None or self._done is not None:
                return
            chosen = tiers_due(TOC.read(self._ix.storage, self._ix.indexname).segments)
            if not chosen:
                return
            segid = W3Segment._random_id()
            self.building.add(f"{self._ix.indexname}_{segid}")  # its files kept from now on
            self._thread = threading.Thread(
                target=self._write, args=(chosen, segid), name="whoosh-merge", daemon=True
            )
            self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Until the running merge, if any, is written (tests, and closing)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            helper, self._helper = self._helper, None
        if helper is not None:
            helper.close()  # a merge being written ends with its helper
        self.wait(30)

    def _write(self, chosen: list, segid: str) -> None:
        try:
            merged = self._running_helper().merge(self._ix, chosen, segid)
        except Exception as e:  # noqa: BLE001 (its sources stay; the next one tries again)
            log.warning("background merge of %d segments failed: %s", len(chosen), e)
            merged = None
            self._forget_helper()
        with self._lock:
            self._thread = None
            if merged is None or self._closed:
                self.building.discard(f"{self._ix.indexname}_{segid}")
            else:
                self._done = merged

    def _running_helper(self) -> _Helper:
        with self._lock:
            if self._closed:
                raise RuntimeError("closed")
            if self._helper is None:
                self._helper = _Helper()
            return self._helper

    def _forget_helper(self) -> None:
        with self._lock:
            helper, self._helper = self._helper, None
        if helper is not None:
            helper.close()


class _Helper:
    """A process that writes merges one at a time, at ``NICENESS``; it ends when its pipe
    closes."""

    def __init__(self):
        context = multiprocessing.get_context("spawn")  # nothing of the worker's state
        self._conn, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(theirs,), name="whoosh-merges", daemon=True
        )
        self.process.start()
        theirs.close()  # the helper holds the only other end: our end gone, it ends

    def merge(self, ix, chosen: list, segid: str) -> Merged:
        self._conn.send((ix.storage.folder, ix.indexname, chosen, segid))
        ok, value = self._conn.recv()  # EOFError if the helper died
        if not ok:
            raise RuntimeError(value)
        return value

    def close(self) -> None:
        self._conn.close()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


def _serve(conn) -> None:
    """The helper's loop: a merge job at a time until the pipe closes."""
    os.nice(NICENESS)
    threading.Thread(target=_end_with, args=(os.getppid(),), daemon=True).start()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = (True, _merge(*job))
        except Exception as e:  # noqa: BLE001 (told to the worker, which drops the merge)
            result = (False, f"{type(e).__name__}: {e}")
        try:
            conn.send(result)
        except OSError:
            return


def _end_with(parent: int) -> None:
    """Ends the helper as soon as the worker that started it is gone (killed in the
    middle of a merge: its pipe tells only once the merge is written)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _merge(folder: str, indexname: str, chosen: list, segid: str) -> Merged:
    from whoosh.filedb.filestore import FileStorage

    ix = FileIndex(FileStorage(folder), indexname=indexname)
    return write_merged(merge_writer(ix, segid), chosen)


def merge_writer(ix, segid: str) -> BulkSegmentWriter:
    """A writer of the new segment ``segid`` (``<index>_<segid>``), without Whoosh's lock."""
    writer = BulkSegmentWriter(ix, limitmb=64, compound=False, _lk=False, codec=_MergeCodec(segid))
    # Whoosh names every writer's temporary folder alike, and a write's commit removes it.
    writer._tempstorage = ix.storage.temp_storage(_temporary(writer.newsegment.segment_id()))
    writer.pool = PostingPool(writer._tempstorage, writer.newsegment, limitmb=64)
    return writer


def write_merged(writer: BulkSegmentWriter, chosen: list) -> Merged:
    """The live articles of ``chosen`` written by ``writer`` into its segment (not
    committed), as ``merge_small`` would add them: analysed again unless this process
    wrote them lately."""
    try:
        order = add_live_articles(writer, chosen)
        segment = writer._finalize_segment()
        writer._finish()
    except BaseException:
        _cancel_quietly(writer)
        raise
    # Tables of contents pickle their segments with their codec: Whoosh's own, so that
    # reading them never needs this module.
    segment._codec = W3Codec()
    return Merged(frozenset(s.segment_id() for s in chosen), segment, order)


def _cancel_quietly(writer) -> None:
    try:
        writer.cancel()
    except Exception as e:  # noqa: BLE001 (half closed: the collector removes its files)
        log.info("merge writer not cancelled cleanly: %s", e)


def swap(merged: Merged, segments: list, building: set[str]) -> list:
    """``segments`` with ``merged`` in place of its sources, the articles deleted from
    them since it was written deleted in it too; unchanged if a source is gone."""
    by_id = {s.segment_id(): s for s in segments}
    building.discard(merged.segment.segment_id())  # named by this commit, or garbage
    if not merged.sources <= by_id.keys():
        log.info("background merge dropped: a source segment is gone")
        return segments
    for docnum, (source, source_docnum) in enumerate(merged.order):
        if by_id[source].is_deleted(source_docnum):
            merged.segment.delete_document(docnum)
    kept = [s for s in segments if s.segment_id() not in merged.sources]
    return [*kept, merged.segment] if merged.segment.doc_count() else kept


def _temporary(segment_id: str) -> str:
    """The temporary folder of a merge's writer (``whoosh_files`` keeps it while it runs)."""
    return f"{segment_id}.merge.tmp"


class _MergeCodec(W3Codec):
    """Whoosh's codec, whose new segment has the id the worker chose, and whose
    per-document writer keeps its temporary columns file in the merge's own folder."""

    def __init__(self, segid: str):
        super().__init__()
        self._segid = segid

    def new_segment(self, storage, indexname):
        return W3Segment(self, indexname, segid=self._segid)

    def per_document_writer(self, storage, segment):
        return super().per_document_writer(_Temporaries(storage, segment), segment)


class _Temporaries:
    """A storage whose temporary storage is the merge's own folder."""

    def __init__(self, storage, segment):
        self._storage, self._name = storage, _temporary(segment.segment_id())

    def temp_storage(self, name: str | None = None):
        return self._storage.temp_storage(self._name)

    def __getattr__(self, name: str):
        return getattr(self._storage, name)
