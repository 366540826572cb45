"""Article files of the corpus as the write API changes them, published in the index.

For the file engines the corpus stays the source of truth (DESIGN.md): an article
written over HTTP is a ``.txt`` file in the corpus format, a `` date YYYY-MM-DD`` header
line when it has a date, then the text. Its id is its path relative to the corpus (``ids``).

    put_article(config, "api/note.txt", content) -> created?
      in the build worker (``worker``: a process of its own, a core of its own):
      1. the build lock, within WRITE_WAIT seconds (else 503: nothing was touched)
      2. the file replaced atomically (temporary file, fsync, rename), the old one kept
      3. the index changed in place for that file alone (``indexer.update``): one engine
         commit and one catalog commit, durable; if that fails, the old file is put back
    then the caller reads the article back from the index: searchable from then on.

For the postgres engine the database is the archive: the same content is written as
rows instead, in one transaction (``rows``). A write costs its article, not the index.
Retrying a PUT writes the same file again and leaves the same index; retrying a DELETE
answers 404 and changes nothing. This module imports neither Flask nor click."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer import disk, runs, store
from indexer.dates import DateError, parse_date
from indexer.sources import HEADER, MAX_ARTICLE_CHARS, Skip, make_article
from indexer.store import BuildLocked
from indexer.update import change_sources

from ..config import Config
from ..errors import BuildFailed, Conflict, DocumentNotFound, IndexUnavailable, InvalidDocument
from .ids import article_path
from .indexing import build_failure
from .worker import in_worker

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
    """Create or replace the article file and publish it in the index, in the build
    worker; whether it was created."""
    created = in_worker(_writer_of(config), config, doc_id, content, create_only, WRITE_WAIT)
    log.info("article %s %s", doc_id, "created" if created else "replaced")
    return created


def delete_article(config: Config, doc_id: str) -> None:
    """Remove the article file and publish the index without it, in the build worker;
    DocumentNotFound if there is none."""
    in_worker(_writer_of(config), config, doc_id, None, False, WRITE_WAIT)
    log.info("article %s deleted", doc_id)


def _writer_of(config: Config):
    """What writes an article: a corpus file and the index, or rows of the archive in a
    database (``rows``: the postgres engine, where the database is the archive)."""
    if config.engine == "postgres":
        from .rows import write_row

        return write_row
    return write_article


def write_article(
    config: Config,
    doc_id: str,
    content: bytes | None,
    create_only: bool = False,
    wait: float = WRITE_WAIT,
) -> bool:
    """Write (``content``) or delete (None) one article file and change the index with
    it, holding the build lock from before the file is touched until the index commits:
    a write that cannot have the lock within WRITE_WAIT seconds changed nothing, and no
    build ever reads a file that its write has not yet published. If the index cannot
    commit the change, the file is put back as it was (never by rewriting it: by a link
    or a rename, which a full disk cannot refuse). Whether it was created."""
    corpus = config.corpus_path.resolve()
    try:
        with store.build_lock(config.index_path, wait), runs.shared_vocabulary():
            path = article_path(corpus, doc_id)
            existed = _check(path, doc_id, content, create_only)
            with _undoable(path, existed):
                _change_file(path, corpus, doc_id, content)
                rel = path.relative_to(corpus).as_posix()
                change_sources(corpus, config.index_path, config.engine, [rel])
    except BuildLocked:
        raise IndexUnavailable(
            f"l'index est en cours de construction depuis plus de {wait:.0f} s : "
            "rien n'a changé, réessayez dans un moment"
        ) from None
    except OSError as e:  # the file was put back: the corpus and the index are unchanged
        raise BuildFailed(build_failure(config, e)) from e
    return not existed


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


def _change_file(path: Path, corpus: Path, doc_id: str, content: bytes | None) -> None:
    """The new file written atomically (temporary file, fsync, rename), or removed."""
    if content is None:
        path.unlink()
        disk.fsync_dir(path.parent)
        return
    _make_folders(path, corpus, doc_id)
    disk.write_atomic(path, content)


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
