"""Whoosh merges on the write path (engines.whoosh_merge): the small segments of API
writes are merged through the bulk path, and the articles the process wrote lately are
added again without analysing them again."""

from __future__ import annotations

import shutil

from indexer.build import build_index
from indexer.engines import whoosh_merge
from indexer.engines.whoosh_merge import RecentFields
from tests.conftest import DATA_DIR
from tests.test_update import ids, write


def fields(doc_id: str, text: str, meta=("Titre", None, None, None, None)) -> dict:
    return {"id": doc_id, "source": doc_id, "text": text, "meta": meta, "country": ""}


def test_kept_fields_serve_only_the_same_stored_article():
    recent = RecentFields(max_chars=1_000)
    kept = {**fields("a.txt", "Du zinc."), "body": "zinc"}
    recent.keep(kept)
    assert recent.of(fields("a.txt", "Du zinc.")) is kept
    assert recent.of(fields("a.txt", "Du nickel.")) is None  # replaced since
    assert recent.of(fields("a.txt", "Du zinc.", ("Autre titre", None, None, None, None))) is None
    assert recent.of(fields("b.txt", "Du zinc.")) is None


def test_kept_fields_are_bounded_by_their_texts():
    recent = RecentFields(max_chars=64 * 10)
    for n in range(100):
        recent.keep(fields(f"{n}.txt", "x" * 10))
    assert recent.of(fields("0.txt", "x" * 10)) is None  # the oldest went first
    assert recent.of(fields("99.txt", "x" * 10)) is not None
    recent.keep(fields("long.txt", "x" * 11))  # over max_chars / 64: not kept at all
    assert recent.of(fields("long.txt", "x" * 11)) is None
    assert sum(len(f["text"]) for f in recent._by_id.values()) <= recent.max_chars


def test_a_merge_of_recent_writes_analyses_nothing_again(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    build_index(corpus, tmp_path / "index", engine="whoosh")
    merged, analysed = [], []
    real = whoosh_merge.RECENT.of

    def of(stored):
        merged.append(stored["id"])
        return real(stored) or analysed.append(stored["id"])

    monkeypatch.setattr(whoosh_merge.RECENT, "of", of)
    for n in range(12):  # past five small segments: merged
        write(corpus, tmp_path / "index", "whoosh", f"w{n}.txt", f"Le tungstène de la mine {n}.")
    write(corpus, tmp_path / "index", "whoosh", "w3.txt", "Le nickel de la mine 3.")
    assert ids(tmp_path / "index", "tungstène") >= {f"w{n}.txt" for n in range(12) if n != 3}
    assert "w3.txt" not in ids(tmp_path / "index", "tungstène")
    assert ids(tmp_path / "index", "nickel") >= {"w3.txt"}
    assert len([doc_id for doc_id in merged if doc_id.startswith("w")]) >= 5  # merged
    assert not [doc_id for doc_id in analysed if doc_id.startswith("w")]


class _Segment:
    def __init__(self, name: str, count: int):
        self.name, self.count = name, count

    def doc_count_all(self) -> int:
        return self.count


def test_tiers_merge_ten_alike_segments_the_smallest_tier_first():
    build = _Segment("build", 34_160)  # never merged by writes
    ones = [_Segment(f"one{n}", 1) for n in range(10)]
    tens = [_Segment(f"ten{n}", 10 + n) for n in range(10)]
    assert whoosh_merge.tiers_due([build, *ones[:9], *tens[:9]]) == []
    assert whoosh_merge.tiers_due([build, *ones, *tens]) == ones
    assert whoosh_merge.tiers_due([build, *ones[:3], *tens]) == tens
    assert whoosh_merge.tiers_due([_Segment("big", 2_001)] * 10) == []  # past MAX_MERGED
