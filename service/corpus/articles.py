"""Article files of the corpus as the write API changes them, published in the index.

For the file engines the corpus stays the source of truth (DESIGN.md): an article
written over HTTP is a ``.txt`` file in the corpus format, a `` date YYYY-MM-DD`` header
line when it has a date, then the text. Its id is its path relative to the corpus (``ids``).

    write_articles(config, [Write("api/note.txt", content), ...]) -> [Published, ...]
      in the write worker (``worker``: a process of its own, a core of its own), for the
      writes that waited together (``commits``: put_article, delete_article):
      1. the build lock, within WRITE_WAIT seconds (else 503: nothing was touched)
      2. each file replaced atomically (temporary file, fsync, rename), the old one kept
      3. the index changed in place for those files alone (``indexer.update``): one
         engine commit and one catalog commit, durable; if that fails, the old files are
         put back
      4. each article read back from the engine at that commit, still under the lock:
         what the answer shows is what a search finds from then on

For the postgres engine the database is the archive: the same content is written as
rows instead, a batch in one transaction (``rows``). A write costs its article, not the
index. Retrying a PUT writes the same file again and leaves the same index; retrying a
DELETE answers 404 and changes nothing. This module imports neither Flask nor click."""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from indexer import disk, runs, store
from indexer.articles import Article
from indexer.dates import DateError, parse_date
from indexer.sources import HEADER, MAX_ARTICLE_CHARS, Skip, make_article
from indexer.store import BuildLocked
from indexer.update import LiveIndex, change_sources, updatable

from ..config import Config
from ..errors import (
    BuildFailed,
    Conflict,
    DocumentNotFound,
    IndexUnavailable,
    InvalidDocument,
    ReadOnly,
    SearchError,
)
from .ids import article_path

log = logging.getLogger(__name__)

WRITE_WAIT = 10.0  # seconds a write waits for a running build before answering 503
# The room a batch asks of the index's disk: an article of 12 KB took 200 KB there once
# committed (its segment, the catalog's log, checksums), and a margin for the catalog.
ROOM_FACTOR = 16
ROOM_MARGIN = 512 * 1024


def article_file(doc_id: str, text: object, date: object) -> bytes:
    """The bytes of an article file in the corpus format; InvalidDocument if it is not one."""
    if not isinstance(text, str):
        raise InvalidDocument("champ « text » manquant : le texte de l'article, une chaîne")
    if date is not None and not isinstance(date, str):
        raise InvalidDocument("champ « date » invalide : AAAA, AAAA-MM ou AAAA-MM-JJ, ou null")
    _check_text(text)
    header = _header(date)
    if header is None and HEADER.match(text):
        raise InvalidDocument(
            "le texte commence par « date … », qui serait lu comme un en-tête : "
            "donnez la date dans le champ « date »"
        )
    skips: list[Skip] = []
    if make_article(doc_id, text, header=header, file=doc_id, skips=skips) is None:
        raise InvalidDocument(f"article refusé : {skips[0].reason if skips else 'illisible'}")
    head = f" date {header}\n" if header else ""
    return (head + text.rstrip("\n") + "\n").encode("utf-8")


def _check_text(text: str) -> None:
    if not text.strip():
        raise InvalidDocument("texte vide : l'article doit contenir du texte")
    if len(text) > MAX_ARTICLE_CHARS:
        raise InvalidDocument(
            f"texte trop long ({len(text):,} caractères) : {MAX_ARTICLE_CHARS:,} au plus"
        )
    if "\x00" in text:
        raise InvalidDocument("texte invalide : il contient le caractère NUL")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidDocument("texte invalide : demi-paire de substitution (\\ud800…)") from None


def _header(date: str | None) -> str | None:
    if date is None or date == "":
        return None
    try:
        return parse_date(date).value
    except DateError as e:
        raise InvalidDocument(str(e)) from None


@dataclass(frozen=True)
class Write:
    """One write the API asks for: an article file's new bytes, or None to delete it."""

    doc_id: str
    content: bytes | None
    create_only: bool = False  # POST: refused (409) if the article exists


@dataclass(frozen=True)
class Published:
    """A write the index committed: whether it created its article, and the article as
    the index holds it after the commit (None for a deletion)."""

    created: bool
    article: Article | None = None


