"""Faults: a build killed midway, searches during rebuilds, a damaged or missing index,
a full disk. The live index keeps serving, or the service says 503 and how to rebuild,
never a 500."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer import dense, store
from indexer.build import build_index
from indexer.catalog import Catalog
from indexer.dense_index import DenseIndex
from indexer.engines.whoosh import WhooshEngine, WhooshWriter
from indexer.store import current_generation
from service.cli.index import index_cmd
from service.cli.search import search_cmd
from service.config import load_config
from service.search import core
from service.search.models import SearchRequest
from service.search.snapshot import Snapshots
from service.web.app import create_app
from tests.conftest import DATA_DIR, html_elements, write_config

QUERIES = ["", "chine", "azerbaidjan", '"nouvelles routes"', "chin*", "kirghizistan -chine", "laos"]
INDEX_CMD = Path(sys.executable).with_name("search-index")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """tests/data and its index, built once; tests work on copies."""
    folder = tmp_path_factory.mktemp("faults")
    shutil.copytree(DATA_DIR, folder / "corpus")
    build_index(folder / "corpus", folder / "index")
    return folder


@pytest.fixture
def site(built, tmp_path) -> Path:
    """A copy of the built corpus and index, and its config.toml."""
    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    return write_config(tmp_path, tmp_path / "corpus")


def answers(index_dir: Path) -> dict[str, list[str]]:
    """Each query's hit ids, from a fresh handle on the index."""
    snapshot = Snapshots.at(index_dir).current()
    params = lambda q: SearchRequest.from_params({"q": q, "per_page": "100"})  # noqa: E731
    return {q: [hit.id for hit in core.search(snapshot, params(q)).hits] for q in QUERIES}


def write_articles(folder: Path, count: int, seed: int = 0) -> None:
    """``count`` small dated articles, enough for a build that lasts a few seconds."""
    folder.mkdir(parents=True)
    rnd = random.Random(seed)
    words = (
        "le la les de des du et en sur pour avec dans Chine Russie Kazakhstan accord gaz "
        "pétrole coopération économique président ministre visite sommet forum commerce "
        "énergie transport route ceinture projet développement croissance investissement"
    ).split()
    for n in range(count):
        text = " ".join(rnd.choice(words) for _ in range(90))
        body = f" date 2020-{n % 12 + 1:02d}\nArticle {n}. {text}.\n"
        (folder / f"a{n:05d}.txt").write_text(body, "utf-8")


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# -- kill -9 during a build ----------------------------------------------------------


