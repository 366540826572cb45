"""The PostgreSQL test harness itself: a primary, and a streaming standby that follows it.

The replica topology of the postgres engine (a primary, a ``pg_basebackup -R`` standby,
two services) is built from these pieces; this pins that they work on this machine.
"""

from __future__ import annotations

import subprocess

import pytest

from tests import postgres_server


def test_primary_answers_on_its_loopback_port(postgres_primary):
    assert postgres_primary.psql("SELECT current_database()") == postgres_server.DATABASE
    assert not postgres_primary.is_standby()


def test_standby_replays_what_the_primary_writes_and_can_be_promoted(postgres_primary):
    postgres_primary.psql("CREATE TABLE harness (n int); INSERT INTO harness VALUES (1)")
    try:
        with postgres_server.server_root() as root:
            standby = postgres_server.start_standby(postgres_primary, root)
            assert standby.is_standby()
            assert standby.psql("SELECT n FROM harness") == "1"  # the base backup's copy
            postgres_primary.psql("INSERT INTO harness VALUES (2)")
            standby.wait_replayed(postgres_primary)
            assert standby.psql("SELECT sum(n) FROM harness") == "3"
            with pytest.raises(subprocess.CalledProcessError) as refused:
                standby.psql("INSERT INTO harness VALUES (3)")
            assert "read-only transaction" in refused.value.stderr
            standby.promote()
            assert not standby.is_standby()
            standby.psql("INSERT INTO harness VALUES (3)")  # it takes writes now
            assert standby.psql("SELECT sum(n) FROM harness") == "6"
    finally:
        postgres_primary.psql("DROP TABLE harness")
