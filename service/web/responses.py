"""The one rendering of errors, as in Datasette: JSON for programs, a page for people.

``{"error": {"code", "message"}}`` on the JSON paths (``/api/``, ``/healthz``,
``/openapi.json``), ``error.html`` elsewhere, with the status of the error: a
``SearchError`` keeps its code and status, werkzeug's HTTP errors (404, 405, 413, 414)
get a French message, and anything else is a bug of ours: a 500 whose message gives the
incident number logged with the traceback.
"""

from __future__ import annotations

import logging
import uuid

from flask import render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..errors import SearchError, TooLong

log = logging.getLogger(__name__)

JSON_PATHS = ("/healthz", "/openapi.json")

HTTP_MESSAGES = {
    404: ("not_found", "rien à l'adresse « {path} » : vérifiez le lien (l'API : /openapi.json)"),
    405: ("method_not_allowed", "méthode {method} non permise sur « {path} » : utilisez {allowed}"),
    413: ("too_large", "requête trop volumineuse : 2 Mo au plus pour le corps de la requête"),
    414: ("too_large", "adresse trop longue : 16 Ko au plus pour les paramètres"),
}


def is_json_path() -> bool:
    """Whether the current request expects JSON errors (the API, health, OpenAPI)."""
    return request.path.startswith("/api/") or request.path in JSON_PATHS


def error_response(code: str, message: str, status: int):
    """The one error rendering: JSON on the JSON paths, error.html elsewhere."""
    if is_json_path():
        return {"error": {"code": code, "message": message}}, status
    return render_template("error.html", status=status, message=message), status


def on_search_error(e: SearchError):
    body, status = error_response(e.code, str(e), e.status)
    # A search past its time budget: try again in a moment (the server is busy).
    return body, status, ({"Retry-After": "1"} if isinstance(e, TooLong) else {})


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
    # A bug of ours: logged with its traceback under an id that the answer gives, so a
    # report can be matched to the log line. Never "rebuild the index": it would not help.
    incident = uuid.uuid4().hex[:12]
    log.exception("bug %s on %s %s", incident, request.method, request.path)
    message = (
        f"erreur interne du service (incident {incident}) : réessayez, "
        "ou signalez-la avec ce numéro si elle persiste"
    )
    return error_response("internal", message, 500)
