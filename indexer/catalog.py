"""A generation's catalog: what its index holds, beside the engine, in one SQLite file.

    gen-…/catalog.sqlite
      commits    every change applied in place, numbered: the engine's commit it matches
      sources    each source file indexed: size, mtime, SHA-1 of the bytes indexed, articles
      pending    the sources a change is about to touch (a write-ahead intent)
      words      the vocabulary: each folded word and the articles that hold it (df), with
                 the commit that last changed it
      vectors    the article vectors of articles written after the build (the build's own
                 are in ``dense-model.npz``); NULL: a build's article since removed
      changed    the ids of the articles each commit after the build added, replaced or
                 removed (what a reader updates of what it derived from an earlier commit)

A change is applied in three steps, under the index folder's build lock: its sources
go into ``pending`` (``begin``), the engine commits, then one transaction records the
sources, the words' and vectors' changes and a new commit, and clears ``pending``
(``apply``). A crash between them leaves ``pending`` rows: the next writer re-indexes
those sources from the corpus and recounts the vocabulary (``recover`` in
``indexer.update``), so the catalog never says a source is indexed when it is not.

Readers read in one transaction (``read``), so the commit, the words and the vectors they
see belong together; ``since`` gives what changed after a commit they already hold.
SQLite (the standard library's) in WAL mode: one writer, readers that never wait for it,
and each commit durable when ``apply`` returns.
"""

from __future__ import annotations

import errno
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .engines.base import IndexCorrupt
from .sources import Signature

