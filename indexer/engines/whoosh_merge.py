"""Merging a write's small segments without Whoosh's per-posting path.

Each commit writes a segment; Whoosh's ``MERGE_SMALL`` policy merges the small ones once
five or more pile up, by copying every posting of every term through Python
(``add_reader``): 390 ms per write on average over 20 API writes on 3,000 news articles,
most of the write. ``merge_small`` chooses the segments the same way (the Fibonacci rule
over the smallest), but adds their live articles again through the bulk path the build
uses (``BulkSegmentWriter.add_document``), re-analysed from what they store: a few
milliseconds per article. A segment of more than ``MAX_MERGED`` articles is never merged
by a write: the build's big segment stays as it is (``search-index --rebuild`` writes one
segment again), so a write never costs the archive.
"""

from __future__ import annotations

from whoosh.reading import SegmentReader
from whoosh.util import fib

MAX_MERGED = 2_000  # articles: larger segments are left to rebuilds


def merge_small(writer, segments: list) -> list:
    """A Whoosh merge policy: the segments kept; those merged are added to ``writer``."""
    from .whoosh import prepare  # the engine module, which imports this one
    from .whoosh_reader import _article

    small = sorted((s for s in segments if s.doc_count_all() <= MAX_MERGED), key=_size)
    chosen = _merge_point(small)
    if not chosen:
        return segments
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            for docnum in range(reader.doc_count_all()):
                if not reader.is_deleted(docnum):
                    writer.add_document(**prepare(_article(reader.stored_fields(docnum))))
        finally:
            reader.close()
    merged = {segment.segment_id() for segment in chosen}
    return [segment for segment in segments if segment.segment_id() not in merged]


def _merge_point(small: list) -> list:
    """MERGE_SMALL's rule: the smallest segments up to the first i > 3 whose total of
    articles is under fib(i + 5); none without such a point."""
    total = 0
    for i, segment in enumerate(small):
        total += segment.doc_count_all()
        if i > 3 and total < fib(i + 5):
            return small[: i + 1]
    return []


def _size(segment) -> int:
    return segment.doc_count_all()
