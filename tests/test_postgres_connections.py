"""The postgres engine's connection pools when their server goes away and comes back.

A service outlives its database's restarts and failovers: once the server answers again,
the next request must get a connection, not wait on a reconnection schedule that backed
off while the server was down.
"""

from __future__ import annotations

import time

import pytest
from psycopg_pool import PoolTimeout

from indexer.engines.postgres import connections
from tests import postgres_server


@pytest.fixture
def short_pool_timeout(monkeypatch):
    """Requests wait 1 s for a connection (3 s in the service), to keep the test short."""
    monkeypatch.setattr(connections, "POOL_TIMEOUT", 1.0)
    yield 1.0
    connections.close_pools()


def test_a_server_back_after_a_long_outage_serves_the_next_request(
    postgres_root, short_pool_timeout
):
    server = postgres_server.start_primary(postgres_root, name="comes-back")
    try:
        pool = connections.pool(server.dsn())
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        server.stop()
        for _ in range(2):  # the request that finds the server gone, and one more
            with pytest.raises(PoolTimeout):
                with pool.connection():
                    pass
        # Down for a while: psycopg_pool waits 1, 2, 4, 8 s between its attempts (its
        # default), and a request that waits starts no attempt of its own while one is
        # pending. The server comes back at about 11 s, in a wait that would last until
        # about 17 s, well past the next request's timeout.
        time.sleep(8)
        server.start()
        started = time.monotonic()
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert time.monotonic() - started < short_pool_timeout
    finally:
        connections.close_pools()
        server.stop()
