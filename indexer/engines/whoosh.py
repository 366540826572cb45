"""The Whoosh engine: pure Python, the default.

Fields: ``title`` and ``body`` hold stemmed French terms with positions (phrases),
``exact`` the folded, unstemmed words of both (prefix queries); ``id`` and ``source`` the
article's id and corpus file; stored, the text and the metadata; columns, what facets
and filters read. A commit is a generation of Whoosh's table of contents, read at
exactly that generation by ``whoosh_reader``; queries are translated by
``whoosh_query`` and scored by ``whoosh_matches``, with tantivy's BM25
(``whoosh_scoring``); segments are written in bulk and made durable by
``whoosh_segment``, which also removes superseded files after a grace period.
"""

from __future__ import annotations

import logging
import pickle
import struct
import threading
import zlib
from collections.abc import Iterable
from pathlib import Path

from whoosh import index
from whoosh.index import IndexError as WhooshIndexError

from ..articles import Article
from . import querytree as qt
from .base import Engine, EngineWriter, IndexCorrupt
from .fields import article_fields
from .whoosh_background import BackgroundMerges
from .whoosh_columns import NO_DATE, ColumnCache
from .whoosh_files import check_file, remove_superseded, segment_files
from .whoosh_merge import RECENT, RECENT_PER_WRITER, merge_small
from .whoosh_reader import WhooshReader
from .whoosh_schema import make_schema
from .whoosh_segment import BulkSegmentWriter

log = logging.getLogger(__name__)

KEPT_READERS = 3  # readers of recent commits kept open (requests may still be on them)

GRACE_SECONDS = 60.0  # superseded files stay this long for the readers still on them


def prepare(a: Article) -> dict:
    """An article's fields for the writer (``add_document``), analysed: picklable."""
    d = a.date
    terms = article_fields(a)
    bands = " ".join(terms.bands)
    return dict(
        id=a.id,
        source=a.source,
        title=terms.title,
        body=terms.body,
        exact=terms.exact,
        written=" ".join(terms.written),
        phrases=" ".join(terms.phrases),
        copyband=bands,
        copyband_col=bands.encode("ascii"),
        text=a.text,
        meta=(a.title, a.url, *((d.value, d.precision, d.source) if d else (None,) * 3)),
        date=qt.date_key(d.value) if d else NO_DATE,
        country=" ".join(a.countries),
        country_col=" ".join(a.countries).encode("ascii"),
    )


class WhooshWriter(EngineWriter):
    def __init__(self, ix: index.Index, merges: BackgroundMerges | None = None):
        self._merges = merges  # None: merged at commit (merge_small)
        # Not compound: a compound segment is read through copies in memory (BytesIO), one
        # per thread's reader, 25 MB each for 3,000 articles; separate files are read in place.
        # Whoosh's writer, with new documents' postings grouped in memory (whoosh_segment).
        self._w = BulkSegmentWriter(ix, limitmb=256, compound=False)
        self._added = 0

    def add(self, articles: Iterable[Article]) -> None:
        self.add_prepared(map(prepare, articles))

    def add_prepared(self, items: Iterable[object]) -> None:
        for fields in items:
            self._w.add_document(**fields)
            self._added += 1
            if self._added <= RECENT_PER_WRITER:  # a write's: the next merges add it again
                RECENT.keep(fields)

    def delete_ids(self, ids: Iterable[str]) -> None:
        for doc_id in ids:
            self._w.delete_by_term("id", doc_id)

    def delete_source(self, source: str) -> None:
        self._w.delete_by_term("source", source)

    def commit(self) -> str:
        merges = self._merges
        self._w.commit(mergetype=merge_small if merges is None else merges.policy)
        self.commit_id = str(self._w.generation)
        if merges is not None:
            merges.start_if_due()
        return self.commit_id

    def cancel(self) -> None:
        try:
            self._w.cancel()
        except Exception as e:  # noqa: BLE001 (a commit failed midway: half closed)
            log.warning("Whoosh writer not cancelled cleanly: %s", e)
        finally:  # never keep Whoosh's write lock: every later writer would fail
            _close_files(self._w)  # deleted but still open, a file keeps its disk space
            _destroy_quietly(getattr(self._w, "_tempstorage", None))  # its pool on disk
            lock = getattr(self._w, "writelock", None)
            if lock is not None and getattr(self._w, "is_closed", False) is False:
                self._w.is_closed = True
            if lock is not None:
                try:
                    lock.release()
                except Exception:  # noqa: BLE001 (already released)
                    pass


# What Whoosh raises when a searcher reads damaged segment files, found by truncating,
# zeroing, overwriting and deleting the files of an index (RELIABILITY.md) ...
READ_ERRORS = (
    OSError,
    EOFError,
    struct.error,
    zlib.error,
    pickle.UnpicklingError,
    WhooshIndexError,  # EmptyIndexError: the table of contents is gone
)
# ... and garbage decoded as data, when raised inside Whoosh's readers (not ours: a
# ValueError in our code is a bug): Whoosh reports a bad block as a bare Exception.
DATA_ERRORS = (ValueError, KeyError)