def check_writable(config: Config, doc_id: str) -> None:
    """ReadOnly when the corpus is one file: its articles change with the file alone. The
    postgres engine's archive is the database, where an API write is a row kept across
    imports (``indexer.database_import``): a corpus of one file never stops it."""
    if config.corpus_path.is_file() and config.engine != "postgres":
        raise ReadOnly(
            f"le corpus est un seul fichier ({config.corpus_path.name}) : « {doc_id} » ne "
            "s'écrit pas par l'API ; modifiez le fichier, puis lancez « search-index »"
        )


def write_article(
    config: Config,
    doc_id: str,
    content: bytes | None,
    create_only: bool = False,
    wait: float = WRITE_WAIT,
) -> bool:
    """One write (``write_articles``) on its own: whether it created the article, or
    the error that refused it."""
    (outcome,) = write_articles(config, [Write(doc_id, content, create_only)], wait)
    if isinstance(outcome, SearchError):
        raise outcome
    return outcome.created


def write_articles(
    config: Config, writes: list[Write], wait: float = WRITE_WAIT
) -> list[Published | SearchError]:
    """Write or delete article files and change the index with them in one commit,
    holding the build lock from before any file is touched until the index commits: a
    batch that cannot have the lock within ``wait`` seconds changed nothing, and no build
    ever reads a file that its write has not yet published. If the index cannot commit,
    every file is put back as it was (never by rewriting it: by a link or a rename, which
    a full disk cannot refuse) and the whole batch fails. Per write: ``Published`` (whether
    it created the article, and the article read back from the index at the commit), or
    the error that refused it alone (a Conflict, a DocumentNotFound).
    The ids of a batch are distinct. For the postgres engine, rows of the archive in one
    transaction instead (``rows.write_rows``), with the same outcomes."""
    if config.engine == "postgres":
        from .rows import write_rows

        return write_rows(config, writes, wait)
    corpus = config.corpus_path.resolve()
    try:
        with store.build_lock(config.index_path, wait), runs.shared_vocabulary():
            with ExitStack() as undo:  # past it, the files stay as written
                refused, accepted, files, removed = _stage(writes, corpus, undo)
                _check_room(config, corpus, files)
                _change_files(files, removed)
                if accepted:
                    rels = [rel for rel, _ in accepted.values()]
                    change_sources(corpus, config.index_path, config.engine, rels, _kept(config))
            puts = [rel for n, (rel, _) in accepted.items() if writes[n].content is not None]
            held = _read_back(config, puts)
    except BuildLocked:
        raise IndexUnavailable(
            f"l'index est en cours de construction depuis plus de {wait:.0f} s : "
            "rien n'a changé, réessayez dans un moment"
        ) from None
    except OSError as e:  # the files were put back: the corpus and the index are unchanged
        raise BuildFailed(write_failure(config, e)) from e
    return [
        refused[n] if n in refused else Published(accepted[n][1], held.get(accepted[n][0]))
        for n in range(len(writes))
    ]


def _stage(writes: list[Write], corpus: Path, undo: ExitStack):
    """Each write checked, its file kept aside to be put back (``undo``): the writes
    refused alone, by position; the others' sources and whether each creates its
    article; the files to write and those to remove."""
    refused: dict[int, SearchError] = {}
    accepted: dict[int, tuple[str, bool]] = {}
    files: dict[Path, bytes] = {}
    removed: list[Path] = []
    for n, write in enumerate(writes):
        try:
            path = article_path(corpus, write.doc_id)
            existed = _check(path, write.doc_id, write.content, write.create_only)
            if write.content is not None:
                _make_folders(path, corpus, write.doc_id)
        except SearchError as e:  # this write alone is refused
            refused[n] = e
            continue
        undo.enter_context(_undoable(path, existed))
        if write.content is None:
            removed.append(path)
        else:
            files[path] = write.content
        accepted[n] = (path.relative_to(corpus).as_posix(), not existed)
    return refused, accepted, files, removed


def _read_back(config: Config, ids: list[str]) -> dict[str, Article | None]:
    """The articles written, as the engine holds them at the commit just made (the build
    lock still held: no other commit came between), by id. Never raises: the commit is
    made, and the server reads back what it could not (``web.writes``)."""
    if not ids:
        return {}
    try:
        live = _kept(config)
        return dict(zip(ids, live.engine.reader().fetch(ids), strict=True)) if live else {}
    except Exception as e:  # noqa: BLE001 (a write committed is never answered as failed)
        log.warning("articles not read back after their commit: %s", e)
        return {}


