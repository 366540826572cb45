"""Whoosh merges off the write path (engines.whoosh_background): written by a helper
process of the write worker, put in place at a later commit, with what was deleted
meanwhile; a helper that dies costs a merge, never an article or a process left behind."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import threading
import time

import pytest

from indexer import runs, store
from indexer.build import build_index
from indexer.engines import whoosh_background
from indexer.engines.whoosh_merge import TIER_FACTOR
from indexer.update import LiveIndex, change_sources, updatable
from tests.conftest import DATA_DIR
from tests.test_update import ids


@pytest.fixture
def live(tmp_path):
    """tests/data indexed with Whoosh, and the live index as the write worker keeps it."""
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    build_index(corpus, tmp_path / "index", engine="whoosh")
    kept = LiveIndex(updatable(tmp_path / "index", "whoosh"), background_merges=True)
    yield corpus, tmp_path / "index", kept
    kept.close()


def write(corpus, index_dir, kept, rel: str, text: str | None) -> None:
    with store.build_lock(index_dir), runs.shared_vocabulary():
        if text is None:
            (corpus / rel).unlink()
        else:
            (corpus / rel).write_text(text, "utf-8")
        change_sources(corpus, index_dir, "whoosh", [rel], kept)


def write_tier(corpus, index_dir, kept, word: str = "tungstène") -> None:
    """Enough one-article writes for a merge to be due."""
    for n in range(TIER_FACTOR):
        write(corpus, index_dir, kept, f"w{n}.txt", f"Le {word} de la mine {n}.")


def segments(kept) -> list:
    from whoosh.index import TOC

    ix = kept.engine._ix
    return TOC.read(ix.storage, ix.indexname).segments


def test_small_segments_are_merged_by_the_helper_and_put_in_place(live):
    corpus, index_dir, kept = live
    write_tier(corpus, index_dir, kept)
    merges = kept.engine._merges
    merges.wait(30)
    helper = merges._helper
    assert helper is not None and helper.process.pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, helper.process.pid) >= whoosh_background.NICENESS
    before = len(segments(kept))
    write(corpus, index_dir, kept, "w99.txt", "Le zinc de la mine 99.")  # puts it in place
    assert len(segments(kept)) < before  # merged, though no commit merged anything itself
    assert ids(index_dir, "tungstène") >= {f"w{n}.txt" for n in range(TIER_FACTOR)}
    assert_only_pending_kept(merges)
    # What the helper wrote is read without its module: Whoosh's codec in the TOC.
    assert all(type(s.codec()).__module__.startswith("whoosh.") for s in segments(kept))


def assert_only_pending_kept(merges) -> None:
    """No merge runs; the files kept from the collector are those of the merge that waits
    for the next commit, if any."""
    merges.wait(30)
    pending = {merges._done.segment.segment_id()} if merges._done else set()
    assert merges.building == pending


def test_what_writes_delete_during_a_merge_stays_deleted(live, monkeypatch):
    corpus, index_dir, kept = live
    held, release = threading.Event(), threading.Event()
    real = whoosh_background._Helper.merge

    def slow(self, *args):  # the merge waits here, its sources chosen
        held.set()
        release.wait(30)
        return real(self, *args)

    monkeypatch.setattr(whoosh_background._Helper, "merge", slow)
    write_tier(corpus, index_dir, kept)
    assert held.wait(30)  # a tier of small segments: a merge is being written
    write(corpus, index_dir, kept, "w1.txt", None)  # withdrawn meanwhile
    write(corpus, index_dir, kept, "w2.txt", "Le nickel de la mine 2.")  # corrected
    assert kept.engine._merges.building  # its files survived this collection
    release.set()
    kept.engine._merges.wait(30)
    before = len(segments(kept))
    write(corpus, index_dir, kept, "w99.txt", "Le zinc de la mine 99.")  # puts it in place
    assert len(segments(kept)) < before + 1
    expected = {f"w{n}.txt" for n in range(TIER_FACTOR)} - {"w1.txt", "w2.txt"}
    assert ids(index_dir, "tungstène") == expected
    assert ids(index_dir, "nickel") == {"w2.txt"} and ids(index_dir, "zinc") >= {"w99.txt"}
    assert_only_pending_kept(kept.engine._merges)


def test_a_merge_whose_source_is_gone_is_dropped(live):
    corpus, index_dir, kept = live
    merges = kept.engine._merges
    write_tier(corpus, index_dir, kept)
    merges.wait(30)
    done = merges._done
    assert done is not None
    written = done.segment.segment_id()
    kept.engine.collect_garbage(0)  # no table of contents names it yet: kept all the same
    assert any(path.name.startswith(written) for path in kept.gen.iterdir())
    done.sources = done.sources | {"MAIN_gone0000000000000"}  # as if a build replaced it
    write(corpus, index_dir, kept, "w99.txt", "Le zinc de la mine 99.")
    assert merges._done is None or merges._done is not done
    assert ids(index_dir, "tungstène") >= {f"w{n}.txt" for n in range(TIER_FACTOR)}
    assert_only_pending_kept(merges)
    kept.engine.collect_garbage(0)
    assert not any(path.name.startswith(written) for path in kept.gen.iterdir())  # garbage


def test_a_helper_killed_during_a_merge_costs_the_merge_only(live, monkeypatch):
    corpus, index_dir, kept = live
    merges = kept.engine._merges
    real = whoosh_background._Helper.merge

    def killed(self, *args):  # the helper dies as the job reaches it
        self.process.kill()
        return real(self, *args)

    monkeypatch.setattr(whoosh_background._Helper, "merge", killed)
    write_tier(corpus, index_dir, kept)
    merges.wait(30)
    assert merges._done is None and merges.building == set()  # dropped, files collectable
    monkeypatch.setattr(whoosh_background._Helper, "merge", real)
    write(corpus, index_dir, kept, "w99.txt", "Le zinc de la mine 99.")  # a new helper
    merges.wait(30)
    assert merges._done is not None
    assert ids(index_dir, "tungstène") >= {f"w{n}.txt" for n in range(TIER_FACTOR)}


def test_the_helper_ends_with_its_worker(live):
    corpus, index_dir, kept = live
    write_tier(corpus, index_dir, kept)
    merges = kept.engine._merges
    merges.wait(30)
    process = merges._helper.process
    merges._helper._conn.close()  # as when the worker dies: its end of the pipe closes
    process.join(10)
    assert not process.is_alive()


def _worker_with_a_helper(tmp_path, pids) -> None:
    """As the write worker: writes until a helper runs, its pid sent; then waits."""
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    kept = LiveIndex(updatable(index_dir, "whoosh"), background_merges=True)
    write_tier(corpus, index_dir, kept)
    merges = kept.engine._merges
    deadline = time.monotonic() + 30
    while merges._helper is None and time.monotonic() < deadline:  # started by a thread
        time.sleep(0.01)
    pids.put(merges._helper.process.pid)
    time.sleep(60)


def test_a_worker_killed_leaves_no_helper_behind(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    build_index(corpus, tmp_path / "index", engine="whoosh")
    context = multiprocessing.get_context("spawn")
    pids = context.Queue()
    worker = context.Process(target=_worker_with_a_helper, args=(tmp_path, pids))
    worker.start()
    helper = pids.get(timeout=60)
    os.kill(worker.pid, signal.SIGKILL)  # kill -9: no exit handler runs
    worker.join(10)
    deadline = time.monotonic() + 10
    while _alive(helper) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(helper)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False
