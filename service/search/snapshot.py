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

from indexer.engines.querytree import SearchTimeout
from indexer.live import IndexHandle, IndexView
from indexer.store import IndexMissing, IndexOutdated

from ..errors import IndexUnavailable, SearchError, TooLong
from .copies import Groups, updated, whole_groups
from .lexicon import Lexicon

if TYPE_CHECKING:
    from indexer.database import DatabaseHandle
    from indexer.dense_index import DenseIndex

log = logging.getLogger(__name__)

REBUILD_HINT = "lancez « search-index --rebuild » pour le reconstruire"
MAX_WORD_FORMS = 20_000  # written forms remembered per snapshot (``wordforms``)
# Below this many articles their mean and main direction are noise, and the nearest
# articles of a query are most of the index: the smallest corpus measured had 1,518.
MIN_VECTOR_ARTICLES = 1000
KEPT_COPIES = 4  # commits whose near-copy groups are kept, for the requests still on them
DERIVE_TRIES = 5  # commits that may come between a view and its catalog read

T = TypeVar("T")


class Snapshot:
    """The index as one request sees it: a commit of the live generation, its engine
    reader, and what was computed for that commit (lexicon, vector changes) and is
    memoized here (article vectors, word forms)."""

    def __init__(
        self, view: IndexView, source: Snapshots, lexicon: Lexicon, changes: dict, epoch: int
    ):
        self.view = view
        self.engine = view.reader  # the engine at this commit
        self.manifest = view.manifest
        self.generation = view.name  # generation@commit: what an answer depends on
        self.commit = view.commit.number
        self.doc_count = view.commit.doc_count
        self.lexicon = lexicon
        self.vector_changes = changes  # id -> vector of an article written since the build
        self.vectors_epoch = epoch  # the commit at which the build's vectors were made anew
        self.source = source
        self.word_forms: dict[str, str] = {}  # bounded by ``wordforms`` (MAX_WORD_FORMS)
        self._memo: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _once(self, name: str, load: Callable[[], T]) -> T:
        """``load()`` the first time, the same value after; concurrent first calls wait."""
        if name in self._memo:
            return self._memo[name]
        with self._lock:
            if name not in self._memo:
                self._memo[name] = load()
            return self._memo[name]

    @property
    def copies(self) -> Groups:
        """The near-copy groups at this commit (``copies``: wire dispatches published twice)."""
        return self._once("copies", self._find_copies)

    def _find_copies(self) -> Groups:
        return self.source.copies_at(self)

    @property
    def vectors(self) -> DenseIndex | None:
        """The article vectors at this commit, if there are enough articles to rank by
        meaning. NumPy and the word vectors come with them: not before a query needs them."""
        return self._once("vectors", self._load_vectors)

    @property
    def vectors_state(self) -> str:
        """ "ok" (in use), "unused" (under MIN_VECTOR_ARTICLES articles), "absent" (built
        without word vectors) or "damaged" (unreadable: search goes on by words until the
        next ``search-index`` recomputes them)."""
        self._once("vectors", self._load_vectors)
        return self._memo["vectors_state"]

    def _load_vectors(self) -> DenseIndex | None:
        dense, state = self.source.base_vectors(self.view.generation, self.vectors_epoch)
        if dense is not None:
            dense = dense.with_changes(self.vector_changes)
            if len(dense) < MIN_VECTOR_ARTICLES:
                dense, state = None, "unused"
        self._memo["vectors_state"] = state
        return dense