class WhooshEngine(Engine):
    name = "whoosh"
    # 2: the title's weight moved from the schema to the queries; 3: uncompressed postings;
    # 4: article vectors (indexer.dense) beside the engine's files; 5: in 128 dimensions;
    # 6: changes committed in place (a catalog beside the engine, indexer.catalog);
    # 7: the schema's tokenizer moved to whoosh_schema (the pickled schema names it);
    # 8: French terms stemmed before folding (indexer.analysis.stemming); 9: stop words
    # checked as written (indexer.analysis.stopwords); 10: words as written, title phrases
    # and near-copy bands (indexer.written, indexer.copies)
    format_version = 10
    read_errors = READ_ERRORS

    @classmethod
    def is_read_error(cls, error: BaseException) -> bool:
        if isinstance(error, READ_ERRORS):
            return True
        garbage = isinstance(error, DATA_ERRORS) or type(error) is Exception
        return garbage and _raised_by_whoosh(error)

    def __init__(self, ix: index.FileIndex, path: Path):
        self._ix, self.path = ix, path
        self._readers: dict[int, WhooshReader] = {}  # the last ones opened, by generation
        self._columns = ColumnCache()  # what their searchers read of each segment
        self._lock = threading.Lock()
        self._tocs: dict[int, tuple] = {}  # collect_garbage: each TOC's time and segments
        self._merges: BackgroundMerges | None = None  # merge_in_background

    @classmethod
    def create(cls, path: Path) -> WhooshEngine:
        path.mkdir(parents=True, exist_ok=True)
        return cls(index.create_in(str(path), make_schema()), path)

    @classmethod
    def open(cls, path: Path) -> WhooshEngine:
        try:
            return cls(index.open_dir(str(path)), path)
        # Opening reads only the table of contents, a pickle: garbage in it unpickles into
        # any exception at all (TypeError, AttributeError, ImportError...), never a bug.
        except Exception as e:
            raise IndexCorrupt(f"{path}: {type(e).__name__}: {e}") from e

    def writer(self) -> WhooshWriter:
        return WhooshWriter(self._ix, self._merges)

    def merge_in_background(self) -> None:
        self._merges = self._merges or BackgroundMerges(self._ix)

    def reader(self, commit: str | None = None) -> WhooshReader:
        generation = int(commit) if commit else self._ix.latest_generation()
        with self._lock:
            reader = self._readers.get(generation)
            if reader is None:
                reader = WhooshReader(self._ix, generation, _words_of, self._columns)
                self._readers[generation] = reader
                for old in sorted(self._readers)[:-KEPT_READERS]:
                    self._readers.pop(old).close()  # requests still on it finish on it
                kept = self._readers.values()
                self._columns.keep({s for r in kept for s in r.segment_ids})
            return reader

    def latest_commit(self) -> str:
        return str(self._ix.latest_generation())

    @classmethod
    def prepare(cls, article: Article) -> dict:
        return prepare(article)

    def files(self, reader: WhooshReader) -> list[Path]:
        return segment_files(self.path, reader.segment_ids)

    def check_file(self, path: Path) -> None:
        check_file(path)

    def collect_garbage(self, grace_seconds: float = GRACE_SECONDS) -> None:
        building = frozenset(self._merges.building) if self._merges else frozenset()
        remove_superseded(self._ix.storage, self._ix.indexname, grace_seconds, self._tocs, building)

    def close(self) -> None:
        if self._merges is not None:
            self._merges.close()
        with self._lock:
            readers, self._readers = list(self._readers.values()), {}
        for reader in readers:
            reader.close()
        self._ix.close()


def _close_files(writer) -> None:
    """Close the files a Whoosh writer left open when its commit failed midway: the
    columns' temporary file (MBs), the terms and postings being written."""
    perdoc, fields = getattr(writer, "perdocwriter", None), getattr(writer, "fieldwriter", None)
    cols = getattr(perdoc, "_cols", None)
    tindex = getattr(fields, "_tindex", None)
    for file in (
        getattr(cols, "_temp", None),
        getattr(tindex, "dbfile", None),
        getattr(fields, "_postfile", None),
    ):
        try:
            if file is not None and not getattr(file, "is_closed", False):
                file.close()
        except Exception as e:  # noqa: BLE001 (its buffer cannot be flushed: closed anyway)
            log.debug("Whoosh file closed with an error: %s", e)


def _destroy_quietly(storage) -> None:
    try:
        if storage is not None:
            storage.destroy()
    except Exception as e:  # noqa: BLE001 (gone already; collect_garbage sweeps the rest)
        log.debug("Whoosh temporary storage not removed: %s", e)


def _words_of(article: Article) -> set[str]:
    """An article's distinct folded words, as ``prepare`` indexes them in ``exact``."""
    return set(prepare(article)["exact"])


def _raised_by_whoosh(error: BaseException) -> bool:
    """Whether an exception was raised inside Whoosh's own code (its readers decoding a
    damaged file), not in ours: a ValueError of our scorer or segment code is a bug that
    no rebuild would fix, so it must not be answered "rebuild the index"."""
    tb, last = error.__traceback__, None
    while tb is not None:
        last, tb = tb, tb.tb_next
    return last is not None and last.tb_frame.f_globals.get("__name__", "").startswith("whoosh.")
