"""Source files -> Article records; bad input is skipped with a warning, never fatal.

A corpus is a folder of ``.txt`` articles and ``.jsonl`` (optionally ``.jsonl.gz``) files,
or one such file.

- ``.txt``: UTF-8 (a BOM is tolerated); the text may open with a header `` date YYYY-MM``
  (the word ``date`` then ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), the article following on
  the same line or the next. The header is metadata, never part of the body. Id: the path
  relative to the corpus root, with ``/`` separators.
- ``.jsonl``: one article per line, ``{"id", "text"}`` required, ``title``, ``date``,
  ``url``, ``countries`` optional. Id: ``FILE#ID``.

Every rejected input becomes a :class:`Skip` naming the file, the line and the reason; it
is logged as ``file:line: reason`` and the rest of the corpus is read.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import os
import re
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .articles import Article, ArticleDate
from .countries import countries_of, is_country_code
from .dates import DateError, extract_date, parse_date, strip_dateline
from .markup import plain
from .runs import cut

log = logging.getLogger(__name__)

SOURCE_SUFFIXES = (".txt", ".jsonl", ".jsonl.gz")
MAX_ARTICLE_CHARS = 1_000_000  # ~50x the longest real news article; beyond is not an article
HEADER = re.compile(r"\A\s*date[ \t]+(\S+)[ \t]*(?:\r?\n)?")
SENTENCE_END = re.compile(r"(?<!\bM)(?<!\bMM)(?<!\bMme)(?<!\bDr)(?<!\bSt)[.!?…](?=\s|$)")
TITLE_CHARS = 100
SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Skip:
    """An input that was not indexed: where it was and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def list_sources(root: Path) -> list[str]:
    """Corpus-relative paths (with ``/``) of every source file under ``root``, sorted; a
    corpus that is one source file is that file's name (``source_path``).

    Left out, each with a warning: a path that is not UTF-8 (it cannot be an id, nor go
    into JSON); a symbolic link that leads out of the corpus (the API refuses to write
    through one, and the index must not serve what lies outside); and a file whose name,
    normalised to NFC, is another's (ids are NFC: "é" typed as one character or as "e"
    and an accent is one id).
    """
    if root.is_file():
        return [root.name] if root.name.endswith(SOURCE_SUFFIXES) else []
    top = root.resolve()
    found = [
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name.endswith(SOURCE_SUFFIXES) and not p.name.startswith(".")
    ]
    for rel in [rel for rel in found if not _is_utf8(rel)]:
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        log.warning("%s", Skip(shown, 0, "file name is not UTF-8: rename the file"))
        found.remove(rel)
    for rel in [rel for rel in found if not (root / rel).resolve().is_relative_to(top)]:
        log.warning("%s", Skip(rel, 0, "symbolic link that leads out of the corpus: left out"))
        found.remove(rel)
    ids: dict[str, str] = {}
    for rel in sorted(found):
        first = ids.setdefault(nfc(rel), rel)
        if first != rel:
            log.warning("%s", Skip(rel, 0, f"same name as {first} once normalised (NFC)"))
            found.remove(rel)
    return sorted(found)


def nfc(text: str) -> str:
    """Text in Unicode's composed form (NFC): the form of every id."""
    return unicodedata.normalize("NFC", text)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # surrogates: undecodable bytes of a name, or JSON escapes
        return False
    return True


class Draft(NamedTuple):
    """An input read and checked (bytes, JSON, id), not yet an Article: ``make`` does the
    rest (dates, countries, title), which may run in another process (``pipeline``)."""

    doc_id: str
    text: str
    file: str
    line: int
    header: str | None
    record: dict | None
    offset: int  # bytes of the source file read so far, this input included (progress)

    def make(self, skips: list[Skip]) -> Article | None:
        """The Article, or None with a Skip appended to ``skips``."""
        return make_article(
            self.doc_id,
            self.text,
            header=self.header,
            file=self.file,
            line=self.line,
            skips=skips,
            record=self.record,
        )


def read_source(root: Path, rel: str) -> tuple[list[Article], list[Skip]]:
    """Read one source file into articles, and the skips with their reasons."""
    skips: list[Skip] = []
    try:
        articles = [a for a in (d.make(skips) for d in read_drafts(root, rel, skips)) if a]
    except OSError as e:
        articles = []
        skips.append(unreadable(rel, e))
    log_skips(skips)
    return articles, skips


def unreadable(rel: str, error: OSError) -> Skip:
    """The skip of a file that cannot be read at all."""
    return Skip(rel, 0, f"cannot read file: {error.strerror or error}")


