"""``search-index``: build or update the configured index, with a progress bar and a report.

    search-index                  the files added, changed or removed since the last build
    search-index --rebuild        everything, from scratch
    search-index --processes N    analysis workers (0: all in this process)

The other commands build the index the same way, with the same bar, when none exists yet
(``open_snapshots``).
"""

from __future__ import annotations

import sys

import click

from indexer.build import BuildReport

from ..config import Config
from ..corpus.indexing import index_location, open_or_build, update_index
from ..search.snapshot import Snapshots
from . import french
from .french import integer_range
from .options import config_option, load, reports_errors


@click.command("search-index", cls=french.Command)
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
    config = load(config_path)
    report = run_build(config, rebuild, processes)
    click.echo(render_report(report, config))


def open_snapshots(config: Config) -> Snapshots:
    """The configured index's snapshots, the index built from the corpus first (with a
    progress bar) if it is missing."""
    index = open_or_build(
        config,
        announce=lambda message: click.echo(message, err=True),
        build_with=lambda cfg: run_build(cfg, rebuild=False),
    )
    return Snapshots(index)


LOCK_WAIT = 30.0  # seconds: a write holds the lock for well under one


def run_build(config: Config, rebuild: bool, processes: int | None = None) -> BuildReport:
    """Build or update the index, with a progress bar when stderr is a terminal;
    ``processes``: analysis workers (None: ``build_index`` chooses). A write of the
    service, or its worker opening the index at start, holds the build lock for a moment:
    the command waits ``LOCK_WAIT`` seconds for it before saying a build is running."""
    if not sys.stderr.isatty():
        return update_index(config, rebuild, wait=LOCK_WAIT, processes=processes)
    with click.progressbar(length=1, label="Indexation", file=sys.stderr) as bar:

        def progress(phase: str, done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        return update_index(config, rebuild, progress, wait=LOCK_WAIT, processes=processes)


def render_report(report: BuildReport, config: Config) -> str:
    """The summary printed after a build."""
    if not report.published:
        return (
            f"Index à jour : {report.doc_count} articles, "
            f"aucun fichier modifié ({index_location(config)})."
        )
    lines = [
        f"Index {config.engine} prêt : {report.doc_count} articles ({index_location(config)}).",
        f"Fichiers : {len(report.added)} ajoutés, {len(report.changed)} modifiés, "
        f"{len(report.removed)} supprimés, {report.unchanged} inchangés ; "
        f"{report.articles} articles indexés en {report.seconds:.1f} s.",
    ]
    if report.skipped:
        lines.append(f"{len(report.skipped)} entrées ignorées :")
        lines.extend(f"  {skip}" for skip in report.skipped)
    return "\n".join(lines)
