"""One snapshot per request: a point-in-time view of the index, and what it computes once.

Like a Lucene searcher or a PostgreSQL transaction's snapshot, a request takes the live
view once and reads everything from it, so a build that publishes meanwhile changes the
next request, never half of this one::

    snapshots = Snapshots(IndexHandle(index_dir))   # one per index folder, per process
    snapshot = snapshots.current()                  # engine, manifest, generation: opened once
    snapshot.lexicon                                # loaded on first use, for this generation
    snapshot.vectors                                # the article vectors (None: by words only)
    snapshot.word_forms                             # folded word -> written form, as asked
    snapshot.copies                                 # near-copy groups, read on first use

What is computed per generation is memoized on its snapshot, not in module globals: it
goes when the generation is replaced and the last request on it ends. Functions of the
core that read the index take the snapshot first and are wrapped by ``reads_index``,
which turns a missing or damaged index into ``IndexUnavailable`` (503, how to rebuild)
and lets any other exception through as the bug it is.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from indexer.store import IndexHandle, IndexMissing, IndexOutdated, IndexView, read_lexicon

from ..errors import IndexUnavailable, SearchError
from .copies import Groups, find_groups
from .lexicon import Lexicon

if TYPE_CHECKING:
    from indexer.dense import DenseIndex

log = logging.getLogger(__name__)

REBUILD_HINT = "lancez « search-index --rebuild » pour le reconstruire"
MAX_WORD_FORMS = 20_000  # written forms remembered per snapshot (``wordforms``)
# Below this many articles their mean and main direction are noise, and the nearest
# articles of a query are most of the index: the smallest corpus measured had 1,518.
MIN_VECTOR_ARTICLES = 1000

T = TypeVar("T")


class Snapshot:
    """The index as one request sees it: an opened generation and its memoized data."""

    def __init__(self, view: IndexView, source: Snapshots):
        self.view = view
        self.engine = view.engine
        self.manifest = view.manifest
        self.generation = view.name
        self.source = source
        self.word_forms: dict[str, str] = {}  # bounded by ``wordforms`` (MAX_WORD_FORMS)
        self._memo: dict[str, Any] = {}
        self._locks = {name: threading.Lock() for name in ("lexicon", "vectors", "copies")}

    def _once(self, name: str, load: Callable[[], T]) -> T:
        """``load()`` the first time, the same value after; concurrent first calls wait."""
        if name in self._memo:
            return self._memo[name]
        with self._locks[name]:
            if name not in self._memo:
                self._memo[name] = load()
            return self._memo[name]

    @property
    def lexicon(self) -> Lexicon:
        """The generation's vocabulary (``lexicon.tsv``): typos, names, completions."""
        return self._once(
            "lexicon",
            lambda: Lexicon(read_lexicon(self.view.generation), self.manifest.doc_count),
        )

    @property
    def copies(self) -> Groups:
        """The generation's near-copy groups (``copies``: wire dispatches published twice)."""
        return self._once("copies", self._find_copies)

    def _find_copies(self) -> Groups:
        candidates = self.engine.copy_candidates()
        return find_groups(candidates, self.engine.fetch(sorted(candidates)))

    @property
    def vectors(self) -> DenseIndex | None:
        """The generation's article vectors, if it has enough articles to rank by meaning.
        NumPy and the word vectors come with them: not before a query needs them."""
        return self._once("vectors", self._load_vectors)

    @property
    def vectors_state(self) -> str:
        """ "ok" (in use), "unused" (under MIN_VECTOR_ARTICLES articles), "absent" (built
        without word vectors) or "damaged" (unreadable: search goes on by words until the
        next build recomputes them)."""
        self._once("vectors", self._load_vectors)
        return self._memo["vectors_state"]

    def _load_vectors(self) -> DenseIndex | None:
        from indexer.dense import DenseIndex, VectorsDamaged

        try:
            dense = DenseIndex.load(self.view.generation)
        except VectorsDamaged as e:
            log.error("article vectors unreadable, search by words only: %s", e)
            dense, state = None, "damaged"
        else:
            state = "absent" if dense is None else "ok"
            if dense is not None and len(dense.ids) < MIN_VECTOR_ARTICLES:
                dense, state = None, "unused"
        self._memo["vectors_state"] = state
        return dense


