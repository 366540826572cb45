"""Changes in place (indexer.update): a write costs the change, and a failed or killed one
is redone by the next writer; readers keep one consistent commit meanwhile."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer import runs, store
from indexer.build import build_index
from indexer.catalog import Catalog
from indexer.engines import ENGINE_NAMES
from indexer.sources import Reading
from indexer.update import change_sources
from service.search import core
from service.search.models import SearchRequest
from service.search.snapshot import Snapshots
from tests.conftest import DATA_DIR


@pytest.fixture(params=ENGINE_NAMES)
def site(tmp_path, request):
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    build_index(corpus, tmp_path / "index", engine=request.param)
    return corpus, tmp_path / "index", request.param


def write(corpus: Path, index_dir: Path, engine: str, rel: str, text: str | None) -> None:
    """What an API write does: the file, then the change of that file alone."""
    with store.build_lock(index_dir), runs.shared_vocabulary():
        if text is None:
            (corpus / rel).unlink()
        else:
            (corpus / rel).write_text(text, "utf-8")
        change_sources(corpus, index_dir, engine, [rel])


def vocabulary(index_dir: Path) -> dict[str, int]:
    catalog = Catalog.open(store.current_generation(index_dir))
    with catalog.read() as db:
        return {w: n for w, n in catalog.words(db) if n > 0}


def ids(index_dir: Path, q: str) -> set[str]:
    found = core.search(Snapshots.at(index_dir).current(), SearchRequest(q=q, per_page=100))
    return {hit.id for hit in found.hits}


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_writes_change_the_live_generation_in_place_and_cost_the_change(site):
    corpus, index_dir, engine = site
    gen = store.current_generation(index_dir)
    fresh = size(gen)
    for n in range(30):
        write(corpus, index_dir, engine, "note.txt", f"Le zinc du Laos, version {n}.")
    assert store.current_generation(index_dir) == gen  # no copy of the index
    assert ids(index_dir, "zinc") == {"note.txt"}
    assert vocabulary(index_dir)["zinc"] == 1  # one article holds it, written 30 times
    # Superseded files go after a grace period: what stays is bounded by the writes of it.
    Catalog.open(gen)  # still readable
    assert size(gen) < fresh * 4
    write(corpus, index_dir, engine, "note.txt", None)
    assert ids(index_dir, "zinc") == set() and "zinc" not in vocabulary(index_dir)


def test_the_vocabulary_follows_writes_exactly_as_a_fresh_build_counts_it(site, tmp_path):
    corpus, index_dir, engine = site
    write(corpus, index_dir, engine, "a_ceinture.txt", "La Route du zinc passe par le Laos.")
    write(corpus, index_dir, engine, "nouveau.txt", "Le Laos exporte du zinc et de l'étain.")
    write(corpus, index_dir, engine, "b_oeuvre.txt", None)
    build_index(corpus, tmp_path / "fresh", engine=engine)
    assert vocabulary(index_dir) == vocabulary(tmp_path / "fresh")


def test_a_change_that_died_after_the_engine_committed_is_redone(site, monkeypatch, tmp_path):
    corpus, index_dir, engine = site

    def killed(*args, **kwargs):  # the process died between its two commits
        raise KeyboardInterrupt

    monkeypatch.setattr(Catalog, "apply", killed)
    with pytest.raises(KeyboardInterrupt):
        write(corpus, index_dir, engine, "nouveau.txt", "Le Laos exporte du zinc.")
    monkeypatch.undo()
    assert Catalog.open(store.current_generation(index_dir)).pending() == ["nouveau.txt"]
    report = build_index(corpus, index_dir, engine=engine)  # the next writer
    assert report.recovered == ["nouveau.txt"]
    assert ids(index_dir, "zinc") == {"nouveau.txt"}
    build_index(corpus, tmp_path / "fresh", engine=engine)
    assert vocabulary(index_dir) == vocabulary(tmp_path / "fresh")
    assert Catalog.open(store.current_generation(index_dir)).pending() == []


# A file engine's reader keeps its commit's files; PostgreSQL keeps no old commit once a
# transaction ends, so a postgres reader's calls each read the latest one (consistent
# within a call: engines/postgres/reader.py), and this holds for the file engines only.
@pytest.mark.parametrize("site", [e for e in ENGINE_NAMES if e != "postgres"], indirect=True)
def test_a_reader_keeps_its_commit_while_writes_publish(site):
    corpus, index_dir, engine = site
    snapshots = Snapshots.at(index_dir)
    before = snapshots.current()
    write(corpus, index_dir, engine, "nouveau.txt", "Le Laos exporte du zinc.")
    after = snapshots.current()
    assert after is not before and after.commit == before.commit + 1
    assert core.search(before, SearchRequest(q="zinc")).total == 0  # its own commit
    assert "zinc" not in before.lexicon.df and after.lexicon.df["zinc"] == 1
    assert core.search(after, SearchRequest(q="zinc")).total == 1
    assert after.doc_count == before.doc_count + 1


def test_a_file_is_signed_by_the_bytes_that_were_read(tmp_path):
    """A file changed after a build planned to read it is recorded as what was read."""
    (tmp_path / "a.txt").write_text("Premier texte.", "utf-8")
    reading = Reading(tmp_path, "a.txt", [])
    drafts = reading.drafts()
    first = next(drafts)
    (tmp_path / "a.txt").write_text("Second texte, plus long.", "utf-8")  # after the read
    list(drafts)
    import hashlib

    assert reading.signature.sha1 == hashlib.sha1(b"Premier texte.").hexdigest()
    assert first.text == "Premier texte."


def test_many_writes_stay_few_segments_and_merging_loses_and_revives_nothing(site):
    corpus, index_dir, engine = site
    before = Snapshots.at(index_dir).current().doc_count
    for n in range(24):
        write(corpus, index_dir, engine, f"note{n}.txt", f"Le zinc du Laos, dépêche {n}.")
    for n in range(0, 24, 3):
        write(corpus, index_dir, engine, f"note{n}.txt", None)
    kept = {f"note{n}.txt" for n in range(24) if n % 3}
    assert ids(index_dir, "zinc") == kept  # merged segments keep deletions deleted
    snapshot = Snapshots.at(index_dir).current()
    assert snapshot.doc_count == before + len(kept)
    if engine == "whoosh":
        from whoosh.index import open_dir

        segments = open_dir(str(store.current_generation(index_dir)))._segments()
        assert len(segments) <= 8  # 32 commits, merged as they pile up


def test_a_kept_live_index_follows_a_rebuild(site):
    from indexer.update import LiveIndex

    corpus, index_dir, engine = site
    kept = LiveIndex(store.current_generation(index_dir))
    try:
        build_index(corpus, index_dir, engine=engine, rebuild=True)  # a new generation
        (corpus / "nouveau.txt").write_text("Le Laos exporte du zinc.", "utf-8")
        with store.build_lock(index_dir), runs.shared_vocabulary():
            change_sources(corpus, index_dir, engine, ["nouveau.txt"], kept)
    finally:
        kept.close()
    assert ids(index_dir, "zinc") == {"nouveau.txt"}


def _write_many(corpus: Path, index: Path, engine: str, count: int) -> None:
    for n in range(count):
        (corpus / f"w{n}.txt").write_text(f"Le tungstène et le zinc de la mine {n}. " * 30)
        change_sources(corpus, index, engine, [f"w{n}.txt"])


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_searches_in_another_process_than_the_writer_never_see_damage(tmp_path, engine):
    """The service's worker writes in its own process; tantivy removes the files a merge
    superseded at once. A reader opening the commit just replaced found one missing and
    answered 503 "index illisible, reconstruisez" (1,204 of 5,000 searches during 80
    writes); it now looks again in the next commit."""
    import multiprocessing

    from service.errors import IndexUnavailable

    corpus = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    build_index(corpus, tmp_path / "index", engine=engine)
    snapshots = Snapshots.at(tmp_path / "index")
    writer = multiprocessing.get_context("spawn").Process(
        target=_write_many, args=(corpus, tmp_path / "index", engine, 40)
    )
    writer.start()
    unavailable, searched = [], 0
    while writer.is_alive():
        try:
            core.search(snapshots.current(), SearchRequest.from_params({"q": "tungstène"}))
            searched += 1
        except IndexUnavailable as e:
            unavailable.append(str(e))
    writer.join()
    assert writer.exitcode == 0 and searched > 0
    assert not unavailable, unavailable[:3]
    final = core.search(snapshots.current(), SearchRequest.from_params({"q": "tungstène"}))
    assert final.total == 40


def test_a_whoosh_writer_reads_each_table_of_contents_once(tmp_path, monkeypatch):
    """The files superseded within the grace period stay for readers; finding them read
    every table of contents of the last minute at each write, 86 ms a write at ten
    writes a second on 34,160 articles. A table of contents never changes: read once."""
    from whoosh.index import TOC

    from indexer.engines.whoosh_files import _tocs, remove_superseded
    from indexer.live import IndexHandle

    corpus = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    build_index(corpus, tmp_path / "index", engine="whoosh")
    for n in range(3):
        write(corpus, tmp_path / "index", "whoosh", f"w{n}.txt", f"Le zinc de la mine {n}.")
    storage = IndexHandle(tmp_path / "index").view().engine._ix.storage
    read, real = [], TOC.read
    monkeypatch.setattr(
        TOC, "read", classmethod(lambda cls, *a, **k: read.append(a) or real(*a, **k))
    )
    known: dict = {}
    assert remove_superseded(storage, "MAIN", 60.0, known) == []  # all within the grace
    assert len(read) == len(_tocs(storage.list(), "MAIN")) == len(known) == 4
    assert remove_superseded(storage, "MAIN", 60.0, known) == [] and len(read) == 4
    removed = remove_superseded(storage, "MAIN", 0.0, known)  # the grace over: the latest
    assert len(read) == 4 and list(known) == [max(_tocs(storage.list(), "MAIN"))]
    assert sum(name.endswith(".toc") for name in removed) == 3
    monkeypatch.undo()
    assert ids(tmp_path / "index", "zinc") >= {"w0.txt", "w1.txt", "w2.txt"}
