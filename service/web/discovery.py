"""Blueprint "discovery": what helps a reader find the next query or the next article.

    GET /api/suggest?q=&limit=                 {"q", "suggestions": [...], "titles": [...]}:
                                               the last word of q completed from the index's
                                               vocabulary, and the titles that start it
    GET /api/documents/<id>/similar?limit=     {"id", "hits": [...]}: "more like this"

Both are JSON paths, so errors take the app's one shape, ``{"error": {"code", "message"}}``.
Their parameters are read by the core's requests (``CompletionRequest``,
``SimilarRequest``), as ``search --complete`` and ``search --similar`` read theirs.
An id may hold ``/``: the similar rule has a static suffix, so Werkzeug prefers it to
``/api/documents/<path:doc_id>`` for any path that ends in ``/similar``, in whatever order
the blueprints are registered (an article whose own id ends in ``/similar`` cannot be
fetched through the API; ids end in ``.txt`` or ``.jsonl#ID``, so none does).
"""

from __future__ import annotations

from flask import Blueprint, request

from ..search.completion import completions
from ..search.models import CompletionRequest, SimilarRequest
from ..search.similar import similar as similar_articles
from .state import current_service

bp = Blueprint("discovery", __name__)


@bp.get("/api/suggest")
def suggest():
    """Completions of the word being typed, most frequent first, and titles."""
    svc = current_service()
    req = CompletionRequest.from_params(request.args)
    return completions(svc.snapshots.current(), req, svc.settings).to_dict()


@bp.get("/api/documents/<path:doc_id>/similar")
def similar(doc_id: str):
    """Articles like this one; 404 when the id is unknown."""
    svc = current_service()
    req = SimilarRequest.from_params(doc_id, request.args)
    return similar_articles(svc.snapshots.current(), req, svc.settings).to_dict()
