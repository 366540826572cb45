"""Shared fixtures: a session index over tests/data, config, app, CLI runner, env scrub."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from indexer.build import build_index
from service.config import Config, load_config
from service.search.snapshot import Snapshot, Snapshots
from tests import postgres_server

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
SEEDS_DIR = ROOT / "seeds"
NEWS = ROOT.parent / "shared" / "data" / "news-fr.jsonl.gz"


@pytest.fixture(autouse=True)
def _no_search_env(monkeypatch):
    """Tests never see the developer's SEARCH_* variables (as Flask does for FLASK_*)."""
    for key in [k for k in os.environ if k.startswith("SEARCH_")]:
        monkeypatch.delenv(key)


def require_postgres() -> None:
    """Skip the calling test or fixture when no PostgreSQL server can run here; fail
    instead under REQUIRE_POSTGRES=1 (CI), where missing means broken."""
    reason = postgres_server.unavailable()
    if reason and os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_root():
    """A folder for this session's PostgreSQL servers; they are stopped at its end."""
    require_postgres()
    with postgres_server.server_root() as root:
        yield root


@pytest.fixture(scope="session")
def postgres_primary(postgres_root) -> postgres_server.PostgresServer:
    """A PostgreSQL server started for the session, on a free loopback port."""
    return postgres_server.start_primary(postgres_root)


@pytest.fixture(scope="session")
def postgres_engine(postgres_primary):
    """The postgres engine creates its indexes on the session's server."""
    from indexer.engines.postgres import PostgresEngine
    from indexer.engines.postgres.connections import close_pools

    before = PostgresEngine.dsn
    PostgresEngine.dsn = postgres_primary.dsn()
    yield PostgresEngine
    PostgresEngine.dsn = before
    close_pools()  # before the server stops under them


