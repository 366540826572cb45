"""The archive in a database (engine "postgres"): imports by content, snapshots that follow
its commits, a rebuild swapped in, and a 503 that says the database is unreachable.
(API writes: test_database_writes.py; several servers: test_topology.py.)"""

from __future__ import annotations

import pytest

from indexer.database import Database, DatabaseHandle
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
