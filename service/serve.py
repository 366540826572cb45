"""``search-serve``: the Flask app under waitress, a production WSGI server.

Waitress is pure Python and serves with a pool of threads in one process, without
fork(): it installs from PyPI like any package and behaves the same on Linux, macOS and
Windows. The index handle and Whoosh searchers are per process, so threads share them.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import click
import waitress
from flask import Flask

from indexer.store import IndexHandle

from . import cli_french
from .app import create_app
from .bootstrap import open_or_build
from .cli import config_option, reports_errors
from .cli_french import integer_range
from .config import load_config
from .errors import SearchError
from .lexicon import warm_up

log = logging.getLogger(__name__)


@click.command("search-serve", cls=cli_french.Command)
@click.option(
    "--host", metavar="ADRESSE", default=None, help="Adresse d'écoute (défaut : service.host)."
)
@click.option(
    "--port",
    type=integer_range(0, 65535),
    default=None,
    help="Port d'écoute (défaut : service.port ; 0 : un port libre).",
)
@config_option
@reports_errors
def serve_cmd(host: str | None, port: int | None, config_path: Path | None) -> None:
    """Lancer le service : page de recherche et API JSON (ex. : search-serve --port 8000)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("waitress").setLevel(logging.WARNING)  # we print the address ourselves
    config = load_config(config_path)
    open_or_build(config, announce=lambda message: click.echo(message, err=True))
    server = make_server(
        create_app(config),
        host or config.host,
        config.port if port is None else port,
        config.threads,
    )
    warm_up(IndexHandle(config.index_path))
    click.echo(f"Service prêt : {address_of(server)}  (Ctrl+C pour arrêter)")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("Service arrêté.")
    finally:
        server.close()


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
