"""The command-line doors: ``search``, ``search-index`` and ``search-serve``.

Each parses its options into the same calls the HTTP API makes; ``search --json`` prints
exactly the API's body. Exit codes: 0 with hits, 1 with none (or a missing article or
index), 2 on a usage, query or configuration error.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from pathlib import Path

import click

from indexer.build import BuildReport
from indexer.store import BuildLocked, IndexHandle

from . import bootstrap, cli_french, core
from .cli_french import INTEGER, integer_range
from .config import Config, load_config
from .errors import SearchError
from .models import SearchRequest, SearchResult

log = logging.getLogger(__name__)
cli_french.install()  # click's usage, errors and help in French, as the rest

SIMILAR_DEFAULT, SIMILAR_MAX = 5, 20  # as /api/documents/<id>/similar


class CliError(click.ClickException):
    """A SearchError as click shows it: 'Erreur : message', with the error's exit code."""

    def __init__(self, error: SearchError):
        super().__init__(str(error))
        self.exit_code = error.exit_code

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True)


def reports_errors(func):
    """The one try/except of the commands: SearchError -> a message and its exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SearchError as e:
            raise CliError(e) from None
        except BuildLocked as e:
            message = f"une construction de l'index est déjà en cours ({e})"
            raise CliError(SearchError(message)) from None

    return wrapper


def config_option(func):
    """--config PATH, shared by every command."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Fichier de configuration (défaut : $SEARCH_CONFIG, sinon config.toml).",
    )(func)


def _load(config_path: Path | None) -> Config:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return load_config(config_path)


def open_or_build(config: Config) -> IndexHandle:
    """The configured index, built from the corpus first (with a progress bar) if missing."""
    return bootstrap.open_or_build(
        config,
        announce=lambda message: click.echo(message, err=True),
        build_with=lambda cfg: run_build(cfg, rebuild=False),
    )


