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

from indexer.articles import Article
from indexer.countries import country_label

from . import core
from .app import service
from .models import SearchRequest
from .openapi import openapi_document

bp = Blueprint("api", __name__)


TOOK = b'"took_ms":'  # where a kept answer gets the time of the request that reads it again


@bp.get("/api/search")
def search_json():
    """Search the index: the same result as ``search --json``.

    An answer already given on the live generation is sent again from the answer cache
    (``X-Cache: hit``), with its ``took_ms`` the time this request took.
    """
    started = time.perf_counter()
    svc = service()
    req = SearchRequest.from_params(request.args, svc.config.per_page, svc.config.max_per_page)
    generation, key = core.live_generation(svc.index), ("api", req)
    kept = svc.answers.get(generation, key)
    if kept is None:
        response = current_app.json.response(core.search(svc.index, req, svc.settings).to_dict())
        svc.answers.put(generation, key, around_took(response.get_data()))
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
    return document_dict(core.get_document(service().index, doc_id))


@bp.get("/healthz")
def healthz():
    """The live index: engine, article count and build time; 503 when there is none."""
    index = service().index
    core.engine_of(index)  # IndexUnavailable (503) with how to rebuild
    manifest = index.manifest()
    return {
        "status": "ok",
        "engine": manifest.engine,
        "doc_count": manifest.doc_count,
        "built_at": manifest.built_at,
    }


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 description of this service."""
    return openapi_document()


def document_dict(article: Article) -> dict:
    """An article as /api/documents returns it."""
    date = article.date
    return {
        "id": article.id,
        "title": article.title,
        "date": (
            {"value": date.value, "precision": date.precision, "source": date.source}
            if date
            else None
        ),
        "countries": [{"code": c, "name": country_label(c)} for c in article.countries],
        "url": article.url,
        "text": article.text,
    }
