"""The real server for tests: ``search-serve --port 0`` in a subprocess, on loopback.

A subprocess rather than a thread: the server must not share the test's process state
(Hypothesis reseeds the global ``random`` for every example, and Whoosh names its
segments with it), and a subprocess is what runs in production.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.soak import stop_server

READY = re.compile(r"Service prêt : (http://\S+?)/?\s")
SERVE = Path(sys.executable).with_name("search-serve")


@contextmanager
def live_server(config: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start search-serve over ``config`` on a free port; yield its base URL, then stop it."""
    with live_process(config, env) as (url, _):
        yield url


@contextmanager
def live_process(
    config: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``live_server``, with the process too (to check it lives, or to kill it)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SEARCH_")}
    process = subprocess.Popen(
        [str(SERVE), "--config", str(config), "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**environ, **(env or {})},
    )
    try:
        yield _wait_ready(process), process
    finally:
        if process.poll() is None:
            stop_server(process)  # closes its output too
        else:
            process.stdout.close()


def _wait_ready(process: subprocess.Popen) -> str:
    """The URL the server prints once it listens (it may build the index first)."""
    for line in process.stdout:
        match = READY.search(line + "\n")
        if match:
            return match.group(1)
    raise RuntimeError(f"search-serve exited ({process.wait()}) before it was ready")
