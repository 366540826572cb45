"""The bulk segment writer writes what Whoosh's own writer writes, as Whoosh reads it back.

Each test builds the same documents twice, with Whoosh's ``SegmentWriter`` and with
``BulkSegmentWriter``, and compares everything a reader sees: terms, term statistics,
every posting with its block's statistics, lengths, stored fields and columns.
"""

from __future__ import annotations

import gc
import random

import pytest
from whoosh import index
from whoosh.writing import SegmentWriter

from indexer.engines.whoosh import make_schema
from indexer.engines.whoosh_segment import BLOCK, BulkSegmentWriter

WORDS = [f"mot{i}" for i in range(40)] + ["é", "zèbre", "a"]


def _docs(n: int, seed: int, start: int = 0) -> list[dict]:
    """Fields as ``WhooshWriter`` passes them; a small vocabulary, so that frequent words
    fill several blocks and repeat within documents."""
    rng = random.Random(seed)
    docs = []
    for i in range(start, start + n):
        title = rng.choices(WORDS, k=rng.randint(0, 6))
        body = rng.choices(WORDS[: rng.randint(3, len(WORDS))], k=rng.randint(1, 120))
        countries = rng.sample(["FR", "CN", "US", "DE"], k=rng.randint(0, 2))
        docs.append(
            dict(
                id=f"doc-{i}",
                source=f"file{i % 3}.jsonl",
                title=title,
                body=body,
                exact=[w.upper() if w == "a" else w for w in title + body],
                text=" ".join(body),
                meta=(" ".join(title), None, "2020-01-02", "day", "header"),
                date=rng.choice(["2020-01-02", "2021-00-00", "0000-00-00"]),
                country=" ".join(countries),
                country_col=" ".join(countries).encode("ascii"),
            )
        )
    return docs


def _write(path, writer_class, batches, deletes=()) -> index.Index:
    path.mkdir()
    ix = index.create_in(str(path), make_schema())
    for n, docs in enumerate(batches):
        writer = writer_class(ix, compound=False)
        for doc_id in deletes if n else ():
            writer.delete_by_term("id", doc_id)
        for doc in docs:
            writer.add_document(**doc)
        writer.commit()
    return ix


def _postings(reader, field, text):
    m = reader.postings(field, text)
    m = getattr(m, "child", m)  # under the filter of deleted documents: every posting
    out = []
    while m.is_active():
        block = (m.block_max_id(), m.block_max_weight(), m.block_min_length(), m.block_max_length())
        out.append((m.id(), m.weight(), m.value(), block))
        m.next()
    return out


def _snapshot(ix: index.Index) -> list[dict]:
    """All that a reader sees of an index, segment by segment."""
    with ix.reader() as reader:
        return [_leaf(leaf, ix.schema) for leaf, _ in reader.leaf_readers()]


def _leaf(reader, schema) -> dict:
    terms = list(reader.all_terms())
    infos = {}
    for field, text in terms:
        ti = reader.term_info(field, text)
        stats = (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length())
        infos[field, text] = (*stats, ti.max_weight(), ti.min_id(), ti.max_id())
    docs = list(reader.all_doc_ids())
    return {
        "terms": terms,
        "infos": infos,
        "postings": {t: _postings(reader, *t) for t in terms},
        "stored": [reader.stored_fields(d) for d in docs],
        "deleted": [d for d in range(reader.doc_count_all()) if reader.is_deleted(d)],
        "lengths": {
            name: [reader.doc_field_length(d, name) for d in docs] for name in schema.names()
        },
        "field_lengths": {name: reader.field_length(name) for name in schema.names()},
        "columns": {
            name: list(reader.column_reader(name)) for name in ("id", "date", "country_col")
        },
    }


def test_one_segment_reads_as_whoosh_wrote_it(tmp_path):
    docs = _docs(400, seed=1)
    stock = _snapshot(_write(tmp_path / "stock", SegmentWriter, [docs]))
    bulk = _snapshot(_write(tmp_path / "bulk", BulkSegmentWriter, [docs]))
    longest = max(len(p) for p in stock[0]["postings"].values())
    assert longest > 2 * BLOCK  # several blocks, the last one partial
    assert bulk == stock


def test_merged_segments_and_deletions_read_as_whoosh_wrote_them(tmp_path):
    # Five small segments are merged into the sixth (Whoosh's pool path) after deletions;
    # the new documents come first in it, as in Whoosh's writer.
    batches = [_docs(5, seed=n, start=5 * n) for n in range(5)] + [_docs(40, seed=9, start=25)]
    deletes = ["doc-3", "doc-12"]
    stock = _snapshot(_write(tmp_path / "stock", SegmentWriter, batches, deletes))
    bulk = _snapshot(_write(tmp_path / "bulk", BulkSegmentWriter, batches, deletes))
    assert len(stock) == 1  # all merged
    assert len(stock[0]["stored"]) == 65 - len(deletes)
    assert bulk == stock


def test_unsupported_fields_are_refused(tmp_path):
    ix = _write(tmp_path / "ix", BulkSegmentWriter, [])
    writer = BulkSegmentWriter(ix)
    with pytest.raises(ValueError, match="boosts"):
        writer.add_document(id="x", _boost=2.0)
    assert gc.isenabled()  # paused only during a call
    writer.add_document(**_docs(1, seed=5)[0])
    assert gc.isenabled() and gc.get_freeze_count() == 0  # nothing of the process frozen
    writer.cancel()
