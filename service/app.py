"""The Flask app: configuration, the index handle, the blueprints and the error handlers.

    create_app(config=None) -> Flask
        /api/search, /api/documents/<id>, /healthz, /openapi.json   service.api (JSON)
        /api/suggest, /api/documents/<id>/similar                   service.discovery (JSON)
        POST /api/documents, PUT+DELETE /api/documents/<id>         service.writes (token)
        /, /documents/<id>                                          service.pages (HTML)

Errors have one rendering per audience, as in Datasette: ``{"error": {"code", "message"}}``
on the JSON paths, ``error.html`` elsewhere. Every response carries the security headers.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestURITooLarge

from indexer.engines import IndexCorrupt
from indexer.store import BuildLocked, IndexHandle

from .answers import AnswerCache
from .bootstrap import Service, open_or_build
from .config import Config, load_config
from .errors import SearchError

log = logging.getLogger(__name__)

JSON_PATHS = ("/healthz", "/openapi.json")

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

HTTP_MESSAGES = {
    404: ("not_found", "rien à l'adresse « {path} » : vérifiez le lien (l'API : /openapi.json)"),
    405: ("method_not_allowed", "méthode {method} non permise sur « {path} » : utilisez {allowed}"),
    413: ("too_large", "requête trop volumineuse : 2 Mo au plus pour le corps de la requête"),
    414: ("too_large", "adresse trop longue : 16 Ko au plus pour les paramètres"),
}


def create_app(config: Config | None = None) -> Flask:
    """The service's Flask app over the configured index (built first if missing)."""
    config = config or load_config()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES  # werkzeug answers 413 past it
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the contract's key order
    answers = AnswerCache(config.answer_cache_mb * 1024 * 1024)
    app.extensions["search"] = Service(config, _open_index(config), config.core_settings(), answers)

    from . import api, discovery, pages, writes  # the blueprints import ``service()`` from here

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


def service() -> Service:
    """The running app's configuration, index handle and core settings."""
    return current_app.extensions["search"]


def _open_index(config: Config) -> IndexHandle:
    """Open (or first build) the index; a failure is logged and answered 503 per request."""
    try:
        return open_or_build(config)
    except (SearchError, BuildLocked, IndexCorrupt, OSError) as e:
        log.warning("index not available at start-up: %s", e)
        return IndexHandle(config.index_path)


def is_json_path() -> bool:
    """Whether the current request expects JSON errors (the API, health, OpenAPI)."""
    return request.path.startswith("/api/") or request.path in JSON_PATHS


def error_response(code: str, message: str, status: int):
    """The one error rendering: JSON on the JSON paths, error.html elsewhere."""
    if is_json_path():
        return {"error": {"code": code, "message": message}}, status
    return render_template("error.html", status=status, message=message), status


def on_search_error(e: SearchError):
    return error_response(e.code, str(e), e.status)


def on_http_error(e: HTTPException):
    status = e.code or 500
    code, template = HTTP_MESSAGES.get(status, ("http_error", "requête refusée (HTTP {status})"))
    methods = (e.valid_methods or ()) if isinstance(e, MethodNotAllowed) else ()
    allowed = ", ".join(sorted(m for m in methods if m not in ("HEAD", "OPTIONS")))
    message = template.format(
        path=request.path, method=request.method, allowed=allowed, status=status
    )
    body, status = error_response(code, message, status)
    headers = [(k, v) for k, v in e.get_headers() if k.lower() != "content-type"]
    return body, status, headers


def on_unexpected_error(e: Exception):
    if isinstance(e, HTTPException):  # pragma: no cover - Flask routes these to on_http_error
        return on_http_error(e)
    log.exception("unexpected error on %s %s", request.method, request.full_path)
    message = "erreur interne du service : réessayez, ou signalez-la si elle persiste"
    return error_response("internal", message, 500)


def limit_query_string() -> None:
    """Refuse an oversized query string before any parameter is parsed (414)."""
    if len(request.query_string) > MAX_QUERY_STRING:
        raise RequestURITooLarge()


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
