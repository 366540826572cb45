"""API writes when the archive is a database: rows in one transaction, no file, the same
codes as for the file engines, and a 503 that says the primary cannot be reached."""

from __future__ import annotations

from service.web.app import create_app
from tests.conftest import ARCHIVE_TOKEN, postgres_config
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


def test_a_write_to_an_unreachable_primary_is_503_and_says_so(tmp_path, closed_pools):
    dsn = f"host=127.0.0.1 port={free_port()} dbname=search connect_timeout=2"
    service = {"write_token": ARCHIVE_TOKEN}
    config = postgres_config(tmp_path, tmp_path, dsn, service=service)
    client = create_app(config).test_client()
    written = client.put("/api/documents/api/a.txt", json={"text": "Un texte."}, headers=AUTH)
    assert written.status_code == 503
    assert "base de données primaire injoignable" in written.json["error"]["message"]
