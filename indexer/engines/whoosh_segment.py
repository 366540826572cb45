"""Write a batch of documents as one Whoosh segment, without Whoosh's per-posting path.

Whoosh's ``SegmentWriter.add_document`` turns every posting into a tuple in a sorting
pool (spilled to temporary files), and its commit sorts them and encodes them one call
per posting: two thirds of a product build. ``BulkSegmentWriter`` keeps the analysed
fields' tokens as term numbers in arrays as documents arrive (``_Tokens``), groups them
into postings once with a stable sort at the commit (document numbers only grow, so each
term's postings come out in order), then writes each term's blocks directly in Whoosh's
W3 format: the term index, the posting blocks, the per-document lengths, stored fields and columns
of a normal segment, which Whoosh's own readers open. Deletions, locking, merging of
small segments and the table of contents stay Whoosh's (it is a ``SegmentWriter``).

Posting blocks are written uncompressed, which their header allows (compression 0):
``zlib.compress`` costs ~50 µs a call whatever the size, most terms have a single
one-posting block, and readers skip the decompression too. They are pickled with a
newer protocol than Whoosh's (``PICKLE_PROTOCOL``), which its readers load as well.
"""

from __future__ import annotations

import gc
import pickle
import struct
from array import array
from contextlib import contextmanager
from heapq import merge
from itertools import chain
from operator import sub

from whoosh import formats
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import _lengths as _KEY_VALUE_LENGTHS
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from .whoosh_files import write_toc

BLOCK = 128  # postings per block: W3Codec's blocklimit
# Whoosh pickles blocks with protocol 2, where bytes (the position values) go through
# _codecs.encode calls; readers unpickle any protocol, and with 5 a block of positions is
# half the size, 17 times faster to write and 10 times faster to read.
PICKLE_PROTOCOL = 5
_TERMINFO = W3TermInfo._struct  # flags, weight, doc freq, min/max length, max weight, ids


class _Postings:
    """One term's postings in one field: document numbers, weights, encoded values."""

    __slots__ = ("docs", "weights", "values")

    def __init__(self, values: bool):
        self.docs = array("I")
        self.weights = array("f")  # as Whoosh's block buffer: single precision
        self.values: list[bytes] | None = [] if values else None

    @classmethod
    def of(cls, docs, weights, values) -> _Postings:
        postings = cls.__new__(cls)
        postings.docs, postings.weights, postings.values = docs, weights, values
        return postings


class _Vocabulary(dict):
    """Term -> its number, numbered as first seen: ``vocabulary[term]`` in C for known terms."""

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        return number


class _EncodedPositions(dict):
    """A single position -> its encoded value, shared by every posting with that one position."""

    def __missing__(self, pos: int) -> bytes:
        value = self[pos] = _encode_positions([pos])
        return value


