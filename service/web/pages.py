"""Blueprint "pages": the search page and the article view, rendered from the core's results.

    GET /                   search.html: the same SearchRequest and SearchResult as the API,
                            each hit with a closed « Pourquoi ? » (the core's explain)
    GET /documents/<id>     document.html: the whole article, the query's words marked,
                            and « Articles proches » (``search.similar``)

A QueryError is shown beside the search box with status 400; any other SearchError goes
to the app's handler (error.html). Passages are the only HTML the templates trust: they
come escaped from ``Passage.to_html``; everything else is autoescaped.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlencode

from flask import Blueprint, current_app, render_template, request, url_for

from indexer.articles import Article
from indexer.countries import country_label

from ..errors import QueryError
from ..search import core
from ..search.models import PARAMS, SearchRequest, SearchResult, SimilarRequest
from ..search.settings import Settings
from ..search.similar import similar
from ..search.snapshot import Snapshot
from .pageview import (
    PageState,
    chips,
    country_links,
    french_date,
    month_links,
    neighbour_pages,
    or_query,
    page_links,
    year_links,
)
from .state import current_service
from .timeline import timeline

bp = Blueprint("pages", __name__)

SIMILAR_SHOWN = 5
DATE_PARAMS = ("from", "to")  # « Articles proches » under an article

PARAGRAPH_BREAK = re.compile(r"\s*\n\s*")
DATE_SOURCES = {
    "header": "date de l'en-tête",
    "text": "date lue dans le texte",
    "metadata": "date fournie avec l'article",
}


@bp.app_template_filter("french_date")
def french_date_filter(value: str | None) -> str:
    return french_date(value)


@bp.app_template_filter("sentence")
def sentence(message: str) -> str:
    """An error message as a sentence: 'date invalide' -> 'Date invalide.'."""
    message = message.strip()
    if not message:
        return message
    end = "" if message[-1] in ".!?…" else "."
    return message[0].upper() + message[1:] + end


@bp.app_template_test("web_url")
def is_web_url(value: str | None) -> bool:
    """Only http(s) links from the corpus are shown: never ``javascript:`` or ``data:``."""
    return bool(value) and value.lower().startswith(("http://", "https://"))


bp.add_app_template_global(country_label, "country_label")


@bp.get("/")
def search():
    """The search page: results, facets, chips, timeline and paging.

    A page already rendered on the live generation, for the same parameters, is sent again
    from the answer cache (``X-Cache: hit``): paging back, or undoing a filter, is instant.
    """
    svc = current_service()
    settings = svc.settings
    try:
        req = SearchRequest.from_params(request.args, settings)
        snapshot = svc.snapshots.current()
        key = ("page", request.script_root, tuple(sorted(request.args.items(multi=True))))
        kept, cache = svc.answers.get(snapshot.generation, key), "hit"
        if kept is None:
            # Every hit says why it matched, in a closed <details>: a few ms per page.
            result = core.search(snapshot, replace(req, explain=bool(req.q)), settings)
            state = PageState.of(req, request.args)
            html = render_template("search.html", **_result_context(snapshot, result, state))
            kept, cache = (html.encode(),), "miss"
            svc.answers.put(snapshot.generation, key, kept)
    except QueryError as e:
        if e.param in DATE_PARAMS:
            return _period_error_page(e)
        state = PageState(q=_first_arg("q"))
        return render_template("search.html", state=state, result=None, error=str(e)), 400
    response = current_app.response_class(kept[0], mimetype="text/html")
    response.headers["X-Cache"] = cache
    return response


@bp.get("/documents/<path:doc_id>")
def document(doc_id: str):
    """One article in full, with the words of ``q`` marked, and the articles like it."""
    svc = current_service()
    snapshot = svc.snapshots.current()
    article = core.document(snapshot, doc_id)
    q, error = _first_arg("q"), None
    try:
        paragraphs = _highlighted(article, q, svc.settings)
    except QueryError as e:
        paragraphs, error = _highlighted(article, "", svc.settings), str(e)
    nearest = similar(snapshot, SimilarRequest(doc_id, SIMILAR_SHOWN), svc.settings)
    search_args = [(k, v) for k, v in request.args.items(multi=True) if k in PARAMS]
    query = f"?{urlencode(search_args)}" if search_args else ""
    return render_template(
        "document.html",
        article=article,
        state=PageState(q=q),
        error=error,
        paragraphs=[p.to_html() for p in paragraphs],
        marks=sum(len(p.marks) for p in paragraphs),
        back_url=url_for("pages.search") + query,
        # The search travels along, so « Retour aux résultats » still leads back to it.
        similar=[(hit, url_for("pages.document", doc_id=hit.id) + query) for hit in nearest.hits],
        date_source=DATE_SOURCES.get(article.date.source, "") if article.date else "",
    )


def _period_error_page(error: QueryError):
    """A date the page cannot read: the search without the period, and the period form
    with the dates as typed and what is wrong with them, beside the fields (400)."""
    svc = current_service()
    args = request.args.copy()
    typed = {name: args.poplist(name)[:1] for name in DATE_PARAMS}
    try:
        req = SearchRequest.from_params(args, svc.settings)
    except QueryError as e:
        return render_template(
            "search.html", state=PageState(q=_first_arg("q")), result=None, error=str(e)
        ), 400
    snapshot = svc.snapshots.current()
    result = core.search(snapshot, replace(req, explain=bool(req.q)), svc.settings)
    context = _result_context(snapshot, result, PageState.of(req, args))
    context["period_error"] = str(error)
    context["period_field"] = error.param
    context["typed_dates"] = {name: (values or [""])[0] for name, values in typed.items()}
    return render_template("search.html", **context), 400


def _result_context(snapshot: Snapshot, result: SearchResult, state: PageState) -> dict:
    previous, following = neighbour_pages(result, state)
    first = (state.page - 1) * result.request.per_page + 1
    full = result.total if result.all_terms_total is None else result.all_terms_total
    split = max(0, min(len(result.hits), full - first + 1))  # hits before it have every term
    return {
        "state": state,
        "result": result,
        "error": None,
        "first": first,
        "full": full,
        "full_hits": result.hits[:split],
        "partial_hits": result.hits[split:],
        "chips": chips(state),
        "countries": country_links(result, state),
        "years": year_links(result, state),
        "months": month_links(result, state),
        "pages": page_links(result, state),
        "previous": previous,
        "following": following,
        "timeline": timeline(result, state),
        "sorts": [
            ("relevance", "Pertinence", state.url(sort="relevance")),
            ("date", "Date", state.url(sort="date")),
        ],
        "doc_query": urlencode(state.params()),
        "unfiltered": _unfiltered_total(snapshot, result, state),
        # With relevance sort, the core already tried the words as an OR.
        "wider_query": or_query(state.q)
        if not result.total and result.request.sort == "date"
        else None,
    }


def _unfiltered_total(snapshot: Snapshot, result: SearchResult, state: PageState) -> int | None:
    """How many matches the query has without its filters, when the filters leave none:
    counted, not searched (no page, no passages)."""
    if result.total or not state.has_filters:
        return None
    bare = replace(result.request, countries=(), date_from=None, date_to=None)
    return core.count(snapshot, bare, current_service().settings)


def _highlighted(article: Article, q: str, settings: Settings) -> list:
    """The article's paragraphs, each a Passage with the query's matches marked."""
    paragraphs = [p for p in PARAGRAPH_BREAK.split(article.text.strip()) if p]
    return [
        passage
        for text in paragraphs
        for passage in core.highlight(replace(article, text=text), q, settings)
    ]


def _first_arg(name: str) -> str:
    values = request.args.getlist(name)
    return values[0] if values else ""
