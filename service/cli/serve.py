"""``search-serve``: the web service (page and API) under waitress (``web.server``)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ..config import load_config
from ..corpus.commits import warm_up_writes
from ..corpus.indexing import open_or_build
from ..search.snapshot import warm_up
from ..web.app import create_app, current_snapshots
from ..web.server import address_of, make_server
from . import french
from .french import integer_range
from .options import config_option, reports_errors

log = logging.getLogger(__name__)


@click.command("search-serve", cls=french.Command)
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
    # Built if missing; else brought up to the corpus: what changed while the service was
    # down, and any write a crash left undone.
    open_or_build(config, announce=lambda message: click.echo(message, err=True), reconcile=True)
    app = create_app(config)
    server = make_server(
        app,
        host or config.host,
        config.port if port is None else port,
        config.threads,
        config.write_threads,
    )
    warm_up(current_snapshots(app))
    if config.write_token:
        warm_up_writes(config)
    click.echo(f"Service prêt : {address_of(server)}  (Ctrl+C pour arrêter)")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("Service arrêté.")
    finally:
        server.close()
