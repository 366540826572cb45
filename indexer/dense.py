"""Article vectors: finding an article by meaning when it shares no word with the query.

Stems meet "présidé" and "présidence", never "mort" and "décès"; 140 of the 3,784 PIAF
questions share no stem with their paragraph, so no lexical ranking can find them. Each
article also gets one vector, from the French word vectors (``wordvectors``):

- its kept words (stop words and elisions aside, as written: the vectors know case and
  accents), each word's unit vector weighted by its count and the IDF of its vector row,
  ``ln((N + 1) / (df + 1))`` over the index's articles, summed and normalised;
- centred on the mean article and without the main direction they share (the first
  principal component), then normalised again: what every article has in common says
  nothing about one of them;
- projected on the next ``DIMENSIONS`` principal directions, and normalised.

A query's vector is made the same way, with the index's IDF, mean and direction
(``DenseIndex.query_vector``); cosines rank the articles (``DenseIndex.nearest``). The
service fuses that ranking with the lexical one (service.hybrid). Measured on the PIAF
questions before choosing (EVALUATION.md): among plain means, SIF weights and 1 to 10
components removed, this one found the most questions whose paragraph shares no stem.

Stored per generation by its full build: ``dense-model.npz``, the articles' vectors, their
ids and what a query's vector needs (``dense_index``); an article written later gets its
vector from that model, kept in the catalog (``indexer.catalog``). 34,160 news articles:
20 MB on disk, about 5 s of a build, 17 MB in a service, under 1 ms per query.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np

from .analysis import WORD, kept_word
from .articles import Article
from .runs import Cut, cut, run_text
from .wordvectors import WordVectors, word_vectors

log = logging.getLogger(__name__)

MODEL = "dense-model.npz"
MODEL_ARRAYS = ("matrix", "idf", "mean", "direction", "basis")  # in MODEL
CHUNK = 4096  # articles whose document frequencies are counted at once
# Dimensions kept (of 300), the first principal directions of the articles once the main
# one is removed. PIAF questions, R@100: 300 -> 0.9707, 128 -> 0.9709, 64 -> 0.9704;
# with the news as distractors 0.910 -> 0.909. 128 makes the service's matrix 17 MB, not
# 41 MB (34,160 articles), and its product per query 2.3 times cheaper.
DIMENSIONS = 128


@dataclass(frozen=True)
class Bag:
    """An article's vector rows and how often each comes (picklable: builds make bags in
    worker processes)."""

    id: str
    source: str
    rows: bytes  # int32; a row may come twice ("Mort" and "mort"): counts add up
    counts: bytes  # uint32


def _rows_of(new: list[bytes]) -> list[bytes]:
    """A column of the vocabulary (indexer.runs): each run's vector rows (int32) of its
    kept words, the words of all the runs numbered since the last call looked up at once
    (``WordVectors.rows``)."""
    vectors = word_vectors()
    if vectors is None:
        return [b""] * len(new)
    words = [[w for w in map(kept_word, WORD.findall(run_text(run))) if w] for run in new]
    found = vectors.rows(list(chain.from_iterable(words))).tolist()
    rows, at = [], 0
    for its_words in words:
        its_rows = found[at : at + len(its_words)]
        at += len(its_words)
        rows.append(array("i", (r for r in its_rows if r >= 0)).tobytes())
    return rows


def _rows(texts: Cut) -> tuple[bytes, bytes]:
    """(rows, int32; their counts, uint32) of the cut texts' runs, counted in C in order of
    first sight: each run's count for each of its rows."""
    counts = Counter(chain(*texts.numbers))
    column = texts.vocabulary.column(_rows_of)
    per_run = list(map(column.__getitem__, counts))
    lengths = np.fromiter(map(len, per_run), dtype=np.int64, count=len(per_run)) // 4
    many = np.fromiter(counts.values(), dtype=np.uint32, count=len(per_run))
    return b"".join(per_run), np.repeat(many, lengths).tobytes()


def bags(articles: list[Article], cuts: list[Cut]) -> list[Bag | None]:
    """Each article's bag (None each without word vectors), from its cut title and text
    (``runs.cut``); the runs new to the vocabulary are looked up at once, at the first."""
    if word_vectors() is None:
        return [None] * len(articles)
    return [Bag(a.id, a.source, *_rows(c)) for a, c in zip(articles, cuts, strict=True)]


