"""Faults against the real server (``search-serve`` in a subprocess), both engines.

Damage while serving (files cut, overwritten with random bytes or garbage) is a 503 that
says how to rebuild, never a crash (SIGBUS), a hang (a Rust panic) or a wrong answer;
the server lives on and serves again once rebuilt. Killed with its write worker, the
server catches up with the corpus when it starts again. Hostile queries hold no thread.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.store import current_generation
from tests.conftest import DATA_DIR, write_config
from tests.live_server import live_process
from tests.test_faults import children_of, tmpfs

INDEX_CMD = Path(sys.executable).with_name("search-index")
TOKEN = "jeton-des-pannes"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENV = {"SEARCH_SERVICE__WRITE_TOKEN": TOKEN}


def get(url: str, timeout: float = 10.0) -> tuple[int, dict]:
    """(status, JSON body) of a GET; a 4xx/5xx is an answer too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def send(method: str, url: str, body: dict | None = None) -> int:
    return answer(method, url, body)[0]


def answer(method: str, url: str, body: dict | None = None) -> tuple[int, dict | None]:
    """(status, JSON body or None) of a write."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=AUTH)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, None
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


@pytest.fixture(params=["whoosh", "tantivy"])
def site(tmp_path, request):
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    config = write_config(tmp_path, corpus, index={"engine": request.param})
    build_index(corpus, tmp_path / "index", engine=request.param)
    return config, request.param


def _files(gen: Path, engine: str) -> dict[str, Path]:
    """The postings, terms, positions and stored documents of the live segment."""
    ext = {
        "whoosh": (".pst", ".trm", ".pst", "._stored.col"),
        "tantivy": (".idx", ".term", ".pos", ".store"),
    }
    found = {}
    for name, suffix in zip(("postings", "terms", "positions", "stored"), ext[engine], strict=True):
        found[name] = max(gen.glob(f"*{suffix}"), key=lambda p: p.stat().st_size)
    return found


def _cut(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _random_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    rnd = random.Random(7)
    for _ in range(200):
        data[rnd.randrange(len(data) // 2)] = rnd.randrange(256)  # the body, footer kept
    path.write_bytes(bytes(data))


def _garbage(path: Path) -> None:
    path.write_bytes(random.Random(3).randbytes(path.stat().st_size))


DAMAGES = {
    "postings cut": ("postings", _cut),
    "terms cut": ("terms", _cut),
    "positions cut": ("positions", _cut),
    "stored documents cut": ("stored", _cut),
    "random bytes in the postings": ("postings", _random_bytes),
    "garbage terms": ("terms", _garbage),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_damage_while_serving_is_a_503_and_the_server_lives_on(site, damage):
    config, engine = site
    index_dir = config.parent / "index"
    with live_process(config, ENV) as (url, process):
        assert get(f"{url}/api/search?q=chine")[0] == 200
        which, how = DAMAGES[damage]
        how(_files(current_generation(index_dir), engine)[which])

        def ask(path: str) -> tuple[int, float]:
            started = time.monotonic()
            status, body = get(f"{url}{path}", timeout=5)
            return status, time.monotonic() - started, body

        paths = ["/api/search?q=chine", "/api/search?q=%22la+Route%22", "/healthz"] * 10
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, paths))
        assert process.poll() is None, "the server died"
        for status, seconds, body in answers:
            assert status == 503 and seconds < 5, (status, seconds, body)
            assert "search-index --rebuild" in body["error"]["message"]
        rebuilt = subprocess.run(
            [str(INDEX_CMD), "--rebuild", "--config", str(config)], capture_output=True
        )
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert get(f"{url}/api/search?q=chine")[0] == 200
        assert get(f"{url}/healthz")[1]["doc_count"] == 10


def test_killed_with_its_worker_the_server_catches_up_when_it_starts(site):
    config, _ = site
    corpus = config.parent / "corpus"
    with live_process(config, ENV) as (url, process):
        assert send("PUT", f"{url}/api/documents/api/un.txt", {"text": "Le zinc du Laos."}) == 201
        worker = children_of(process.pid)
        # Two files written but never acknowledged: the process died before their commit.
        (corpus / "api" / "deux.txt").write_text("Le nickel du Laos.", "utf-8")
        (corpus / "api" / "trois.txt").write_text("L'étain du Laos.", "utf-8")
        os.kill(process.pid, signal.SIGKILL)
        for pid in worker:
            os.kill(pid, signal.SIGKILL)
        process.wait()
    with live_process(config, ENV) as (url, _):
        for doc_id in ("api/un.txt", "api/deux.txt", "api/trois.txt"):
            assert get(f"{url}/api/documents/{doc_id}")[0] == 200, doc_id
        assert get(f"{url}/api/search?q=laos")[1]["total"] == 3


def test_hostile_queries_hold_no_thread_for_seconds(site):
    config, _ = site
    prefixes = " ".join(f"{a}{b}*" for a in "bcdfgmprstv" for b in ("al", "el", "ol", "ar"))
    hostile = [
        " ".join(["re*"] * 64),
        prefixes[:999],
        "france " + " ".join(f"-mot{i}" for i in range(60)),
        " OR ".join(f"mot{i}" for i in range(64)),
        '"' + " ".join(["la route de la soie"] * 12) + '"',
    ]
    with live_process(config, ENV) as (url, _):

        def ask(q: str) -> tuple[int, float]:
            started = time.monotonic()
            status, _ = get(f"{url}/api/search?{urllib.parse.urlencode({'q': q})}", timeout=10)
            return status, time.monotonic() - started

        with ThreadPoolExecutor(8) as pool:
            storm = [pool.submit(ask, q) for q in hostile * 3]
            health = pool.submit(ask, "")  # stands for /healthz behind the storm
            results = [f.result() for f in storm]
        assert all(status in (200, 400, 503) for status, _ in results), results
        assert max(seconds for _, seconds in results) < 3.0, results
        assert health.result()[1] < 3.0


def _big_text(rnd: random.Random) -> str:
    """12 KB of long words that never repeat: postings that no compression shrinks."""
    letters = rnd.randbytes(6_000).hex()
    return "Le Laos. " + " ".join(letters[i : i + 100] for i in range(0, len(letters), 100))


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MB tmpfs: the index, room for a few writes, and ballast to free."""
    with tmpfs(tmp_path / "disk", "8m") as mount:
        yield mount


