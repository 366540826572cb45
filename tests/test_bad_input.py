"""A corpus of bad articles (tests/data_bad/, plus what is too big or too odd to commit):
each is skipped or repaired with a warning that names its file and line, and every good
article beside it is indexed and served."""

from __future__ import annotations

import logging
import shutil

import pytest
from click.testing import CliRunner

from indexer.build import build_index
from indexer.sources import MAX_ARTICLE_CHARS
from service.cli.index import index_cmd
from service.config import load_config
from service.search import core
from service.search.models import SearchRequest
from service.search.snapshot import Snapshots
from service.web.app import create_app
from tests.conftest import ROOT, write_config

BAD_DIR = ROOT / "tests" / "data_bad"
TEN_MB = 10 * 1024 * 1024

GOOD = {
    "bon_un.txt",
    "bon_bom_crlf.txt",
    "sous-dossier/bon_trois.txt",
    "date_impossible.txt",  # kept: the date comes from its text
    "articles.jsonl#j1",
    "articles.jsonl#j8",  # an impossible metadata date: kept, dated from its text
    "articles.jsonl#j11",  # lone surrogates: kept, replaced by U+FFFD
    "articles.jsonl#j12",
    *(f"coupe.jsonl.gz#g{n}" for n in range(20)),  # the lines before the cut
}
SKIPPED = [  # file, line, words of the reason
    ("binaire.txt", 1, "binary file"),
    ("latin1.txt", 1, "not UTF-8"),
    ("vide.txt", 1, "empty file"),
    ("blanc.txt", 1, "empty file"),
    ("en_tete_seul.txt", 1, "no text after the header"),
    ("nul_plus_loin.txt", 1, "NUL character"),
    ("articles.jsonl", 2, "broken JSON"),
    ("articles.jsonl", 3, "not a JSON object"),
    ("articles.jsonl", 4, 'invalid "id"'),
    ("articles.jsonl", 5, 'invalid "text"'),
    ("articles.jsonl", 6, "duplicate id 'j1'"),
    ("articles.jsonl", 7, "not UTF-8"),
    ("articles.jsonl", 9, "empty article"),
    ("articles.jsonl", 10, 'invalid "id"'),
    ("articles.jsonl", 13, "broken JSON: Unterminated string"),  # cut in the middle
    ("coupe.jsonl.gz", 21, "corrupt or truncated file"),
    ("pas_gzip.jsonl.gz", 1, "Not a gzipped file"),
    ("gros.txt", 1, "article too long"),
    ("gros.jsonl", 2, "article too long"),
]
WARNED = [  # kept articles whose metadata was wrong: a warning, file and line
    ("date_impossible.txt", 1, "date invalide « 2021-13 »"),
    ("articles.jsonl", 8, "date invalide « 2021-13-45 »"),
    ("articles.jsonl", 11, "lone surrogate"),
    ("articles.jsonl", 12, "unknown country codes"),
]


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory):
    """tests/data_bad plus a 10 MB article (.txt and a JSONL line) and a non-UTF-8 name."""
    corpus = tmp_path_factory.mktemp("bad") / "corpus"
    shutil.copytree(BAD_DIR, corpus)
    words = "Le Kazakhstan exporte du blé. " * (TEN_MB // 30)
    (corpus / "gros.txt").write_text(words, "utf-8")
    (corpus / "gros.jsonl").write_text(
        '{"id": "petit", "text": "Le Laos et la Thaïlande."}\n'
        f'{{"id": "gros", "text": "{words}"}}\n',
        "utf-8",
    )
    (corpus / "nom-latin1-\udce9.txt").write_text("Un nom de fichier en Latin-1.", "utf-8")
    return corpus


@pytest.fixture(scope="module")
def built(bad_corpus, tmp_path_factory):
    """The bad corpus built once: its report, the warnings it logged, its index folder."""
    index_dir = tmp_path_factory.mktemp("bad-index") / "index"
    handler = _Collect()
    logging.getLogger("indexer").addHandler(handler)
    try:
        report = build_index(bad_corpus, index_dir)
    finally:
        logging.getLogger("indexer").removeHandler(handler)
    return report, handler.messages, index_dir


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_the_generated_article_is_over_the_limit(bad_corpus):
    assert (bad_corpus / "gros.txt").stat().st_size >= TEN_MB - 100 > MAX_ARTICLE_CHARS


def test_every_good_article_is_indexed_and_nothing_else(built):
    report, _, index_dir = built
    result = core.search(Snapshots.at(index_dir).current(), SearchRequest(per_page=100))
    assert {hit.id for hit in result.hits} == GOOD | {"gros.jsonl#petit"}
    assert report.doc_count == result.total == len(GOOD) + 1


@pytest.mark.parametrize("file, line, reason", SKIPPED)
def test_each_bad_input_is_skipped_with_file_line_and_reason(built, file, line, reason):
    report, messages, _ = built
    skips = [s for s in report.skipped if (s.file, s.line) == (file, line)]
    assert len(skips) == 1 and reason in skips[0].reason, report.skipped
    assert str(skips[0]) in messages  # logged as file:line: reason


@pytest.mark.parametrize("file, line, reason", WARNED)
def test_bad_metadata_is_a_warning_and_the_article_is_kept(built, file, line, reason):
    _, messages, _ = built
    assert any(m.startswith(f"{file}:{line}: ") and reason in m for m in messages), messages


def test_a_file_name_that_is_not_utf8_is_left_out_with_a_warning(built):
    report, messages, _ = built
    assert any("nom-latin1-\\xe9.txt" in m and "not UTF-8" in m for m in messages)
    assert not any("latin1-" in rel for rel in report.added)


def test_repaired_and_dated_articles_are_served(built, bad_corpus, tmp_path):
    config = load_config(write_config(tmp_path, bad_corpus), environ={})
    shutil.copytree(built[2], config.index_path)
    client = create_app(config).test_client()
    surrogate = client.get("/api/documents/articles.jsonl%23j11").get_json()
    assert "\ufffd" in surrogate["text"]
    assert client.get("/api/search?q=nickel").get_json()["total"] == 1
    dated = client.get("/api/documents/date_impossible.txt").get_json()
    assert dated["date"] == {"value": "2020-03-03", "precision": "day", "source": "text"}
    bom = client.get("/api/documents/bon_bom_crlf.txt").get_json()
    assert bom["text"].startswith("Bakou") and "\r" not in bom["text"]
    assert bom["date"]["value"] == "2023-02-14"


def test_the_command_lists_every_skip_and_succeeds(bad_corpus, tmp_path):
    config = write_config(tmp_path, bad_corpus)
    result = CliRunner().invoke(index_cmd, ["--config", str(config)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"{len(SKIPPED)} entrées ignorées" in result.output
    for file, line, _ in SKIPPED:
        assert f"  {file}:{line}: " in result.output