class _Tokens:
    """One text field's analysed terms for the whole batch, as term numbers in order.

    Adding a document is two C loops (numbering its terms, extending an array), not a few
    Python operations per distinct term; the postings are grouped once, at the commit, by
    sorting every token by term with NumPy. That was a third of a build.
    """

    __slots__ = ("vocabulary", "ids", "docs", "lengths", "positions")

    def __init__(self, positions: bool):
        self.vocabulary = _Vocabulary()
        self.ids = array("I")  # every token's term number, document after document
        self.docs = array("I")  # the documents added, in order
        self.lengths = array("I")  # their token counts
        self.positions = positions  # Positions format, else Frequency

    def add(self, docnum: int, words) -> None:
        self.ids.extend(map(self.vocabulary.__getitem__, words))
        self.docs.append(docnum)
        self.lengths.append(len(words))

    def postings(self):
        """(term bytes, _Postings) in byte order, posting for posting what grouping each
        document's terms as it arrived made: same documents, weights and encoded values."""
        import numpy as np  # lazily: a service that never builds does not pay its import

        keys = [term.encode("utf-8") for term in self.vocabulary]
        by_bytes = sorted(range(len(keys)), key=keys.__getitem__)
        rank = np.empty(len(keys), dtype=np.uint32)  # term number -> its place in byte order
        rank[by_bytes] = np.arange(len(keys), dtype=np.uint32)
        terms = rank[np.frombuffer(self.ids, dtype=np.uint32)]
        lengths = np.frombuffer(self.lengths, dtype=np.uint32).astype(np.int64)
        docs = np.repeat(np.frombuffer(self.docs, dtype=np.uint32), lengths)
        positions = np.arange(len(terms), dtype=np.int64) - np.repeat(
            np.cumsum(lengths) - lengths, lengths
        )
        order = np.argsort(terms, kind="stable")  # by term, then document, then position
        terms, docs, positions = terms[order], docs[order], positions[order]
        del order
        # A posting is a run of one term in one document; a term's postings, a run of them.
        starts = np.ones(len(terms), dtype=bool)
        starts[1:] = (terms[1:] != terms[:-1]) | (docs[1:] != docs[:-1])
        begins = np.flatnonzero(starts)
        counts = np.diff(np.append(begins, len(terms)))
        posting_terms = terms[begins]
        term_begins = np.flatnonzero(np.append(True, posting_terms[1:] != posting_terms[:-1]))
        term_ends = np.append(term_begins[1:], len(begins))
        # Python lists per term only, as each is written: for the whole field they took
        # more memory than the rest of the build (34,160 articles: 4.5 M postings).
        weights = counts.astype(np.float32)  # as Whoosh's block buffer: float32
        docs = docs[begins]
        values = _encoded_positions(np, positions, begins, counts) if self.positions else None
        del terms, positions
        for term, first, last in zip(
            posting_terms[term_begins].tolist(),
            term_begins.tolist(),
            term_ends.tolist(),
            strict=True,
        ):
            run = values[first:last].tolist() if values is not None else None
            postings = _Postings.of(docs[first:last].tolist(), weights[first:last].tolist(), run)
            yield keys[by_bytes[term]], postings


def _encoded_positions(np, positions, begins, counts):
    """Each posting's value (``_encode_positions``, in an object array), from the
    positions sorted by posting, where each posting begins, and how many it has."""
    values = np.empty(len(begins), dtype=object)
    single = counts == 1  # most postings: one encoded value per position, shared
    values[single] = list(map(_EncodedPositions().__getitem__, positions[begins[single]].tolist()))
    many = np.flatnonzero(~single)
    deltas = np.diff(positions, prepend=0)
    deltas[begins] = positions[begins]
    deltas = deltas.tolist()
    values[many] = [
        pack_uint(count) + pickle.dumps(deltas[first : first + count], 2)
        for first, count in zip(begins[many].tolist(), counts[many].tolist(), strict=True)
    ]
    return values


