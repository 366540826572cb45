"""What is computed once per index generation and shared by threads: the lexicon, the
article vectors. A build publishes a new generation; the next request loads its own."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from indexer.store import IndexHandle

T = TypeVar("T")


class PerGeneration(Generic[T]):
    """``load(index)`` for the index's live generation, kept for the last ``keep`` ones (a
    few indexes, in tests and benchmarks, may be open side by side)."""

    def __init__(self, load: Callable[[IndexHandle], T], keep: int):
        self._load = load
        self._keep = keep
        self._values: dict[str, T] = {}
        self._lock = threading.Lock()

    def __call__(self, index: IndexHandle) -> T:
        index.engine()  # opens the live generation
        key = str(index.generation)
        with self._lock:
            if key not in self._values:
                while len(self._values) >= self._keep:
                    self._values.pop(next(iter(self._values)))  # the oldest first
                self._values[key] = self._load(index)
            return self._values[key]
