"""Builds in worker processes (indexer.pipeline) give what a build in one process gives.

Same articles in the same order (same hits, same scores, same ties), same skips in the
same order, the same warnings, a progress that only moves forward, for both engines;
workers are spawned, even from a script that calls build_index without a main guard.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import textwrap

import pytest

from indexer import pipeline
from indexer.build import build_index
from indexer.catalog import Catalog
from indexer.engines import ENGINE_NAMES
from indexer.store import Manifest, current_generation
from service.search.core import search
from service.search.models import SearchRequest
from service.search.snapshot import Snapshots
from tests.conftest import DATA_DIR, ROOT

BAD_DIR = DATA_DIR.parent / "data_bad"
QUERIES = ["chine", "japon OR inde", '"routes de la soie"', "article", "", "pérou -chili", "maroc"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """tests/data and tests/data_bad in one folder, and a JSONL file of several batches with
    bad lines (broken JSON, duplicate id, lone surrogate, bad date) among good ones."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copytree(DATA_DIR, folder / "data")
    shutil.copytree(BAD_DIR, folder / "bad")
    lines = []
    for n in range(3 * pipeline.BATCH + 5):
        country = ["la Chine", "le Japon", "l’Inde", "le Pérou"][n % 4]
        lines.append(json.dumps({"id": n, "text": f"Article {n} sur {country} et le riz."}))
    lines[10] = '{"id": 10, "text": "accolade manquante"'
    lines[70] = json.dumps({"id": 3, "text": "Le même identifiant que la ligne 4."})
    lines[100] = '{"id": "s", "text": "Un \\ud800 au Chili"}'
    lines[150] = json.dumps({"id": 150, "text": "Le Japon.", "date": "2021-13-45"})
    (folder / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _build(corpus, index_dir, engine, processes, caplog):
    calls = []
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="indexer"):
        report = build_index(
            corpus,
            index_dir,
            engine=engine,
            rebuild=True,
            processes=processes,
            progress=lambda phase, done, total: calls.append((done, total)),
        )
    warnings = sorted(r.getMessage() for r in caplog.records if r.name.startswith("indexer"))
    return report, warnings, calls


def vocabulary(gen) -> list[tuple[str, int]]:
    """The words of a generation's catalog and their document frequencies."""
    catalog = Catalog.open(gen)
    with catalog.read() as db:
        return sorted((w, n) for w, n in catalog.words(db) if n > 0)


def _answers(index_dir):
    snapshot = Snapshots.at(index_dir).current()
    out = []
    for q in QUERIES:
        result = search(snapshot, SearchRequest.from_params({"q": q, "per_page": "100"}))
        out.append([(hit.id, round(hit.score, 6)) for hit in result.hits])
        out.append(result.facets)
    return out


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_workers_build_what_one_process_builds(corpus, tmp_path, caplog, engine):
    one = _build(corpus, tmp_path / "one", engine, 0, caplog)
    two = _build(corpus, tmp_path / "two", engine, 2, caplog)
    (r1, w1, p1), (r2, w2, p2) = one, two
    assert r2.doc_count == r1.doc_count == r1.articles > 3 * pipeline.BATCH
    assert r2.skipped == r1.skipped and len(r1.skipped) > 10  # same skips, same order
    assert r2.added == r1.added
    assert w2 == w1 and any("duplicate id '3'" in w for w in w1)
    assert any("lone surrogate" in w for w in w1) and any("2021-13-45" in w for w in w1)
    gen1, gen2 = current_generation(tmp_path / "one"), current_generation(tmp_path / "two")
    assert Catalog.open(gen2).sources() == Catalog.open(gen1).sources()
    assert vocabulary(gen2) == vocabulary(gen1)
    assert _answers(tmp_path / "two") == _answers(tmp_path / "one")
    for calls in (p1, p2):  # forward only, to the end
        assert [done for done, _ in calls] == sorted(done for done, _ in calls)
        assert calls[-1][0] == calls[-1][1]
        assert len(calls) > 3


def test_incremental_builds_in_workers_replace_what_changed(corpus, tmp_path, caplog):
    """Changed and removed files, then added ones: the same index with or without workers."""
    for processes, name in ((0, "one"), (2, "two")):
        folder = tmp_path / f"corpus-{name}"
        shutil.copytree(corpus, folder)
        build_index(folder, tmp_path / name, engine="tantivy", processes=processes)
        lines = (folder / "many.jsonl").read_text(encoding="utf-8").splitlines()
        (folder / "many.jsonl").write_text("\n".join(lines[::2]) + "\n", encoding="utf-8")
        (folder / "data" / "a_ceinture.txt").unlink()
        (folder / "new.txt").write_text("Un texte nouveau sur le Maroc.", encoding="utf-8")
        report = build_index(folder, tmp_path / name, engine="tantivy", processes=processes)
        assert report.added == ["new.txt"] and report.changed == ["many.jsonl"]
        assert report.removed == ["data/a_ceinture.txt"]
    assert _answers(tmp_path / "two") == _answers(tmp_path / "one")
    gen1, gen2 = current_generation(tmp_path / "one"), current_generation(tmp_path / "two")
    assert Manifest.read(gen2).doc_count == Manifest.read(gen1).doc_count
    assert vocabulary(gen2) == vocabulary(gen1)


def test_small_builds_and_few_cores_stay_in_one_process(monkeypatch):
    monkeypatch.setattr(pipeline, "_usable_cores", lambda: 4)
    assert pipeline.worker_count(pipeline.MIN_PARALLEL_BYTES) == 4  # one per core
    assert pipeline.worker_count(pipeline.MIN_PARALLEL_BYTES - 1) == 0
    assert pipeline.worker_count(10, processes=2) == 2
    assert pipeline.worker_count(10**9, processes=0) == 0
    monkeypatch.setattr(pipeline, "_usable_cores", lambda: pipeline.MIN_CORES - 1)
    assert pipeline.worker_count(10**9) == 0
    monkeypatch.setattr(pipeline, "_usable_cores", lambda: 2)
    assert pipeline.worker_count(10**9) == 2  # 2 cores: two workers, measured faster
    monkeypatch.setattr(pipeline, "_usable_cores", lambda: 64)
    assert pipeline.worker_count(10**9) == pipeline.MAX_PROCESSES


def test_a_script_without_a_main_guard_builds_once(corpus, tmp_path):
    """Spawned workers must not run the calling script again (it would build again)."""
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(f"""
            from pathlib import Path
            from indexer.build import build_index
            report = build_index(Path({str(corpus)!r}), Path({str(tmp_path / "index")!r}),
                                 engine="tantivy", processes=2)
            print("built", report.doc_count)
        """),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("built") == 1
