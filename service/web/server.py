"""The WSGI server of ``search-serve``: waitress, serving the Flask app with threads.

Waitress is pure Python and serves with a pool of threads in one process, without
fork(): it installs from PyPI like any package and behaves the same on Linux, macOS and
Windows. The index's snapshots and Whoosh searchers are per process, so threads share them.

Writes have threads of their own (``Lanes``), as Elasticsearch has a write thread pool
beside its search pool: with one pool, eight clients searching without pause held all
eight threads, and each write first waited for a search to end (190 ms of a Whoosh
write's 290 ms median at 34,160 articles). A write's thread mostly waits for the write
worker (``corpus.commits``), so it costs the searches little.
"""

from __future__ import annotations

import socket

import waitress
from flask import Flask
from waitress.task import ThreadedTaskDispatcher

from ..errors import SearchError

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})
WRITE_PATH = "/api/documents"


def make_server(app: Flask, host: str, port: int, threads: int, write_threads: int = 8):
    """A waitress server listening on host:port, ``threads`` for reading and
    ``write_threads`` for the write API; SearchError when it cannot be had."""
    return waitress.create_server(
        app,
        sockets=[bind_socket(host, port)],
        threads=threads,
        _dispatcher=Lanes(threads, write_threads),
    )


def is_write(method: str, path: str) -> bool:
    """Whether a request goes to the write lane: a change through the write API."""
    return method in WRITE_METHODS and (path == WRITE_PATH or path.startswith(WRITE_PATH + "/"))


class Lanes:
    """Waitress's task dispatcher, in two pools: one for the write API, one for the
    rest. Waitress hands it a channel whose first request is the one to serve (a
    request it could not parse goes to the reading pool, which answers its error)."""

    def __init__(self, threads: int, write_threads: int):
        self.reads = ThreadedTaskDispatcher()
        self.writes = ThreadedTaskDispatcher()
        self.reads.set_thread_count(threads)
        self.writes.set_thread_count(write_threads)

    def add_task(self, channel) -> None:
        requests = getattr(channel, "requests", None)
        request = requests[0] if requests else None
        method, path = getattr(request, "command", ""), getattr(request, "path", "")
        lane = self.writes if is_write(method or "", path or "") else self.reads
        lane.add_task(channel)

    def set_thread_count(self, count: int) -> None:
        self.reads.set_thread_count(count)

    def shutdown(self, cancel_pending: bool = True, timeout: float = 5) -> bool:
        writes = self.writes.shutdown(cancel_pending, timeout)
        return self.reads.shutdown(cancel_pending, timeout) and writes


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port (bound here so that a failure leaks nothing)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as e:
        raise SearchError(f"adresse d'écoute invalide « {host} » ({e.strerror or e})") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as e:
        sock.close()
        raise SearchError(
            f"impossible d'écouter sur {host}:{port} ({e.strerror or e}) : "
            "choisissez un autre port avec --port"
        ) from None
    return sock


def address_of(server) -> str:
    """The URL to open in a browser (a wildcard address is shown as loopback)."""
    host = str(server.effective_host)
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "[::1]"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{server.effective_port}/"
