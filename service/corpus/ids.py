"""The ids an API write may use, and the files of the corpus they name.

An article written over HTTP is a ``.txt`` file of the corpus; its id is its path
relative to the corpus, with ``/`` separators, as for any ``.txt`` article. An id is
checked before anything is touched: no way out of the corpus (``..``, an absolute path,
``\\``, a hidden name, a symbolic link that leads outside), no invisible or control
character, no JSONL article (those change with their source file only).
"""

from __future__ import annotations

import os
import unicodedata
import uuid
from pathlib import Path

from indexer.sources import nfc

from ..errors import InvalidDocument, ReadOnly

API_FOLDER = "api"  # where POST puts the articles it names
MAX_ID_CHARS = 200
MAX_NAME_BYTES = 255  # one path segment, as file systems allow
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
# Letters, marks, digits, punctuation, symbols and the plain space: no control, format
# (bidi overrides), private-use, unassigned or surrogate characters, no other spaces.
ID_CATEGORIES = ("L", "M", "N", "P", "S")


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
    return nfc(doc_id)  # ids are NFC: "é" as one character or as "e" and an accent


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
    """The file of a checked id, which must resolve inside the corpus (symlinks followed).

    Each segment is the existing entry whose name is the id's once normalised (NFC), if
    any: a file named in decomposed form (as macOS writes names) is the article of the
    same id, replaced in place, never doubled by a second file.
    """
    root = corpus.resolve()
    path = root
    for segment in doc_id.split("/"):
        path = _entry(path, segment)
    if not path.resolve().is_relative_to(root):
        raise InvalidDocument(f"identifiant invalide « {doc_id} » : il mène hors du corpus")
    return path


def _entry(folder: Path, name: str) -> Path:
    """``folder / name``, or the entry of ``folder`` whose NFC name is ``name``."""
    exact = folder / name
    if exact.exists() or exact.is_symlink() or not folder.is_dir():
        return exact
    try:
        return next((folder / entry for entry in os.listdir(folder) if nfc(entry) == name), exact)
    except OSError:
        return exact