FILE = "catalog.sqlite"
SQLITE_FULL, SQLITE_IOERR = 13, 10  # sqlite3's result codes for a full disk, an I/O error
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commits (
    number INTEGER PRIMARY KEY, engine_commit TEXT NOT NULL, at TEXT NOT NULL,
    doc_count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    rel TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    sha1 TEXT NOT NULL, articles INTEGER NOT NULL, commit_number INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending (rel TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS words (
    word TEXT PRIMARY KEY, df INTEGER NOT NULL, commit_number INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS words_by_commit ON words (commit_number);
CREATE TABLE IF NOT EXISTS vectors (
    id TEXT PRIMARY KEY, vector BLOB, commit_number INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS vectors_by_commit ON vectors (commit_number);
CREATE TABLE IF NOT EXISTS changed (
    commit_number INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY (commit_number, id));
"""


@dataclass
class Change:
    """What one commit changes besides the engine: the sources indexed (None: removed),
    the document frequency of each word (+1 an article added, -1 one removed), the vectors
    of the articles written (None: one of the build's removed), the article count after."""

    sources: dict[str, Signature | None] = field(default_factory=dict)
    words: dict[str, int] = field(default_factory=dict)
    vectors: dict[str, bytes | None] = field(default_factory=dict)
    articles: set[str] = field(default_factory=set)  # ids added, replaced or removed
    doc_count: int = 0
    vectors_reset: bool = False  # the model was made anew from every article: none later

    def count_words(self, words: Iterable[str], sign: int) -> None:
        """One article's distinct words, added (+1) or removed (-1)."""
        for word in set(words):
            self.words[word] = self.words.get(word, 0) + sign


@dataclass(frozen=True)
class Commit:
    """A commit of the catalog: its number, the engine's commit and the article count."""

    number: int
    engine_commit: str
    doc_count: int


class Catalog:
    """The catalog of one generation; thread-safe (a connection per thread)."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()

    @classmethod
    def create(cls, gen: Path, meta: Mapping[str, str]) -> Catalog:
        """A new, empty catalog in a generation being built."""
        catalog = cls(gen / FILE)
        catalog._db().executescript(SCHEMA)  # its own transaction (executescript commits)
        with catalog._write() as db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        return catalog

    @classmethod
    def open(cls, gen: Path) -> Catalog:
        """The catalog of a generation; IndexCorrupt when it is missing or unreadable."""
        path = gen / FILE
        if not path.is_file():
            raise IndexCorrupt(f"{path}: no catalog")
        catalog = cls(path)
        try:
            catalog.last()
        except sqlite3.Error as e:
            raise IndexCorrupt(f"{path}: {e}") from e
        return catalog

    # -- connections ---------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a commit is on disk when it returns
            db.execute("PRAGMA busy_timeout=10000")
            self._local.db = db
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.OperationalError as e:
            if getattr(e, "sqlite_errorcode", None) in (SQLITE_FULL, SQLITE_IOERR):
                # The file system failed it, as for the engine's files: OSError, so the
                # build says "disque plein" and the write puts the file back.
                code = errno.ENOSPC if e.sqlite_errorcode == SQLITE_FULL else errno.EIO
                raise OSError(code, f"{self.path}: {e}") from e
            raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: everything read in it belongs to one commit."""
        db = self._db()
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection (others close with their threads)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- the writer's side -----------------------------------------------------------------

    def begin(self, rels: Iterable[str]) -> None:
        """Record the sources a change is about to touch, before the engine does."""
        with self._write() as db:
            db.executemany("INSERT OR IGNORE INTO pending VALUES (?)", ((r,) for r in rels))

    def apply(
        self,
        change: Change,
        engine_commit: str,
        vocabulary: Iterable[tuple[str, int]] | None = None,
    ) -> Commit:
        """Record a change the engine has committed, as the next commit; clears its
        sources' intents. Durable when it returns.

        :param vocabulary: the whole vocabulary counted anew from the engine (a build, a
            recovery), instead of the change's words: readers then reload it whole.
        """
        with self._write() as db:
            (last,) = db.execute("SELECT coalesce(max(number), 0) FROM commits").fetchone()
            number = last + 1
            if change.vectors_reset:
                db.execute("DELETE FROM vectors")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('vectors_reset', ?)", (number,))
            self._record(db, change, number)
            if vocabulary is not None:
                db.execute("DELETE FROM words")
                db.executemany(
                    "INSERT INTO words VALUES (?, ?, ?)", ((w, n, number) for w, n in vocabulary)
                )
                db.execute("INSERT OR REPLACE INTO meta VALUES ('words_reset', ?)", (number,))
            db.execute(
                "INSERT INTO commits VALUES (?, ?, ?, ?)",
                (number, engine_commit, _now(), change.doc_count),
            )
        return Commit(number, engine_commit, change.doc_count)

    def _record(self, db: sqlite3.Connection, change: Change, number: int) -> None:
        for rel, sig in change.sources.items():
            db.execute("DELETE FROM pending WHERE rel = ?", (rel,))
            if sig is None:
                db.execute("DELETE FROM sources WHERE rel = ?", (rel,))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?)",
                    (rel, sig.size, sig.mtime_ns, sig.sha1, sig.articles, number),
                )
        for word, delta in change.words.items():
            if not delta:
                continue
            updated = db.execute(
                "UPDATE words SET df = max(df + ?, 0), commit_number = ? WHERE word = ?",
                (delta, number, word),
            )
            if not updated.rowcount and delta > 0:
                db.execute("INSERT INTO words VALUES (?, ?, ?)", (word, delta, number))
        db.executemany(
            "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
            ((doc_id, vector, number) for doc_id, vector in change.vectors.items()),
        )
        db.executemany(
            "INSERT OR IGNORE INTO changed VALUES (?, ?)",
            ((number, doc_id) for doc_id in sorted(change.articles)),
        )

    def pending(self) -> list[str]:
        """The sources of a change that did not finish (a crash, a failed commit)."""
        with self.read() as db:
            return [rel for (rel,) in db.execute("SELECT rel FROM pending ORDER BY rel")]

    # -- the readers' side -----------------------------------------------------------------

    def last(self) -> Commit | None:
        """The latest commit (None before the first)."""
        row = (
            self._db()
            .execute(
                "SELECT number, engine_commit, doc_count FROM commits ORDER BY number DESC LIMIT 1"
            )
            .fetchone()
        )
        return Commit(*row) if row else None

    def meta(self) -> dict[str, str]:
        return dict(self._db().execute("SELECT key, value FROM meta"))

    def sources(self) -> dict[str, Signature]:
        """Every source indexed, with its signature."""
        rows = self._db().execute("SELECT rel, size, mtime_ns, sha1, articles FROM sources")
        return {rel: Signature(*sig) for rel, *sig in rows}

    def words(self, db: sqlite3.Connection, since: int = 0) -> list[tuple[str, int]]:
        """(word, df) of the words changed after commit ``since`` (0: all of them; a
        df of 0: a word no article holds any more)."""
        return db.execute("SELECT word, df FROM words WHERE commit_number > ?", (since,)).fetchall()

    def reset_at(self, db: sqlite3.Connection, what: str) -> int:
        """The commit at which ``what`` ("words" or "vectors") was last made anew: a
        reader holding an older commit reloads it whole (rows deleted are not in the
        changes since)."""
        row = db.execute("SELECT value FROM meta WHERE key = ?", (f"{what}_reset",)).fetchone()
        return int(row[0]) if row else 0

    def vectors(self, db: sqlite3.Connection, since: int = 0) -> list[tuple[str, bytes | None]]:
        """(id, vector) of the article vectors changed after commit ``since``."""
        return db.execute(
            "SELECT id, vector FROM vectors WHERE commit_number > ?", (since,)
        ).fetchall()

    def changed(self, db: sqlite3.Connection, after: int, upto: int) -> set[str]:
        """The ids of the articles added, replaced or removed by the commits after
        ``after`` up to ``upto`` included."""
        rows = db.execute(
            "SELECT id FROM changed WHERE commit_number > ? AND commit_number <= ?", (after, upto)
        )
        return {doc_id for (doc_id,) in rows}

    def commit_in(self, db: sqlite3.Connection) -> Commit | None:
        """The latest commit, in a read transaction."""
        row = db.execute(
            "SELECT number, engine_commit, doc_count FROM commits ORDER BY number DESC LIMIT 1"
        ).fetchone()
        return Commit(*row) if row else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
