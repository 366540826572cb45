"""The archive acceptance suite: journalist queries on the 34,160 real news articles.

It runs when ``../shared/data/news-fr.jsonl.gz`` is beside the clone (CI has it), and is
skipped with a message otherwise. The index of each engine is built once, from a
configuration whose ``corpus.path`` is the ``.jsonl.gz`` file itself, into
``var/archive/<engine>``, and reused by later runs until the indexer's code changes (a
fingerprint beside it): about a minute for tantivy, two for Whoosh, the first time. The
postgres engine's archive is imported (about two minutes) into a PostgreSQL cluster
kept in ``var/archive/postgres``, started for the session and stopped after it.
Every query runs through the API (``/api/search``, ``/api/suggest``), some through the
page and the command line, on every engine.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

import indexer
from indexer.database import DatabaseHandle
from service.config import DEFAULT_CONFIG, Config, load_config
from service.corpus.indexing import archive as database_of
from service.corpus.indexing import update_index
from service.search.snapshot import Snapshot, Snapshots, warm_up
from tests import postgres_server
from tests.conftest import NEWS, ROOT, require_postgres

ENGINES = ["tantivy", "whoosh", "postgres"]
CACHE = ROOT / "var" / "archive"
SCHEMA = "archive"  # of the postgres engine's archive, in the kept cluster


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/archive/" in item.nodeid:
            item.add_marker(pytest.mark.archive)


def installed_config(folder: Path, engine: str, dsn: str = "") -> Path:
    """The repository's config.toml as a fresh install has it (synonyms and all), its
    corpus the news archive's file itself, its index in ``folder`` (for postgres, the
    schema ``SCHEMA`` of the server ``dsn``)."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    defaults = (("path", "seeds"), ("path", "var/index"), ("engine", "whoosh"), ("dsn", ""))
    for key, value in (*defaults, ("schema", "search")):
        assert f'{key} = "{value}"' in text, f"config.toml no longer has {key} = {value}"
    text = text.replace('path = "seeds"', f'path = "{NEWS}"', 1)
    text = text.replace('path = "var/index"', 'path = "index"', 1)
    text = text.replace('engine = "whoosh"', f'engine = "{engine}"', 1)
    text = text.replace('dsn = ""', f'dsn = "{dsn}"', 1)
    text = text.replace('schema = "search"', f'schema = "{SCHEMA}"', 1)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def fingerprint() -> str:
    """The indexer package's files: an index built by other code is rebuilt."""
    root = Path(indexer.__file__).resolve().parent
    digest = hashlib.sha1()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class Archive:
    """One engine's index of the news archive: its configuration, snapshot and clients;
    ``dsn``: the kept server of the postgres engine's."""

    def __init__(self, engine: str, dsn: str = ""):
        folder = CACHE / engine
        folder.mkdir(parents=True, exist_ok=True)
        self.config: Config = load_config(installed_config(folder, engine, dsn), environ={})
        stamp, now = folder / "fingerprint", fingerprint()
        fresh = stamp.is_file() and stamp.read_text() == now
        update_index(self.config, rebuild=not fresh)  # postgres: imported if missing
        stamp.write_text(now)
        self.engine = engine
        if engine == "postgres":
            self.snapshots = Snapshots(DatabaseHandle(database_of(self.config)))
        else:
            self.snapshots = Snapshots.at(self.config.index_path)
        from service.web.app import create_app, current_snapshots

        app = create_app(self.config)
        app.config["TESTING"] = True
        # As search-serve does at start: a request then never pays the lexicon's indexes
        # (0.4 s, seconds on a busy machine) within its time budget (a 503).
        warm_up(current_snapshots(app)).join(timeout=120)
        self.client = app.test_client()

    @property
    def snapshot(self) -> Snapshot:
        return self.snapshots.current()

    def search(self, **params) -> dict:
        """/api/search's body, with its hits' whole articles under "articles"."""
        response = self.client.get("/api/search", query_string=params)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        body["articles"] = self.snapshot.engine.fetch([hit["id"] for hit in body["hits"]])
        return body

    @property
    def index_name(self) -> str:
        """The index as messages name it: its folder, or the archive's schema."""
        return SCHEMA if self.engine == "postgres" else str(self.config.index_path)


@pytest.fixture(scope="session")
def archive_server():
    """The kept PostgreSQL cluster of the postgres engine's archive (``CACHE/postgres``),
    started for the session; stopped after it, its connections closed first."""
    require_postgres()
    server = postgres_server.start_kept(CACHE / "postgres")
    yield server
    from indexer.engines.postgres.connections import close_pools

    close_pools()
    server.stop()


@pytest.fixture(scope="session", params=ENGINES)
def archive(request) -> Archive:
    if not NEWS.is_file():
        pytest.skip(f"archive suite: {NEWS} is absent (../shared/data beside the clone)")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if request.param == "postgres":
        return Archive("postgres", request.getfixturevalue("archive_server").dsn())
    return Archive(request.param)
