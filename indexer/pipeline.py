"""Drafts -> prepared articles for the engine's writer, in worker processes when it pays.

A build reads its source files in its own process (bytes, JSON, ids: the cheap part, see
``sources.read_drafts``) and hands the drafts here in batches. Each draft becomes an
Article (dates, countries, title: ``Draft.make``), then what the engine's writer adds
(the analysis: ``Engine.prepare``). That is most of a build's CPU, so on a machine with
several cores a big build runs it in a pool of worker processes while the build's own
process reads ahead and feeds the writer, and the engine indexes in its own threads.

Deterministic: batches come back in the order they went, so the index holds the same
articles in the same order as a build in one process, and skips, warnings and progress
are the same. Workers are started with ``spawn`` (they import the indexer afresh, as they
would on macOS or Windows: no copy of the build's threads, locks or open index); their
warnings are sent back and logged by the build's process, under the same logger names.
A small build, or a machine with one core, stays in one process (see ``MIN_CORES``);
``build_index(processes=N)`` chooses.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from itertools import chain
from types import ModuleType
from typing import NamedTuple, TypeVar

from .articles import Article
from .engines import engine_class
from .runs import Cut, cut, shared_vocabulary
from .sources import Draft, Skip
from .written import views

BATCH = 64  # drafts per task: big enough to amortise a task, small for a smooth progress
MIN_PARALLEL_BYTES = 8_000_000  # below, spawning workers costs more than they save
MAX_PROCESSES = 8
# Workers cost CPU (each process learns the words afresh, batches are pickled), and the
# build's own process mostly reads, feeds the writer and waits: so one worker per core.
# On 2 quiet cores, 34,160 articles, alternated: tantivy 25.0 / 24.0 s in one process
# (30 s of CPU), 27.9 / 28.9 s with one worker, 20.5 / 22.0 s with two (38 s of CPU);
# Whoosh 49.0 / 47.7 s in one, 42.4 / 42.8 s with two. On 2 cores shared with other jobs
# (load 4-5), two workers were not faster (10,000 articles, da23b4a): they pay off
# only on cores the build has to itself.
MIN_CORES = 2
PARENT_CHECK_SECONDS = 1.0  # how often a worker looks whether its build is still alive
_LOGGER = "indexer"

T = TypeVar("T")


def worker_count(source_bytes: int, processes: int | None = None) -> int:
    """How many worker processes for a build of ``source_bytes`` (0: none, in-process).

    ``processes`` overrides; by default, for builds of ``MIN_PARALLEL_BYTES`` or more on
    ``MIN_CORES`` cores or more, one per usable core (up to ``MAX_PROCESSES``).
    """
    if processes is None:
        cores = _usable_cores()
        if source_bytes < MIN_PARALLEL_BYTES or cores < MIN_CORES:
            return 0
        processes = min(cores, MAX_PROCESSES)
    return max(processes, 0)


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Preparer:
    """Turns batches of drafts into prepared articles and skips, in order.

    ``with Preparer("tantivy", workers) as preparer: preparer.run(tagged_batches)``. A
    worker that dies (killed, out of memory) fails the build with BrokenProcessPool.
    """

    def __init__(self, engine: str, workers: int = 0):
        self.engine = engine
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Preparer:
        if self.workers:
            level = logging.getLogger(_LOGGER).getEffectiveLevel()
            self._pool = ProcessPoolExecutor(
                self.workers,
                multiprocessing.get_context("spawn"),
                _start_worker,
                (level, os.getpid()),
            )
            with _main_hidden():  # each submit starts a worker while none is idle
                for _ in range(self.workers):
                    self._pool.submit(int)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._pool is not None:
            # A failed build drops the batches still queued.
            self._pool.shutdown(wait=True, cancel_futures=exc_type is not None)
            self._pool = None

    def run(
        self, batches: Iterable[tuple[T, list[Draft]]]
    ) -> Iterator[tuple[T, list[object | None], list[Skip]]]:
        """(tag, ``make_batch``'s prepared articles and skips) for each (tag, drafts), in order.

        Reads ``batches`` lazily, a few batches ahead of the results it yields.
        """
        if self._pool is None:
            for tag, drafts in batches:
                yield (tag, *make_batch(self.engine, drafts))
            return
        ahead = 2 * self.workers + 1  # keeps every worker busy, bounds memory
        pending: deque = deque()
        for tag, drafts in batches:
            pending.append((tag, self._pool.submit(_make_in_worker, self.engine, drafts)))
            if len(pending) >= ahead:
                yield _collect(*pending.popleft())
        while pending:
            yield _collect(*pending.popleft())


@contextmanager
def _main_hidden() -> Iterator[None]:
    """Start workers without the build's ``__main__``: spawn would run that script again in
    each of them, and a script without ``if __name__ == "__main__"`` would build again."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class Made(NamedTuple):
    """An article made from a draft: what the engine's writer adds, its ``dense`` bag,
    and its distinct folded words (the vocabulary's document frequencies)."""

    prepared: object
    bag: object | None
    words: frozenset[str]
    id: str


def make_batch(engine: str, drafts: list[Draft]) -> tuple[list[Made | None], list[Skip]]:
    """What each draft makes (None for a draft that makes no article), and the skips that
    say why."""
    from . import dense  # NumPy and the word vectors: only for a build

    prepare = engine_class(engine).prepare
    skips: list[Skip] = []
    prepared, made, cuts = [], [], []
    for draft in drafts:  # each prepared right after it is made: runs.cut still has its text
        article = draft.make(skips)
        prepared.append(None if article is None else prepare(article))
        if article is not None:
            made.append(article)
            cuts.append(cut(article.title, article.text))
    bags = iter(dense.bags(made, cuts))  # one look-up of the batch's new runs
    words = iter([words_of(c) for c in cuts])
    ids = iter([a.id for a in made])
    made_ = [None if p is None else Made(p, next(bags), next(words), next(ids)) for p in prepared]
    return made_, skips


def words_of(texts: Cut) -> frozenset[str]:
    """The distinct folded words of cut texts (``runs.cut``), as the index holds them in
    its exact field: each distinct run analysed once per vocabulary."""
    column = views(texts)[1]  # the exact terms, as the engines' prepare read them
    return frozenset(chain.from_iterable(map(column.__getitem__, set(chain(*texts.numbers)))))


def article_words(article: Article) -> frozenset[str]:
    """An article's distinct folded words (an article read back from the index)."""
    return words_of(cut(article.title, article.text))


def _collect(tag, future: Future) -> tuple:
    prepared, skips, records = future.result()
    for record in records:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)
    return tag, prepared, skips


# In a worker: the vocabulary of the build it serves (runs.shared_vocabulary), and the
# records logged under "indexer" while it makes a batch, sent back.
_vocabulary = shared_vocabulary()
_records: list[logging.LogRecord] = []


class _Keep(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # picklable, formatted here
        record.exc_info = record.exc_text = record.stack_info = None
        _records.append(record)


def exit_with(parent: int) -> None:
    """In a worker process: end as soon as ``parent`` is gone. A SIGKILL of the parent
    runs none of its clean-up, and its workers would stay alive for good."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _start_worker(level: int, parent: int) -> None:
    exit_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the build, which stops us
    _vocabulary.__enter__()  # the worker lives for one build: its texts share one vocabulary
    logger = logging.getLogger(_LOGGER)
    logger.setLevel(level)
    logger.addHandler(_Keep())
    logger.propagate = False  # the build's process logs them, not this one


def _make_in_worker(engine: str, drafts: list[Draft]) -> tuple:
    try:
        return (*make_batch(engine, drafts), list(_records))
    finally:
        _records.clear()
