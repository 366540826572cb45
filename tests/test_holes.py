"""Small holes found by attacking the service (issue 20, point 7): each a rule now.

A body nested thousands deep, a symbolic link out of the corpus, a Host header that a
redirect would echo, and two Unicode spellings of one id.
"""

from __future__ import annotations

import json
import os
import shutil
import unicodedata

import pytest

from indexer.build import build_index
from indexer.sources import list_sources
from service.config import load_config
from service.web.app import create_app
from tests.conftest import DATA_DIR, write_config

AUTH = {"Authorization": "Bearer jeton-de-test"}


@pytest.fixture
def site(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    path = write_config(tmp_path, corpus, service={"write_token": "jeton-de-test"})
    build_index(corpus, tmp_path / "index")
    return path


@pytest.fixture
def client(site):
    return create_app(load_config(site, environ={})).test_client()


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_a_body_nested_thousands_deep_is_a_400(client, depth):
    body = "[" * depth + "]" * depth
    response = client.post("/api/documents", data=body, headers=AUTH)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_document"


@pytest.mark.parametrize("url", ["/api//search?q=chine", "/documents//a_ceinture.txt"])
def test_no_redirect_echoes_the_host_header(client, url):
    response = client.get(url, headers={"Host": "ailleurs.example"})
    assert response.status_code == 404 and "Location" not in response.headers


def test_a_symbolic_link_out_of_the_corpus_is_left_out(tmp_path, caplog):
    corpus, outside = tmp_path / "corpus", tmp_path / "secret"
    corpus.mkdir()
    outside.mkdir()
    (outside / "mots-de-passe.txt").write_text("Le mot de passe est hunter2.", "utf-8")
    (corpus / "vrai.txt").write_text("Un article du corpus.", "utf-8")
    os.symlink(outside / "mots-de-passe.txt", corpus / "lien.txt")
    os.symlink(outside, corpus / "dossier")
    assert list_sources(corpus) == ["vrai.txt"]
    assert "lien.txt:0: symbolic link that leads out of the corpus" in caplog.text


def test_a_link_inside_the_corpus_is_kept(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "a").mkdir(parents=True)
    (corpus / "a" / "vrai.txt").write_text("Un article du corpus.", "utf-8")
    os.symlink(corpus / "a" / "vrai.txt", corpus / "raccourci.txt")
    assert list_sources(corpus) == ["a/vrai.txt", "raccourci.txt"]


NFC, NFD = "café.txt", unicodedata.normalize("NFD", "café.txt")


def test_one_id_in_two_unicode_forms_is_one_article(site, client):
    corpus = site.parent / "corpus"
    (corpus / NFD).write_text("Le café de la gare ferme.", "utf-8")
    build_index(corpus, site.parent / "index")
    for doc_id in (NFC, NFD):
        body = client.get(f"/api/documents/{doc_id}").get_json()
        assert body["id"] == NFC and "gare" in body["text"]
    replaced = client.put(f"/api/documents/{NFC}", json={"text": "Le café rouvre."}, headers=AUTH)
    assert replaced.status_code == 200  # the same article, replaced: not a second one
    assert [p.name for p in corpus.iterdir() if p.name.startswith("caf")] == [NFD]
    hits = client.get("/api/search?q=café").get_json()["hits"]
    assert [h["id"] for h in hits] == [NFC] and "rouvre" in json.dumps(hits, ensure_ascii=False)


def test_two_files_with_one_id_once_normalised_keep_the_first(tmp_path, caplog):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / NFC).write_text("Premier.", "utf-8")
    (corpus / NFD).write_text("Second.", "utf-8")
    assert list_sources(corpus) == [min(NFC, NFD)]
    assert "once normalised (NFC)" in caplog.text
