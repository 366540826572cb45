"""Blueprint "api": the JSON door. Its bodies are the contract that ``search --json`` prints.

    GET /api/search?q=&country=&from=&to=&sort=&page=&per_page=   SearchResult.to_dict()
    GET /api/documents/<id>                                       the whole article
    GET /healthz                                                  index status, 503 if none
    GET /openapi.json                                             OpenAPI 3.1 description

Errors go through the app's one handler: ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import json
import time

from flask import Blueprint, current_app, request

from indexer.engines import IndexCorrupt
from indexer.engines import querytree as qt

from ..search.core import document, search
from ..search.models import Document, SearchRequest
from ..search.snapshot import Snapshot, reads_index
from .openapi import openapi_document
from .state import current_service

bp = Blueprint("api", __name__)


TOOK = b'"took_ms":'  # where a kept answer gets the time of the request that reads it again


@bp.get("/api/search")
def search_json():
    """Search the index: the same result as ``search --json``.

    An answer already given on the live generation is sent again from the answer cache
    (``X-Cache: hit``), with its ``took_ms`` the time this request took.
    """
    started = time.perf_counter()
    svc = current_service()
    settings = svc.settings
    req = SearchRequest.from_params(request.args, settings)
    snapshot, key = svc.snapshots.current(), ("api", req)
    kept = svc.answers.get(snapshot.generation, key)
    if kept is None:
        response = current_app.json.response(search(snapshot, req, settings).to_dict())
        svc.answers.put(snapshot.generation, key, around_took(response.get_data()))
        response.headers["X-Cache"] = "miss"
        return response
    head, tail = kept
    took = json.dumps(round((time.perf_counter() - started) * 1000, 2)).encode()
    response = current_app.response_class(head + took + tail, mimetype="application/json")
    response.headers["X-Cache"] = "hit"
    return response


def around_took(body: bytes) -> tuple[bytes, bytes]:
    """A /api/search body cut around its ``took_ms`` value: (up to the key, from the comma).

    The key comes before the hits, after the query echo; a string cannot hold it as
    written here, since JSON escapes a quote inside a string as a backslash and a quote.
    """
    start = body.index(TOOK) + len(TOOK)
    return body[:start], body[body.index(b",", start) :]


@bp.get("/api/documents/<path:doc_id>")
def document_json(doc_id: str):
    """One whole article with its facets; 404 when the id is unknown."""
    return Document(document(current_service().snapshots.current(), doc_id)).to_dict()


@bp.get("/healthz")
def healthz():
    """The live index, checked by a real search on its snapshot: engine, article count,
    build time and the state of its article vectors; 503 when it cannot answer.
    "degraded" (still 200): the article vectors are unreadable, search goes on by words
    and the next ``search-index`` (or write) recomputes them."""
    snapshot = current_service().snapshots.current()  # IndexUnavailable (503) if none
    manifest = snapshot.manifest
    doc_count, vectors = probe(snapshot), snapshot.vectors_state
    return {
        "status": "degraded" if vectors == "damaged" else "ok",
        "engine": manifest.engine,
        "doc_count": doc_count,
        "built_at": manifest.built_at,
        "generation": snapshot.generation,
        "vectors": vectors,
    }


@reads_index
def probe(snapshot: Snapshot) -> int:
    """A real search on the snapshot: every article counted, the newest fetched, and the
    lexicon loaded; a damaged index fails here (503), not in the next user's search."""
    found = snapshot.engine.search(qt.EngineQuery(qt.MatchAll(), sort="date", limit=1))
    if found.hits and snapshot.engine.fetch([found.hits[0][0]])[0] is None:
        raise IndexCorrupt(f"{snapshot.generation}: article {found.hits[0][0]} unreadable")
    snapshot.lexicon  # noqa: B018 (loaded once per generation; a damaged one fails)
    return found.total


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 description of this service."""
    return openapi_document()
