"""Throwaway PostgreSQL servers on loopback ports, for tests and benchmarks (and one kept
between sessions, for the archive suite's import of the news archive).

Debian's PostgreSQL (``/usr/lib/postgresql/<version>/bin``) refuses to run as root, so
when the tests run as root (CI does) every server command runs as the ``postgres``
system user, in a folder of its own under the system's temporary folder (pytest's
``tmp_path`` sits in a folder only root may enter)::

    with server_root() as root:
        primary = start_primary(root)              # initdb, start, wait until it answers
        standby = start_standby(primary, root)     # pg_basebackup -R, start: a hot standby
        primary.dsn()                              # 'host=127.0.0.1 port=… dbname=search …'
        standby.wait_replayed(primary)             # the standby replayed what the primary wrote
        standby.promote()                          # pg_ctl promote: it takes writes
    # every server stopped, the folder removed
    kept = start_kept(Path("var/archive/postgres"))  # a cluster kept between sessions
    kept.stop()

``unavailable()`` says why no server can be started here (no binaries, root without a
``postgres`` user), for a test to skip with that reason, or fail under REQUIRE_POSTGRES=1.
Servers start with ``fsync`` off by default (a test server loses nothing worth keeping in a
crash); benchmarks pass ``durable=True``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
SERVER_USER = "postgres"  # Debian's system user for the server, when we are root
DATABASE = "search"
START_SECONDS = 60
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
# A standby's settings as DEPLOYMENT.md gives them. Without hot_standby_feedback, replaying
# the primary's cleanup of a row that a running search reads waits for that search: with
# 8 clients searching, the replay an acknowledged write waits for took p99 427 ms (66 ms
# with it), at 34,160 articles.
STANDBY_SETTINGS = {
    "hot_standby_feedback": "on",
    "max_standby_streaming_delay": "5s",
    "wal_receiver_status_interval": "1s",
    "log_recovery_conflict_waits": "on",
}


def find_bindir() -> Path | None:
    """The folder of initdb/pg_ctl: $PG_BINDIR, Debian's newest version, else the PATH."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(Path("/").glob(DEBIAN_BINDIRS.lstrip("/")), key=_version)
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version(bindir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in bindir.parent.name.split(".") if part.isdigit())


def unavailable() -> str | None:
    """Why no PostgreSQL server can be started here, or None."""
    bindir = find_bindir()
    if bindir is None or not (bindir / "initdb").exists():
        return "no PostgreSQL server binaries (apt-get install postgresql-15 postgresql-contrib)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run the server"
    return None