def source_path(root: Path, rel: str) -> Path:
    """Where a source of the corpus is: ``root / rel``, or ``root`` itself when the corpus
    is that one file (its ids are then ``FILE#ID``, as in a folder)."""
    return root if root.is_file() else root / rel


def read_drafts(root: Path, rel: str, skips: list[Skip]) -> Iterator[Draft]:
    """The drafts of one source file, in order; rejected inputs go to ``skips``.

    Raises OSError when the file cannot be read at all (``read_source`` says so).
    """
    yield from Reading(root, rel, skips).drafts()


@dataclass(frozen=True)
class Signature:
    """What a source file was when it was indexed: its size, modification time and the
    SHA-1 of the very bytes that were read and indexed."""

    size: int
    mtime_ns: int
    sha1: str
    articles: int = 0


class Reading:
    """One source file read once: its drafts, then (``signature``) the size, time and
    SHA-1 of the bytes they came from. A file changed after a build planned to read it
    is recorded as what was indexed, never as what the plan saw."""

    def __init__(self, root: Path, rel: str, skips: list[Skip]):
        self.path, self.rel, self.skips = source_path(root, rel), rel, skips
        self.signature: Signature | None = None  # set once every draft is read

    def drafts(self) -> Iterator[Draft]:
        with open(self.path, "rb") as raw:
            stat = os.fstat(raw.fileno())
            f = _Hashing(raw)
            if self.rel.endswith(".txt"):
                yield from _read_txt(f.read(), self.rel, self.skips)
            else:
                yield from _read_jsonl(f, self.rel, self.skips)
                f.drain()  # a JSONL file cut short is signed whole, as it is seen next time
        self.signature = Signature(f.count, stat.st_mtime_ns, f.digest.hexdigest())


class _Hashing(io.RawIOBase):
    """A binary file that hashes what is read through it (gzip reads through it too)."""

    def __init__(self, raw):
        self.raw, self.digest, self.count = raw, hashlib.sha1(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        if n:
            self.digest.update(memoryview(buffer)[:n])
            self.count += n
        return n or 0

    def tell(self) -> int:
        return self.raw.tell()

    def drain(self) -> None:
        while chunk := self.raw.read(1 << 20):
            self.digest.update(chunk)
            self.count += len(chunk)


def log_skips(skips: list[Skip]) -> None:
    """Log each skip as ``file:line: reason``."""
    for skip in skips:
        log.warning("%s", skip)


def _read_txt(raw: bytes, rel: str, skips: list[Skip]) -> list[Draft]:
    reason = _binary_reason(raw)
    if reason:
        return _skip(skips, rel, 1, reason) or []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return _skip(skips, rel, line, f"not UTF-8 (byte {raw[e.start]:#04x})") or []
    header = None
    match = HEADER.match(text)
    if match:
        header, text = match.group(1), text[match.end() :]
    return [Draft(nfc(rel), text, rel, 1, header, None, len(raw))]


def _binary_reason(raw: bytes) -> str | None:
    if b"\x00" in raw[:8192]:
        return "binary file (NUL byte)"
    if not raw.strip():
        return "empty file"
    return None


def _read_jsonl(raw, rel: str, skips: list[Skip]) -> Iterator[Draft]:
    seen: set[str] = set()
    gz = rel.endswith(".gz")
    with gzip.GzipFile(fileobj=raw, mode="rb") if gz else io.BufferedReader(raw) as f:
        lineno, offset = 0, 0
        try:
            for lineno, raw in enumerate(f, 1):  # noqa: B007 (lineno is read after the loop)
                # Progress counts the bytes of the file: compressed ones for a .gz.
                offset = f.fileobj.tell() if gz else offset + len(raw)
                if raw.strip():
                    draft = _draft_from_json(raw, rel, lineno, seen, skips, offset)
                    if draft:
                        yield draft
        except (OSError, EOFError, zlib.error) as e:
            skips.append(Skip(rel, lineno + 1, f"corrupt or truncated file: {e}"))


def _draft_from_json(
    raw: bytes, rel: str, lineno: int, seen: set[str], skips: list[Skip], offset: int
) -> Draft | None:
    try:
        record = json.loads(raw.decode("utf-8").rstrip("\r\n"))  # columns of this line
    except UnicodeDecodeError:
        return _skip(skips, rel, lineno, "not UTF-8")
    except json.JSONDecodeError as e:
        return _skip(skips, rel, lineno, f"broken JSON: {e.msg} (column {e.colno})")
    if not isinstance(record, dict):
        return _skip(skips, rel, lineno, "not a JSON object")
    if not all(_is_utf8(v) for v in _strings(record)):
        # "\ud800" is valid JSON but no UTF-8 text: it would fail every response it is in.
        log.warning("%s:%d: lone surrogate escapes replaced by U+FFFD", rel, lineno)
        record = {k: _repaired(v) for k, v in record.items()}
    doc_id, text = record.get("id"), record.get("text")
    if not isinstance(doc_id, str | int) or isinstance(doc_id, bool) or str(doc_id) == "":
        return _skip(skips, rel, lineno, 'missing or invalid "id"')
    if not isinstance(text, str):
        return _skip(skips, rel, lineno, 'missing or invalid "text"')
    full_id = nfc(f"{rel}#{doc_id}")
    if full_id in seen:
        return _skip(skips, rel, lineno, f"duplicate id {str(doc_id)!r}")
    seen.add(full_id)
    return Draft(full_id, text, rel, lineno, None, record, offset)


def _strings(record: dict) -> Iterator[str]:
    for value in record.values():
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, str))


