"""Article files of the corpus as the write API changes them, published in the index.

The corpus stays the source of truth (DESIGN.md): an article written over HTTP is a
``.txt`` file in the corpus format, a `` date YYYY-MM-DD`` header line when it has a date,
then the text. Its id is its path relative to the corpus (``ids``).

    put_article(config, "api/note.txt", content) -> created?
      1. the id and the text were checked (``ids.check_id``, ``article_file``)
      2. the file is replaced atomically (temporary file, fsync, rename)
      3. an incremental build publishes a new generation (``worker``: in a process of its
         own), waiting up to WRITE_WAIT seconds for the build lock (503 after that); if
         it fails, the old file is put back
      4. the caller reads the article back from the index: searchable from then on

Builds are serialised by the index folder's build lock (``search-index`` too), and writes
that wait for it together are published by one build: the first to get the lock indexes
every file written so far, and the others find nothing left to do (a group commit).
This module imports neither Flask nor click.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from indexer import store
from indexer.dates import DateError, parse_date
from indexer.sources import HEADER, MAX_ARTICLE_CHARS, Skip, make_article
from indexer.store import BuildLocked

from ..config import Config
from ..errors import (
    BuildFailed,
    Conflict,
    DocumentNotFound,
    IndexUnavailable,
    InvalidDocument,
    ReadOnly,
)
from .ids import article_path
from .worker import update_in_worker

log = logging.getLogger(__name__)

WRITE_WAIT = 10.0  # seconds a write waits for a running build before answering 503


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


def put_article(config: Config, doc_id: str, content: bytes, create_only: bool = False) -> bool:
    """Create or replace the article file, then publish it; whether it was created."""
    _check_folder(config, doc_id)
    path = article_path(config.corpus_path, doc_id)
    with _files:
        if path.is_dir():
            raise Conflict(f"« {doc_id} » est un dossier du corpus, pas un article")
        previous = path.read_bytes() if path.exists() else None
        if create_only and previous is not None:
            raise Conflict(f"l'article « {doc_id} » existe déjà : remplacez-le avec PUT")
        _make_folders(path, config.corpus_path, doc_id)
        _store(lambda: store.write_atomic(path, content), doc_id)
    _publish(config, path, content, previous)
    log.info("article %s %s", doc_id, "replaced" if previous is not None else "created")
    return previous is None


def delete_article(config: Config, doc_id: str) -> None:
    """Remove the article file, then publish the index without it; DocumentNotFound if none."""
    _check_folder(config, doc_id)
    path = article_path(config.corpus_path, doc_id)
    with _files:
        if not path.is_file():
            raise DocumentNotFound(f"aucun article « {doc_id} » dans le corpus")
        previous = path.read_bytes()
        _store(lambda: _unlink(path), doc_id)
    _publish(config, path, None, previous)
    log.info("article %s deleted", doc_id)


# The checks and file changes of concurrent writes in this process, one at a time: they
# are short. The builds that follow wait for the build lock instead.
_files = threading.Lock()


def _check_folder(config: Config, doc_id: str) -> None:
    """ReadOnly when the corpus is one file: its articles change with the file alone."""
    if config.corpus_path.is_file():
        raise ReadOnly(
            f"le corpus est un seul fichier ({config.corpus_path.name}) : « {doc_id} » ne "
            "s'écrit pas par l'API ; modifiez le fichier, puis lancez « search-index »"
        )


def _make_folders(path: Path, corpus: Path, doc_id: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise Conflict(f"« {doc_id} » passe par un article comme par un dossier") from None
    if not path.resolve().is_relative_to(corpus.resolve()):  # a folder replaced meanwhile
        raise InvalidDocument(f"identifiant invalide « {doc_id} » : il mène hors du corpus")


def _store(write: Callable[[], None], doc_id: str) -> None:
    try:
        write()
    except OSError as e:
        raise BuildFailed(
            f"article « {doc_id} » non enregistré : {e.strerror or e} ; l'index est inchangé"
        ) from e


def _unlink(path: Path) -> None:
    path.unlink()
    store.fsync_dir(path.parent)


def _publish(config: Config, path: Path, written: bytes | None, previous: bytes | None) -> None:
    """Build the index with the change; if that fails, undo the change, then raise."""
    try:
        update_in_worker(config, wait=WRITE_WAIT)
    except BuildLocked:
        _undo(path, written, previous)
        raise IndexUnavailable(
            f"l'index est en cours de construction depuis plus de {WRITE_WAIT:.0f} s : "
            "rien n'a changé, réessayez dans un moment"
        ) from None
    except BaseException:
        _undo(path, written, previous)
        raise


def _undo(path: Path, written: bytes | None, previous: bytes | None) -> None:
    """Put the previous file back, unless another write changed it meanwhile."""
    with _files:
        current = path.read_bytes() if path.is_file() else None
        if current != written:
            return
        try:
            if previous is None:
                _unlink(path)
            else:
                store.write_atomic(path, previous)
        except OSError as e:  # the corpus differs from the index until the next build
            log.error("could not restore %s after a failed build: %s", path, e)
