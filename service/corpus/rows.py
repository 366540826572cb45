"""Articles written through the API when the archive is a database (engine "postgres").

There the database is the archive: no corpus file is written. An article is the same
``.txt`` content the file engines would store (``articles.article_file``), read as a
source file would be, and written as rows in one transaction
(``indexer.database_import.write_articles``), in the write worker (its analysis is
CPU-bound Python, as for the file engines):

    1. the archive's write lock, within WRITE_WAIT seconds (else 503: nothing changed)
    2. the article's row, its frequencies and its vector, one transaction: committed on
       the primary, or nothing at all (a refused write changed nothing)
    3. the commit replayed where this service reads (a standby), within a few seconds:
       the article is searchable on every replica that reads there once acknowledged

PUT replaces the row of its id (retrying it leaves the same archive); DELETE of an id
the archive does not hold is 404. An unreachable primary is 503 with a French message,
while reads go on from the standby.
"""

from __future__ import annotations

import logging

from indexer.articles import Article
from indexer.sources import HEADER, make_article

from ..config import Config
from ..errors import BuildFailed, Conflict, DocumentNotFound, IndexUnavailable, InvalidDocument
from .indexing import archive, primary_unreachable, psycopg_errors

log = logging.getLogger(__name__)


def write_row(
    config: Config, doc_id: str, content: bytes | None, create_only: bool, wait: float
) -> bool:
    """Write (``content``, a ``.txt`` file's bytes) or delete (None) one article in the
    archive; whether it was created. Run in the write worker."""
    from indexer.database_import import ArticleMissing, write_articles
    from indexer.store import BuildLocked

    database = archive(config)
    put = [] if content is None else [_article(doc_id, content)]
    try:
        if create_only and _exists(database, doc_id):
            raise Conflict(f"l'article « {doc_id} » existe déjà : remplacez-le avec PUT")
        written = write_articles(database, put, [] if put else [doc_id], wait)
    except ArticleMissing:
        raise DocumentNotFound(f"aucun article « {doc_id} » dans l'archive") from None
    except BuildLocked:
        raise IndexUnavailable(
            f"une autre écriture ou un import tient l'archive depuis plus de {wait:.0f} s : "
            "rien n'a changé, réessayez dans un moment"
        ) from None
    except psycopg_errors() as e:
        raise BuildFailed(primary_unreachable(database, e)) from e
    if written.replay_seconds > 0.001:
        log.info("article %s replayed by the read server in %.3f s", doc_id, written.replay_seconds)
    return doc_id in written.created


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


def _exists(database, doc_id: str) -> bool:
    """Whether the primary holds the article (a POST may not replace one)."""
    engine = database.engine()
    with engine.pool.connection() as conn:
        statement = engine.tables.sql("SELECT 1 FROM {articles} WHERE id = %s")
        return conn.execute(statement, (doc_id,)).fetchone() is not None