@pytest.fixture(autouse=True)
def _postgres_for_the_postgres_engine(request):
    """A test parametrized with "postgres" (as its engine, or its site's) gets the
    session's server, whatever ran before it."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and "postgres" in callspec.params.values():
        request.getfixturevalue("postgres_engine")


def postgres_config(folder: Path, corpus: Path, dsn: str, **sections: dict) -> Config:
    """A config whose archive is in a database (engine "postgres"): ``dsn``, and a schema
    named after ``folder`` (one per test)."""
    schema = f"t_{folder.name}".replace("-", "_")[:60]
    index = {"engine": "postgres", "dsn": dsn, "schema": schema}
    return load_config(write_config(folder, corpus, index=index, **sections), environ={})


def built(folder: Path, corpus: Path, engine: str) -> Snapshots:
    """The snapshots of an index of ``corpus`` by ``engine``, built as ``search-index``
    does: in ``folder/index``, or for postgres in a schema named after ``folder`` on the
    session's server (ask for ``postgres_engine`` first; ``update`` brings it up to the
    corpus again)."""
    if engine != "postgres":
        build_index(corpus, folder / "index", engine=engine)
        return Snapshots.at(folder / "index")
    from indexer.database import DatabaseHandle

    database = _database(folder)
    update(folder, corpus, engine)
    return Snapshots(DatabaseHandle(database))


def update(folder: Path, corpus: Path, engine: str, rels: list[str] | None = None) -> None:
    """Bring an index ``built`` in ``folder`` up to its corpus: the source files ``rels``
    (those a write changed; postgres compares every file's content instead)."""
    if engine == "postgres":
        from indexer.database_import import import_sources

        import_sources(corpus, _database(folder))
    else:
        from indexer.update import change_sources

        change_sources(corpus, folder / "index", engine, rels or [])


def _database(folder: Path):
    from indexer.database import Database
    from indexer.engines.postgres import PostgresEngine

    assert PostgresEngine.dsn, "ask for the postgres_engine fixture first"
    return Database(PostgresEngine.dsn, f"b_{folder.name}".replace("-", "_")[:60])


@pytest.fixture
def postgres_data_config(tmp_path, postgres_primary) -> Config:
    """A config over a copy of tests/data (tmp_path/corpus), archived in the session's
    server, in a schema of its own; writes take ARCHIVE_TOKEN."""
    shutil.copytree(DATA_DIR, tmp_path / "corpus")
    service = {"write_token": ARCHIVE_TOKEN}
    return postgres_config(tmp_path, tmp_path / "corpus", postgres_primary.dsn(), service=service)


ARCHIVE_TOKEN = "jeton-de-l-archive"


@pytest.fixture
def closed_pools():
    """Connection pools closed after the test: a pool to a server that is not there
    would go on trying to connect in the background (the next use opens another)."""
    yield
    from indexer.engines.postgres.connections import close_pools

    close_pools()


# The fields of a hit in the API's JSON (models.Hit.to_dict), without explain.
HIT_FIELDS = {
    "id",
    "title",
    "date",
    "countries",
    "score",
    "url",
    "passages",
    "by_meaning",
    "copies",
}


def write_config(folder: Path, corpus: Path, **sections: dict) -> Path:
    """A config.toml in ``folder`` whose corpus is ``corpus`` and index is folder/index."""
    lines = ["[corpus]", f'path = "{corpus}"', "[index]", 'path = "index"']
    for key, value in sections.pop("index", {}).items():
        lines.append(f'{key} = "{value}"')
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{k} = {v!r}".replace("'", '"') for k, v in values.items())
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def data_config_path(tmp_path_factory) -> Path:
    """A config over tests/data with its index built once for the session."""
    folder = tmp_path_factory.mktemp("data-index")
    corpus = folder / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    path = write_config(folder, corpus)
    build_index(corpus, folder / "index")
    return path


@pytest.fixture(scope="session")
def seeds_config_path(tmp_path_factory) -> Path:
    """A config over the five seed articles with its index built once for the session."""
    folder = tmp_path_factory.mktemp("seeds-index")
    path = write_config(folder, SEEDS_DIR)
    build_index(SEEDS_DIR, folder / "index")
    return path


@pytest.fixture
def data_config(data_config_path) -> Config:
    return load_config(data_config_path, environ={})


@pytest.fixture
def seeds_config(seeds_config_path) -> Config:
    return load_config(seeds_config_path, environ={})


@pytest.fixture
def data_index(data_config) -> Snapshot:
    """A snapshot of the session's tests/data index (read-only: never write to it)."""
    return Snapshots.at(data_config.index_path).current()


@pytest.fixture
def seeds_index(seeds_config) -> Snapshot:
    """A snapshot of the session's seeds index."""
    return Snapshots.at(seeds_config.index_path).current()


@pytest.fixture(scope="session")
def app(data_config_path):
    """The Flask app over the session's tests/data index (read-only: never write to it)."""
    from service.web.app import create_app

    app = create_app(load_config(data_config_path, environ={}))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def seeds_app(seeds_config_path):
    """The Flask app over the five seed articles."""
    from service.web.app import create_app

    app = create_app(load_config(seeds_config_path, environ={}))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def seeds_client(seeds_app):
    return seeds_app.test_client()


VOID_TAGS = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[dict] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in VOID_TAGS:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append({"tag": tag, "attrs": dict(attrs), "text": ""})

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i]["tag"] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data


def html_elements(html: str) -> list[dict]:
    """Every element of a page as {"tag", "attrs", "text"} (text: all text inside it)."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def sent_while_held(client, requests: list[tuple], headers: dict, release: Callable) -> list:
    """Send ``requests`` (method, path, body) at once while something holds the index's
    write lock: the first waits for it in the write worker, the others queue behind it
    (``service.corpus.commits``: they are one batch); then ``release()`` it. The answers."""
    answers: list = [None] * len(requests)

    def send(n: int) -> None:
        method, path, body = requests[n]
        answers[n] = client.open(path, method=method, json=body, headers=headers)

    first = threading.Thread(target=send, args=(0,))
    first.start()
    time.sleep(0.5)  # the first batch is in the worker, waiting for the lock
    others = [threading.Thread(target=send, args=(n,)) for n in range(1, len(requests))]
    for thread in others:
        thread.start()
    time.sleep(0.5)  # all queued
    release()
    for thread in [first, *others]:
        thread.join()
    return answers
