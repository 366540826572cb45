"""Blueprint "writes": add, replace and delete articles over HTTP, for a bearer token.

    POST   /api/documents        {"text", "date"?, "id"?}  201 + Location: the stored article
    PUT    /api/documents/<id>   {"text", "date"?}         201 created, 200 replaced
    DELETE /api/documents/<id>                             204; 404 when unknown

Every write needs ``Authorization: Bearer <service.write_token>``: none is 401 (with
``WWW-Authenticate: Bearer``), a wrong one 403, and an empty ``write_token`` disables
writes (403 that says how to enable them). Tokens are compared in constant time and never
logged. Reading stays open. ``service.corpus`` does the work: the answer comes once the
index has committed the change, and its body is the article read back from that commit
(by the write worker, which holds the commit's reader), so the article is searchable
when the client reads it.
"""

from __future__ import annotations

import hmac
from urllib.parse import quote

from flask import Blueprint, request

from ..corpus.articles import article_file
from ..corpus.commits import delete_article, put_article
from ..corpus.ids import check_id, new_id
from ..errors import Conflict, DocumentNotFound, Forbidden, InvalidDocument, Unauthorized
from ..search.core import document
from ..search.models import Document
from .responses import error_response
from .state import current_service

bp = Blueprint("writes", __name__)

REALM = 'Bearer realm="recherche-fr"'
ENABLE_HINT = (
    "l'écriture est désactivée : définissez service.write_token dans config.toml "
    "(ou la variable SEARCH_SERVICE__WRITE_TOKEN) puis redémarrez le service"
)


@bp.before_request
def require_token() -> None:
    """Refuse a write without the configured bearer token (401), or with another (403)."""
    check_token(current_service().config.write_token, request.headers.get("Authorization"))


def check_token(expected: str, authorization: str | None) -> None:
    """Unauthorized without a bearer token, Forbidden when writes are off or it differs."""
    if not expected.strip():
        raise Forbidden(ENABLE_HINT)
    scheme, _, presented = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise Unauthorized(
            "jeton manquant : envoyez l'en-tête « Authorization: Bearer <jeton> » "
            "(le jeton de service.write_token)"
        )
    if not hmac.compare_digest(_raw(presented.strip()), expected.strip().encode("utf-8")):
        raise Forbidden("jeton refusé : ce n'est pas celui de service.write_token")


def _raw(header_value: str) -> bytes:
    """The bytes the client sent (WSGI decodes headers as Latin-1), for a constant-time compare."""
    try:
        return header_value.encode("latin-1")
    except UnicodeEncodeError:
        return header_value.encode("utf-8", "surrogatepass")


@bp.errorhandler(Unauthorized)
def on_unauthorized(e: Unauthorized):
    body, status = error_response(e.code, str(e), e.status)
    return body, status, {"WWW-Authenticate": REALM}


@bp.post("/api/documents")
def create_document():
    """Add an article; its id is the body's ``id``, else a new ``api/<hex>.txt``."""
    body = json_body(("text", "date", "id"))
    doc_id = check_id(body["id"]) if body.get("id") is not None else new_id()
    return _write(doc_id, body, create_only=True)


@bp.put("/api/documents/<path:doc_id>")
def put_document(doc_id: str):
    """Create (201) or replace (200) the article with this id."""
    body = json_body(("text", "date"))
    return _write(check_id(doc_id), body, create_only=False)


@bp.delete("/api/documents/<path:doc_id>")
def delete_document(doc_id: str):
    """Remove an article (204); 404 when the corpus has no such file."""
    delete_article(current_service().config, check_id(doc_id))
    return "", 204


def json_body(fields: tuple[str, ...]) -> dict:
    """The request's JSON object with only these fields; InvalidDocument otherwise."""
    try:
        body = request.get_json(force=True, silent=True)  # a body over the limit is still 413
    except RecursionError:  # [[[[…]]]] nested thousands deep: json gives up, not silently
        raise InvalidDocument("corps JSON trop imbriqué : un objet avec text, date, id") from None
    if not isinstance(body, dict):
        raise InvalidDocument(f"corps JSON attendu : un objet avec {', '.join(fields)}")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        names = ", ".join(f"« {name[:40]} »" for name in unknown[:5])
        raise InvalidDocument(f"champ inconnu {names} : attendu {', '.join(fields)}")
    return body


def _write(doc_id: str, body: dict, create_only: bool):
    svc = current_service()
    content = article_file(doc_id, body.get("text"), body.get("date"))
    published = put_article(svc.config, doc_id, content, create_only)
    article = published.article or _read_back(doc_id)
    status = 201 if published.created else 200
    location = {"Location": f"/api/documents/{quote(doc_id, safe='/')}"}
    return Document(article).to_dict(), status, location if published.created else {}


def _read_back(doc_id: str):
    """The article from the live snapshot, when the worker did not send it back (a write
    that built the first index, a read back that failed): searchable from then on."""
    try:
        return document(current_service().snapshots.current(), doc_id)
    except DocumentNotFound:  # a DELETE of the same id came between
        raise Conflict(f"l'article « {doc_id} » a été supprimé entre-temps") from None
