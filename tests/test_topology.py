"""Several machines, tested on one: a primary, a streaming standby and two ``search-serve``
processes, all on loopback ports, started here.

Both services are given the same connection string naming both servers: libpq sends their
searches to the standby (``target_session_attrs=prefer-standby``) and their writes to the
primary (``read-write``). The phases run in order, each on what the last one left:

1. a write through one service is found through the other once acknowledged (the write
   waited for the standby to replay it): the replication lag is measured;
2. the standby stopped, searches fall back to the primary;
3. the primary stopped, writes answer 503 with a clear French message, searches go on;
4. the standby promoted, writes succeed again, neither service restarted.
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
import urllib.error
import urllib.request
from contextlib import ExitStack

import psycopg
import pytest

from service.config import load_config
from service.corpus.indexing import update_index
from tests import postgres_server
from tests.conftest import DATA_DIR, require_postgres, write_config
from tests.live_server import live_process

TOKEN = "jeton-de-topologie"
FLUSHED = {"synchronous_commit": "on"}


def call(url: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict, float]:
    """(status, JSON body, seconds) of one request; errors are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    return status, json.loads(raw or b"{}"), time.monotonic() - started


def replay_lag(primary, standby) -> float:
    """Seconds from a commit on the primary to its replay on the standby."""
    with (
        psycopg.connect(primary.dsn(), autocommit=True) as p,
        psycopg.connect(standby.dsn(), autocommit=True) as s,
    ):
        p.execute("CREATE TABLE IF NOT EXISTS lag_probe (n int)")
        p.execute("INSERT INTO lag_probe VALUES (1)")
        (lsn,) = p.execute("SELECT pg_current_wal_insert_lsn()").fetchone()
        started = time.monotonic()
        while not s.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()[0]:
            time.sleep(0.0005)
        return time.monotonic() - started


def found(base: str, q: str) -> list[str]:
    status, body, _ = call(f"{base}/api/search?q={q}")
    assert status == 200, body
    return [hit["id"] for hit in body["hits"]]


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    """A primary with the tests' articles, its standby, and two services over both."""
    require_postgres()
    folder = tmp_path_factory.mktemp("topology")
    corpus = folder / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    with ExitStack() as stack:
        root = stack.enter_context(postgres_server.server_root())
        # Commits flush the WAL (fsync stays off): the standby gets them at once, not when
        # the WAL writer next wakes (200 ms), as with the tests' synchronous_commit=off.
        primary = postgres_server.start_primary(root, settings=FLUSHED)
        path = write_config(folder, corpus, index={"engine": "postgres", "dsn": primary.dsn()})
        update_index(load_config(path, environ={}))  # imported before the standby copies it
        standby = postgres_server.start_standby(primary, root, settings=FLUSHED)
        both = (
            f"host=127.0.0.1,127.0.0.1 port={primary.port},{standby.port} "
            f"user={postgres_server.SERVER_USER} dbname={postgres_server.DATABASE} "
            "connect_timeout=2"
        )
        path = write_config(folder, corpus, index={"engine": "postgres", "dsn": both})
        env = {"SEARCH_SERVICE__WRITE_TOKEN": TOKEN}
        one, _ = stack.enter_context(live_process(path, env))
        other, _ = stack.enter_context(live_process(path, env))
        yield primary, standby, one, other


def test_two_services_over_a_primary_and_a_standby(topology, capsys):
    primary, standby, one, other = topology
    # 1. Written through one, found through the other as soon as acknowledged.
    status, body, took = call(
        f"{one}/api/documents/api/forum.txt", "PUT", {"text": "Bakou accueille un forum."}
    )
    assert status == 201, body
    assert found(other, "forum") == ["api/forum.txt"]
    acks = [call(f"{one}/api/documents/api/n{i}.txt", "PUT", {"text": f"Note {i}."})[2]
            for i in range(10)]  # fmt: skip
    lags = [replay_lag(primary, standby) for _ in range(20)]
    with capsys.disabled():
        print(
            f"\n[topology] write acknowledged (replayed on the standby) in median "
            f"{statistics.median(acks) * 1000:.0f} ms; replication lag median "
            f"{statistics.median(lags) * 1000:.2f} ms, max {max(lags) * 1000:.2f} ms"
        )

    # 2. The standby stopped: searches go to the primary.
    standby.stop()
    assert found(one, "forum") == ["api/forum.txt"]
    assert found(other, "forum") == ["api/forum.txt"]
    standby.start()
    standby.wait_replayed(primary)

    # 3. The primary stopped: searches go on from the standby, writes answer 503.
    primary.stop()
    assert found(other, "forum") == ["api/forum.txt"]
    status, body, took = call(
        f"{one}/api/documents/api/panne.txt", "PUT", {"text": "Écrit pendant la panne."}
    )
    assert status == 503, body
    assert "base de données primaire injoignable" in body["error"]["message"]
    assert took < 15  # never a hang
    assert found(one, "forum") == ["api/forum.txt"]

    # 4. The standby promoted: writes succeed again, no service restarted.
    standby.promote()
    status, body, _ = call(
        f"{one}/api/documents/api/reprise.txt", "PUT", {"text": "Reprise après la bascule."}
    )
    assert status == 201, body
    assert found(other, "bascule") == ["api/reprise.txt"]
    assert call(f"{other}/api/documents/api/forum.txt", "DELETE")[0] == 204
    assert found(one, "forum") == []
