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

Half of a merge's time was analysing its articles again (1.3 ms of 2.9 ms an article,
at 34,160 articles), though the process that merges is the one that wrote them a few
writes earlier: ``RECENT`` keeps the fields of the articles a small commit added, and
a merge adds those again as they are when the stored article has not changed.

That is ``search-index``'s way. The service's write worker merges beside its writes
(``whoosh_background``), by tiers (``tiers_due``), as Lucene's LogMergePolicy.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

from whoosh.reading import SegmentReader
from whoosh.util import fib

MAX_MERGED = 2_000  # articles: larger segments are left to rebuilds
TIER_FACTOR = 10  # segments of one tier merged into one of the next (background merges)
RECENT_CHARS = 8_000_000  # of article text kept with its fields (~5 times that in memory)
RECENT_PER_WRITER = 256  # articles a writer remembers: a build's thousands are not merged


def merge_small(writer, segments: list) -> list:
    """A Whoosh merge policy: the segments kept; those merged are added to ``writer``."""
    small = sorted((s for s in segments if s.doc_count_all() <= MAX_MERGED), key=_size)
    chosen = _merge_point(small)
    if not chosen:
        return segments
    add_live_articles(writer, chosen)
    merged = {segment.segment_id() for segment in chosen}
    return [segment for segment in segments if segment.segment_id() not in merged]


def add_live_articles(writer, chosen: list) -> list[tuple[str, int]]:
    """The live articles of the ``chosen`` segments added to ``writer``, analysed again
    unless this process wrote them lately (``RECENT``); each one's segment id and
    document number there, in order."""
    from .whoosh import prepare  # the engine module, which imports this one
    from .whoosh_reader import _article

    order: list[tuple[str, int]] = []
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            for docnum in range(reader.doc_count_all()):
                if not reader.is_deleted(docnum):
                    stored = reader.stored_fields(docnum)
                    writer.add_document(**(RECENT.of(stored) or prepare(_article(stored))))
                    order.append((segment.segment_id(), docnum))
        finally:
            reader.close()
    return order


def tiers_due(segments: list, factor: int = TIER_FACTOR) -> list:
    """The segments a background merge takes now ([]: none), by tiers as Lucene's
    LogMergePolicy: ``factor`` segments of one tier (their article counts alike within
    a power of ``factor``) make one of the next. Each article is merged again once per
    tier (3 times in 1,000 writes), not once every few writes as MERGE_SMALL's rule
    (8 times: its growing segment is merged again with each five new ones)."""
    tiers: dict[int, list] = {}
    for segment in segments:
        count = segment.doc_count_all()
        if 0 < count <= MAX_MERGED:
            tiers.setdefault(int(math.log(count, factor) + 1e-9), []).append(segment)
    for tier in sorted(tiers):
        if len(tiers[tier]) >= factor:
            return sorted(tiers[tier], key=_size)[:factor]
    return []


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


class RecentFields:
    """The analysed fields of the articles this process added lately, by id, up to
    ``max_chars`` of their texts (the oldest out first)."""

    STORED = ("id", "source", "text", "country")

    def __init__(self, max_chars: int = RECENT_CHARS):
        self.max_chars = max_chars
        self._by_id: OrderedDict[str, dict] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def keep(self, fields: dict) -> None:
        size = len(fields["text"])
        if size > self.max_chars // 64:  # one long text would push out hundreds
            return
        with self._lock:
            old = self._by_id.pop(fields["id"], None)
            self._chars += size - (len(old["text"]) if old else 0)
            self._by_id[fields["id"]] = fields
            while self._chars > self.max_chars:
                _, gone = self._by_id.popitem(last=False)
                self._chars -= len(gone["text"])

    def of(self, stored: dict) -> dict | None:
        """The fields kept for this stored article, if it is the same article."""
        with self._lock:
            fields = self._by_id.get(stored.get("id"))
        if fields is None:
            return None
        same = all(stored.get(k) == fields[k] for k in self.STORED)
        return fields if same and tuple(stored["meta"]) == tuple(fields["meta"]) else None


RECENT = RecentFields()