def _repaired(value: object) -> object:
    """A JSON value with lone surrogates replaced by U+FFFD (strings and lists of them)."""
    if isinstance(value, str):
        return SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_repaired(v) for v in value]
    return value


def _skip(skips: list[Skip], rel: str, line: int, reason: str) -> None:
    skips.append(Skip(rel, line, reason))
    return None


def make_article(
    doc_id: str,
    text: str,
    *,
    header: str | None = None,
    file: str = "",
    line: int = 1,
    skips: list[Skip] | None = None,
    record: dict | None = None,
) -> Article | None:
    """Build an Article from a body and its metadata; None (with a Skip) if it is unusable."""
    skips = skips if skips is not None else []
    record = record or {}
    text = plain(text.replace("\r\n", "\n")).strip()
    reason = _text_reason(text, header)
    if reason:
        return _skip(skips, file or doc_id, line, reason)
    date = _article_date(text, header, record.get("date"), file or doc_id, line, skips)
    title = record.get("title")
    title = " ".join(plain(title).split()) if isinstance(title, str) else ""
    # A derived title is the lead's first sentence: its countries are the text's, and
    # "title\ntext" is then cut once, here, for the engine's analysis and the vector too.
    title = title or derive_title(text)
    countries = _article_countries(text, title, record.get("countries"), file, line, skips)
    return Article(
        id=doc_id,
        text=text,
        title=title,
        date=date,
        url=record.get("url") if isinstance(record.get("url"), str) else None,
        countries=countries,
        source=file,
    )


def _text_reason(text: str, header: str | None) -> str | None:
    if not text:
        return "empty article (no text after the header)" if header else "empty article"
    if len(text) > MAX_ARTICLE_CHARS:
        return f"article too long ({len(text):,} characters, limit {MAX_ARTICLE_CHARS:,})"
    if "\x00" in text:
        return "binary content (NUL character)"
    return None


def _article_date(
    text: str, header: str | None, meta: object, file: str, line: int, skips: list[Skip]
) -> ArticleDate | None:
    if isinstance(meta, str) and meta:
        try:
            return parse_date(meta[:10], source="metadata")
        except DateError as e:
            log.warning("%s:%d: %s; using the text's date", file, line, e)
    try:
        return extract_date(text, header)
    except DateError as e:  # an impossible header: keep the article, read the date from the text
        log.warning("%s:%d: %s; using the text's date", file, line, e)
        return extract_date(text, None)


def _article_countries(
    text: str, title: str, given: object, file: str, line: int, skips: list[Skip]
) -> tuple[str, ...]:
    if isinstance(given, list) and given:
        valid = sorted({c for c in given if isinstance(c, str) and is_country_code(c)})
        if len(valid) != len(set(given)):
            log.warning("%s:%d: unknown country codes ignored", file, line)
        return tuple(valid)
    # The runs of "title\ntext" are those of the title, then the text's; the engine's
    # analysis and the article's vector reuse this cut (same texts, runs.cut).
    return countries_of(cut(title, text))


def derive_title(text: str) -> str:
    """The display title: the lead's first sentence, without a dateline, cut near 100 chars."""
    lead = strip_dateline(text).split("\n", 1)[0].strip()
    end = SENTENCE_END.search(lead)
    sentence = lead[: end.start() + 1] if end else lead
    if len(sentence) <= TITLE_CHARS + 20:
        return sentence
    cut = sentence.rfind(" ", 0, TITLE_CHARS + 1)
    return sentence[: cut if cut > TITLE_CHARS // 2 else TITLE_CHARS].rstrip(" ,;:") + "…"
