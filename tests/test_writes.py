"""Who may write: POST, PUT and DELETE on /api/documents, behind a bearer token."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.catalog import Catalog
from indexer.store import build_lock, current_generation
from service.config import load_config
from service.corpus import articles as corpus_module
from service.corpus import commits
from service.corpus import worker as builder
from service.errors import BuildFailed
from service.web.app import create_app
from tests.conftest import DATA_DIR, sent_while_held, write_config

TOKEN = "s3cret-jeton-de-test-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """tests/data and its index, built once: each test writes to its own copy."""
    folder = tmp_path_factory.mktemp("writes")
    shutil.copytree(DATA_DIR, folder / "corpus")
    build_index(folder / "corpus", folder / "index")
    return folder


def site(built, folder, **service):
    """A copy of the built corpus and index in ``folder`` (mtimes kept: nothing to rebuild)."""
    shutil.copytree(built, folder, dirs_exist_ok=True)
    return load_config(write_config(folder, folder / "corpus", service=service), environ={})


@pytest.fixture
def setup(built, tmp_path):
    """A writable copy of tests/data, its config (with the token) and a client."""
    config = site(built, tmp_path, write_token=TOKEN)
    return config.corpus_path, config, create_app(config).test_client()


@pytest.fixture
def corpus(setup):
    return setup[0]


@pytest.fixture
def client(setup):
    return setup[2]


def search_ids(client, q: str) -> set[str]:
    body = client.get(f"/api/search?q={q}&per_page=100").get_json()
    return {hit["id"] for hit in body["hits"]}


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()["error"]


def test_post_stores_a_txt_article_searchable_at_once(client, corpus):
    text = "Le Kazakhstan et la Mongolie signent un accord sur le zinc."
    body = {"text": text, "date": "2024-05-02"}
    response = client.post("/api/documents", json=body, headers=AUTH)
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"].startswith("api/") and body["id"].endswith(".txt")
    assert response.headers["Location"] == f"/api/documents/{body['id']}"
    assert body["date"] == {"value": "2024-05-02", "precision": "day", "source": "header"}
    assert {"code": "KZ", "name": "Kazakhstan"} in body["countries"]
    assert (corpus / body["id"]).read_text("utf-8") == f" date 2024-05-02\n{text}\n"
    assert search_ids(client, "zinc") == {body["id"]}
    assert client.get(response.headers["Location"]).get_json()["text"] == text


def test_post_with_an_id_creates_it_once(client, corpus):
    body = {"text": "Du cobalt.", "id": "a/b.txt"}
    first = client.post("/api/documents", json=body, headers=AUTH)
    assert first.status_code == 201 and (corpus / "a" / "b.txt").is_file()
    again = client.post("/api/documents", json={"text": "Autre.", "id": "a/b.txt"}, headers=AUTH)
    assert error_of(again, 409)["code"] == "conflict"
    assert search_ids(client, "cobalt") == {"a/b.txt"}


def test_an_answer_given_before_a_write_is_not_sent_again_after_it(client):
    url = "/api/search?q=zinc"
    assert client.get(url).get_json()["total"] == 0
    assert client.get(url).headers["X-Cache"] == "hit"
    assert client.get("/?q=zinc").headers["X-Cache"] == "miss"
    created = client.post("/api/documents", json={"text": "Un accord sur le zinc."}, headers=AUTH)
    assert created.status_code == 201
    after = client.get(url)  # the write published a generation: the cache starts afresh
    assert after.headers["X-Cache"] == "miss" and after.get_json()["total"] == 1
    page = client.get("/?q=zinc")
    assert page.headers["X-Cache"] == "miss" and created.get_json()["id"] in page.get_data(True)


def test_put_creates_then_replaces(client, corpus):
    url = "/api/documents/api/note.txt"
    created = client.put(url, json={"text": "Un texte sur le cobalt."}, headers=AUTH)
    assert created.status_code == 201 and created.headers["Location"] == url
    replaced = client.put(url, json={"text": "Un texte sur le nickel."}, headers=AUTH)
    assert replaced.status_code == 200 and "Location" not in replaced.headers
    assert replaced.get_json()["text"] == "Un texte sur le nickel."
    assert search_ids(client, "nickel") == {"api/note.txt"}
    assert search_ids(client, "cobalt") == set()


def test_put_replaces_an_article_of_the_corpus(client, corpus):
    body = {"text": "Le Portugal et le Maroc.", "date": "2022"}
    assert client.put("/api/documents/b_oeuvre.txt", json=body, headers=AUTH).status_code == 200
    assert search_ids(client, "oeuvre") == set()
    assert "b_oeuvre.txt" in search_ids(client, "portugal")
    assert client.get("/healthz").get_json()["doc_count"] == 10


def test_delete_removes_the_file_and_the_article(client, corpus):
    assert client.delete("/api/documents/c_belt.txt", headers=AUTH).status_code == 204
    assert not (corpus / "c_belt.txt").exists()
    assert error_of(client.get("/api/documents/c_belt.txt"), 404)["code"] == "not_found"
    assert "c_belt.txt" not in search_ids(client, "")
    assert error_of(client.delete("/api/documents/c_belt.txt", headers=AUTH), 404)


@pytest.mark.parametrize(
    "headers, status, code",
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Basic czNjcmV0"}, 401, "unauthorized"),
        ({"Authorization": "Bearer"}, 401, "unauthorized"),
        ({"Authorization": "Bearer nope"}, 403, "forbidden"),
        ({"Authorization": f"Bearer {TOKEN}x"}, 403, "forbidden"),
        ({"Authorization": "Bearer \u00e9t\u00e9"}, 403, "forbidden"),
    ],
)
def test_writes_need_the_token(client, corpus, headers, status, code):
    calls = [
        client.post("/api/documents", json={"text": "x"}, headers=headers),
        client.put("/api/documents/api/x.txt", json={"text": "x"}, headers=headers),
        client.delete("/api/documents/a_ceinture.txt", headers=headers),
    ]
    for response in calls:
        assert error_of(response, status)["code"] == code
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (corpus / "a_ceinture.txt").exists() and not (corpus / "api").exists()


def test_the_scheme_is_case_insensitive(client):
    headers = {"Authorization": f"bearer {TOKEN}"}
    response = client.put("/api/documents/x.txt", json={"text": "x"}, headers=headers)
    assert response.status_code == 201


def test_an_empty_token_disables_writes_and_says_how_to_enable_them(built, tmp_path):
    config = site(built, tmp_path)
    response = create_app(config).test_client().post("/api/documents", json={"text": "x"})
    message = error_of(response, 403)["message"]
    assert "service.write_token" in message and "SEARCH_SERVICE__WRITE_TOKEN" in message


def test_the_token_can_come_from_the_environment(built, tmp_path):
    site(built, tmp_path)
    env = {"SEARCH_SERVICE__WRITE_TOKEN": "0123456789"}  # digits stay a string
    config = load_config(tmp_path / "config.toml", environ=env)
    client = create_app(config).test_client()
    headers = {"Authorization": "Bearer 0123456789"}
    response = client.put("/api/documents/x.txt", json={"text": "x"}, headers=headers)
    assert response.status_code == 201


def test_reading_stays_open(client):
    assert client.get("/api/search?q=chine").status_code == 200
    assert client.get("/api/documents/a_ceinture.txt").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_the_token_is_never_logged_nor_shown(setup, caplog):
    corpus, config, client = setup
    caplog.set_level(logging.DEBUG)
    client.put("/api/documents/x.txt", json={"text": "Le zinc."}, headers=AUTH)
    client.put("/api/documents/y.txt", json={"text": "x"}, headers={"Authorization": "Bearer zz"})
    client.post("/api/documents", json={"text": "\x00"}, headers=AUTH)
    assert caplog.records and TOKEN not in caplog.text
    assert TOKEN not in repr(config) and TOKEN not in str(config)


@pytest.mark.parametrize(
    "doc_id, code",
    [
        ("../dehors.txt", "bad_document"),
        ("a/../../dehors.txt", "bad_document"),
        ("/etc/dehors.txt", "bad_document"),
        ("a\\..\\dehors.txt", "bad_document"),
        ("a\x00.txt", "bad_document"),
        ("a\nb.txt", "bad_document"),
        ("a\u202eb.txt", "bad_document"),  # a bidi override hides the real name
        (".cache.txt", "bad_document"),
        ("dossier/.cache/x.txt", "bad_document"),
        ("a//b.txt", "bad_document"),
        ("./a.txt", "bad_document"),
        (" a.txt", "bad_document"),
        ("note.md", "bad_document"),
        ("note.txt#1", "bad_document"),
        ("a" * 197 + ".txt", "bad_document"),
        ("é" * 130 + ".txt", "bad_document"),  # 260 bytes: longer than a file name may be
        ("news.jsonl#n1", "read_only"),
        ("news.jsonl", "read_only"),
        ("gros.jsonl.gz#7", "read_only"),
    ],
)
def test_ids_cannot_leave_the_corpus_nor_touch_jsonl(client, tmp_path, doc_id, code):
    response = client.post("/api/documents", json={"text": "x", "id": doc_id}, headers=AUTH)
    error = error_of(response, 409 if code == "read_only" else 400)
    assert error["code"] == code
    if code == "read_only":
        assert "search-index" in error["message"]
    assert not (tmp_path / "dehors.txt").exists()


@pytest.mark.parametrize(
    "url", ["/api/documents/..%2Fdehors.txt", "/api/documents/%2E%2E/dehors.txt"]
)
def test_encoded_traversal_in_the_url_is_refused(client, tmp_path, url):
    response = client.put(url, json={"text": "x"}, headers=AUTH)
    assert response.status_code in (400, 404)
    assert not (tmp_path / "dehors.txt").exists()


def test_a_symlink_out_of_the_corpus_is_refused(client, corpus, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (corpus / "lien").symlink_to(outside)
    response = client.put("/api/documents/lien/x.txt", json={"text": "x"}, headers=AUTH)
    assert "hors du corpus" in error_of(response, 400)["message"]
    assert list(outside.iterdir()) == []


def test_a_path_through_an_article_or_onto_a_folder_is_a_conflict(client, corpus):
    (corpus / "dossier.txt").mkdir()
    through = client.put("/api/documents/a_ceinture.txt/x.txt", json={"text": "x"}, headers=AUTH)
    onto = client.put("/api/documents/dossier.txt", json={"text": "x"}, headers=AUTH)
    assert error_of(through, 409)["code"] == error_of(onto, 409)["code"] == "conflict"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"pas du json", "corps JSON attendu"),
        (b"[1, 2]", "corps JSON attendu"),
        (b"\xff\xfe\x00", "corps JSON attendu"),
        (b"{}", "champ « text » manquant"),
        (b'{"text": 3}', "champ « text » manquant"),
        (b'{"text": "   "}', "texte vide"),
        (b'{"text": "a\\u0000b"}', "NUL"),
        (b'{"text": "\\ud800 seul"}', "substitution"),
        (b'{"text": "x", "date": "2021-13"}', "date invalide « 2021-13 »"),
        (b'{"text": "x", "date": 2021}', "champ « date » invalide"),
        (b'{"text": "x", "auteur": "moi"}', "champ inconnu « auteur »"),
        (b'{"text": " date 2020 Le texte."}', "en-tête"),
    ],
)
def test_bad_bodies_are_400_with_a_reason(client, corpus, data, message):
    response = client.put("/api/documents/api/x.txt", data=data, headers=AUTH)
    error = error_of(response, 400)
    assert error["code"] == "bad_document" and message in error["message"]
    assert not (corpus / "api").exists()


def test_a_text_over_the_article_limit_is_refused(client, monkeypatch):
    monkeypatch.setattr(corpus_module, "MAX_ARTICLE_CHARS", 100)
    response = client.put("/api/documents/x.txt", json={"text": "mot " * 30}, headers=AUTH)
    assert "trop long" in error_of(response, 400)["message"]


def test_a_body_over_2_mb_is_a_json_413(client):
    response = client.post("/api/documents", data=b"x" * (2 * 1024 * 1024 + 1), headers=AUTH)
    assert error_of(response, 413)["code"] == "too_large"


def test_a_query_string_over_16_kb_is_a_json_414(client):
    assert error_of(client.get("/api/search?q=" + "a" * 17000), 414)["code"] == "too_large"


def test_concurrent_writes_are_all_published(client):
    results: list[int] = []

    def write(n: int) -> None:
        url = f"/api/documents/api/concurrent-{n}.txt"
        results.append(client.put(url, json={"text": f"Le tungstène numéro {n}."}, headers=AUTH))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [201] * 6
    assert len(search_ids(client, "tungstene")) == 6
    assert client.get("/healthz").get_json()["doc_count"] == 16


def test_a_write_waits_for_a_running_build(setup, monkeypatch):
    _, config, client = setup
    with build_lock(config.index_path):
        monkeypatch.setattr(corpus_module, "WRITE_WAIT", 0.05)
        busy = client.put("/api/documents/x.txt", json={"text": "x"}, headers=AUTH)
    assert error_of(busy, 503)["code"] == "index_unavailable"
    assert not (config.corpus_path / "x.txt").exists()  # nothing changed
    monkeypatch.setattr(corpus_module, "WRITE_WAIT", 5.0)
    lock = build_lock(config.index_path)
    lock.__enter__()
    release = threading.Timer(0.3, lambda: lock.__exit__(None, None, None))
    release.start()
    started = time.monotonic()
    waited = client.put("/api/documents/x.txt", json={"text": "Du zinc."}, headers=AUTH)
    assert waited.status_code == 201 and time.monotonic() - started >= 0.25


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_index_change_puts_the_file_back(client, setup, monkeypatch, existing):
    corpus, config, _ = setup
    before = (corpus / "c_belt.txt").read_bytes()
    doc_id = "c_belt.txt" if existing else "api/nouveau.txt"

    def full_disk(*args, **kwargs):  # the index cannot commit: no space left
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(corpus_module, "change_sources", full_disk)
    content = corpus_module.article_file(doc_id, "Du zinc.", None)
    with pytest.raises(BuildFailed, match="disque plein"):
        corpus_module.write_article(config, doc_id, content)  # what the worker runs
    assert (corpus / "c_belt.txt").read_bytes() == before
    assert not (corpus / "api" / "nouveau.txt").exists()
    assert not [p for p in corpus.rglob(".*") if p.is_file()]  # nothing kept aside left
    monkeypatch.undo()
    assert search_ids(client, "zinc") == set()


def test_a_dead_build_worker_fails_one_write_then_is_replaced(client):
    assert client.put("/api/documents/a.txt", json={"text": "Du zinc."}, headers=AUTH).status_code
    for process in list(builder._pool._processes.values()):
        process.kill()
        process.join()
    dead = client.put("/api/documents/b.txt", json={"text": "Du nickel."}, headers=AUTH)
    assert error_of(dead, 503)["code"] == "build_failed"
    again = client.put("/api/documents/b.txt", json={"text": "Du nickel."}, headers=AUTH)
    assert again.status_code == 201 and search_ids(client, "nickel") == {"b.txt"}


def test_the_worker_answers_with_the_articles_read_back_at_its_commit(setup):
    corpus, config, client = setup
    content = corpus_module.article_file("api/zinc.txt", "Le zinc\n\nDu zinc au Pérou.", "2024-05")
    gone = corpus_module.Write("c_belt.txt", None)
    written, deleted, refused = corpus_module.write_articles(
        config, [corpus_module.Write("api/zinc.txt", content), gone, gone.__class__("x.txt", None)]
    )
    assert written.created and written.article.id == "api/zinc.txt"
    assert written.article.title == "Le zinc" and written.article.date.value == "2024-05"
    assert "Du zinc au Pérou." in written.article.text
    assert deleted == corpus_module.Published(False, None)
    assert refused.status == 404
    corpus_module._live.pop(config.index_path).close()  # the worker's, opened in this process
    answer = client.get("/api/documents/api/zinc.txt").get_json()
    assert answer["title"] == "Le zinc" and search_ids(client, "Pérou") == {"api/zinc.txt"}


def test_a_read_back_that_fails_after_the_commit_keeps_the_write(setup, monkeypatch):
    """The commit is made: a failure to read the article back never puts the file back
    (the index would hold an article the corpus does not)."""
    from indexer.engines.whoosh_reader import WhooshReader

    corpus, config, client = setup
    content = corpus_module.article_file("api/zinc.txt", "Du zinc au Pérou.", None)
    real = WhooshReader.fetch
    monkeypatch.setattr(WhooshReader, "fetch", lambda *a: (_ for _ in ()).throw(OSError("lu")))
    (written,) = corpus_module.write_articles(
        config, [corpus_module.Write("api/zinc.txt", content)]
    )
    monkeypatch.setattr(WhooshReader, "fetch", real)
    corpus_module._live.pop(config.index_path).close()  # the worker's, opened in this process
    assert written == corpus_module.Published(True, None)
    assert (corpus / "api" / "zinc.txt").read_bytes() == content
    assert search_ids(client, "Pérou") == {"api/zinc.txt"}


def test_a_disk_without_room_for_the_write_refuses_it_before_touching_anything(
    client, setup, monkeypatch
):
    corpus, config, _ = setup
    before = commit_number(config)
    real = os.statvfs

    def almost_full(path):
        stat = real(path)
        return os.statvfs_result((*stat[:4], 10, *stat[5:]))  # 10 blocks left

    monkeypatch.setattr(os, "statvfs", almost_full)
    content = corpus_module.article_file("api/zinc.txt", "Du zinc.", None)
    with pytest.raises(BuildFailed, match="disque plein"):
        corpus_module.write_article(config, "api/zinc.txt", content)
    monkeypatch.undo()
    assert not (corpus / "api" / "zinc.txt").exists() and commit_number(config) == before
    assert search_ids(client, "zinc") == set()


def test_writes_run_in_the_worker_process(monkeypatch):
    """The write's analysis and commit run in the worker: a core of its own."""
    submitted = []

    class Pool:
        def submit(self, fn, *args):
            submitted.append((fn, args))
            return _done([corpus_module.Published(True)])  # it created its article

    class Config:
        index_path = Path("/nowhere/index")
        engine = "whoosh"
        corpus_path = Path("/nowhere/corpus")

    monkeypatch.setattr(builder, "_worker", Pool)
    config = Config()
    assert commits.put_article(config, "a.txt", b"x").created is True
    batch = [corpus_module.Write("a.txt", b"x", False)]
    assert submitted == [(corpus_module.write_articles, (config, batch, 10.0))]


