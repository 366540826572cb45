"""The writes that the API asks for, run in a process of their own.

A write is CPU-bound Python (its article's analysis, the engine's segment). In a server
thread it competes with every search for the interpreter lock, and waits behind them;
in one worker process, started with the service when writes are enabled (or at the
first write) and kept, writes run one after another on another core.

The worker is spawned, not forked (the server has threads), and ends with the server,
however that ends (a SIGTERM or SIGKILL runs no clean-up: the worker watches its parent).
If it dies (killed, out of memory) during a write, that write answers 503 without
claiming that nothing changed (the file may be written, the next writer reconciles the
index with it), and the next write starts a new worker.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from indexer.pipeline import exit_with

from ..errors import BuildFailed

T = TypeVar("T")

log = logging.getLogger(__name__)

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def in_worker(function: Callable[..., T], *args) -> T:
    """``function(*args)`` in the worker process; its exceptions are raised here."""
    pool = _worker()
    try:
        return pool.submit(function, *args).result()
    except BrokenProcessPool:
        _forget(pool)
        log.error("the write worker died; the next write starts another")
        raise BuildFailed(
            "le processus d'écriture s'est arrêté pendant l'écriture : elle a pu aboutir "
            "ou non ; relisez l'article, ou rejouez l'écriture (PUT et DELETE se rejouent "
            "sans risque)"
        ) from None


def submit_to_worker(function: Callable[..., object], *args) -> None:
    """``function(*args)`` in the worker, in the background: its failure is only logged."""

    def done(future) -> None:
        if future.exception() is not None:
            log.warning("background work in the write worker failed: %s", future.exception())

    _worker().submit(function, *args).add_done_callback(done)


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
