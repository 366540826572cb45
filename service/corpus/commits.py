"""Concurrent API writes committed together: one commit for the writes that wait.

A write costs little to analyse and much to commit: the engine's and the catalog's
fsyncs (~100 ms with tantivy on our test machine, whatever the batch). Committed one by
one, 32 writers sending at once wait for 32 commits in turn, the last one past 5 s, and
past WRITE_WAIT some would be refused. So writes are queued here, in the server, and one
thread sends what has gathered while the previous commit ran to the write worker as one
batch (``articles.write_articles``): the group commit of Lucene's IndexWriter and of
PostgreSQL. A write alone is committed at once, as before.

Each write keeps its own answer: created or replaced, or the error that refused it alone
(409, 404). A failure of the commit itself (a full disk, a build holding the lock past
WRITE_WAIT, the worker killed) is the answer of every write of the batch, and none of
them changed anything. A batch never holds the same id twice (the second waits for the
next batch), and holds at most MAX_BATCH writes and MAX_BATCH_BYTES of articles.
"""

from __future__ import annotations

import copy
import logging
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from ..config import Config
from ..errors import BuildFailed, SearchError
from . import articles
from .articles import Published, Write
from .worker import in_worker, submit_to_worker

log = logging.getLogger(__name__)

MAX_BATCH = 64  # writes in one commit
MAX_BATCH_BYTES = 8_000_000  # of article files in one commit (a write is 2 MB at most)
IDLE_SECONDS = 30.0  # a queue's thread ends after so long without writes
# A write's answer waits this long at most (a commit takes well under a second, and a
# write waits WRITE_WAIT for a build's lock): past it the worker is hung, and the request
# thread is given back with a 503 that says whether the write may still happen.
ANSWER_WAIT = 60.0

_lock = threading.Lock()  # the queues, and each queue's pending writes
_queues: dict = {}  # what the writes change (``_target``) -> _Queue


def put_article(
    config: Config, doc_id: str, content: bytes, create_only: bool = False
) -> Published:
    """Create or replace the article file and publish it in the index, in the write
    worker, with the writes that wait beside it; whether it was created, and the article
    as the index holds it."""
    published = submit(config, Write(doc_id, content, create_only))
    log.info("article %s %s", doc_id, "created" if published.created else "replaced")
    return published


def delete_article(config: Config, doc_id: str) -> None:
    """Remove the article file and publish the index without it, in the write worker;
    DocumentNotFound if there is none."""
    submit(config, Write(doc_id, None))
    log.info("article %s deleted", doc_id)


def warm_up_writes(config: Config) -> None:
    """Start the write worker and open the live generation in it now, in the background,
    so that the first write does not pay for it (2 s at 3,000 articles: the engine, the
    vector model and the word vectors read)."""
    submit_to_worker(articles.warm_up, config)


def submit(config: Config, write: Write) -> Published:
    """Queue a write and wait for the commit of its batch; what it published, or the
    error that refused it (ReadOnly at once for a corpus of one file)."""
    articles.check_writable(config, write.doc_id)
    future: Future = Future()
    with _lock:
        queue = _queues.get(_target(config))
        if queue is None:
            queue = _queues[_target(config)] = _Queue(config)
        queue.pending.append((write, future))
        queue.wake.notify()
    try:
        return future.result(timeout=ANSWER_WAIT)
    except FutureTimeout:
        with _lock:
            queued = (write, future) in queue.pending
            if queued:
                queue.pending.remove((write, future))
        raise BuildFailed(_no_answer(queued)) from None


def _no_answer(queued: bool) -> str:
    """What a client reads when the worker has not answered in ANSWER_WAIT seconds."""
    late = f"le processus d'écriture ne répond pas depuis {ANSWER_WAIT:.0f} s"
    if queued:
        return f"écriture refusée : {late} ; l'article n'a pas changé ; réessayez plus tard"
    return (
        f"écriture sans réponse : {late} ; elle peut encore aboutir : relisez l'article "
        "(GET) avant de la refaire"
    )


def _target(config: Config) -> object:
    """What a write changes: the index folder, or for the postgres engine the archive in
    its database (whatever the index folder says)."""
    if config.engine == "postgres":
        return ("postgres", config.dsn, config.schema)
    return config.index_path


class _Queue:
    """The writes waiting for one index (``_target``), and the thread that commits them."""

    def __init__(self, config: Config):
        self.config = config
        self.pending: list[tuple[Write, Future]] = []
        self.wake = threading.Condition(_lock)
        threading.Thread(target=self._run, name="write-batches", daemon=True).start()

    def _run(self) -> None:
        while True:
            with _lock:
                if not self.pending:
                    self.wake.wait(IDLE_SECONDS)
                if not self.pending:  # idle: the next write starts another thread
                    _queues.pop(_target(self.config), None)
                    return
                batch = self._take()
            _commit(self.config, batch)

    def _take(self) -> list[tuple[Write, Future]]:
        """The first pending writes, up to a repeated id or the batch's limits."""
        batch: list[tuple[Write, Future]] = []
        ids, size = set(), 0
        for write, future in self.pending:
            size += len(write.content or b"")
            if write.doc_id in ids or len(batch) == MAX_BATCH:
                break
            if batch and size > MAX_BATCH_BYTES:
                break
            ids.add(write.doc_id)
            batch.append((write, future))
        del self.pending[: len(batch)]
        return batch


def _commit(config: Config, batch: list[tuple[Write, Future]]) -> None:
    """One commit of the batch in the worker; each write's future gets its outcome (never
    raises: a write left without one would wait for ever)."""
    writes = [write for write, _ in batch]
    try:
        outcomes = in_worker(articles.write_articles, config, writes, articles.WRITE_WAIT)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, SearchError):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
    except BaseException as e:  # noqa: BLE001 (the whole batch's answer, raised in each)
        for _, future in batch:
            if not future.done():
                future.set_exception(copy.copy(e))