def _done(result) -> Future:
    future = Future()
    future.set_result(result)
    return future


def commit_number(config) -> int:
    return Catalog.open(current_generation(config.index_path)).last().number


def queued_behind_a_build(client, config, requests: list[tuple]) -> list:
    """Send ``requests`` (method, path, body) at once while a build holds the lock."""
    lock = build_lock(config.index_path)
    lock.__enter__()
    return sent_while_held(client, requests, AUTH, lambda: lock.__exit__(None, None, None))


def test_writes_that_wait_together_are_committed_together(setup):
    _, config, client = setup
    client.put("/api/documents/api/premier.txt", json={"text": "Du zinc."}, headers=AUTH)
    before = commit_number(config)
    requests = [
        ("PUT", f"/api/documents/api/lot-{n}.txt", {"text": f"Le tungstène numéro {n}."})
        for n in range(8)
    ]
    answers = queued_behind_a_build(client, config, requests)
    assert [a.status_code for a in answers] == [201] * 8
    assert commit_number(config) == before + 2  # the first alone, then the seven together
    assert len(search_ids(client, "tungstene")) == 8


def test_a_write_refused_in_a_batch_is_refused_alone(setup):
    corpus, config, client = setup
    requests = [
        ("PUT", "/api/documents/api/a.txt", {"text": "Le tungstène."}),
        ("DELETE", "/api/documents/api/absent.txt", None),  # 404
        ("PUT", "/api/documents/api/b.txt", {"text": "Le tungstène, encore."}),
        ("POST", "/api/documents", {"id": "c_belt.txt", "text": "Déjà là."}),  # 409
        ("DELETE", "/api/documents/b_oeuvre.txt", None),
    ]
    answers = queued_behind_a_build(client, config, requests)
    assert [a.status_code for a in answers] == [201, 404, 201, 409, 204]
    assert search_ids(client, "tungstene") == {"api/a.txt", "api/b.txt"}
    assert not (corpus / "b_oeuvre.txt").exists() and "Déjà" not in (
        corpus / "c_belt.txt"
    ).read_text("utf-8")