def test_a_full_disk_refuses_writes_changes_nothing_and_heals(site, small_disk):
    config, engine = site
    index_dir = small_disk / "index"
    config.write_text(config.read_text().replace('path = "index"', f'path = "{index_dir}"'))
    build_index(config.parent / "corpus", index_dir, engine=engine)
    ballast = small_disk / "ballast"  # what an operator frees once the disk is full
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    ballast.write_bytes(b"\0" * max(0, free - 1_200_000))
    rnd = random.Random(11)
    with live_process(config, ENV) as (url, process):
        before = get(f"{url}/api/search?q=laos")[1]["total"]
        written, refused = [], None
        for n in range(40):
            put = answer("PUT", f"{url}/api/documents/api/gros{n}.txt", {"text": _big_text(rnd)})
            if put[0] != 201:
                refused = (n, *put)
                break
            written.append(n)
        assert refused is not None, "the disk never filled"
        n, status, body = refused
        assert written and status == 503, (written, status, body)
        error = body["error"]
        assert error["code"] == "build_failed" and "disque plein" in error["message"]
        assert not (config.parent / "corpus" / "api" / f"gros{n}.txt").exists()
        after = get(f"{url}/api/search?q=laos")
        assert after[0] == 200 and after[1]["total"] == before + len(written)  # nothing lost
        assert get(f"{url}/api/documents/api/gros{n}.txt")[0] == 404  # nothing half-written
        ballast.unlink()
        for m in written:  # room made: deletions commit, then a write
            deleted = answer("DELETE", f"{url}/api/documents/api/gros{m}.txt")
            assert deleted[0] == 204, deleted
        assert send("PUT", f"{url}/api/documents/api/un.txt", {"text": "Le zinc du Laos."}) == 201
        assert get(f"{url}/api/search?q=zinc")[1]["total"] == 1
        assert get(f"{url}/api/search?q=laos")[1]["total"] == before + 1
        assert process.poll() is None


def test_the_write_worker_is_started_with_a_write_token_not_at_the_first_write(site):
    config, _ = site
    with live_process(config, ENV) as (url, process):
        deadline = time.monotonic() + 20
        while not children_of(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert children_of(process.pid), "no write worker before the first write"
        assert send("PUT", f"{url}/api/documents/api/un.txt", {"text": "Le zinc du Laos."}) == 201
    with live_process(config) as (url, process):  # no token: no worker
        time.sleep(1.0)
        assert get(f"{url}/healthz")[0] == 200 and not children_of(process.pid)
