"""The corpus folder as the write API changes it: safe ids, article files, published writes.

The corpus stays the source of truth (DESIGN.md): an article written over HTTP is a
``.txt`` file in the corpus format, a `` date YYYY-MM-DD`` header line when it has a date,
then the text. Its id is its path relative to the corpus, as for any ``.txt`` article.

    put_article(config, index, "api/note.txt", content)
      1. the id and the text were checked (``check_id``, ``article_file``)
      2. the file is replaced atomically (temporary file, fsync, rename)
      3. an incremental build publishes a new generation (``builder``: in a worker
         process), waiting up to WRITE_WAIT seconds for the build lock (503 after that);
         if it fails, the old file is put back
      4. the article is read back from the index: it is searchable from then on

Builds are serialised by the index folder's build lock (``search-index`` too), and writes
that wait for it together are published by one build: the first to get the lock indexes
every file written so far, and the others find nothing left to do (a group commit).
This module imports neither Flask nor click.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from indexer import store
from indexer.articles import Article
from indexer.dates import DateError, parse_date
from indexer.sources import HEADER, MAX_ARTICLE_CHARS, Skip, make_article
from indexer.store import BuildLocked, IndexHandle

from . import builder, core
from .config import Config
from .errors import (
    BuildFailed,
    Conflict,
    DocumentNotFound,
    IndexUnavailable,
    InvalidDocument,
    ReadOnly,
)

log = logging.getLogger(__name__)

API_FOLDER = "api"  # where POST puts the articles it names
MAX_ID_CHARS = 200
MAX_NAME_BYTES = 255  # one path segment, as file systems allow
WRITE_WAIT = 10.0  # seconds a write waits for a running build before answering 503
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
# Letters, marks, digits, punctuation, symbols and the plain space: no control, format
# (bidi overrides), private-use, unassigned or surrogate characters, no other spaces.
ID_CATEGORIES = ("L", "M", "N", "P", "S")


@dataclass(frozen=True)
class Written:
    """An article as the index holds it after a write, and whether the write created it."""

    article: Article
    created: bool


def new_id() -> str:
    """A fresh id for an article that the client did not name: 'api/<32 hex>.txt'."""
    return f"{API_FOLDER}/{uuid.uuid4().hex}.txt"


def check_id(doc_id: object) -> str:
    """The id of a writable article; InvalidDocument or ReadOnly (JSONL) with the reason."""
    if not isinstance(doc_id, str) or not doc_id:
        raise InvalidDocument("identifiant manquant : une chaîne comme « api/note.txt »")
    shown = doc_id[:80] + ("…" if len(doc_id) > 80 else "")
    if len(doc_id) > MAX_ID_CHARS:
        raise InvalidDocument(f"identifiant trop long ({len(doc_id)} caractères) : 200 au plus")
    source = doc_id.split("#", 1)[0]
    if source.endswith(JSONL_SUFFIXES):
        raise ReadOnly(
            f"« {shown} » vient du fichier JSONL « {source} », en lecture seule par l'API : "
            "modifiez ce fichier dans le corpus, puis lancez « search-index »"
        )
    reason = _id_problem(doc_id)
    if reason:
        raise InvalidDocument(f"identifiant invalide « {shown} » : {reason}")
    return doc_id


def _id_problem(doc_id: str) -> str | None:
    if not doc_id.endswith(".txt"):
        return "un article écrit par l'API est un fichier .txt (comme api/note.txt)"
    if "\\" in doc_id or "#" in doc_id:
        return "ni « \\ » ni « # »"
    if any(ch != " " and unicodedata.category(ch)[0] not in ID_CATEGORIES for ch in doc_id):
        return "caractère de contrôle ou invisible"
    for segment in doc_id.split("/"):
        if segment in ("", ".", "..") or segment.startswith("."):
            return "chemin relatif au corpus attendu, sans « .. », « / » initial ni nom caché"
        if segment != segment.strip() or len(segment.encode("utf-8")) > MAX_NAME_BYTES:
            return "nom de fichier trop long ou entouré d'espaces"
    return None


def article_path(corpus: Path, doc_id: str) -> Path:
    """The file of a checked id, which must resolve inside the corpus (symlinks followed)."""
    root = corpus.resolve()
    path = root.joinpath(*doc_id.split("/"))
    if not path.resolve().is_relative_to(root):
        raise InvalidDocument(f"identifiant invalide « {doc_id} » : il mène hors du corpus")
    return path


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


def put_article(
    config: Config, index: IndexHandle, doc_id: str, content: bytes, create_only: bool = False
) -> Written:
    """Create or replace the article file, then publish it; the article as indexed."""
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
    try:
        return Written(core.get_document(index, doc_id), previous is None)
    except DocumentNotFound:  # a DELETE of the same id came between
        raise Conflict(f"l'article « {doc_id} » a été supprimé entre-temps") from None


def delete_article(config: Config, doc_id: str) -> None:
    """Remove the article file, then publish the index without it; DocumentNotFound if none."""
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
        builder.build(config, wait=WRITE_WAIT)
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
