"""The archive in a database (engine "postgres"): imports by content, snapshots that follow
its commits, a rebuild swapped in, and a 503 that says the database is unreachable.
(API writes: test_database_writes.py; several servers: test_topology.py.)"""

from __future__ import annotations

import psycopg
import pytest

from indexer import database
from indexer.database import Database, DatabaseHandle
from indexer.dense_index import VectorsDamaged
from service.corpus.indexing import open_or_build, update_index
from service.search.snapshot import Snapshots
from service.web.app import create_app
from tests.conftest import DATA_DIR, postgres_config
from tests.postgres_server import free_port


@pytest.fixture
def config(postgres_data_config):
    return postgres_data_config


@pytest.fixture
def corpus(config):
    return config.corpus_path


def test_an_import_follows_the_corpus_by_content(config, corpus):
    first = update_index(config)
    assert first.doc_count == 10 and first.published
    again = update_index(config)
    assert not again.published and again.unchanged == len(first.added)
    (corpus / "a_ceinture.txt").touch()  # touched, not changed: its SHA-1 says so
    assert not update_index(config).has_changes
    (corpus / "g_nouveau.txt").write_text("Le Brésil rejoint le Couloir médian.")
    (corpus / "d_sans_date.txt").unlink()
    report = update_index(config)
    assert (report.added, report.removed, report.doc_count) == (
        ["g_nouveau.txt"], ["d_sans_date.txt"], 10)  # fmt: skip


def test_snapshots_follow_commits_and_the_lexicon_follows_writes(config, corpus):
    snapshots = Snapshots(open_or_build(config))
    before = snapshots.current()
    assert before.doc_count == 10 and "bresil" not in before.lexicon.df
    (corpus / "g_nouveau.txt").write_text("Le Brésil rejoint le Couloir médian.")
    update_index(config)
    after = snapshots.current()
    assert after.commit > before.commit and after.generation != before.generation
    assert after.lexicon.df["bresil"] == 1 and after.lexicon.complete("bres") == ["bresil"]
    assert snapshots.current() is after  # nothing committed since: the same snapshot


def test_a_rebuild_swaps_in_a_new_schema_while_searches_go_on(config):
    snapshots = Snapshots(open_or_build(config))
    before = snapshots.current()
    report = update_index(config, rebuild=True)
    assert report.doc_count == 10
    after = snapshots.current()
    assert after.view.generation != before.view.generation  # another build
    assert after.engine.doc_count() == 10


def test_a_handle_opens_what_the_config_names(config):
    handle = open_or_build(config)
    assert isinstance(handle, DatabaseHandle)
    assert isinstance(handle.database, Database) and handle.database.schema == config.schema
    assert handle.view().manifest.engine == "postgres"


def test_an_unreachable_database_answers_503_saying_so(tmp_path, closed_pools):
    dsn = f"host=127.0.0.1 port={free_port()} dbname=search connect_timeout=2"
    client = create_app(postgres_config(tmp_path, DATA_DIR, dsn)).test_client()
    found = client.get("/api/search?q=chine")
    assert found.status_code == 503
    assert "base de données injoignable" in found.json["error"]["message"]
    assert "search-index --rebuild" not in found.json["error"]["message"]


def test_a_full_import_builds_the_search_indexes_once_its_rows_are_in(config, monkeypatch):
    """A full import fills its tables without the matches' search indexes, then builds
    them in the same transaction (the GIN index built at once costs less than the inserts
    kept it); the archive it swaps in has them all."""
    from indexer.engines.postgres import writer

    rows_then = []
    build = writer.create_indexes

    def counted_build(conn, tables):
        found = conn.execute(tables.sql("SELECT count(*) FROM {matches}")).fetchone()[0]
        indexes = conn.execute(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND tablename = 'matches'",
            (tables.schema,),
        ).fetchone()[0]
        rows_then.append((found, indexes))
        build(conn, tables)

    monkeypatch.setattr(writer, "create_indexes", counted_build)
    assert update_index(config).doc_count == 10
    assert rows_then == [(10, 1)]  # every row in, the primary key alone
    with psycopg.connect(config.dsn) as conn:
        definitions = [d for (d,) in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = 'matches'",
            (config.schema,),
        )]  # fmt: skip
    assert len(definitions) == 5 and any("gin (lexemes)" in d for d in definitions)
    assert Snapshots(open_or_build(config)).current().engine.doc_count() == 10


def test_article_vectors_load_as_a_stream_and_a_damaged_one_is_said(config, monkeypatch):
    """A snapshot's article vectors come from the database a few rows at a time, each
    copied into the matrix (never all the rows and the matrix at once); a vector of the
    wrong size is damaged vectors, as for a file engine."""
    update_index(config)
    catalog = open_or_build(config).view().catalog
    monkeypatch.setattr(database, "VECTOR_ROWS", 3)  # 10 articles: 4 fetches
    dense = catalog.base_vectors()
    statement = "SELECT id, vector FROM {vectors} WHERE vector IS NOT NULL ORDER BY id"
    with catalog.read() as db:
        rows = db.execute(catalog.tables.sql(statement)).fetchall()
    assert dense.ids == [doc_id for doc_id, _ in rows] and len(rows) == 10
    assert [bytes(v) for _, v in rows] == [row.tobytes() for row in dense.matrix]
    with catalog.engine.pool.connection() as db:
        db.execute(catalog.tables.sql("UPDATE {vectors} SET vector = '\\x0102' WHERE id = %s"),
                   (rows[4][0],))  # fmt: skip
    with pytest.raises(VectorsDamaged):
        catalog.base_vectors()
