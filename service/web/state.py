"""The running service, as every request sees it: ``current_service()``.

Like flaskr's ``get_db()``, blueprints reach the service's state through a function of
the current app, never by importing the app factory: the configuration, the snapshots of
the index (one per request: ``current_service().snapshots.current()``), the core's
settings, and the answers already given on the live generation.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..config import Config
from ..search.settings import Settings
from ..search.snapshot import Snapshots
from .answers import AnswerCache

EXTENSION = "search"  # the key of the service in ``app.extensions``


@dataclass(frozen=True)
class Service:
    """What every request needs: the configuration, the index's snapshots, the core
    settings, and the answers already given on the live generation."""

    config: Config
    snapshots: Snapshots
    settings: Settings
    answers: AnswerCache


def current_service() -> Service:
    """The service of the app handling the current request."""
    return current_app.extensions[EXTENSION]
