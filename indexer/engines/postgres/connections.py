"""Where a postgres index lives (a server and a schema), and the connections to it.

**A temporary bridge.** The engine interface opens an index by its directory (``Engine.create
(path)``, ``Engine.open(path)``), and builds still make one directory per generation. So a
postgres index's directory holds one small file, ``postgres.json``: the connection string
and the schema of its tables. ``create`` takes the connection string from
``PostgresEngine.dsn`` (a class setting that tests and benchmarks set), else uses libpq's
own defaults (``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGDATABASE``, ``~/.pgpass``), so no
password need ever be written here. An incremental build copies the file, and so writes to
the same tables; a full build makes a new schema. Once the engine is opened from the
configuration (``index.dsn``), this file goes.

Connections come from one pool per connection string and process (psycopg_pool), shared by
every engine on that server: a service opens an engine per generation, and a pool per
engine would multiply connections. A write pool's connection is checked when it is taken
(one round trip), so a server that restarted or failed over costs no write an error; a
read pool's is not (a search would pay that round trip every time): a reader that finds
its connection lost has the pool check the others and tries once more (``is_lost``).
Each connection gets the session settings of our queries (``SESSION_SETTINGS``).

A pool whose server is gone retries with a growing wait (psycopg_pool: 1, 2, 4, 8 s...),
and while it waits no request starts another attempt: a primary promoted during a 8 s wait
would answer 503s for seconds after it took writes. So a pool gives up its attempts after
``POOL_TIMEOUT`` (``reconnect_timeout``), and the next request starts a new one at once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, TypeVar

from psycopg import Connection, OperationalError, errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from ..base import IndexCorrupt

T = TypeVar("T")
LOCATION_FILE = "postgres.json"
POOL_SIZE = 8  # connections per server: as many as the service's threads (service.threads)
POOL_TIMEOUT = 3.0  # seconds a request waits for a connection before it fails (a 503): a
# server down leaves the pool without one, and a request must not hang on it
IDLE_SECONDS = 60.0  # idle connections above the first close after this
CONNECT_TIMEOUT = 5  # seconds libpq waits for a server (connect_timeout)


class Location(NamedTuple):
    """A postgres index: the server (a libpq connection string) and the schema of its tables."""

    dsn: str
    schema: str


def write_location(path: Path, location: Location) -> None:
    """Record where the index of ``path`` lives."""
    path.mkdir(parents=True, exist_ok=True)
    data = json.dumps(location._asdict(), ensure_ascii=False)
    (path / LOCATION_FILE).write_text(data + "\n", encoding="utf-8")


def read_location(path: Path) -> Location:
    """Where the index of ``path`` lives; IndexCorrupt when the file is missing or damaged."""
    try:
        data = json.loads((path / LOCATION_FILE).read_text(encoding="utf-8"))
        return Location(str(data["dsn"]), str(data["schema"]))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise IndexCorrupt(f"{path / LOCATION_FILE}: {e}") from e


def for_reads(dsn: str) -> str:
    """The connection string of the read pool: a standby when the string names one among
    several hosts (libpq's ``target_session_attrs=prefer-standby``), else the primary."""
    return _with_target(dsn, "prefer-standby")


def for_writes(dsn: str) -> str:
    """The connection string of the write pool: the one host that accepts writes."""
    return _with_target(dsn, "read-write")


def _with_target(dsn: str, target: str) -> str:
    """``dsn`` with this ``target_session_attrs``, unless it sets its own."""
    if "target_session_attrs" in conninfo_to_dict(dsn):
        return dsn
    return make_conninfo(dsn, target_session_attrs=target)


def is_lost(error: BaseException) -> bool:
    """Whether a read failed on a connection that broke (its server restarted, stopped or
    failed over), which a fresh connection may not: not a cancelled statement, not a pool
    that had no connection to give."""
    return isinstance(error, OperationalError) and not isinstance(
        error, (errors.QueryCanceled, PoolTimeout)
    )


def retried(pool: ConnectionPool, use: Callable[[Connection], T]) -> T:
    """``use(connection)`` with a connection of an unchecked pool; when it turns out lost
    (``is_lost``), the pool checks its idle ones and ``use`` runs once more."""
    try:
        with pool.connection() as conn:
            return use(conn)
    except OperationalError as e:
        if not is_lost(e):
            raise
    pool.check()  # drops the other connections to the lost server
    with pool.connection() as conn:
        return use(conn)


_pools: dict[tuple[str, bool], ConnectionPool] = {}
_pools_lock = threading.Lock()


def pool(dsn: str, checked: bool = True) -> ConnectionPool:
    """The connection pool to a server, opened on first use.

    :param checked: each connection checked as it is taken (a round trip); unchecked
        pools serve readers, which retry a lost connection once (``is_lost``) instead.
    """
    with _pools_lock:
        found = _pools.get((dsn, checked))
        if found is None or found.closed:
            found = _pools[dsn, checked] = ConnectionPool(
                dsn,
                min_size=1,
                max_size=POOL_SIZE,
                timeout=POOL_TIMEOUT,
                reconnect_timeout=POOL_TIMEOUT,
                max_idle=IDLE_SECONDS,
                kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
                check=ConnectionPool.check_connection if checked else None,
                configure=_configure,
                name="search",
                open=True,
            )
        return found


# Set on every connection: no JIT (a search's plan easily passes jit_above_cost, and
# compiling it took 400 ms of a 630 ms query over every article), and matches read through
# the GIN index, never by a scan that reads every row's tsvector back (view.py).
SESSION_SETTINGS = "SET jit = off; SET enable_seqscan = off"


def _configure(conn) -> None:
    conn.execute(SESSION_SETTINGS)


def close_pools() -> None:
    """Close every pool of this process (tests, before they stop their servers)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for p in pools:
        p.close()
