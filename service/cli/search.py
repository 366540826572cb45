"""``search``: search the articles, list the articles like one, or complete a word.

    search QUERY... [--country CC]... [--from DATE] [--to DATE] [--sort relevance|date]
           [--limit N] [--page N] [--explain] [--json] [--config PATH]
    search --similar ID [--limit N] [--json]
    search --complete TEXT [--limit N] [--json]

The options become the same parameters the API reads (``--from`` is ``from``,
``--limit`` is ``per_page`` or ``limit``), validated by the same requests, run by the
same core functions; ``--json`` prints exactly the API's body. Exit codes: 0 with
results, 1 with none, 2 on a usage, query or configuration error.
"""

from __future__ import annotations

import sys

import click

from ..config import Config
from ..corpus.indexing import archive
from ..search.completion import completions
from ..search.core import search
from ..search.models import CompletionRequest, SearchRequest, SimilarRequest
from ..search.settings import Settings
from ..search.similar import similar
from . import french
from .french import INTEGER
from .index import open_snapshots
from .options import config_option, load, reports_errors
from .render import render_completions, render_similar, render_text, to_json


@click.command("search", cls=french.Command)
@click.argument("query", nargs=-1)
@click.option(
    "--country",
    "countries",
    multiple=True,
    metavar="CC",
    help="Code pays ISO (AZ, CN…), répétable.",
)
@click.option(
    "--from",
    "date_from",
    metavar="DATE",
    help="Depuis cette date (AAAA, MM/AAAA, JJ/MM/AAAA, AAAA-MM ou AAAA-MM-JJ).",
)
@click.option("--to", "date_to", metavar="DATE", help="Jusqu'à cette date incluse.")
@click.option(
    "--sort", type=click.Choice(["relevance", "date"]), default=None, help="Ordre des résultats."
)
@click.option(
    "--limit", "--per-page", "per_page", type=INTEGER, default=None, help="Résultats par page."
)
@click.option("--page", type=INTEGER, default=None, help="Numéro de page (1 = la première).")
@click.option("--explain", is_flag=True, help="Dire pour chaque résultat pourquoi il correspond.")
@click.option(
    "--similar",
    "similar_to",
    metavar="ID",
    help="Les articles proches de l'article ID, au lieu d'une recherche (--limit : 1 à 20).",
)
@click.option(
    "--complete",
    is_flag=True,
    help="Compléter le dernier mot de QUERY, comme la page pendant la frappe (mots, titres).",
)
@click.option("--json", "as_json", is_flag=True, help="Afficher exactement le JSON de l'API.")
@config_option
@click.pass_context
@reports_errors
def search_cmd(
    ctx,
    query,
    countries,
    date_from,
    date_to,
    sort,
    per_page,
    page,
    explain,
    similar_to,
    complete,
    as_json,
    config_path,
):
    """Chercher QUERY dans les articles (ex. : search Ceinture et la Route)."""
    query = " ".join(query)
    config = load(config_path)
    given = {"--country": countries, "--from": date_from, "--to": date_to}
    given |= {"--sort": sort, "--page": page, "--explain": explain}
    if similar_to is not None:
        only(ctx, "--similar", given | {"QUERY": query, "--complete": complete})
        return print_similar(ctx, config, similar_to, per_page, as_json)
    if complete:
        only(ctx, "--complete", given)
        return print_completions(ctx, config, query, per_page, as_json)
    params = {
        "q": query,
        "country": list(countries),
        "from": date_from,
        "to": date_to,
        "sort": sort,
        "page": page,
        "per_page": per_page,
        "explain": "true" if explain else None,
    }
    settings = Settings.from_config(config)
    request = SearchRequest.from_params(_as_params(params), settings)
    snapshot = open_snapshots(config).current()
    result = search(snapshot, request, settings)
    click.echo(to_json(result.to_dict()) if as_json else render_text(result, _color()))
    if not result.total:  # a search run from elsewhere may have read another corpus: say which
        click.echo(searched_where(config, snapshot.manifest.doc_count), err=as_json)
    ctx.exit(0 if result.total else 1)


def searched_where(config: Config, doc_count: int) -> str:
    """Which corpus and index a search read (for the postgres engine, the archive's schema),
    and from which configuration file."""
    index = archive(config) if config.engine == "postgres" else config.index_path
    return (
        f"Corpus : {config.corpus_path} ; index : {index} "
        f"({config.engine}, {doc_count} article{'s' if doc_count > 1 else ''}) ; "
        f"configuration : {config.source}."
    )


def only(ctx, option: str, given: dict) -> None:
    """A usage error when ``option`` comes with search options it does not take."""
    extra = [name for name, value in given.items() if value]
    if extra:
        raise click.UsageError(f"{option} ne se combine pas avec {', '.join(extra)}", ctx)


def print_similar(ctx, config: Config, doc_id: str, limit: int | None, as_json: bool) -> None:
    """``search --similar ID``: the same articles and JSON as /api/documents/ID/similar."""
    request = SimilarRequest.from_params(doc_id, _as_params({"limit": limit}))
    snapshot = open_snapshots(config).current()
    result = similar(snapshot, request, Settings.from_config(config))
    click.echo(to_json(result.to_dict()) if as_json else render_similar(result, _color()))
    ctx.exit(0 if result.hits else 1)


def print_completions(ctx, config: Config, text: str, limit: int | None, as_json: bool) -> None:
    """``search --complete TEXT``: what /api/suggest?q=TEXT answers, words then titles."""
    request = CompletionRequest.from_params(_as_params({"q": text, "limit": limit}))
    found = completions(open_snapshots(config).current(), request, Settings.from_config(config))
    click.echo(to_json(found.to_dict()) if as_json else render_completions(found))
    ctx.exit(0 if found.words or found.titles else 1)


def _as_params(options: dict) -> dict:
    """Options as the API receives parameters: strings, and no key for an absent one."""
    return {k: str(v) if isinstance(v, int) else v for k, v in options.items() if v is not None}


def _color() -> bool:
    return sys.stdout.isatty()
