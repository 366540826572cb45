"""The builds that the write API asks for, run in a process of their own.

A build is CPU-bound Python. In a server thread it competes with every search for the
interpreter lock: under 32 clients, an incremental build of 0.7 s took 5 to 10 s. One
worker process, started on the first write and kept, runs the builds one after another,
on another core; writes that wait together are published by its next build.

The worker is spawned, not forked (the server has threads), and ends with the server,
however that ends (a SIGTERM or SIGKILL runs no clean-up: the worker watches its parent).
If it dies (killed, out of memory), the write that saw it fails with 503 and the next one
starts a new worker.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from indexer.build import BuildReport
from indexer.pipeline import exit_with

from ..config import Config
from ..errors import BuildFailed
from .indexing import update_index

log = logging.getLogger(__name__)

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def update_in_worker(config: Config, wait: float) -> BuildReport:
    """``update_index(config)`` in the worker process; its exceptions are raised here."""
    pool = _worker()
    try:
        # One core for the build, the others for searches: no analysis workers of its own.
        return pool.submit(update_index, config, False, None, wait, 0).result()
    except BrokenProcessPool:
        _forget(pool)
        log.error("the build worker died; the next write starts another")
        raise BuildFailed(
            "le processus de construction de l'index s'est arrêté : rien n'a changé, "
            "réessayez ; si cela se répète, lancez « search-index »"
        ) from None


def _worker() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=exit_with,
                initargs=(os.getpid(),),
            )
        return _pool


def _forget(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False)


def shutdown() -> None:
    """Stop the worker (tests; the server's exit does it too)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)
