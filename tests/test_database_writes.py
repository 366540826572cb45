"""API writes when the archive is a database: rows in one transaction, no file, the same
codes as for the file engines, and a 503 that says the primary cannot be reached."""

from __future__ import annotations

import shutil

import pytest

from service.corpus.indexing import archive, open_or_build, update_index
from service.web.app import create_app
from tests.conftest import ARCHIVE_TOKEN, DATA_DIR, postgres_config, sent_while_held
from tests.postgres_server import free_port

AUTH = {"Authorization": f"Bearer {ARCHIVE_TOKEN}"}


def test_api_writes_are_rows_searchable_when_acknowledged(postgres_data_config):
    corpus = postgres_data_config.corpus_path
    client = create_app(postgres_data_config).test_client()
    put = client.put(
        "/api/documents/api/note.txt", json={"text": "Bakou accueille un forum."}, headers=AUTH
    )
    assert put.status_code == 201, put.json
    assert not (corpus / "api").exists()  # the database is the archive: no file
    assert client.get("/api/search?q=forum").json["hits"][0]["id"] == "api/note.txt"
    again = client.put(
        "/api/documents/api/note.txt", json={"text": "Bakou accueille un forum."}, headers=AUTH
    )
    assert again.status_code == 200  # a retried PUT replaces: the same archive
    assert client.get("/api/search?q=forum").json["total"] == 1
    posted = client.post(
        "/api/documents", json={"id": "api/note.txt", "text": "x y z"}, headers=AUTH
    )
    assert posted.status_code == 409
    assert client.delete("/api/documents/api/note.txt", headers=AUTH).status_code == 204
    assert client.get("/api/search?q=forum").json["total"] == 0
    assert client.delete("/api/documents/api/note.txt", headers=AUTH).status_code == 404


def test_a_write_the_standby_has_not_replayed_in_time_says_it_is_written(
    postgres_data_config, monkeypatch
):
    """Committed on the primary, not yet replayed where the service reads: a 503 that
    says the write is there and must not be done again, never a success (not yet
    searchable) nor "nothing changed" (it did)."""
    from indexer import database_import
    from service.corpus.articles import Write, article_file
    from service.corpus.rows import write_rows
    from service.errors import BuildFailed

    client = create_app(postgres_data_config).test_client()  # the archive imported
    monkeypatch.setattr(database_import, "replayed", lambda engine, timeout=0: (7.2, False))
    content = article_file("api/lent.txt", "Bakou accueille un forum de retard.", "2024-05-02")
    (answer,) = write_rows(postgres_data_config, [Write("api/lent.txt", content)], 5.0)
    assert isinstance(answer, BuildFailed) and answer.status == 503
    message = str(answer)
    assert "enregistrée sur le serveur primaire" in message and "ne la refaites pas" in message
    assert client.get("/api/documents/api/lent.txt").status_code == 200  # it is written


def test_a_write_to_an_unreachable_primary_is_503_and_says_so(tmp_path, closed_pools):
    dsn = f"host=127.0.0.1 port={free_port()} dbname=search connect_timeout=2"
    service = {"write_token": ARCHIVE_TOKEN}
    config = postgres_config(tmp_path, tmp_path, dsn, service=service)
    client = create_app(config).test_client()
    written = client.put("/api/documents/api/a.txt", json={"text": "Un texte."}, headers=AUTH)
    assert written.status_code == 503
    assert "base de données primaire injoignable" in written.json["error"]["message"]


def generation(config) -> int:
    """The archive's commit number (``stats.generation``) on the primary."""
    engine = archive(config).engine()
    with engine.pool.connection() as conn:
        return conn.execute(engine.tables.sql("SELECT generation FROM {stats}")).fetchone()[0]


def queued_behind_a_writer(client, config, requests: list[tuple]) -> list:
    """Send ``requests`` (method, path, body) at once while another writer holds the
    archive's write lock."""
    holder = archive(config).engine().writer()
    return sent_while_held(client, requests, AUTH, holder.cancel)