def _check_room(config: Config, corpus: Path, files: dict[Path, bytes]) -> None:
    """OSError ENOSPC, before any file is touched, when the disk has too little room for
    the batch: Elasticsearch's flood stage. A commit that the engine makes and the
    catalog then cannot record for want of space left tantivy serving the refused
    article until the next write recovered it; refused here, nothing changes at all."""
    size = sum(map(len, files.values()))
    for folder, needed in ((config.index_path, ROOM_FACTOR * size + ROOM_MARGIN), (corpus, size)):
        while not folder.exists() and folder.parent != folder:  # no index yet: its disk
            folder = folder.parent
        stat = os.statvfs(folder)
        if stat.f_bavail * stat.f_frsize < needed:
            raise OSError(errno.ENOSPC, "not enough room for the write", str(folder))


def write_failure(config: Config, error: OSError) -> str:
    """What a writer reads when the file system refuses a write: nothing changed, what to do."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"écriture refusée : disque plein ({config.index_path}) ; l'article et l'index "
            "n'ont pas changé ; libérez de la place puis réessayez"
        )
    where = error.filename or config.index_path
    return (
        f"écriture refusée : {error.strerror or error} ({where}) ; l'article et l'index "
        "n'ont pas changé ; corrigez la cause puis réessayez"
    )


# The live generation kept open between writes, by index folder: in the write worker,
# the only process that writes through the API (opened again when a build replaces it).
_live: dict[Path, LiveIndex] = {}


def warm_up(config: Config) -> None:
    """Open the live generation and its vector model now, in the worker (skipped while a
    build holds the lock): the first write then does not pay for it."""
    if config.engine == "postgres":
        from .rows import warm_up_rows

        return warm_up_rows(config)
    try:
        with store.build_lock(config.index_path), runs.shared_vocabulary():
            kept = _kept(config)
            if kept is not None:
                kept.warm_up()
    except BuildLocked:
        pass


def _kept(config: Config) -> LiveIndex | None:
    """The worker's open live generation (holding the build lock), current or reopened."""
    gen = updatable(config.index_path, config.engine)
    kept = _live.get(config.index_path)
    if kept is not None and kept.gen != gen:  # superseded by a rebuild
        _live.pop(config.index_path).close()
        kept = None
    if kept is None and gen is not None:
        kept = _live[config.index_path] = LiveIndex(gen, background_merges=True)
    return kept


def _check(path: Path, doc_id: str, content: bytes | None, create_only: bool) -> bool:
    """Whether the article exists; Conflict or DocumentNotFound when the write cannot be."""
    if path.is_dir():
        raise Conflict(f"« {doc_id} » est un dossier du corpus, pas un article")
    exists = path.is_file()
    if content is None and not exists:
        raise DocumentNotFound(f"aucun article « {doc_id} » dans le corpus")
    if create_only and exists:
        raise Conflict(f"l'article « {doc_id} » existe déjà : remplacez-le avec PUT")
    return exists


def _change_files(files: dict[Path, bytes], removed: list[Path]) -> None:
    """The new files written atomically (temporary file, rename), the removed ones
    unlinked, all flushed together before the index commits."""
    disk.replace_all(files)
    for path in removed:
        path.unlink()
    disk.fsync_all(sorted({path.parent for path in removed}))


@contextmanager
def _undoable(path: Path, existed: bool) -> Iterator[None]:
    """The file as it was, kept aside (a hard link: no space needed) while the block
    runs; put back if it fails. A crash leaves the index and the corpus for the next
    writer to reconcile (``indexer.update``)."""
    kept = path.with_name(f".{path.name}.{os.getpid()}.kept")
    if existed:
        kept.unlink(missing_ok=True)  # a crash's leftover
        os.link(path, kept)
    try:
        yield
    except BaseException:
        try:
            if existed:
                os.replace(kept, path)
            else:
                path.unlink(missing_ok=True)
            disk.fsync_dir(path.parent)
        except OSError as e:  # the next writer reconciles the corpus and the index
            log.error("could not put %s back after a failed write: %s", path, e)
        raise
    finally:
        if existed:
            kept.unlink(missing_ok=True)


def _make_folders(path: Path, corpus: Path, doc_id: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise Conflict(f"« {doc_id} » passe par un article comme par un dossier") from None
    if not path.resolve().is_relative_to(corpus):  # a folder replaced meanwhile
        raise InvalidDocument(f"identifiant invalide « {doc_id} » : il mène hors du corpus")
