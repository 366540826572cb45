"""The article vectors of an archive in a database, written in a change's transaction.

Every article's vector is a row (``database``'s ``vectors`` table), with the commit that
wrote it; a removed article's row keeps its id with a NULL vector, so that a reader
holding an older commit learns of the removal from the changes since. The full build
writes the model and every article's vector; a later article gets its vector from that
model (``DenseIndex.article_vector``), as with the file engines.
"""

from __future__ import annotations

import io

import numpy as np

from .articles import Article
from .database import CatalogTables
from .engines.postgres import PostgresEngine
from .engines.postgres.writer import PostgresWriter

_UPSERT = (
    "INSERT INTO {vectors} VALUES (%s, %s, %s) ON CONFLICT (id) DO UPDATE "
    "SET vector = excluded.vector, commit_number = excluded.commit_number"
)

_MODELS: dict[tuple[str, str], object] = {}  # (schema's model table, row version) -> model


class Vectors:
    """The vectors a writer's transaction changes (the model read once, when needed)."""

    def __init__(self, writer: PostgresWriter, engine: PostgresEngine):
        self.writer = writer
        self.tables = CatalogTables(engine.tables.schema)
        self._dense = False  # not read yet

    def _execute(self, statement: str, params=()) -> None:
        self.writer.connection.execute(self.tables.sql(statement), params)

    def remove(self, ids: list[str]) -> None:
        """These articles' vectors gone as of this commit."""
        if ids:
            self._execute(
                "UPDATE {vectors} SET vector = NULL, commit_number = %s WHERE id = ANY(%s)",
                (self.writer.generation, ids),
            )

    def remove_sources(self, rels: list[str]) -> None:
        """The vectors of the articles of these source files gone (before they are)."""
        if rels:
            self._execute(
                "UPDATE {vectors} v SET vector = NULL, commit_number = %s FROM {articles} a "
                "WHERE a.source = ANY(%s) AND v.id = a.id",
                (self.writer.generation, rels),
            )

    def add_articles(self, articles: list[Article]) -> None:
        """The vectors of articles written through the API, from the build's model."""
        from . import dense
        from .runs import cut

        if articles and self.dense() is not None:
            found = dense.bags(articles, [cut(a.title, a.text) for a in articles])
            self._upsert([(b.id, self._vector(b.rows, b.counts)) for b in found if b is not None])

    def add_bags(self, bags) -> None:
        """The vectors of the articles of an import (``ingest``'s bags)."""
        if bags is None or self.dense() is None:
            return
        starts = bags.starts.tolist()
        rows = [
            (doc_id, self._vector(
                bags.rows[starts[i]:starts[i + 1]].tobytes(),
                bags.counts[starts[i]:starts[i + 1]].tobytes()))
            for i, doc_id in enumerate(bags.ids)
        ]  # fmt: skip
        self._upsert(rows)

    def add_model(self, bags, model: dict[str, np.ndarray] | None) -> None:
        """A full build's model and every article's vector (``dense.model_of``)."""
        from .dense_index import model_bytes

        if model is None:
            return
        self._execute("INSERT INTO {model} (data) VALUES (%s)", (model_bytes(model),))
        matrix = model["matrix"]
        copy = self.tables.sql("COPY {vectors} (id, vector, commit_number) FROM STDIN")
        with self.writer.connection.cursor().copy(copy) as out:
            for i, doc_id in enumerate(bags.ids):
                out.write_row((doc_id, matrix[i].tobytes(), self.writer.generation))

    def dense(self):
        """The build's model (a ``DenseIndex`` without vectors), None without one."""
        if self._dense is False:
            self._dense = self._model()
        return self._dense

    def _model(self):
        """The model row, read once per process and model: a write asks only for its
        version (its row's transaction id), not its megabytes."""
        from .dense_index import DenseIndex

        where = f"{self.tables.schema}.model"
        connection = self.writer.connection
        row = connection.execute(self.tables.sql("SELECT xmin::text FROM {model}")).fetchone()
        if row is None:
            return None
        key = (where, row[0])
        if key not in _MODELS:
            (data,) = connection.execute(self.tables.sql("SELECT data FROM {model}")).fetchone()
            _MODELS.clear()  # one archive's model per process: a rebuild's replaces it
            _MODELS[key] = DenseIndex.from_rows(io.BytesIO(data), [], where)
        return _MODELS[key]

    def _vector(self, rows: bytes, counts: bytes) -> bytes | None:
        return self._dense.article_vector(rows, counts)

    def _upsert(self, rows: list[tuple[str, bytes | None]]) -> None:
        generation = self.writer.generation
        self.writer.connection.cursor().executemany(
            self.tables.sql(_UPSERT), [(doc_id, v, generation) for doc_id, v in rows]
        )
