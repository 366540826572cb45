"""Articles written through the API when the archive is a database (engine "postgres").

There the database is the archive: no corpus file is written. An article is the same
``.txt`` content the file engines would store (``articles.article_file``), read as a
source file would be, and written as rows, in the write worker (its analysis is
CPU-bound Python, as for the file engines). The writes that waited together
(``commits``: the group commit) are one transaction, as they are one commit for the
file engines, so a burst of writers waits for one commit and one replay, not one each:

    1. the archive's write lock, within WRITE_WAIT seconds (else 503: nothing changed)
    2. each write checked in the transaction, under the lock: a DELETE of an id the
       archive does not hold is 404, a POST of an id it holds is 409, each alone; the
       other articles' rows, their frequencies and their vectors written, and the whole
       committed on the primary, or nothing at all (a refused batch changed nothing)
    3. the commit replayed where this service reads (a standby), within a few seconds:
       the articles are searchable on every replica that reads there once acknowledged;
       a standby that has not replayed it by then makes each write a 503 that says so
       (written, not yet searchable: not to be done again), never a success

PUT replaces the row of its id (retrying it leaves the same archive). An unreachable
primary is 503 with a French message, while reads go on from the standby.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from indexer.articles import Article
from indexer.sources import HEADER, make_article

from ..config import Config
from ..errors import (
    BuildFailed,
    Conflict,
    DocumentNotFound,
    IndexUnavailable,
    InvalidDocument,
    SearchError,
)
from .indexing import archive, primary_unreachable, psycopg_errors

if TYPE_CHECKING:
    from .articles import Published, Write

log = logging.getLogger(__name__)


def write_rows(config: Config, writes: list[Write], wait: float) -> list[Published | SearchError]:
    """Write (``content``, a ``.txt`` file's bytes) or delete (None) these articles in
    the archive, in one transaction; per write, ``Published`` (whether it created its
    article, and the article as written) or the error that refused it alone. Run in the
    write worker; the ids are distinct."""
    from indexer.database_import import write_articles
    from indexer.store import BuildLocked

    from .articles import Published

    refused: dict[str, SearchError] = {}
    put: list[Article] = []
    for write in writes:
        if write.content is not None:
            try:
                put.append(_article(write.doc_id, write.content))
            except SearchError as e:
                refused[write.doc_id] = e
    delete = [write.doc_id for write in writes if write.content is None]
    create_only = frozenset(write.doc_id for write in writes if write.create_only)
    database = archive(config)
    try:
        written = write_articles(database, put, delete, wait, create_only)
    except BuildLocked:
        raise IndexUnavailable(
            f"une autre écriture ou un import tient l'archive depuis plus de {wait:.0f} s : "
            "rien n'a changé, réessayez dans un moment"
        ) from None
    except psycopg_errors() as e:
        raise BuildFailed(primary_unreachable(database, e)) from e
    if written.replay_seconds > 0.001:
        seconds = written.replay_seconds
        log.info("%d writes replayed by the read server in %.3f s", len(writes), seconds)
    if not written.replayed:
        waited = written.replay_seconds
        log.warning("%d writes not replayed by the read server after %.1f s", len(writes), waited)
        for write in writes:
            refused.setdefault(write.doc_id, _not_replayed(written.replay_seconds))
    for doc_id in written.missing:
        refused[doc_id] = DocumentNotFound(f"aucun article « {doc_id} » dans l'archive")
    for doc_id in written.existing:
        refused[doc_id] = Conflict(f"l'article « {doc_id} » existe déjà : remplacez-le avec PUT")
    articles = {a.id: a for a in put}
    return [
        refused.get(w.doc_id) or Published(w.doc_id in written.created, articles.get(w.doc_id))
        for w in writes
    ]


def _not_replayed(seconds: float) -> BuildFailed:
    return BuildFailed(
        "écriture enregistrée sur le serveur primaire, mais le serveur où ce service lit "
        f"(un secondaire) ne l'a pas encore rejouée après {seconds:.0f} s : elle sera "
        "cherchable dès qu'il aura rattrapé son retard ; ne la refaites pas (relisez "
        "l'article dans un moment)"
    )


def warm_up_rows(config: Config) -> None:
    """Connect to the primary and read the word vectors now, in the worker: the first
    write then does not pay for them. An unreachable primary is left to that write."""
    from indexer.wordvectors import word_vectors

    word_vectors()
    try:
        with archive(config).engine().pool.connection() as conn:
            conn.execute("SELECT 1")
    except psycopg_errors() as e:
        log.warning("the archive's primary cannot be reached yet: %s", e)


def _article(doc_id: str, content: bytes) -> Article:
    """The article of a ``.txt`` file's content, as an import would read it; its source
    is its id (no file holds it)."""
    text = content.decode("utf-8")
    header = None
    match = HEADER.match(text)
    if match:
        header, text = match.group(1), text[match.end() :]
    skips: list = []
    article = make_article(doc_id, text, header=header, file=doc_id, skips=skips)
    if article is None:  # article_file made it once already: not expected
        raise InvalidDocument(f"article refusé : {skips[0].reason if skips else 'illisible'}")
    return article