class BulkSegmentWriter(SegmentWriter):
    """A Whoosh ``SegmentWriter`` whose new documents skip the posting pool.

    ``add_document`` takes the same fields as Whoosh's. Text fields that store positions
    or frequencies may be given as lists of already analysed terms (positions are then
    consecutive, as ``PreAnalyzedTokenizer`` makes them); other fields go through
    ``field.index`` as in Whoosh. Boosts (``_boost`` keys) and term vectors are not
    supported. Its commits are durable and delete nothing (``whoosh_files``).
    """

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: vectors and spelling are not supported")
        # The segments of the commit it starts from (Whoosh appends to ``segments``).
        self.started_with = frozenset(segment.segment_id() for segment in self.segments)
        self._postings: dict[str, dict] = {}  # field -> term (str or bytes) -> _Postings
        self._lengths: dict[str, bytearray] = {}  # field -> length byte per document
        self._tokens: dict[str, _Tokens] = {}  # text field given as terms -> its tokens

    def _commit_toc(self, segments) -> None:
        write_toc(self, segments)  # durable, and nothing deleted (whoosh_files)

    def commit(self, *args, **kwargs) -> None:
        try:
            with _gc_paused():
                super().commit(*args, **kwargs)
        finally:
            self._postings.clear()
            self._tokens.clear()

    def cancel(self) -> None:
        try:
            super().cancel()
        finally:
            self._postings.clear()
            self._tokens.clear()

    def add_document(self, **fields) -> None:
        # Paused for the call, never frozen: gc.freeze() would take every object of the
        # process out of the collector's reach, not only ours, for no measured gain
        # (8,000 news articles: 5.34 s of CPU frozen, 5.36 s not; medians of 3).
        with _gc_paused():
            self._add_document(fields)

    def _add_document(self, fields: dict) -> None:
        self._check_state()
        if any(name.startswith("_") for name in fields):
            raise ValueError("boosts and custom stored values are not supported")
        self._check_fields(self.schema, fields)
        pdw, docnum = self.perdocwriter, self.docnum
        pdw.start_doc(docnum)
        for name in sorted(fields):
            value = fields[name]
            if value is None:
                continue
            field = self.schema[name]
            length = self._index(name, field, docnum, value) if field.indexed else 0
            pdw.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                pdw.add_column_value(name, field.column_type, field.to_column_value(value))
        pdw.finish_doc()
        self._added = True
        self.docnum += 1

    def _index(self, name: str, field, docnum: int, value) -> int:
        """Add one field's postings for a document; its length (0 if not scorable)."""
        text = type(field.format) in (formats.Positions, formats.Frequency)
        if text and isinstance(value, list | tuple) and field.format.field_boost == 1.0:
            tokens = self._tokens.get(name)
            if tokens is None:
                positions = type(field.format) is formats.Positions
                tokens = self._tokens[name] = _Tokens(positions)
            tokens.add(docnum, value)
            length = len(value)
        else:
            terms = self._postings.setdefault(name, {})
            length = self._add_indexed(terms, docnum, field.index(value), text, field.format)
        if not field.scorable:
            return 0
        lengths = self._lengths.setdefault(name, bytearray())
        lengths.extend(bytes(docnum + 1 - len(lengths)))
        lengths[docnum] = length_to_byte(length)
        return length

    @staticmethod
    def _add_indexed(terms: dict, docnum: int, items, text: bool, fmt) -> int:
        """Postings from ``field.index``: Whoosh's own path, for the small fields."""
        length = 0
        keep_values = fmt.fixed_value_size() != 0
        for tbytes, freq, weight, vbytes in items:
            key = tbytes.decode("utf-8") if text else tbytes  # as the fast paths: by str
            postings = terms.get(key)
            if postings is None:
                postings = terms[key] = _Postings(keep_values)
            postings.docs.append(docnum)
            postings.weights.append(weight)
            if keep_values:
                postings.values.append(vbytes)
            length += freq
        return length

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        if self.pool.fieldnames:  # older segments merged into this one: Whoosh's path
            pdr = self.per_document_reader()
            postings = merge(self.pool.iter_postings(), self._tuples())
            self.fieldwriter.add_postings(self.schema, pdr, postings)
            pdr.close()
        else:
            self._write_terms()
        self.fieldwriter.close()

    def _sorted_fields(self):
        """(field name, field, (term bytes, postings) in byte order), by field name."""
        for name in sorted(self._postings.keys() | self._tokens.keys()):
            if name in self._tokens:
                tokens = self._tokens[name]
                if tokens.ids:
                    yield name, self.schema[name], tokens.postings()
            elif terms := self._postings[name]:
                encoded = ((_to_bytes(t), p) for t, p in terms.items())
                yield name, self.schema[name], sorted(encoded, key=lambda tp: tp[0])

    def _tuples(self):
        """The batch's postings as Whoosh's pool yields them: (field, term, doc, weight, value)."""
        for name, field, terms in self._sorted_fields():
            fixed = field.format.fixed_value_size()
            for tbytes, p in terms:
                values = p.values
                if values is None:
                    values = [_frequencies([w]) if fixed else b"" for w in p.weights]
                for doc, weight, value in zip(p.docs, p.weights, values, strict=True):
                    yield name, tbytes, doc, weight, value

    def _write_terms(self) -> None:
        fw = self.fieldwriter
        postfile, tindex = fw._postfile, fw._tindex
        for name, field, terms in self._sorted_fields():
            fw.start_field(name, field)
            prefix = pack_ushort(fw._fieldid)
            lengths = self._lengths.get(name)
            fixed = field.format.fixed_value_size()
            chunk, offset, entries = [], postfile.tell(), []
            for tbytes, postings in terms:
                data, info = _postings_bytes(postings, lengths, fixed, offset)
                chunk.append(data)
                offset += len(data)
                entries.append((prefix + tbytes, info))
                if len(chunk) >= 4096:  # bounded memory for the bytes not yet written
                    postfile.write(b"".join(chunk))
                    chunk.clear()
            postfile.write(b"".join(chunk))
            _add_terms(tindex, entries)
            fw.finish_field()


