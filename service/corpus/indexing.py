"""The configured index: opened, built from the corpus first if none exists yet, updated.

    open_or_build(config)         the index folder, built (or rebuilt, if of an older
                                  format) from the corpus first; for the service, also
                                  brought up to the corpus (``reconcile``); for the
                                  postgres engine, the archive in the database instead
                                  (``indexer.database``), imported first if it has none
    update_index(config, ...)     a full or incremental build of the configured index

Shared by the commands, the service and the build worker: it imports neither Flask nor
click nor the search core, so any of them can call it without pulling in another.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.build import BuildReport, build_index
from indexer.engines import ENGINE_NAMES, IndexCorrupt
from indexer.ingest import Progress
from indexer.live import IndexHandle
from indexer.sources import SOURCE_SUFFIXES
from indexer.store import BuildLocked, IndexOutdated, Manifest, current_generation, has_index

from ..config import Config
from ..errors import BuildFailed, ConfigError

if TYPE_CHECKING:
    from indexer.database import Database, DatabaseHandle

log = logging.getLogger(__name__)


def open_or_build(
    config: Config,
    announce: Callable[[str], None] = log.info,
    build_with: Callable[[Config], object] | None = None,
    reconcile: bool = False,
) -> IndexHandle | DatabaseHandle:
    """The configured index, built from the corpus first if none was ever published, or
    rebuilt if it was written in an older format (an index is derived data: the corpus
    is there to rebuild it, so an upgrade never leaves a service answering 503).

    :param build_with: how to build (the command line shows a progress bar);
        ``update_index`` by default.
    :param reconcile: also bring an existing index up to the corpus (the service, at start).
    """
    if config.engine == "postgres":
        return _open_or_import(config, announce, build_with, reconcile)
    if not has_index(config.index_path):
        announce(f"Construction de l'index depuis {config.corpus_path}…")
        (build_with or update_index)(config)
    elif _outdated(config.index_path):
        announce(f"Index d'un format ancien : reconstruction depuis {config.corpus_path}…")
        (build_with or update_index)(config)  # the build starts afresh over an outdated index
    elif reconcile:
        _reconcile(config, announce)
    return IndexHandle(config.index_path)


def _open_or_import(config, announce, build_with, reconcile) -> DatabaseHandle:
    """The archive in the database, imported from the corpus first if it has none (or
    tables of an older format); an unreachable server is said by each request (503)."""
    from indexer.database import DatabaseHandle

    database = archive(config)
    try:
        state = database.state(database.engine())
    except psycopg_errors() as e:
        log.warning("database not reachable at start-up: %s", e)
        return DatabaseHandle(database)
    if state != "ok":
        announce(f"Import de {config.corpus_path} dans {database}…")
        (build_with or update_index)(config)
    elif reconcile and config.corpus_path.is_dir():
        _reconcile(config, announce)
    return DatabaseHandle(database)


def index_location(config: Config) -> str:
    """Where the configured index is, as a user reads it: a folder, or a database."""
    return str(archive(config)) if config.engine == "postgres" else str(config.index_path)


def archive(config: Config) -> Database:
    """The configured archive in a database (engine "postgres")."""
    from indexer.database import Database

    return Database(config.dsn, config.schema)


def psycopg_errors() -> tuple[type[BaseException], ...]:
    """What a database that cannot be reached raises (psycopg, imported when used)."""
    import psycopg

    return (psycopg.OperationalError,)


def _reconcile(config: Config, announce: Callable[[str], None]) -> None:
    """Bring the index up to the corpus before serving: the files changed while the
    service was down, and what a crash left undone. A build running elsewhere does it."""
    try:
        report = update_index(config)
    except BuildLocked:
        log.info("a build is running: it brings the index up to the corpus")
        return
    except (BuildFailed, OSError) as e:
        log.warning("index not brought up to the corpus at start: %s", e)
        return
    if report.published:
        changed = len(report.added) + len(report.changed) + len(report.removed)
        announce(
            f"Index mis à jour depuis le corpus : {changed} fichier(s) ajouté(s), modifié(s) "
            f"ou supprimé(s), {len(report.recovered)} écriture(s) inachevée(s) reprise(s)."
        )


def _outdated(index_dir: Path) -> bool:
    """Whether the live generation was written in an older format than this code reads
    (a newer one is left alone: rebuilding it would undo the newer version's work)."""
    try:
        gen = current_generation(index_dir)
        if gen is not None:
            Manifest.read(gen)
    except IndexOutdated as e:
        return e.found < e.expected
    except IndexCorrupt:
        return False  # damaged, not old: the service says how to rebuild it
    return False


def update_index(
    config: Config,
    rebuild: bool = False,
    progress: Progress | None = None,
    wait: float = 0.0,
    processes: int | None = None,
) -> BuildReport:
    """Build or update the configured index; ConfigError when the corpus or engine is wrong,
    BuildFailed when the file system fails it (a full disk), the live index untouched.
    ``processes``: worker processes for the analysis (``build_index``'s)."""
    if config.engine not in ENGINE_NAMES:
        raise ConfigError(f"moteur inconnu « {config.engine} » : attendu {', '.join(ENGINE_NAMES)}")
    check_corpus(config.corpus_path)
    if config.engine == "postgres":
        return _import(config, rebuild, progress, wait, processes)
    try:
        return build_index(
            config.corpus_path, config.index_path, config.engine, rebuild, progress, wait, processes
        )
    except OSError as e:  # the build discarded its generation: the live one is untouched
        raise BuildFailed(build_failure(config, e)) from e


def _import(config, rebuild, progress, wait, processes) -> BuildReport:
    """``update_index`` for an archive in a database."""
    from indexer.database_import import import_sources

    database = archive(config)
    try:
        return import_sources(config.corpus_path, database, rebuild, progress, processes, wait)
    except psycopg_errors() as e:
        raise BuildFailed(primary_unreachable(database, e)) from e


def primary_unreachable(database: Database, error: BaseException) -> str:
    """What a user reads when a write cannot reach the primary server."""
    first = (str(error).strip().splitlines() or [""])[0][:200]
    return (
        f"base de données primaire injoignable ({database}) : {first} ; rien n'a changé, "
        "réessayez quand le primaire répond (ou qu'un secondaire a été promu)"
    )


def check_corpus(path: Path) -> None:
    """ConfigError unless ``corpus.path`` is a folder or one source file (.txt, .jsonl,
    .jsonl.gz), saying which and what it should be."""
    if path.is_dir() or (path.is_file() and path.name.endswith(SOURCE_SUFFIXES)):
        return
    what = "n'est pas un fichier d'articles" if path.exists() else "introuvable"
    raise ConfigError(
        f"corpus {what} : {path} ; attendu un dossier, ou un fichier .txt, .jsonl ou .jsonl.gz"
    )


def build_failure(config: Config, error: OSError) -> str:
    """What a user reads when a build fails on the file system: the cause, then what to do."""
    kept = "l'index précédent reste en service"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"construction de l'index interrompue : disque plein ({config.index_path}) ; "
            f"{kept} ; libérez de la place puis relancez « search-index »"
        )
    where = error.filename or config.index_path
    return (
        f"construction de l'index interrompue : {error.strerror or error} ({where}) ; "
        f"{kept} ; corrigez la cause puis relancez « search-index »"
    )
