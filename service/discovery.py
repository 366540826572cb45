"""Blueprint "discovery": what helps a reader find the next query or the next article.

    GET /api/suggest?q=&limit=                 {"q", "suggestions": [...], "titles": [...]}:
                                               the last word of q completed from the index's
                                               vocabulary, and the titles that start it
    GET /api/documents/<id>/similar?limit=     {"id", "hits": [...]}: "more like this"

Both are JSON paths, so errors take the app's one shape, ``{"error": {"code", "message"}}``.
An id may hold ``/``: the similar rule has a static suffix, so Werkzeug prefers it to
``/api/documents/<path:doc_id>`` for any path that ends in ``/similar``, in whatever order
the blueprints are registered (an article whose own id ends in ``/similar`` cannot be
fetched through the API; ids end in ``.txt`` or ``.jsonl#ID``, so none does).
"""

from __future__ import annotations

from flask import Blueprint, request

from . import core
from .app import service
from .errors import QueryError
from .models import SearchResult

bp = Blueprint("discovery", __name__)

MAX_PREFIX = 100  # characters of q that /api/suggest accepts: a query being typed
SIMILAR_LIMIT = (5, 20)  # default and largest number of similar articles


@bp.get("/api/suggest")
def suggest():
    """Completions of the word being typed, most frequent first."""
    q = _required_text("q", MAX_PREFIX)
    limit = _limit(*core.SUGGEST_LIMIT)
    index = service().index
    core.engine_of(index)  # IndexUnavailable (503) rather than a 500 without an index
    return core.completions(index, q, limit).to_dict()


@bp.get("/api/documents/<path:doc_id>/similar")
def similar(doc_id: str):
    """Articles like this one; 404 when the id is unknown."""
    svc = service()
    limit = _limit(*SIMILAR_LIMIT)
    return similar_body(doc_id, core.similar(svc.index, doc_id, limit, svc.settings))


def similar_body(doc_id: str, result: SearchResult) -> dict:
    """The JSON body of /api/documents/<id>/similar (``search --similar`` prints the same)."""
    return {"id": doc_id, "hits": [hit.to_dict() for hit in result.hits]}


def _required_text(name: str, longest: int) -> str:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise QueryError(f"paramètre « {name} » donné {len(values)} fois : une seule valeur")
    if not values or not values[0]:
        raise QueryError(f"paramètre « {name} » manquant : le début d'un mot, comme « bak »")
    if len(values[0]) > longest:
        raise QueryError(
            f"paramètre « {name} » trop long ({len(values[0])} caractères) : {longest} au plus"
        )
    return values[0]


def _limit(default: int, highest: int) -> int:
    values = request.args.getlist("limit")
    if len(values) > 1:
        raise QueryError(f"paramètre « limit » donné {len(values)} fois : une seule valeur")
    if not values or values[0] == "":
        return default
    try:
        number = int(values[0])
    except ValueError:
        raise QueryError(
            f"paramètre « limit » invalide « {values[0]} » : attendu un entier"
        ) from None
    if not 1 <= number <= highest:
        raise QueryError(f"paramètre « limit » hors limites ({number}) : entre 1 et {highest}")
    return number