def _add_terms(tindex, entries: list[tuple[bytes, bytes]]) -> None:
    """``OrderedHashWriter.add`` for many keys (in order) at once: one write."""
    dbfile, buckets, positions, hashfn = tindex.dbfile, tindex.buckets, tindex.index, tindex.hashfn
    pos = dbfile.tell()
    parts = []
    for key, value in entries:
        positions.append(pos)
        parts += (_KEY_VALUE_LENGTHS.pack(len(key), len(value)), key, value)
        h = hashfn(key)
        buckets[h & 255].append((h, pos))
        pos += _KEY_VALUE_LENGTHS.size + len(key) + len(value)
    dbfile.write(b"".join(parts))
    if entries:
        tindex.lastkey = entries[-1][0]


@contextmanager
def _gc_paused():
    """The cyclic collector paused for one call: the batch's postings are hundreds of
    thousands of containers, none in a cycle, which it would only rescan."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _to_bytes(term: str | bytes) -> bytes:
    return term.encode("utf-8") if isinstance(term, str) else term


def _encode_positions(poses: list[int]) -> bytes:
    """Whoosh's ``Positions.encode``: the count, then the pickled position deltas."""
    deltas = list(map(sub, poses, chain((0,), poses)))
    return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


def _frequencies(weights) -> bytes:
    """Frequency values of a block: one big-endian unsigned int per posting."""
    return struct.pack(f"!{len(weights)}I", *map(int, weights))


def _postings_bytes(p: _Postings, lengths: bytearray | None, fixed, start: int):
    """One term's blocks as ``W3PostingsWriter`` writes them at file offset ``start``,
    and the term's info (``W3TermInfo.to_bytes``)."""
    docs, weights, values = p.docs, p.weights, p.values
    out = [WHOOSH3_HEADER_MAGIC]
    count = len(docs)
    total, top, low, high = 0.0, 0.0, 255, 0
    for first in range(0, count, BLOCK):
        last = min(first + BLOCK, count)
        ids, ws = docs[first:last], weights[first:last]
        w0 = ws[0]
        if ws.count(w0) == len(ws):
            mini_weights = None if w0 == 1.0 else w0
        else:
            mini_weights = tuple(ws)
        if fixed is None or fixed < 0:
            mini_values = tuple(values[first:last])
        elif fixed == 0:
            mini_values = None
        elif values is None:
            mini_values = _frequencies(ws)
        else:
            mini_values = b"".join(values[first:last])
        if lengths is None:
            lo = hi = 0
        elif last - first == 1:
            lo = hi = lengths[ids[0]]
        else:
            lens = bytes(map(lengths.__getitem__, ids))
            lo, hi = min(lens), max(lens)
        maxw = max(ws)
        deltas = tuple(map(sub, ids, chain((0,), ids)))
        data = pickle.dumps((deltas, mini_weights, mini_values), PICKLE_PROTOCOL)
        info = pickle.dumps((len(ids), ids[-1], maxw, 0, lo, hi), PICKLE_PROTOCOL)
        size = len(info) + len(data)
        out += (pack_int(-size if last == count else size), info, data)
        total += sum(ws)
        top, low, high = max(top, maxw), min(low, lo), max(high, hi)
    low = low if lengths is not None else 0
    data = b"".join(out)
    head = _TERMINFO.pack(0, total, count, low, high, top, docs[0], docs[-1])
    return data, head + pack_long(start) + pack_int(len(data))