def test_writes_that_wait_together_are_one_transaction_each_with_its_answer(
    postgres_data_config,
):
    config = postgres_data_config
    client = create_app(config).test_client()
    client.put("/api/documents/api/premier.txt", json={"text": "Du zinc."}, headers=AUTH)
    before = generation(config)
    requests = [
        ("PUT", "/api/documents/api/a.txt", {"text": "Le tungstène."}),
        ("DELETE", "/api/documents/api/absent.txt", None),  # 404, alone
        ("PUT", "/api/documents/api/b.txt", {"text": "Le tungstène, encore."}),
        ("POST", "/api/documents", {"id": "c_belt.txt", "text": "Déjà là."}),  # 409, alone
        ("DELETE", "/api/documents/b_oeuvre.txt", None),
        ("PUT", "/api/documents/api/premier.txt", {"text": "Du zinc, corrigé."}),
    ]
    answers = queued_behind_a_writer(client, config, requests)
    assert [a.status_code for a in answers] == [201, 404, 201, 409, 204, 200]
    assert generation(config) == before + 2  # the first alone, then the others together
    ids = {hit["id"] for hit in client.get("/api/search?q=tungstene").json["hits"]}
    assert ids == {"api/a.txt", "api/b.txt"}
    assert client.get("/api/documents/b_oeuvre.txt").status_code == 404
    assert "Déjà" not in client.get("/api/documents/c_belt.txt").json["text"]
    assert "corrigé" in client.get("/api/documents/api/premier.txt").json["text"]


@pytest.mark.parametrize("how", ["rebuild", "older format"])
def test_articles_written_through_the_api_outlive_a_full_import(postgres_data_config, how):
    config = postgres_data_config
    client = create_app(config).test_client()
    note = {"text": "Le tungstène de Bakou.", "date": "2024-05-02"}
    assert client.put("/api/documents/api/note.txt", json=note, headers=AUTH).status_code == 201
    (config.corpus_path / "api").mkdir()  # a corpus file named like an API article wins
    (config.corpus_path / "api" / "fichier.txt").write_text("Le tungstène du fichier.")
    put = {"text": "Le tungstène écrit par l'API."}
    assert client.put("/api/documents/api/fichier.txt", json=put, headers=AUTH).status_code == 201
    if how == "rebuild":
        update_index(config, rebuild=True)
    else:  # tables of a format this version no longer reads: imported anew at start
        engine = archive(config).engine()
        with engine.pool.connection() as conn:
            conn.execute(engine.tables.sql("UPDATE {meta} SET format = format - 1"))
        open_or_build(config)
    client = create_app(config).test_client()
    found = client.get("/api/search?q=tungstene").json
    assert {hit["id"] for hit in found["hits"]} == {"api/note.txt", "api/fichier.txt"}
    assert client.get("/api/documents/api/note.txt").json["date"]["value"] == "2024-05-02"
    assert "fichier" in client.get("/api/documents/api/fichier.txt").json["text"]
    database = archive(config)
    with database.engine().pool.connection() as conn:
        statement = "SELECT (SELECT count(*) FROM {model}), count(vector) FROM {vectors} "
        models, vectors = conn.execute(
            database.tables.sql(statement + "WHERE id = 'api/note.txt'")
        ).fetchone()
    assert vectors == models  # its vector too, from the new model


def test_a_corpus_of_one_file_takes_api_writes_into_the_database(tmp_path, postgres_primary):
    """The file engines refuse them (409: the file alone changes its articles); here an
    API article is a row, which a new import of the file keeps."""
    corpus = tmp_path / "news.jsonl"
    shutil.copy(DATA_DIR / "news.jsonl", corpus)
    service = {"write_token": ARCHIVE_TOKEN}
    config = postgres_config(tmp_path, corpus, postgres_primary.dsn(), service=service)
    client = create_app(config).test_client()
    put = client.put("/api/documents/api/note.txt", json={"text": "Le tungstène."}, headers=AUTH)
    assert put.status_code == 201, put.json
    update_index(config, rebuild=True)
    client = create_app(config).test_client()
    assert [hit["id"] for hit in client.get("/api/search?q=tungstene").json["hits"]] == [
        "api/note.txt"
    ]
    assert client.get("/api/search?q=Chine").json["total"] > 0  # the file's articles