def free_port() -> int:
    """A loopback port nobody listens on now (the server binds it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server_root() -> Iterator[Path]:
    """A temporary folder the server user owns; every server started in it is stopped,
    then the folder is removed."""
    root = Path(tempfile.mkdtemp(prefix="pgsearch-"))
    _give_to_server_user(root)
    try:
        yield root
    finally:
        for datadir in root.glob("*/PG_VERSION"):
            _stop_quietly(datadir.parent)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class PostgresServer:
    """One running server: its data folder and port; commands run as the server user."""

    datadir: Path
    port: int
    bindir: Path
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def log(self) -> Path:
        return self.datadir.parent / f"{self.datadir.name}.log"

    def dsn(self, dbname: str = DATABASE, **extra: str) -> str:
        """A libpq connection string to this server (trust authentication on loopback)."""
        params = {"host": "127.0.0.1", "port": str(self.port), "user": SERVER_USER}
        params |= {"dbname": dbname, **extra}
        return " ".join(f"{k}={v}" for k, v in params.items())

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = [f"-p {self.port}", f"-k {self.datadir.parent}", "-c listen_addresses=127.0.0.1"]
        options += [f"-c {k}={v}" for k, v in self.settings.items()]
        self._pg_ctl(
            "start", "-w", "-t", str(START_SECONDS), "-l", str(self.log), "-o", " ".join(options)
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate``: as a crash would, without a checkpoint)."""
        self._pg_ctl("stop", "-w", "-m", mode)

    def promote(self) -> None:
        """Make a standby a primary (``pg_ctl promote``), waiting until it is one."""
        self._pg_ctl("promote", "-w")

    def psql(self, sql: str, dbname: str = DATABASE) -> str:
        """Run SQL with psql; its unaligned output, without headers."""
        command = [str(self.bindir / "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
        return _run_as_server_user([*command, "-d", self.dsn(dbname), "-c", sql]).strip()

    def is_standby(self) -> bool:
        return self.psql("SELECT pg_is_in_recovery()", "postgres") == "t"

    def wal_position(self) -> str:
        """Where the primary's WAL ends now, written or not (an LSN): with asynchronous
        commits the last commit may not be written yet, and it is past the write position."""
        return self.psql("SELECT pg_current_wal_insert_lsn()", "postgres")

    def wait_replayed(self, primary: PostgresServer, timeout: float = 30.0) -> float:
        """Wait until this standby replayed the primary's WAL as of now; the seconds it took."""
        target, started = primary.wal_position(), time.monotonic()
        query = f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
        while self.psql(query, "postgres") != "t":
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"standby on port {self.port} did not replay {target}")
            time.sleep(0.01)
        return time.monotonic() - started

    def _pg_ctl(self, *args: str) -> None:
        _run_as_server_user([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args])


def start_primary(
    root: Path, name: str = "primary", durable: bool = False, settings: dict | None = None
) -> PostgresServer:
    """initdb a new cluster in ``root/name``, start it on a free port, create the database."""
    bindir = _bindir()
    datadir = root / name
    _initdb(bindir, datadir)
    server = _started(datadir, bindir, durable, settings)
    server.psql(f"CREATE DATABASE {DATABASE}", "postgres")
    return server


def start_kept(folder: Path) -> PostgresServer:
    """A server whose cluster outlives the session, in ``folder/cluster`` (``folder``
    made the server user's): made the first time, started on a free port by the next
    sessions; stop it at the end (``stop``). A cluster left running by a session that was
    killed is stopped first; one that no longer starts is made anew (empty)."""
    bindir = _bindir()
    folder = folder.resolve()  # the server's commands run from /
    folder.mkdir(parents=True, exist_ok=True)
    _give_to_server_user(folder)
    datadir = folder / "cluster"
    if (datadir / "PG_VERSION").is_file():
        _stop_quietly(datadir)
        try:
            return _started(datadir, bindir, False, None)
        except RuntimeError:
            shutil.rmtree(datadir)
    _initdb(bindir, datadir)
    server = _started(datadir, bindir, False, None)
    server.psql(f"CREATE DATABASE {DATABASE}", "postgres")
    return server


def _initdb(bindir: Path, datadir: Path) -> None:
    _run_as_server_user(
        [
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            SERVER_USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ]
    )


def start_standby(
    primary: PostgresServer,
    root: Path,
    name: str = "standby",
    durable: bool = False,
    settings: dict | None = None,
) -> PostgresServer:
    """A streaming standby of ``primary``: ``pg_basebackup -R`` into ``root/name``, started."""
    datadir = root / name
    _run_as_server_user(
        [
            str(primary.bindir / "pg_basebackup"),
            "-d",
            primary.dsn("postgres"),
            "-D",
            str(datadir),
            "--checkpoint=fast",  # not a spread checkpoint: minutes on a quiet server
            "-R",
            "-X",
            "stream",
            "--no-sync",
        ]
    )
    return _started(datadir, primary.bindir, durable, settings)


def _started(datadir: Path, bindir: Path, durable: bool, settings: dict | None) -> PostgresServer:
    chosen = {**({} if durable else FAST_SETTINGS), **(settings or {})}
    for attempt in range(3):  # the free port may be taken between the check and the bind
        server = PostgresServer(datadir, free_port(), bindir, chosen)
        try:
            server.start()
            return server
        except subprocess.CalledProcessError:
            if attempt == 2:
                raise RuntimeError(f"PostgreSQL did not start: {_tail(server.log)}") from None
    raise AssertionError("unreachable")


def _bindir() -> Path:
    reason = unavailable()
    if reason:
        raise RuntimeError(reason)
    bindir = find_bindir()
    assert bindir is not None
    return bindir


def _run_as_server_user(command: list[str]) -> str:
    """Run a PostgreSQL command, as the server user when we are root; its stdout."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", SERVER_USER, "--", *command]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd="/", env=_server_environment()
    )
    if done.returncode:
        raise subprocess.CalledProcessError(done.returncode, command, done.stdout, done.stderr)
    return done.stdout


def _server_environment() -> dict[str, str]:
    """Our environment, with the messages of the server and its tools in English: the
    French command line sets LANGUAGE=fr in this process (service.cli_french), and a
    server started after it would answer in French."""
    environ = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_MESSAGES")}
    return {**environ, "LC_ALL": "C.UTF-8"}


def _give_to_server_user(folder: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(folder, user.pw_uid, user.pw_gid)


def _stop_quietly(datadir: Path) -> None:
    if (datadir / "postmaster.pid").exists():
        bindir = find_bindir()
        if bindir is not None:
            try:
                _run_as_server_user(
                    [str(bindir / "pg_ctl"), "-D", str(datadir), "stop", "-w", "-m", "immediate"]
                )
            except subprocess.CalledProcessError:
                pass  # already stopped (a test stopped it)


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError as e:
        return f"(no log: {e})"
