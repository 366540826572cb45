"""The WSGI server of ``search-serve``: waitress, serving the Flask app with threads.

Waitress is pure Python and serves with a pool of threads in one process, without
fork(): it installs from PyPI like any package and behaves the same on Linux, macOS and
Windows. The index's snapshots and Whoosh searchers are per process, so threads share them.
"""

from __future__ import annotations

import socket

import waitress
from flask import Flask

from ..errors import SearchError


def make_server(app: Flask, host: str, port: int, threads: int):
    """A waitress server listening on host:port; SearchError when it cannot be had."""
    return waitress.create_server(app, sockets=[bind_socket(host, port)], threads=threads)


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
