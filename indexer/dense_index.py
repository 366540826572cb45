"""The article vectors of a generation, for queries: the build's, then the changes since.

    dense = DenseIndex.load(gen)                     # the build's model (dense-model.npz)
    dense.article_vector(bag)                        # an article written later, as bytes
    now = dense.with_changes({"a.txt": vec, "b.txt": None})   # the catalog's changes
    now.nearest(now.query_vector("la mort du pape"), 500)

The model (IDF, mean article, main direction, basis: ``dense``) is the full build's and
stays fixed until the next one: an article written later gets its vector from the same
model, so it is ranked among the others alike, and a write costs one vector, not a new
model. A query's vector is made the same way. Changes are kept beside the build's
matrix, never copied into it: a removed or replaced article of the build is masked out,
a written one is a row of a small matrix of its own.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from .dense import MODEL, MODEL_ARRAYS, _normalised, _rows
from .runs import cut
from .wordvectors import WordVectors, word_vectors

DTYPE = np.float32  # a stored vector: DIMENSIONS float32 values, little-endian bytes


def model_bytes(model: dict[str, np.ndarray]) -> bytes:
    """A model without its matrix (``dense.model_of``), as the bytes of an .npz file."""
    out = io.BytesIO()
    np.savez(out, **{name: model[name] for name in MODEL_ARRAYS if name != "matrix"})
    return out.getvalue()


class VectorsDamaged(Exception):
    """A generation's article vectors cannot be read: search goes on by words only, and
    the next ``search-index`` recomputes them."""


class DenseIndex:
    """A generation's article vectors at one commit."""

    def __init__(
        self,
        ids: list[str],
        model: dict[str, np.ndarray],
        vectors: WordVectors,
        changes: Mapping[str, bytes | None] | None = None,
    ):
        self.ids, self.model, self.vectors = ids, model, vectors
        self.matrix = model["matrix"]
        self.idf, self.mean, self.direction = model["idf"], model["mean"], model["direction"]
        self.basis = model["basis"]
        self.changes = dict(changes or {})
        self._row = {doc_id: i for i, doc_id in enumerate(ids)}
        masked = [self._row[d] for d in self.changes if d in self._row]
        self._masked = np.array(sorted(masked), dtype=np.int64)
        added = [(d, v) for d, v in self.changes.items() if v is not None]
        self._added_ids = [d for d, _ in added]
        self._added = (
            np.stack([np.frombuffer(v, dtype=DTYPE) for _, v in added])
            if added
            else np.zeros((0, self.matrix.shape[1] if self.matrix.ndim == 2 else 0), DTYPE)
        )

    @classmethod
    def load(cls, gen: Path) -> DenseIndex | None:
        """The build's vectors; None without them (built without word vectors);
        VectorsDamaged when they cannot be read."""
        vectors = word_vectors()
        if vectors is None or not (gen / MODEL).is_file():
            return None
        try:
            with np.load(gen / MODEL) as data:
                ids = json.loads(data["names"].tobytes().decode("utf-8"))["ids"]
                model = {name: data[name] for name in MODEL_ARRAYS}
        except (OSError, ValueError, KeyError) as e:
            raise VectorsDamaged(f"{gen / MODEL}: {e}") from e
        if len(ids) != len(model["matrix"]):
            raise VectorsDamaged(f"{gen}: {len(ids)} ids for {len(model['matrix'])} vectors")
        return cls(ids, model, vectors)

    @classmethod
    def from_rows(
        cls,
        model_file,
        rows: Iterable[tuple[str, bytes]],
        where: str,
        count: int | None = None,
    ) -> DenseIndex | None:
        """The build's vectors kept in a database: its model (``model_bytes``) and each
        article's vector row; None without word vectors; VectorsDamaged if unreadable.

        ``rows`` may be a stream of ``count`` rows: each vector is copied into the matrix
        as it comes, so the rows are never all held beside it. At 341,600 articles the
        list of rows and their joined bytes were 400 MB on top of the 175 MB matrix, and
        the service kept that peak as resident memory for good.
        """
        vectors = word_vectors()
        if vectors is None:
            return None
        try:
            with np.load(model_file) as data:
                model = {name: data[name] for name in MODEL_ARRAYS if name != "matrix"}
            if count is None:
                rows = list(rows)
                count = len(rows)
            matrix = np.empty((count, model["basis"].shape[1]), dtype=DTYPE)
            ids = []
            for i, (doc_id, vector) in enumerate(rows):
                matrix[i] = np.frombuffer(vector, dtype=DTYPE)
                ids.append(doc_id)
            if len(ids) != count:
                raise ValueError(f"{len(ids)} vectors for {count} rows counted")
            model["matrix"] = matrix
        except (OSError, ValueError, KeyError, IndexError) as e:
            raise VectorsDamaged(f"{where}: {e}") from e
        return cls(ids, model, vectors)

    def __len__(self) -> int:
        """How many articles have a vector at this commit."""
        return len(self.ids) - len(self._masked) + len(self._added_ids)

    def with_changes(self, changes: Mapping[str, bytes | None]) -> DenseIndex:
        """The vectors after these changes (id -> the vector of an article written, None
        for one removed), on top of this commit's: the build's matrix is shared."""
        return DenseIndex(self.ids, self.model, self.vectors, {**self.changes, **changes})

    def article_vector(self, rows: bytes, counts: bytes) -> bytes | None:
        """The vector of an article written after the build, from its bag (``dense.Bag``'s
        rows and counts), made with the build's model; None if none of its words has one."""
        if not rows:
            return None
        return self._vector(
            np.frombuffer(rows, dtype=np.int32), np.frombuffer(counts, dtype=np.uint32)
        ).tobytes()

    def query_vector(self, text: str) -> np.ndarray | None:
        """The query's vector, as an article's; None if none of its words has a vector."""
        rows, many = _rows(cut(text))
        if not rows:
            return None
        return self._vector(np.frombuffer(rows, dtype=np.int32), np.frombuffer(many, np.uint32))

    def _vector(self, rows: np.ndarray, many: np.ndarray) -> np.ndarray:
        vector = _normalised((many * self.idf[rows]).astype(DTYPE) @ self.vectors.unit[rows])
        vector = _normalised(vector - self.mean)
        vector = _normalised(vector - (vector @ self.direction) * self.direction)
        return _normalised(vector @ self.basis)

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` articles nearest the vector, nearest first, with their cosines."""
        if k <= 0 or not len(self):
            return []
        cosines = self.matrix @ vector if len(self.ids) else np.zeros(0, DTYPE)
        if len(self._masked):
            cosines = cosines.copy()
            cosines[self._masked] = -np.inf  # removed or replaced since the build
        ids = self.ids
        if self._added_ids:
            cosines = np.concatenate([cosines, self._added @ vector])
            ids = [*ids, *self._added_ids]
        k = min(k, len(cosines))
        top = np.argpartition(-cosines, k - 1)[:k]
        top = top[np.argsort(-cosines[top], kind="stable")]
        return [(ids[i], float(cosines[i])) for i in top if np.isfinite(cosines[i])]
