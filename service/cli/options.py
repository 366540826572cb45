"""What every command shares: ``--config``, and the one place errors become messages.

As in httpie and sqlite-utils, one decorator turns the errors a user can be shown into a
French sentence on stderr and the error's exit code (``SearchError.exit_code``: 2 for a
usage, query or configuration error, 1 otherwise), never a traceback.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import click

from indexer.store import BuildLocked

from ..config import Config, load_config
from ..errors import SearchError


class CliError(click.ClickException):
    """A SearchError as click shows it: 'Erreur : message', with the error's exit code."""

    def __init__(self, error: SearchError):
        super().__init__(str(error))
        self.exit_code = error.exit_code

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True)


def reports_errors(func):
    """The one try/except of the commands: SearchError -> a message and its exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SearchError as e:
            raise CliError(e) from None
        except BuildLocked as e:
            message = f"une construction de l'index est déjà en cours ({e})"
            raise CliError(SearchError(message)) from None

    return wrapper


def config_option(func):
    """--config PATH, shared by every command."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Fichier de configuration (défaut : $SEARCH_CONFIG, sinon config.toml).",
    )(func)


def load(config_path: Path | None) -> Config:
    """The configuration a command runs with, warnings logged to stderr."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return load_config(config_path)
