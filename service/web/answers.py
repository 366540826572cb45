"""The answer cache: whole answers of the service's search routes, kept for one generation.

A news archive is asked the same queries over and over: the story of the day, a link
passed around, a reader paging back and forth or trying a facet and undoing it. An
answer costs 3 to 15 ms of search and passages; sending the same bytes again costs a
dict lookup. Solr's queryResultCache and Elasticsearch's request cache exist for this.

An entry is the answer's body, in bytes, under the route and the validated request. It
holds for the index generation it was computed on: a build or a write publishes another
generation, and the cache starts afresh with it, so no answer outlives the index that
gave it. The bound is in bytes (``[service] answer_cache_mb``; 0 turns the cache off),
and the least recently used answers go first. Errors are never kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

LARGEST_SHARE = 8  # an answer larger than 1/8 of the bound is not kept: it would evict many


class AnswerCache:
    """Answers (tuples of bytes) by key, for the live generation only, LRU within a bound."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._generation: str | None = None
        self._answers: OrderedDict[Hashable, tuple[bytes, ...]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, generation: str, key: Hashable) -> tuple[bytes, ...] | None:
        """The answer kept for ``key`` on this generation, or None."""
        with self._lock:
            if generation != self._generation:
                return None
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, generation: str, key: Hashable, answer: tuple[bytes, ...]) -> None:
        """Keep ``answer``, computed on ``generation``; an answer of another generation than
        the one kept empties the cache first (generations have no order to compare)."""
        size = sum(map(len, answer))
        if not self.max_bytes or size * LARGEST_SHARE > self.max_bytes:
            return
        with self._lock:
            if generation != self._generation:
                self._answers.clear()
                self._generation, self._bytes = generation, 0
            old = self._answers.pop(key, None)
            if old is not None:
                self._bytes -= sum(map(len, old))
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, evicted = self._answers.popitem(last=False)
                self._bytes -= sum(map(len, evicted))

    def __len__(self) -> int:
        return len(self._answers)

    @property
    def size(self) -> int:
        """The bytes held."""
        return self._bytes
