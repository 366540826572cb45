"""The Flask app: the service's state, the blueprints and the error handlers.

    create_app(config=None) -> Flask
        /api/search, /api/documents/<id>, /healthz, /openapi.json   web.api (JSON)
        /api/suggest, /api/documents/<id>/similar                   web.discovery (JSON)
        POST /api/documents, PUT+DELETE /api/documents/<id>         web.writes (token)
        /, /documents/<id>                                          web.pages (HTML)

Errors have one rendering per audience, as in Datasette (``responses``):
``{"error": {"code", "message"}}`` on the JSON paths, ``error.html`` elsewhere. Every
response carries the security headers.
"""

from __future__ import annotations

import logging

from flask import Flask, request
from werkzeug.exceptions import HTTPException, RequestURITooLarge

from indexer.engines import IndexCorrupt
from indexer.live import IndexHandle
from indexer.store import BuildLocked

from ..config import Config, load_config
from ..corpus.indexing import archive, open_or_build
from ..errors import SearchError
from ..search.settings import Settings
from ..search.snapshot import Snapshots
from . import api, discovery, pages, writes
from .answers import AnswerCache
from .responses import on_http_error, on_search_error, on_unexpected_error
from .state import EXTENSION, Service

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    # No inline script or style anywhere: templates use classes and static files only.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

MAX_BODY_BYTES = 2 * 1024 * 1024  # a request body (an article to write): 2 MB
# A query string: room for a 1,000-character q of 3-byte characters, percent-encoded.
MAX_QUERY_STRING = 16 * 1024


def create_app(config: Config | None = None) -> Flask:
    """The service's Flask app over the configured index (built first if missing)."""
    config = config or load_config()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES  # werkzeug answers 413 past it
    # Werkzeug answers "/api//search" with a redirect whose Location it builds from the
    # request's Host header: a client could make the service point elsewhere. No such
    # redirect: a doubled slash is a 404 like any unknown address.
    app.url_map.merge_slashes = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the contract's key order
    answers = AnswerCache(config.answer_cache_mb * 1024 * 1024)
    snapshots = Snapshots(_open_index(config))
    app.extensions[EXTENSION] = Service(config, snapshots, Settings.from_config(config), answers)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(discovery.bp)
    app.register_blueprint(writes.bp)  # POST, PUT, DELETE /api/documents, for a token
    app.register_error_handler(SearchError, on_search_error)
    app.register_error_handler(HTTPException, on_http_error)
    app.register_error_handler(Exception, on_unexpected_error)
    app.before_request(limit_query_string)
    app.after_request(add_security_headers)
    return app


def current_snapshots(app: Flask) -> Snapshots:
    """The snapshots of an app's index (``search-serve`` warms up their lexicon)."""
    return app.extensions[EXTENSION].snapshots


def _open_index(config: Config):
    """Open (or first build) the index; a failure is logged and answered 503 per request."""
    try:
        return open_or_build(config)
    except (SearchError, BuildLocked, IndexCorrupt, OSError) as e:
        log.warning("index not available at start-up: %s", e)
        if config.engine == "postgres":
            from indexer.database import DatabaseHandle

            return DatabaseHandle(archive(config))
        return IndexHandle(config.index_path)


def limit_query_string() -> None:
    """Refuse an oversized query string before any parameter is parsed (414)."""
    if len(request.query_string) > MAX_QUERY_STRING:
        raise RequestURITooLarge()


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