@dataclass
class Bags:
    """Every article's bag, in one flat array: article i's are ``rows[starts[i]:starts[i+1]]``."""

    ids: list[str]
    sources: list[str]
    starts: np.ndarray  # int64, one more than there are articles
    rows: np.ndarray  # int32
    counts: np.ndarray  # uint32

    def without(self, sources: set[str], ids: set[str]) -> Bags:
        """The bags of the articles of other sources and ids."""
        keep = [
            i
            for i, (s, d) in enumerate(zip(self.sources, self.ids, strict=True))
            if s not in sources and d not in ids
        ]
        parts = [slice(self.starts[i], self.starts[i + 1]) for i in keep]
        lengths = np.array([p.stop - p.start for p in parts], dtype=np.int64)
        starts = np.zeros(len(keep) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        return Bags(
            [self.ids[i] for i in keep],
            [self.sources[i] for i in keep],
            starts,
            np.concatenate([self.rows[p] for p in parts]) if parts else self.rows[:0],
            np.concatenate([self.counts[p] for p in parts]) if parts else self.counts[:0],
        )

    def plus(self, other: Bags) -> Bags:
        return Bags(
            self.ids + other.ids,
            self.sources + other.sources,
            np.concatenate([self.starts[:-1], other.starts + self.starts[-1]]),
            np.concatenate([self.rows, other.rows]),
            np.concatenate([self.counts, other.counts]),
        )


class Collected:
    """The bags of a build's articles as it adds them, appended to flat arrays: no object
    per article stays (at 341,600 articles the bags are 650 MB, and a list of them then
    concatenated held them twice)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.sources: list[str] = []
        self._starts = array("q", [0])
        self._rows = array("i")  # int32
        self._counts = array("I")  # uint32

    def add(self, bag: Bag) -> None:
        self.ids.append(bag.id)
        self.sources.append(bag.source)
        self._rows.frombytes(bag.rows)
        self._counts.frombytes(bag.counts)
        self._starts.append(len(self._rows))

    def bags(self) -> Bags:
        """The bags collected, as ``Bags`` over the same memory (no copy)."""
        return Bags(
            self.ids,
            self.sources,
            np.frombuffer(self._starts, dtype=np.int64),
            np.frombuffer(self._rows, dtype=np.int32),
            np.frombuffer(self._counts, dtype=np.uint32),
        )


def write_model(gen: Path, bags: Bags) -> None:
    """Compute the generation's model from every article's bag and save it
    (``dense-model.npz``): the articles' vectors, their ids, and what a query's or a later
    article's vector is made with (``dense_index``)."""
    vectors = word_vectors()
    if vectors is None:
        return
    model = _model(bags, vectors)
    names = json.dumps({"ids": bags.ids}).encode("utf-8")
    _save_atomic(gen / MODEL, names=np.frombuffer(names, dtype=np.uint8), **model)


def model_of(bags: Bags) -> dict[str, np.ndarray] | None:
    """The model of these articles (their vectors as ``matrix``, in ``bags.ids``' order);
    None without word vectors. What ``write_model`` saves, for an archive in a database."""
    vectors = word_vectors()
    return None if vectors is None else _model(bags, vectors)


def rebuild_model(gen: Path, articles: Iterable[Article]) -> int:
    """The model of a generation whose file is lost or damaged, recomputed from its
    articles read back from the index; how many."""
    collected = Collected()
    batch: list[Article] = []
    for article in chain(articles, [None]):
        if article is not None:
            batch.append(article)
        if batch and (article is None or len(batch) == CHUNK):
            for bag in bags(batch, [cut(a.title, a.text) for a in batch]):
                if bag is not None:
                    collected.add(bag)
            batch = []
    found = collected.bags()
    write_model(gen, found)
    return len(found.ids)


def _model(bags: Bags, vectors: WordVectors) -> dict[str, np.ndarray]:
    unit = vectors.unit
    count = len(bags.ids)
    df = np.zeros(len(unit), dtype=np.int64)
    for first in range(0, count, CHUNK):  # in chunks: bounded memory
        last = min(first + CHUNK, count)
        begin, end = bags.starts[first], bags.starts[last]
        # An article counts once for a row, though two of its words may share it.
        article = np.repeat(
            np.arange(first, last, dtype=np.int64), np.diff(bags.starts[first : last + 1])
        )
        pairs = np.sort(article * len(unit) + bags.rows[begin:end])  # (np.unique: 4x slower)
        distinct = np.ones(len(pairs), dtype=bool)
        distinct[1:] = pairs[1:] != pairs[:-1]
        df += np.bincount(pairs[distinct] % len(unit), minlength=len(unit))
    idf = np.log((count + 1) / (df + 1)).astype(np.float32)
    matrix = np.zeros((count, unit.shape[1]), dtype=np.float32)
    starts = bags.starts.tolist()
    for first in range(0, count, CHUNK):  # the weights of a chunk at a time: bounded memory
        last = min(first + CHUNK, count)
        offset = starts[first]
        rows = bags.rows[offset : starts[last]]
        weights = bags.counts[offset : starts[last]].astype(np.float32) * idf[rows]
        for i in range(first, last):  # one BLAS product per article: no gathered copy
            begin, end = starts[i] - offset, starts[i + 1] - offset
            if end > begin:
                matrix[i] = weights[begin:end] @ unit[rows[begin:end]]
    _normalise(matrix)
    mean = matrix.mean(axis=0) if count else np.zeros(unit.shape[1], dtype=np.float32)
    matrix -= mean
    _normalise(matrix)
    # The main direction: the top eigenvector of the 300 x 300 scatter matrix.
    scatter = (matrix.T @ matrix).astype(np.float64)
    direction = np.linalg.eigh(scatter)[1][:, -1].astype(np.float32)
    for first in range(0, count, CHUNK):  # in place, a chunk at a time: no matrix-sized copy
        part = matrix[first : first + CHUNK]
        part -= np.outer(part @ direction, direction)
    _normalise(matrix)
    # The next DIMENSIONS principal directions: a smaller matrix, as good a ranking.
    scatter = (matrix.T @ matrix).astype(np.float64)
    basis = np.linalg.eigh(scatter)[1][:, ::-1][:, :DIMENSIONS].astype(np.float32)
    matrix = matrix @ basis
    _normalise(matrix)
    mean = mean.astype(np.float32)
    return {"matrix": matrix, "idf": idf, "mean": mean, "direction": direction, "basis": basis}


def _normalise(x: np.ndarray) -> None:
    """Each row of norm 1 (or 0), in place: the matrix is 41 MB at 34,160 articles."""
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    norms[norms == 0] = 1
    x /= norms


def _normalised(x: np.ndarray) -> np.ndarray:
    """``_normalise`` on a float32 copy."""
    copy = x.astype(np.float32)
    _normalise(copy)
    return copy


def _save_atomic(path: Path, **arrays: np.ndarray) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