class Snapshots:
    """The live snapshot of an index folder, refreshed when a build publishes another
    generation (Lucene's ``SearcherManager``). Thread-safe; one per folder per process."""

    def __init__(self, handle: IndexHandle):
        self.handle = handle
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    @classmethod
    def at(cls, index_dir: Path) -> Snapshots:
        """The snapshots of the index in ``index_dir``."""
        return cls(IndexHandle(index_dir))

    @property
    def index_dir(self) -> Path:
        return self.handle.index_dir

    def current(self) -> Snapshot:
        """The snapshot of the live generation; IndexUnavailable when there is none or it
        cannot be opened."""
        try:
            view = self.handle.view()
        except Exception as e:
            if not self.is_index_error(e):
                raise
            raise self.unavailable(e) from e
        snapshot = self._snapshot
        if snapshot is None or snapshot.view is not view:
            with self._lock:
                if self._snapshot is None or self._snapshot.view is not view:
                    self._snapshot = self._opened(view)
                snapshot = self._snapshot
        return snapshot

    def _opened(self, view: IndexView) -> Snapshot:
        """A new snapshot, its lexicon loaded: a damaged vocabulary makes the whole index
        unavailable (503, rebuild) rather than spelling help silently gone."""
        snapshot = Snapshot(view, self)
        try:
            snapshot.lexicon  # noqa: B018 (memoized on the snapshot)
        except Exception as e:
            if not self.is_index_error(e):
                raise
            raise self.unavailable(e) from e
        return snapshot

    def is_index_error(self, error: BaseException) -> bool:
        """Whether an exception says the index is missing or its files are damaged."""
        return isinstance(error, IndexMissing) or self.handle.is_read_error(error)

    def unavailable(self, error: BaseException) -> IndexUnavailable:
        """The 503 for an index that is missing, of another format, or damaged."""
        where = self.handle.index_dir
        if isinstance(error, IndexMissing):
            return IndexUnavailable(
                f"aucun index dans {where} : lancez « search-index » pour le construire"
            )
        if isinstance(error, IndexOutdated):
            return IndexUnavailable(
                f"l'index a été construit par une autre version (format {error.found}, "
                f"celle-ci lit le format {error.expected}) : reconstruisez l'index, "
                "lancez « search-index --rebuild »"
            )
        log.error("index %s unreadable: %s: %s", where, type(error).__name__, error)
        return IndexUnavailable(f"index illisible dans {where} : {REBUILD_HINT}")


def reads_index(func: Callable[..., T]) -> Callable[..., T]:
    """A core function of a snapshot whose missing or damaged files answer 503.

    The engine's read errors (``Engine.is_read_error``: truncated, overwritten or removed
    files) become IndexUnavailable; any other exception is a bug and propagates. A call
    that fails once a build published another generation is tried once more on the new
    snapshot, whatever the error: its generation may have been removed under it (Whoosh
    opens some files lazily, and then fails in any way); a real bug fails twice.
    """

    @functools.wraps(func)
    def wrapper(snapshot: Snapshot, *args, **kwargs):
        source = snapshot.source
        try:
            return func(snapshot, *args, **kwargs)
        except Exception as e:
            moved = source.handle.live_name() not in (None, snapshot.generation)
            if not moved or _is_user_error(e):
                if not source.is_index_error(e):
                    raise
                raise source.unavailable(e) from e
        try:
            return func(source.current(), *args, **kwargs)
        except Exception as e:
            if _is_user_error(e) or not source.is_index_error(e):
                raise
            raise source.unavailable(e) from e

    return wrapper


def _is_user_error(error: Exception) -> bool:
    """An answer about the request (a bad query, an unknown id), not about the index."""
    return isinstance(error, SearchError) and not isinstance(error, IndexUnavailable)


def warm_up(snapshots: Snapshots) -> threading.Thread:
    """Load the live lexicon and its indexes, and the near-copy groups, in the background,
    so the first typo, name or completion request does not pay for them (1-2 s on the
    34,160 news articles)."""

    def load() -> None:
        try:
            snapshot = snapshots.current()
            snapshot.lexicon.warm_up()
            snapshot.copies  # noqa: B018 (memoized on the snapshot)
        except Exception as e:  # no index yet, or a damaged one: requests will say so
            log.info("lexicon not warmed up: %s", e)

    thread = threading.Thread(target=load, name="lexicon-warm-up", daemon=True)
    thread.start()
    return thread