def run_build(config: Config, rebuild: bool, processes: int | None = None) -> BuildReport:
    """Build or update the index, with a progress bar when stderr is a terminal;
    ``processes``: analysis workers (None: ``build_index`` chooses)."""
    if not sys.stderr.isatty():
        return bootstrap.build(config, rebuild, processes=processes)
    with click.progressbar(length=1, label="Indexation", file=sys.stderr) as bar:

        def progress(phase: str, done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        return bootstrap.build(config, rebuild, progress, processes=processes)


@click.command("search", cls=cli_french.Command)
@click.argument("query", nargs=-1)
@click.option(
    "--country",
    "countries",
    multiple=True,
    metavar="CC",
    help="Code pays ISO (AZ, CN…), répétable.",
)
@click.option(
    "--from", "date_from", metavar="DATE", help="Depuis cette date (AAAA, AAAA-MM ou AAAA-MM-JJ)."
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
    config = _load(config_path)
    given = {"--country": countries, "--from": date_from, "--to": date_to}
    given |= {"--sort": sort, "--page": page, "--explain": explain}
    if similar_to is not None:
        given |= {"QUERY": query, "--complete": complete}
        return print_similar(ctx, config, similar_to, per_page, as_json, given)
    if complete:
        return print_completions(ctx, config, query, per_page, as_json, given)
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
    request = SearchRequest.from_params(
        {k: str(v) if isinstance(v, int) else v for k, v in params.items() if v is not None},
        config.per_page,
        config.max_per_page,
    )
    result = core.search(open_or_build(config), request, config.core_settings())
    click.echo(to_json(result) if as_json else render_text(result, color=sys.stdout.isatty()))
    ctx.exit(0 if result.total else 1)


def print_similar(ctx, config: Config, doc_id: str, limit: int | None, as_json: bool, given):
    """``search --similar ID``: the same articles and JSON as /api/documents/ID/similar.

    :param given: the search options, by name; any that is set is a usage error.
    """
    extra = [name for name, value in given.items() if value]
    if extra:
        raise click.UsageError(f"--similar ne se combine pas avec {', '.join(extra)}", ctx)
    if limit is not None and not 1 <= limit <= SIMILAR_MAX:
        message = f"--limit hors limites ({limit}) avec --similar : entre 1 et {SIMILAR_MAX}"
        raise click.UsageError(message, ctx)
    index = open_or_build(config)
    result = core.similar(index, doc_id, limit or SIMILAR_DEFAULT, config.core_settings())
    if as_json:
        body = {"id": doc_id, "hits": [hit.to_dict() for hit in result.hits]}
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        title = core.get_document(index, doc_id).title
        click.echo(render_similar(title, result, color=sys.stdout.isatty()))
    ctx.exit(0 if result.hits else 1)


def print_completions(ctx, config: Config, text: str, limit: int | None, as_json: bool, given):
    """``search --complete TEXT``: what /api/suggest?q=TEXT answers, words then titles."""
    extra = [name for name, value in given.items() if value]
    if extra:
        raise click.UsageError(f"--complete ne se combine pas avec {', '.join(extra)}", ctx)
    default, most = core.SUGGEST_LIMIT
    if limit is not None and not 1 <= limit <= most:
        message = f"--limit hors limites ({limit}) avec --complete : entre 1 et {most}"
        raise click.UsageError(message, ctx)
    found = core.completions(open_or_build(config), text, limit or default)
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
    else:
        lines = list(found.words)
        if found.titles:
            lines += ["", "Articles :"] if found.words else ["Articles :"]
            lines += [f"  {title}  ({doc_id})" for doc_id, title in found.titles]
        click.echo("\n".join(lines) if lines else f"Rien à proposer pour « {text} ».")
    ctx.exit(0 if found.words or found.titles else 1)


def render_similar(title: str, result: SearchResult, color: bool = False) -> str:
    """Similar articles for reading in a terminal."""
    if not result.hits:
        return f"Aucun article proche de « {title} »."
    lines = [f"Articles proches de « {title} » :", ""]
    for n, hit in enumerate(result.hits, 1):
        lines.extend(_render_hit(n, hit, color))
    return "\n".join(lines).rstrip()


def to_json(result: SearchResult) -> str:
    """The API's JSON body, as the API serves it."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)


def _partial_note(full: int) -> str:
    """Says where the articles with every word end, in correct French for 0, 1 or more."""
    if full == 0:
        return "Aucun ne contient tous les mots ; chacun n'en contient qu'une partie."
    verb = "contient" if full == 1 else "contiennent"
    return f"{full} {verb} tous les mots ; les suivants n'en contiennent qu'une partie."


def render_text(result: SearchResult, color: bool = False) -> str:
    """A result for reading in a terminal: hits, passages, then facets."""
    req = result.request
    if not result.total:
        none = f"Aucun résultat pour « {req.q} »." if req.q else "Aucun résultat."
        hint = f"\nVouliez-vous dire : « {result.suggestion} » ?" if result.suggestion else ""
        return none + hint
    noun = "résultat" if result.total == 1 else "résultats"
    head = f"{result.total} {noun}" + (f" pour « {req.q} »" if req.q else "")
    lines = [f"{head} (page {req.page}/{result.pages}, {result.took_ms:.0f} ms)"]
    if result.all_terms_total is not None and result.all_terms_total < result.total:
        lines.append(_partial_note(result.all_terms_total))
    if result.suggestion:
        lines.append(f"Vouliez-vous dire : « {result.suggestion} » ?")
    lines.append("")
    first = (req.page - 1) * req.per_page + 1
    for n, hit in enumerate(result.hits, first):
        lines.extend(_render_hit(n, hit, color))
    lines.append(_render_facets(result))
    return "\n".join(lines).rstrip()


def _render_hit(n: int, hit, color: bool) -> list[str]:
    title = click.style(hit.title, bold=True) if color else hit.title
    meta = " · ".join(
        x for x in (hit.date, ", ".join(c["name"] for c in hit.to_dict()["countries"])) if x
    )
    lines = [f"{n}. {title}", f"   {hit.id}" + (f" · {meta}" if meta else "")]
    if hit.by_meaning:
        lines.append("   (aucun des mots cherchés : proche par le sens)")
    for p in hit.passages:
        lines.append("   " + (p.to_ansi() if color else str(p)))
    if hit.explain is not None:
        reasons = [f"{e['term']} → {', '.join(e['words'])} ({e['label']})" for e in hit.explain]
        alone = "sujet proche" if hit.by_meaning else "filtres seuls"
        lines.append("   pourquoi : " + ("; ".join(reasons) or alone))
    return [*lines, ""]


def _render_facets(result: SearchResult) -> str:
    parts = []
    if result.facets["country"]:
        countries = ", ".join(f"{v.label} ({v.count})" for v in result.facets["country"][:8])
        parts.append(f"Pays : {countries}")
    if result.facets["year"]:
        parts.append(
            "Années : " + ", ".join(f"{v.value} ({v.count})" for v in result.facets["year"])
        )
    return "\n".join(parts)


@click.command("search-index", cls=cli_french.Command)
@click.option("--rebuild", is_flag=True, help="Tout reconstruire au lieu de mettre à jour.")
@click.option(
    "--processes",
    type=integer_range(min=0),
    metavar="N",
    help="Processus d'analyse en parallèle (0 : aucun, tout dans ce processus ; "
    "défaut : un par cœur à partir de 8 Mo de sources).",
)
@config_option
@reports_errors
def index_cmd(rebuild, processes, config_path):
    """Construire ou mettre à jour l'index depuis le corpus configuré."""
    config = _load(config_path)
    report = run_build(config, rebuild, processes)
    click.echo(render_report(report, config))


def render_report(report: BuildReport, config: Config) -> str:
    """The summary printed after a build."""
    if not report.published:
        return (
            f"Index à jour : {report.doc_count} articles, "
            f"aucun fichier modifié ({config.index_path})."
        )
    lines = [
        f"Index {config.engine} prêt : {report.doc_count} articles ({config.index_path}).",
        f"Fichiers : {len(report.added)} ajoutés, {len(report.changed)} modifiés, "
        f"{len(report.removed)} supprimés, {report.unchanged} inchangés ; "
        f"{report.articles} articles indexés en {report.seconds:.1f} s.",
    ]
    if report.skipped:
        lines.append(f"{len(report.skipped)} entrées ignorées :")
        lines.extend(f"  {skip}" for skip in report.skipped)
    return "\n".join(lines)