def test_a_build_killed_midway_leaves_the_live_index_serving(site):
    index_dir = site.parent / "index"
    live, before = current_generation(index_dir), answers(index_dir)
    write_articles(site.parent / "corpus" / "lot", 3000)
    build = subprocess.Popen(
        [str(INDEX_CMD), "--rebuild", "--config", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: len(list(index_dir.glob("gen-*"))) == 2)  # it is writing its own
    time.sleep(0.5)
    os.kill(build.pid, signal.SIGKILL)
    assert build.wait() == -signal.SIGKILL
    orphans = [g for g in index_dir.glob("gen-*") if g != live]
    assert orphans and not (orphans[0] / store.MANIFEST).exists()  # killed before publishing
    assert current_generation(index_dir) == live
    assert answers(index_dir) == before
    client = create_app(load_config(site, environ={})).test_client()
    assert client.get("/healthz").get_json()["doc_count"] == 10
    shutil.rmtree(site.parent / "corpus" / "lot")
    report = build_index(site.parent / "corpus", index_dir)  # the next build, here a no-op
    assert not report.published and not any(g.exists() for g in orphans)


def children_of(pid: int) -> set[int]:
    """The live processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_build_leaves_no_analysis_worker_behind(site):
    write_articles(site.parent / "corpus" / "lot", 3000)
    build = subprocess.Popen(
        [str(INDEX_CMD), "--rebuild", "--processes", "2", "--config", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: len(children_of(build.pid)) >= 2)  # its analysis workers
    workers = children_of(build.pid)
    os.kill(build.pid, signal.SIGKILL)
    assert build.wait() == -signal.SIGKILL
    wait_for(lambda: not any(map(is_alive, workers)), timeout=10)


# -- searches during rebuilds ----------------------------------------------------------


def test_searches_during_rebuilds_never_fail_nor_see_half_an_index(site):
    corpus, index_dir = site.parent / "corpus", site.parent / "index"
    extra = [corpus / f"extra-{n}.txt" for n in range(3)]
    snapshots = Snapshots.at(index_dir)
    client = create_app(load_config(site, environ={})).test_client()
    stop, errors, totals = threading.Event(), [], Counter()

    def read() -> None:
        while not stop.is_set():
            try:
                totals[core.search(snapshots.current(), SearchRequest()).total] += 1
                core.search(snapshots.current(), SearchRequest(q="chine relations"))
                health = client.get("/healthz")
                assert health.status_code == 200, health.get_data(as_text=True)
                totals[health.get_json()["doc_count"]] += 1
            except Exception as e:  # noqa: BLE001 (every failure is the finding)
                errors.append(e)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for n in range(10):
            for path in extra:  # the corpus flips between 10 and 13 articles
                if n % 2:
                    path.write_text(f"Le Laos et le zinc, version {n}.", "utf-8")
                else:
                    path.unlink(missing_ok=True)
            build_index(corpus, index_dir, rebuild=n % 4 == 3)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert not errors, errors[:3]
    assert set(totals) <= {10, 13} and sum(totals.values()) > 20


# -- a damaged or missing index --------------------------------------------------------


def _gen(index_dir: Path) -> Path:
    return current_generation(index_dir)


def _postings(gen: Path) -> Path:
    """The file of a segment that every search reads (in a compound segment, if any)."""
    return next(p for pattern in ("*.pst", "*.seg") for p in sorted(gen.glob(pattern)))


def _toc(gen: Path) -> Path:
    """The table of contents of the live commit (the latest)."""
    return max(gen.glob("*.toc"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))


def _rewrite(path: Path, change) -> None:
    path.write_bytes(change(path.read_bytes()))


def _manifest_with(**changes):
    def change(data: bytes) -> bytes:
        return json.dumps({**json.loads(data), **changes}).encode()

    return change


HALF = lambda data: data[: len(data) // 2]  # noqa: E731
GARBAGE = lambda data: random.Random(len(data)).randbytes(len(data))  # noqa: E731
DAMAGES = {
    "CURRENT names a missing generation": lambda d: (d / "CURRENT").write_text("gen-gone\n"),
    "CURRENT is garbage": lambda d: (d / "CURRENT").write_bytes(b"\xff\xfe\x00garbage"),
    "CURRENT is empty": lambda d: (d / "CURRENT").write_text(""),
    "the generation folder is gone": lambda d: shutil.rmtree(_gen(d)),
    "the manifest is garbage": lambda d: _rewrite(_gen(d) / "manifest.json", GARBAGE),
    "the manifest is gone": lambda d: (_gen(d) / "manifest.json").unlink(),
    "the manifest names no engine": lambda d: _rewrite(
        _gen(d) / "manifest.json", _manifest_with(engine="lucene")
    ),
    "a segment is truncated": lambda d: _rewrite(_postings(_gen(d)), HALF),
    "a segment is empty": lambda d: _rewrite(_postings(_gen(d)), lambda _: b""),
    "a segment is garbage": lambda d: _rewrite(_postings(_gen(d)), GARBAGE),
    "a segment is gone": lambda d: _postings(_gen(d)).unlink(),
    "the table of contents is truncated": lambda d: _rewrite(_toc(_gen(d)), HALF),
    "the table of contents is empty": lambda d: _rewrite(_toc(_gen(d)), lambda _: b""),
    "the table of contents is garbage": lambda d: _rewrite(_toc(_gen(d)), GARBAGE),
    "the catalog is garbage": lambda d: _rewrite(_gen(d) / "catalog.sqlite", GARBAGE),
    "the catalog is gone": lambda d: (_gen(d) / "catalog.sqlite").unlink(),
}


def assert_503_that_says_how_to_rebuild(client, rebuild: str = "search-index") -> None:
    for url in ["/api/search?q=chine", "/api/search", "/api/documents/a_ceinture.txt", "/healthz"]:
        response = client.get(url)
        assert response.status_code == 503, (url, response.get_data(as_text=True))
        error = response.get_json()["error"]
        assert error["code"] == "index_unavailable" and rebuild in error["message"], error
    page = client.get("/?q=chine")
    assert page.status_code == 503 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    texts = {e["tag"]: e["text"] for e in html_elements(html)}
    assert '<html lang="fr"' in html and "indisponible" in texts["h1"]
    assert rebuild in texts["main"]


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_a_damaged_index_is_a_503_that_says_how_to_rebuild(site, damage):
    index_dir = site.parent / "index"
    DAMAGES[damage](index_dir)
    config = load_config(site, environ={})
    client = create_app(config).test_client()
    assert_503_that_says_how_to_rebuild(client)
    searched = CliRunner().invoke(search_cmd, ["chine", "--config", str(site)])
    assert searched.exit_code == 1 and "search-index" in searched.output, searched.output
    result = CliRunner().invoke(index_cmd, ["--rebuild", "--config", str(site)])
    assert result.exit_code == 0, result.output
    assert client.get("/healthz").get_json()["doc_count"] == 10
    assert client.get("/api/search?q=chine").status_code == 200


@pytest.mark.parametrize("damage", ["the generation folder is gone", "CURRENT is garbage"])
def test_an_index_damaged_while_serving_is_a_503(site, damage):
    client = create_app(load_config(site, environ={})).test_client()
    assert client.get("/api/search?q=chine").status_code == 200
    DAMAGES[damage](site.parent / "index")
    assert_503_that_says_how_to_rebuild(client)


def test_an_index_folder_removed_while_serving_is_a_503_that_says_how_to_build(site):
    client = create_app(load_config(site, environ={})).test_client()
    assert client.get("/healthz").status_code == 200
    shutil.rmtree(site.parent / "index")
    assert_503_that_says_how_to_rebuild(client)


def test_an_index_of_a_newer_format_asks_for_a_rebuild(site):
    index_dir = site.parent / "index"
    _rewrite(_gen(index_dir) / "manifest.json", _manifest_with(format=99))
    client = create_app(load_config(site, environ={})).test_client()
    assert_503_that_says_how_to_rebuild(client, rebuild="reconstruisez l'index")
    report = build_index(site.parent / "corpus", index_dir)  # even without --rebuild
    assert report.published and len(report.added) == 11
    assert client.get("/api/search?q=chine").status_code == 200


def test_an_index_of_an_older_format_is_rebuilt_when_the_service_starts(site, caplog):
    index_dir = site.parent / "index"
    _rewrite(_gen(index_dir) / "manifest.json", _manifest_with(format=0))
    with caplog.at_level("INFO"):
        client = create_app(load_config(site, environ={})).test_client()
    assert "Index d'un format ancien : reconstruction" in caplog.text
    assert client.get("/api/search?q=chine").status_code == 200
    assert store.Manifest.read(_gen(index_dir)).format == WhooshEngine.format_version


def test_the_command_line_rebuilds_an_index_of_an_older_format(site):
    index_dir = site.parent / "index"
    _rewrite(_gen(index_dir) / "manifest.json", _manifest_with(format=0))
    result = CliRunner().invoke(search_cmd, ["chine", "--config", str(site)])
    assert result.exit_code == 0, result.output
    assert store.Manifest.read(_gen(index_dir)).format == WhooshEngine.format_version


def test_the_manifest_records_the_engine_format(site):
    manifest = store.Manifest.read(_gen(site.parent / "index"))
    assert manifest.format == WhooshEngine.format_version and manifest.engine == "whoosh"


def test_an_unrelated_bug_is_still_a_500_not_a_503(site, monkeypatch):
    client = create_app(load_config(site, environ={})).test_client()

    def bug(*args, **kwargs):
        raise ValueError("a bug of ours, not a damaged index")

    monkeypatch.setattr("service.search.plan.parse_query", bug)  # where a query is parsed
    assert client.get("/api/search?q=chine").status_code == 500


def test_a_bug_in_our_whoosh_scorer_is_a_500_with_an_incident_not_a_rebuild(site, monkeypatch):
    """A ValueError raised by our own engine code (not Whoosh's readers) is a bug: a
    rebuild would not fix it, so the answer never says to rebuild."""
    client = create_app(load_config(site, environ={})).test_client()

    def bug(*args, **kwargs):
        raise ValueError("a bug in our scorer")

    monkeypatch.setattr("indexer.engines.whoosh_reader.matcher_scores", bug)
    response = client.get("/api/search?q=chine")
    message = response.get_json()["error"]["message"]
    assert response.status_code == 500 and "incident" in message and "rebuild" not in message


# -- a full disk -----------------------------------------------------------------------


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _enospc_on_current(path, data):
    if path.name == store.CURRENT:  # the manifest is written, the pointer cannot be
        _enospc()
    return _write_atomic(path, data)


_write_atomic = store.write_atomic  # as store imported it (indexer.disk)
FULL_DISK_AT = {  # a change in place: a file added, then search-index
    "the intent": (Catalog, "begin", _enospc),
    "the engine's commit": (WhooshWriter, "commit", _enospc),
    "the catalog's commit": (Catalog, "apply", _enospc),
}
FULL_DISK_AT_REBUILD = {  # a full build aside: search-index --rebuild
    "the engine's commit": (WhooshWriter, "commit", _enospc),
    "the article vectors": (dense, "_save_atomic", _enospc),
    "the catalog": (Catalog, "apply", _enospc),
    "the publication": (store, "write_atomic", _enospc_on_current),
}


def assert_build_failed_cleanly(index_dir: Path, live: Path, before: dict, result) -> None:
    assert result.exit_code == 1, result.output
    assert "disque plein" in result.output and "l'index précédent reste en service" in result.output
    assert "Traceback" not in result.output
    assert current_generation(index_dir) == live
    assert [g.name for g in index_dir.glob("gen-*")] == [live.name]  # nothing left behind
    assert not list(index_dir.glob(".*.tmp"))
    assert answers(index_dir) == before


def assert_heals_once_there_is_room(site: Path, before: dict, index_dir: Path | None = None):
    """The next search-index, the disk freed, indexes what failed: no one deletes anything."""
    result = CliRunner().invoke(index_cmd, ["--config", str(site)])
    assert result.exit_code == 0, result.output
    healed = answers(index_dir or site.parent / "index")
    assert healed != before and "nouveau.txt" in healed["laos"]


@pytest.mark.parametrize("where", FULL_DISK_AT)
def test_a_full_disk_during_a_change_fails_clearly_then_heals(site, monkeypatch, where):
    index_dir = site.parent / "index"
    live, before = current_generation(index_dir), answers(index_dir)
    (site.parent / "corpus" / "nouveau.txt").write_text("Le Laos et le zinc.", "utf-8")
    monkeypatch.setattr(*FULL_DISK_AT[where])
    result = CliRunner().invoke(index_cmd, ["--config", str(site)])
    monkeypatch.undo()
    assert_build_failed_cleanly(index_dir, live, before, result)
    assert_heals_once_there_is_room(site, before)


@pytest.mark.parametrize("where", FULL_DISK_AT_REBUILD)
def test_a_full_disk_during_a_rebuild_fails_clearly_and_keeps_the_old_index(
    site, monkeypatch, where
):
    index_dir = site.parent / "index"
    live, before = current_generation(index_dir), answers(index_dir)
    (site.parent / "corpus" / "nouveau.txt").write_text("Le Laos et le zinc.", "utf-8")
    monkeypatch.setattr(*FULL_DISK_AT_REBUILD[where])
    result = CliRunner().invoke(index_cmd, ["--rebuild", "--config", str(site)])
    monkeypatch.undo()
    assert_build_failed_cleanly(index_dir, live, before, result)
    assert_heals_once_there_is_room(site, before)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs, mounted for the test (skipped where mounting is not allowed)."""
    with tmpfs(tmp_path / "disk", "2m") as mount:
        yield mount


@contextmanager
def tmpfs(mount: Path, size: str):
    """A tmpfs of ``size`` mounted at ``mount`` (the test skipped where mounting is not allowed)."""
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        pytest.skip(
            f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}): the full "
            "disk is tested by the simulated ENOSPC tests instead"
        )
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_really_full_disk_fails_clearly_and_keeps_the_old_index(built, small_disk, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(built / "corpus", corpus)
    site = write_config(tmp_path, corpus)
    site.write_text(site.read_text().replace('path = "index"', f'path = "{small_disk}/index"'))
    assert CliRunner().invoke(index_cmd, ["--config", str(site)]).exit_code == 0
    index_dir = small_disk / "index"
    live, before = current_generation(index_dir), answers(index_dir)
    rnd = random.Random(7)
    for n in range(6):  # 3 MB of long words that never repeat: more than the disk holds
        letters = rnd.randbytes(250_000).hex()
        words = (letters[i : i + 100] for i in range(0, len(letters), 100))
        (corpus / f"gros-{n}.txt").write_text(" ".join(words), "utf-8")
    result = CliRunner().invoke(index_cmd, ["--config", str(site)])
    assert_build_failed_cleanly(index_dir, live, before, result)
    for n in range(6):  # room made by hand: the next search-index works, nothing stuck
        (corpus / f"gros-{n}.txt").unlink()
    (corpus / "nouveau.txt").write_text("Le Laos et le zinc.", "utf-8")
    assert_heals_once_there_is_room(site, before, index_dir)


# -- random damage (slow) --------------------------------------------------------------


def _damage_randomly(gen: Path, rnd: random.Random) -> None:
    """Flip bytes, cut, or zero a range of the segment or the table of contents."""
    path = rnd.choice([_postings(gen), _toc(gen)])
    data = bytearray(path.read_bytes())
    how = rnd.choice(["flip", "cut", "zero"])
    if how == "flip":
        for _ in range(rnd.randint(1, 20)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
    elif how == "cut":
        del data[rnd.randrange(len(data)) :]
    else:
        start = rnd.randrange(len(data))
        data[start : start + 500] = bytes(len(data[start : start + 500]))
    path.write_bytes(bytes(data))


@pytest.mark.slow
def test_random_damage_is_a_503_or_an_answer_never_a_crash(built, tmp_path):
    """300 seeded random damages: every request answers, or says 503 (or 404 when a
    flipped byte renamed the article: Whoosh keeps no checksums), never anything else."""
    outcomes: Counter[str] = Counter()
    for trial in range(300):
        folder = tmp_path / str(trial)
        shutil.copytree(built / "index", folder / "index")
        _damage_randomly(_gen(folder / "index"), random.Random(trial))
        config = load_config(write_config(folder, built / "corpus"), environ={})
        client = create_app(config).test_client()
        for url in ["/api/search?q=chine", "/api/search", "/api/documents/a_ceinture.txt"]:
            status = client.get(url).status_code
            assert status in (200, 404, 503), (trial, url, status)
            outcomes[status] += 1
    assert outcomes[503] and outcomes[200]


# -- lost article vectors --------------------------------------------------------------


def test_lost_article_vectors_are_said_by_healthz_then_recomputed_by_the_next_change(site):
    index_dir, corpus = site.parent / "index", site.parent / "corpus"
    _rewrite(_gen(index_dir) / "dense-model.npz", GARBAGE)
    health = create_app(load_config(site, environ={})).test_client().get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["status"] == "degraded" and health.get_json()["vectors"] == "damaged"
    (corpus / "nouveau.txt").write_text("Un texte sur le Maroc et l'Algérie.", "utf-8")
    report = build_index(corpus, index_dir)
    vectors = DenseIndex.load(_gen(index_dir))
    assert len(vectors) == report.doc_count  # every article, not only the new one
    health = create_app(load_config(site, environ={})).test_client().get("/healthz").get_json()
    assert health["status"] == "ok" and health["vectors"] == "unused"  # 11 articles: too few
