import os
import shutil

import pytest

from indexer import pipeline
from indexer.build import build_index
from indexer.store import BuildLocked, build_lock, current_generation
from service.search.core import search
from service.search.models import SearchRequest
from service.search.snapshot import Snapshots
from tests.conftest import DATA_DIR


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, folder)
    return folder


def ids(index_dir, q=""):
    result = search(
        Snapshots.at(index_dir).current(), SearchRequest.from_params({"q": q, "per_page": "100"})
    )
    return {hit.id for hit in result.hits}


def test_full_build_reports_files_articles_and_skips(corpus, tmp_path):
    report = build_index(corpus, tmp_path / "index")
    assert report.published and len(report.added) == 11
    assert report.doc_count == report.articles == 10
    reasons = {str(s).split(":")[0] for s in report.skipped}
    assert reasons >= {"bad_empty.txt", "bad_binary.txt", "bad_latin1.txt", "news.jsonl"}


def test_nothing_changed_publishes_nothing(corpus, tmp_path):
    build_index(corpus, tmp_path / "index")
    gen = current_generation(tmp_path / "index")
    report = build_index(corpus, tmp_path / "index")
    assert not report.published and report.unchanged == 11
    assert current_generation(tmp_path / "index") == gen


def test_touched_but_identical_file_is_not_reindexed(corpus, tmp_path):
    build_index(corpus, tmp_path / "index")
    os.utime(corpus / "b_oeuvre.txt", ns=(1, 1))
    report = build_index(corpus, tmp_path / "index")
    assert not report.changed and not report.published


def test_incremental_build_adds_changes_and_removes_files(corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    (corpus / "nouveau.txt").write_text("Un accord entre le Maroc et l'Espagne.", "utf-8")
    (corpus / "b_oeuvre.txt").write_text("Le Kirghizistan signe avec le Portugal.", "utf-8")
    (corpus / "c_belt.txt").unlink()
    report = build_index(corpus, index_dir)
    assert (report.added, report.changed, report.removed) == (
        ["nouveau.txt"],
        ["b_oeuvre.txt"],
        ["c_belt.txt"],
    )
    assert report.articles == 2 and report.doc_count == 10
    assert "nouveau.txt" in ids(index_dir, "maroc")
    assert ids(index_dir, "portugal") == {"b_oeuvre.txt"}
    assert ids(index_dir, "oeuvre") == set()
    assert "c_belt.txt" not in ids(index_dir)


def test_rebuild_starts_from_scratch(corpus, tmp_path):
    build_index(corpus, tmp_path / "index")
    report = build_index(corpus, tmp_path / "index", rebuild=True)
    assert report.published and len(report.added) == 11 and report.doc_count == 10


def test_a_failing_build_leaves_the_live_index_untouched(corpus, tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    live = current_generation(index_dir)
    before = ids(index_dir)
    (corpus / "nouveau.txt").write_text("Un texte sur le Maroc.", "utf-8")

    def explode(*args):
        raise OSError("disk full")

    monkeypatch.setattr(pipeline, "make_batch", explode)
    with pytest.raises(OSError, match="disk full"):
        build_index(corpus, index_dir)
    assert current_generation(index_dir) == live
    assert ids(index_dir) == before
    assert sorted(p.name for p in index_dir.glob("gen-*")) == [live.name]
    monkeypatch.undo()  # the disk has room again: the next build catches up
    report = build_index(corpus, index_dir)
    assert report.recovered == ["nouveau.txt"] and ids(index_dir) == before | {"nouveau.txt"}


def test_readers_keep_their_generation_while_a_new_one_is_published(corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    snapshots = Snapshots.at(index_dir)
    old = snapshots.current()
    (corpus / "nouveau.txt").write_text("Un texte sur le Maroc.", "utf-8")
    build_index(corpus, index_dir)
    assert old.engine.doc_count() == 10  # the old generation still answers
    new = snapshots.current()
    assert new is not old and new.engine.doc_count() == 11


def test_only_one_build_at_a_time(corpus, tmp_path):
    with build_lock(tmp_path / "index"):
        with pytest.raises(BuildLocked):
            build_index(corpus, tmp_path / "index")


def test_orphan_generations_of_killed_builds_are_removed(corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    orphan = index_dir / "gen-1-999"
    orphan.mkdir()
    (orphan / "half-written").write_text("x")
    (corpus / "nouveau.txt").write_text("Un texte sur le Maroc.", "utf-8")
    build_index(corpus, index_dir)
    assert not orphan.exists()