def test_the_same_article_twice_in_the_queue_is_written_in_turn(setup):
    corpus, config, client = setup
    requests = [
        ("PUT", "/api/documents/api/x.txt", {"text": "Premier zinc."}),
        ("PUT", "/api/documents/api/y.txt", {"text": "Le tungstène."}),
        ("PUT", "/api/documents/api/y.txt", {"text": "Le tungstène corrigé."}),
    ]
    answers = queued_behind_a_build(client, config, requests)
    assert sorted(a.status_code for a in answers) == [200, 201, 201]
    text = (corpus / "api" / "y.txt").read_text("utf-8")
    served = client.get("/api/documents/api/y.txt").get_json()["text"]
    assert served.strip() == text.strip()  # the file and the index agree


def test_a_corpus_of_one_file_is_read_only_through_the_api(tmp_path):
    corpus = tmp_path / "news.jsonl"
    shutil.copy(DATA_DIR / "news.jsonl", corpus)
    config = load_config(write_config(tmp_path, corpus, service={"write_token": TOKEN}), {})
    build_index(corpus, config.index_path)
    client = create_app(config).test_client()
    for response in (
        client.post("/api/documents", json={"text": "Bakou."}, headers=AUTH),
        client.put("/api/documents/a.txt", json={"text": "Bakou."}, headers=AUTH),
        client.delete("/api/documents/a.txt", headers=AUTH),
    ):
        assert "un seul fichier" in error_of(response, 409)["message"]
    assert not (tmp_path / "a.txt").exists()


def test_a_hung_worker_gives_the_request_back_with_a_true_503(monkeypatch):
    """A worker that never answers holds no request thread past ANSWER_WAIT: the write
    sent says it may still happen, the one still queued says it changed nothing."""
    never: Future = Future()

    class Pool:
        def submit(self, fn, *args):
            return never  # hung

    class Config:
        index_path = Path("/nowhere/hung-index")
        engine = "whoosh"
        corpus_path = Path("/nowhere/corpus")

    monkeypatch.setattr(builder, "_worker", Pool)
    monkeypatch.setattr(commits, "ANSWER_WAIT", 0.3)
    config = Config()
    answers: dict = {}

    def put(doc_id: str) -> None:
        try:
            commits.put_article(config, doc_id, b"x")
        except BuildFailed as e:
            answers[doc_id] = str(e)

    sent = threading.Thread(target=put, args=("sent.txt",))
    sent.start()
    time.sleep(0.1)  # in the worker, which hangs
    put("queued.txt")  # behind it, never sent
    sent.join()
    assert "peut encore aboutir" in answers["sent.txt"]
    assert "n'a pas changé" in answers["queued.txt"]
    never.set_result([True])  # the worker's late answer ends the queue's thread cleanly