class Snapshots:
    """The live snapshot of an index folder, refreshed when a build or a write publishes
    (Lucene's ``SearcherManager``). Thread-safe; one per folder per process.

    A new commit of the same generation derives its snapshot from the previous one: the
    catalog gives the words and vectors that changed since, read in the same transaction
    as the commit, so the engine, the lexicon and the vectors always belong together.
    """

    def __init__(self, handle: IndexHandle | DatabaseHandle):
        self.handle = handle
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._base: tuple | None = None  # ((generation, epoch), the build's vectors, state)
        self._copies: dict[tuple, Groups] = {}  # (generation, commit) -> the groups made
        self._whole_pass = threading.Lock()  # copies_at: one whole pass at a time

    @classmethod
    def at(cls, index_dir: Path) -> Snapshots:
        """The snapshots of the index in ``index_dir``."""
        return cls(IndexHandle(index_dir))

    @property
    def index_dir(self) -> Path:
        """Where the index is (a folder, or a database: what messages name)."""
        return self.handle.index_dir

    def current(self) -> Snapshot:
        """The snapshot of the live commit; IndexUnavailable when there is none or it
        cannot be opened."""
        try:
            view = self.handle.view()
            snapshot = self._snapshot
            if snapshot is not None and snapshot.view is view:
                return snapshot
            with self._lock:
                for _ in range(DERIVE_TRIES):
                    if self._snapshot is not None and self._snapshot.view is view:
                        break
                    derived = self._derived(view, self._snapshot)
                    if derived is not None:
                        self._snapshot = derived
                        break
                    view = self.handle.view()  # a commit came between: the newer one
                return self._snapshot
        except Exception as e:
            if not self.is_index_error(e):
                raise
            raise self.unavailable(e) from e

    def _derived(self, view: IndexView, previous: Snapshot | None) -> Snapshot | None:
        """The snapshot of ``view``: from the previous one and what changed since, or
        read whole (another generation, or made anew since); None if the catalog has
        moved past ``view`` (its words and vectors would be newer than its engine)."""
        catalog = view.catalog
        with catalog.read() as db:
            if catalog.commit_in(db) != view.commit:
                return None
            same = previous is not None and previous.view.generation == view.generation
            since = previous.commit if same else 0
            if same and catalog.reset_at(db, "words") <= since:
                changed = catalog.words(db, since)
                lexicon = previous.lexicon.with_changes(changed, view.commit.doc_count)
            else:
                words = [(w, n) for w, n in catalog.words(db, 0) if n > 0]
                lexicon = Lexicon(words, view.commit.doc_count)
            epoch = catalog.reset_at(db, "vectors")
            if same and epoch <= since:
                changes = {**previous.vector_changes, **dict(catalog.vectors(db, since))}
            else:
                changes = dict(catalog.vectors(db, 0))
        return Snapshot(view, self, lexicon, changes, epoch)

    def base_vectors(self, generation, epoch: int) -> tuple[DenseIndex | None, str]:
        """The build's article vectors of a generation (as made anew at commit ``epoch``),
        loaded once, and their state."""
        base = self._base
        if base is None or base[0] != (generation, epoch):
            from indexer.dense_index import VectorsDamaged

            try:
                dense = self.handle.load_vectors(generation)
                state = "absent" if dense is None else "ok"
            except VectorsDamaged as e:
                log.error("article vectors unreadable, search by words only: %s", e)
                dense, state = None, "damaged"
            base = self._base = ((generation, epoch), dense, state)
        return base[1], base[2]

    def copies_at(self, snapshot: Snapshot) -> Groups:
        """The near-copy groups at a snapshot's commit: made whole for a generation's
        first, then each commit's from the nearest one made and the articles the commits
        between changed (``copies.updated``: the cost of the change, either way). One
        whole pass per generation: searches on later commits wait for it, then derive
        (each made its own, 2 s at 34,160 articles, while a server warmed up under writes)."""
        generation, commit = snapshot.view.generation, snapshot.commit
        nearest, base = self._nearest_copies(generation, commit)
        if base is None:
            with self._whole_pass:
                nearest, base = self._nearest_copies(generation, commit)
                if base is None:
                    candidates = snapshot.engine.copy_candidates()
                    groups = whole_groups(candidates, snapshot.engine.fetch)
                    return self._keep_copies(generation, commit, groups)
        if nearest == commit:
            return base
        catalog = snapshot.view.catalog
        with catalog.read() as db:
            changed = catalog.changed(db, min(nearest, commit), max(nearest, commit))
        return self._keep_copies(generation, commit, updated(base, changed, snapshot.engine))

    def _nearest_copies(self, generation, commit: int) -> tuple[int | None, Groups | None]:
        """The groups made at the commit of this generation nearest ``commit``, before or
        after it (a search that began on an older commit than the KEPT_COPIES last made
        derives its groups too), and that commit; (None, None) if none was made."""
        with self._lock:
            made = [c for g, c in self._copies if g == generation]
            nearest = min(made, key=lambda c: (abs(c - commit), c > commit), default=None)
            return nearest, self._copies.get((generation, nearest))

    def _keep_copies(self, generation, commit: int, groups: Groups) -> Groups:
        with self._lock:
            self._copies[(generation, commit)] = groups
            for old in list(self._copies)[:-KEPT_COPIES]:
                del self._copies[old]  # the first made: older commits, older generations
        return groups

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
        described = self.handle.describe(error)
        if described is not None:
            return IndexUnavailable(described)
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
        except SearchTimeout as e:
            raise too_long(snapshot) from e
        except Exception as e:
            moved = source.handle.live_name() not in (None, snapshot.generation)
            if not moved or _is_user_error(e):
                if not source.is_index_error(e):
                    raise
                raise source.unavailable(e) from e
        try:
            return func(source.current(), *args, **kwargs)
        except SearchTimeout as e:
            raise too_long(snapshot) from e
        except Exception as e:
            if _is_user_error(e) or not source.is_index_error(e):
                raise
            raise source.unavailable(e) from e

    return wrapper


def too_long(snapshot: Snapshot) -> TooLong:
    """The 503 of a search past its time budget."""
    log.warning("search past its time budget on %s", snapshot.generation)
    return TooLong(
        "la recherche a dépassé le temps qui lui est accordé : réessayez dans un moment, "
        "ou simplifiez la requête (moins de mots, de préfixes* ou de fautes)"
    )


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
