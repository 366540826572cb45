"""Source files into an engine's writer: what a full build and a change in place share.

    ingested = ingest(corpus, ["a.txt", "news.jsonl.gz"], writer, "tantivy", progress)
    ingested.sources      each file's Signature: the bytes read, and how many articles
    ingested.words        the document frequency each word gains (an article counts once)
    ingested.bags         the article vectors' bags of the articles added (indexer.dense)
    ingested.skipped      the inputs left out, ``file:line: reason``

Files are read once, in order, in batches (``pipeline.BATCH``); each draft becomes an
article and what the writer adds (``pipeline``: in worker processes for a big build).
A file's signature is taken from the very bytes its articles came from
(``sources.Reading``), so a file changed while it was read is recorded as what was
indexed. Progress counts bytes, so one big JSONL file moves too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import pipeline
from .engines.base import EngineWriter
from .sources import Draft, Reading, Signature, Skip, log_skips, source_path, unreadable

if TYPE_CHECKING:
    from .dense import Bags

# progress(phase, done, total): bytes of source files indexed so far, of all to index
Progress = Callable[[str, int, int], None]


@dataclass
class Ingested:
    """What ingesting source files added: see the module's docstring."""

    sources: dict[str, Signature] = field(default_factory=dict)
    words: Counter = field(default_factory=Counter)
    skipped: list[Skip] = field(default_factory=list)
    articles: int = 0
    ids: list[str] = field(default_factory=list)  # of the articles added, in order
    bags: Bags | None = None


def ingest(
    corpus: Path,
    rels: list[str],
    writer: EngineWriter,
    engine_name: str,
    progress: Progress | None = None,
    processes: int | None = None,
    sizes: dict[str, int] | None = None,
) -> Ingested:
    """Read ``rels`` and add their articles to ``writer`` (not committed).

    :param sizes: each file's size, for the progress (read from the disk if not given).
    :param processes: worker processes for the analysis (``pipeline.worker_count``).
    """
    from .dense import Collected  # NumPy and the word vectors: only for a build

    progress = progress or (lambda phase, done, total: None)
    sizes = sizes if sizes is not None else {rel: _size(source_path(corpus, rel)) for rel in rels}
    total = sum(sizes.values()) or 1
    files = {rel: _File() for rel in rels}
    out, bags, finished = Ingested(), Collected(), 0
    workers = pipeline.worker_count(sum(sizes.values()), processes)
    with pipeline.Preparer(engine_name, workers) as preparer:
        for segments, prepared, skips in preparer.run(_batches(corpus, rels, files)):
            for skip in skips:
                files[skip.file].skips.append(skip)
            start = 0
            for rel, size, offset, last in segments:
                part = [p for p in prepared[start : start + size] if p is not None]
                start += size
                writer.add_prepared([item.prepared for item in part])
                for item in part:
                    out.words.update(item.words)
                    out.ids.append(item.id)
                    if item.bag is not None:
                        bags.add(item.bag)
                files[rel].articles += len(part)
                if last:
                    finished += sizes.get(rel, 0)
                    _finish(out, rel, files[rel])
                progress("index", finished if last else finished + offset, total)
    progress("index", total, total)
    out.bags = bags.bags()
    return out


@dataclass
class _File:
    """What ingesting has done with a source file so far."""

    articles: int = 0
    skips: list[Skip] = field(default_factory=list)
    signature: Signature | None = None  # once every draft of it is read


def _finish(out: Ingested, rel: str, file: _File) -> None:
    """A file done: its skips in line order (logged, as read_source would), its count."""
    file.skips.sort(key=lambda skip: skip.line)
    log_skips(file.skips)
    out.skipped.extend(file.skips)
    out.articles += file.articles
    if file.signature is not None:  # None: unreadable, it is not recorded as indexed
        sig = file.signature
        out.sources[rel] = Signature(sig.size, sig.mtime_ns, sig.sha1, file.articles)


# (file, drafts of it in the batch, bytes of it read, whether the batch ends it)
_Segment = tuple[str, int, int, bool]


def _batches(corpus: Path, todo: list[str], files: dict) -> Iterator[tuple[list[_Segment], list]]:
    """The drafts of the files to index, in order, in batches of pipeline.BATCH; each with
    its segments, which say how its drafts split into files. Read skips and signatures go
    to ``files``."""
    segments: list[_Segment] = []
    batch: list[Draft] = []
    for rel in todo:
        count, offset = 0, 0
        reading = Reading(corpus, rel, files[rel].skips)
        try:
            for draft in reading.drafts():
                batch.append(draft)
                count, offset = count + 1, draft.offset
                if len(batch) == pipeline.BATCH:
                    yield [*segments, (rel, count, offset, False)], batch
                    segments, batch, count = [], [], 0
            files[rel].signature = reading.signature
        except OSError as e:
            files[rel].skips.append(unreadable(rel, e))
        segments.append((rel, count, offset, True))
        if len(batch) >= pipeline.BATCH or len(segments) >= pipeline.BATCH:
            yield segments, batch
            segments, batch = [], []
    if segments:
        yield segments, batch


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
