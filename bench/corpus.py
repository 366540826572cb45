"""Benchmark corpora: the first N news articles, or more articles made from the news.

    corpus_dir(10_000)   -> var/bench/corpus/news-10000/news.jsonl      (first 10,000 lines)
    corpus_dir(None)     -> var/bench/corpus/news-all/news-fr.jsonl.gz  (a hard link)
    corpus_dir(100_000)  -> var/bench/corpus/news-100000-remixed/news-r0.jsonl.gz (hard
                            link), news-r1.jsonl, news-r2.jsonl (ids "orangesum-2-m1", ...)
    corpus_dir(100_000, replicas="copies") -> var/bench/corpus/news-100000-copies/...
                            (ids "orangesum-2-r1", ...)

Past the news's 34,160 articles, each further article is made from two of them
(``REMIXED``, the default): the sentences of one, about half of them, drawn at random
for each new article, then about half of another's, under the other's date. The texts
are new, the words and their frequencies those of the news: postings grow, the
vocabulary stays that of 34,160 articles, and copies stay as rare as in the news
(they are near-copies only by chance). ``COPIES`` replicates the news under new ids
instead, every article nine more times past 341,600: the worst case of the copies'
pass (``service.search.copies``), where every match is a member of a group of copies.

Every folder is what ``build_index`` reads (one article a JSON line) and what the peers
read through ``read_docs``. The shared corpus is never copied into the repository: a
slice or a replica is written under var/bench (gitignored), the whole corpus is a hard
link to it (a copy on another file system): never a symbolic link, which the indexer
leaves out when it leads out of the corpus. A replica keeps the text, title and date of
its original: the vocabulary stays that of 34,160 articles while postings grow, which is
what a scale curve of latency needs.
A ``READY`` file, written last, tells a finished folder from an interrupted one.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from bench.results import CACHE, ROOT

NEWS = ROOT.parent / "shared" / "data" / "news-fr.jsonl.gz"
NEWS_DOCS = 34_160
READY = "READY"
MISSING_NEWS = f"the news corpus {NEWS} is missing: see ../shared/data/README.md"
REMIXED, COPIES = "remixed", "copies"  # how articles past the source's are made
REPLICAS = (REMIXED, COPIES)
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


class Doc(NamedTuple):
    """What the peers index: id, title, text and date ('YYYY-MM-DD' or '')."""

    id: str
    title: str
    text: str
    date: str


def parse_docs(value: str) -> int | None:
    """The --docs option: a count ('10000', '10k', '1_000') or 'all' (None)."""
    value = value.strip().lower().replace("_", "").replace(",", "")
    if value == "all":
        return None
    number = int(float(value[:-1]) * 1000) if value.endswith("k") else int(value)
    if number < 1:
        raise ValueError(f"--docs must be at least 1, not {number}")
    return number


def docs_label(docs: int | None, replicas: str = REMIXED) -> str:
    """'all' or the count ('-copies' when replicated): the name of a corpus folder and of
    a result."""
    if docs is None:
        return "all"
    return f"{docs}-copies" if replicas == COPIES else str(docs)


def _open_lines(path: Path):
    opener = gzip.open if path.name.endswith(".gz") else open
    return opener(path, "rt", encoding="utf-8")


def count_lines(path: Path) -> int:
    """The articles of a JSONL(.gz) file (non-blank lines)."""
    with _open_lines(path) as f:
        return sum(1 for line in f if line.strip())


def corpus_dir(
    docs: int | None, cache: Path = CACHE, source: Path = NEWS, replicas: str = REMIXED
) -> Path:
    """The folder of the first ``docs`` articles of ``source`` (past its end, articles
    remixed from it, or its copies)."""
    if not source.is_file():
        raise FileNotFoundError(MISSING_NEWS if source == NEWS else f"missing {source}")
    prefix = "news" if source == NEWS else source.name.split(".")[0]
    size = NEWS_DOCS if source == NEWS else count_lines(source)
    past = docs is not None and docs > size  # then the folder says how it was made
    folder = cache / "corpus" / f"{prefix}-{docs_label(docs)}{f'-{replicas}' if past else ''}"
    if (folder / READY).is_file() and not any(p.is_symlink() for p in folder.iterdir()):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    written = _fill(folder, source, size if docs is None else docs, size, replicas)
    (folder / READY).write_text(f"{written}\n", encoding="utf-8")
    return folder


def _fill(folder: Path, source: Path, docs: int, size: int, replicas: str) -> int:
    """Link or write the files of a corpus folder; how many articles they hold."""
    if docs == size:
        _link(folder / source.name, source)
        return docs
    if docs < size:
        return _write_copy(folder / "news.jsonl", source, docs, 0)
    written, records = 0, None
    for copy in range(-(-docs // size)):
        want = min(size, docs - written)
        if copy == 0:
            _link(folder / f"news-r0{_suffix(source)}", source)
            written += size
        elif replicas == COPIES:
            written += _write_copy(folder / f"news-r{copy}.jsonl", source, want, copy)
        else:
            records = records or _records(source)  # read once for every round
            written += _write_remix(folder / f"news-r{copy}.jsonl", records, want, copy)
    return written


def _suffix(path: Path) -> str:
    return ".jsonl.gz" if path.name.endswith(".gz") else ".jsonl"


def _link(link: Path, target: Path) -> None:
    try:
        os.link(target.resolve(), link)
    except OSError:  # another file system, or no hard links there
        shutil.copyfile(target, link)


def _write_copy(path: Path, source: Path, docs: int, copy: int) -> int:
    """The first ``docs`` articles of ``source``; from the first replica on, ids get -rN."""
    count = 0
    with _open_lines(source) as src, open(path, "w", encoding="utf-8") as out:
        for line in src:
            if count == docs:
                break
            if not line.strip():
                continue
            if copy:
                record = json.loads(line)
                record["id"] = f"{record['id']}-r{copy}"
                line = json.dumps(record, ensure_ascii=False) + "\n"
            out.write(line)
            count += 1
    return count


def _records(source: Path) -> list[dict]:
    with _open_lines(source) as f:
        return [json.loads(line) for line in f if line.strip()]


def _write_remix(path: Path, records: list[dict], docs: int, round_: int) -> int:
    """``docs`` new articles, the n-th made from the n-th of ``records`` and another
    ``round_`` strides further (``remix``); ids get -mN."""
    stride = len(records) // 11 + 1  # another partner for each round, never the article
    with open(path, "w", encoding="utf-8") as out:
        for n, record in enumerate(records[:docs]):
            other = records[(n + round_ * stride) % len(records)]
            out.write(json.dumps(remix(record, other, round_), ensure_ascii=False) + "\n")
    return min(docs, len(records))


def remix(first: dict, second: dict, round_: int) -> dict:
    """A new article: about half the sentences of ``first`` (its title), then about half
    of ``second`` (its date), drawn by a generator seeded with the ids and the round."""
    rng = random.Random(f"{first['id']}/{second['id']}/{round_}")
    halves = []
    for record in (first, second):
        sentences = SENTENCE_END.split(record["text"].strip())
        halves += [s for s in sentences if rng.random() < 0.5] or sentences[:1]
    return {
        **first,
        "id": f"{first['id']}-m{round_}",
        "text": " ".join(halves),
        "date": second.get("date"),
    }


def corpus_files(folder: Path) -> list[Path]:
    """The JSONL(.gz) files of a corpus folder, in name order."""
    return sorted(p for p in folder.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz")))


def corpus_size(folder: Path) -> int:
    """How many articles a finished corpus folder holds."""
    return int((folder / READY).read_text(encoding="utf-8"))


def read_docs(folder: Path) -> Iterator[Doc]:
    """Every article of a corpus folder, for the peers (a null title or date becomes '')."""
    yield from _docs(corpus_files(folder))


def _docs(files: Iterable[Path]) -> Iterator[Doc]:
    for path in files:
        with _open_lines(path) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    date = r.get("date") or ""
                    yield Doc(str(r["id"]), r.get("title") or "", r["text"], date[:10])
