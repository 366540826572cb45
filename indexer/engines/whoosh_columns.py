"""What a Whoosh searcher holds in memory, read once per segment, not once per commit.

A search needs, for every document, its id, date and countries (hits, sorting, facets,
filters) and its field lengths (BM25). Whoosh reads a column value by value (a seek and
a read each): at 34,160 articles, 0.5 s to fill a searcher, and every commit (an API
write) opened new ones, a cost of the archive paid for each write of one article.

A segment's files never change once written, so what is read of them is kept here by
segment id (``ColumnCache``, one per engine and process): a new commit reads only the
segments it adds, and a searcher's lists are the concatenation of its segments' lists.
Deletions are per commit and are not kept: they are asked of the commit's readers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from .base import IndexCorrupt

NO_DATE = "0000-00-00"  # sorts after every real date when newest come first

# A length byte decoded (None for 0, "no length"), as a value and as a float (NaN).
_LENGTHS = [None, *(byte_to_length(b) for b in range(1, 256))]
_LENGTH_FLOATS = np.array([np.nan, *_LENGTHS[1:]], dtype=np.float64)


@dataclass
class SegmentColumns:
    """One segment's columns, by local document number (deleted documents included)."""

    ids: list[str]
    dates: list[str]  # date keys: 2021-06-00 for June 2021, NO_DATE
    years: list[str | None]  # None: undated
    months: list[str | None]  # None: undated, or no month
    countries: list[list[str]]
    bands: list[list[str]]  # near-copy bands (``indexer.copies``)
    lengths: LengthTable
    _first: dict[str, int] | None = None

    @classmethod
    def read(cls, reader) -> SegmentColumns:
        """The columns of a segment (a Whoosh ``SegmentReader``)."""
        dates = list(reader.column_reader("date"))
        return cls(
            ids=list(reader.column_reader("id")),
            dates=dates,
            years=[None if key == NO_DATE else key[:4] for key in dates],
            months=[None if key[5:7] == "00" else key[:7] for key in dates],
            countries=[b.decode("ascii").split() for b in reader.column_reader("country_col")],
            bands=[b.decode("ascii").split() for b in reader.column_reader("copyband_col")],
            lengths=length_table(reader),
        )

    def docnum(self, doc_id: str, reader) -> int | None:
        """The first live local document of this id in the segment (None: none)."""
        if self._first is None:
            first: dict[str, int] = {}
            for docnum, each in enumerate(self.ids):
                first.setdefault(each, docnum)
            self._first = first
        docnum = self._first.get(doc_id)
        if docnum is None or not reader.is_deleted(docnum):
            return docnum
        # The first one is deleted (rare: a segment rewritten with a later copy).
        later = range(docnum + 1, len(self.ids))
        return next((d for d in later if self.ids[d] == doc_id and not reader.is_deleted(d)), None)


class ColumnCache:
    """Segments' columns by segment id, shared by the readers of one engine. Segments no
    longer in the latest commit are forgotten when a newer one is read (``keep``)."""

    def __init__(self):
        self._by_segment: dict[str, SegmentColumns] = {}
        self._lock = threading.Lock()

    def of(self, segment_id: str, reader) -> SegmentColumns:
        with self._lock:
            found = self._by_segment.get(segment_id)
        if found is None:
            found = SegmentColumns.read(reader)  # outside the lock: others read on
            with self._lock:
                found = self._by_segment.setdefault(segment_id, found)
        return found

    def keep(self, segment_ids: set[str]) -> None:
        """Forget the segments outside ``segment_ids`` (and those of older commits)."""
        with self._lock:
            for gone in set(self._by_segment) - segment_ids:
                del self._by_segment[gone]


class SearcherColumns:
    """A commit's columns, by global document number: its segments' lists joined."""

    def __init__(self, searcher, cache: ColumnCache):
        self._leaves = []
        self.ids: list[str] = []
        self.dates: list[str] = []
        self.years: list[str | None] = []
        self.months: list[str | None] = []
        self.countries: list[list[str]] = []
        self.bands: list[list[str]] = []
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            columns = cache.of(reader._segment.segment_id(), reader)
            leaf.doc_field_length = columns.lengths
            self._leaves.append((columns, reader, offset))
            self.ids += columns.ids
            self.dates += columns.dates
            self.years += columns.years
            self.months += columns.months
            self.countries += columns.countries
            self.bands += columns.bands

    def docnum(self, doc_id: str) -> int | None:
        """The first live document of this id (``searcher.document(id=...)``'s answer)."""
        for columns, reader, offset in self._leaves:
            docnum = columns.docnum(doc_id, reader)
            if docnum is not None:
                return offset + docnum
        return None


def length_table(reader) -> LengthTable:
    """``doc_field_length`` of a segment from its length columns, read once: one byte
    per document, decoded through a 256-entry table rather than one by one."""
    perdoc = getattr(reader, "_perdoc", None)  # None: an index without any segment
    tables = {}
    if perdoc is None:
        return LengthTable(tables)
    for name in reader.schema.scorable_names():
        column = _lenfield(name)
        if perdoc.has_column(column):
            tables[name] = _length_bytes(perdoc.column_reader(column, LENGTHS_COLUMN))
    return LengthTable(tables)


def _length_bytes(column) -> bytes:
    """A length column's bytes, one per document, read in one go (Whoosh's reader,
    ``NumericColumn.Reader`` of "B", unpacks them one by one)."""
    if column._fixedlen != 1 or column._default != 0:
        raise IndexCorrupt(f"{column!r}: not a column of length bytes")
    data = column._dbfile.get(column._basepos, column._count) if column._count else b""
    return data + bytes(max(column._doccount - column._count, 0))  # past its end: 0


class LengthTable:
    """A segment's ``doc_field_length``, from lists read once, and the same lengths as
    float arrays (``arrays``: NaN for None) for scoring whole posting lists at once.

    BM25F asks for a field's length at every match it scores; Whoosh reads the byte from
    the column file each time (a seek and a read). Same values: the decoded byte, None
    for a zero byte, ``default`` for a field without lengths.
    """

    def __init__(self, tables: dict[str, bytes]):
        """``tables``: each field's length bytes, one per document."""
        self._tables = {name: list(map(_LENGTHS.__getitem__, b)) for name, b in tables.items()}
        self.arrays = {
            name: _LENGTH_FLOATS[np.frombuffer(b, dtype=np.uint8)] for name, b in tables.items()
        }

    def __call__(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        table = self._tables.get(fieldname)
        return default if table is None else table[docnum]
