"""Spelling-help precision: names and words of the archive, typed as people type them.

    .venv/bin/python -m bench.spelling [--engine whoosh|tantivy] [--names 150] [--words 150]
        [--seed 19] [--json] [--data DIR] [--cache DIR] [--rebuild]

The intended words come from the news archive itself (``news-fr.jsonl.gz``), chosen by
fixed rules and a seeded draw, so every run and every revision asks the same queries:

- stop words aside (never searched), names: words written with a capital at least 95 %
  of the time, in 30 to 3,000 articles, 5 letters or more (Poutine, Philippe, Castaner);
  words: written in lower case at least 90 % of the time, in 30 to 3,000 articles, 6
  letters or more (retraites, incendie); and ``RUSSIAN`` names with a Slavic ending
  (-ov, -ev, -enko..., or -ine after ou, tch or kh) whose English spelling differs, in 3
  articles or more, drawn apart. A word is a run of letters: "Champs-Élysées" is two.
- Each is typed in up to five ways (``typed_forms``): ``english``, a Russian name's
  English transliteration (the reverse of ``lexicon.NAME_RULES``: ou -> u, tch -> ch,
  ch -> sh, dj -> j, -ine -> -in: Poutine -> Putin, Loukachenko -> Lukashenko), for names
  with a Slavic ending; ``typo1``, one edit (a letter replaced, dropped, added, or two
  neighbours swapped, never the first); ``typo2``, two edits, from 9 letters;
  ``no_accent``, the accents dropped; ``in_context``, a name's first name (the capital
  word that precedes it in 30 % of its uses at least) and the name with one edit
  ("Emmanuel Macorn"). A typed form that is itself a word of 3 articles or more is
  another query, not a misspelling, and is left out. ``as_written`` is the control.

For each query, ``core.search`` (the path of the API and the page) answers its first 100
hits; a hit is right when its title or text holds the intended word or a true variant:
a word of the same stem, or of the same transliteration key (``lexicon.name_key``:
Philippe / Phillipe, Poutine / Putin). The table gives, by way of typing: queries; the
precision, the mean share of right hits over queries with hits, on the first page (10
hits, what a reader sees: partial matches of a query of two words count, as "Vladimir"
alone for "Vladimir Kouznetsuv") and on the full matches (the hits that hold every word
as typed or corrected, where spelling help acts); queries with no hit; and "Vouliez-vous
dire": how often it proposes anything, and the intended word (for the control, every
proposal is a false alarm).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.relevance import CACHE, DATA, build_product, revision
from indexer.analysis import analyze_words, fold, stem, word_terms
from service.config import load_config
from service.search import core
from service.search.lexicon import name_key
from service.search.models import SearchRequest
from service.search.settings import Settings

NEWS = "news-fr.jsonl.gz"
SEED = 19
DEPTH = 100  # hits read per query
PAGE = 10  # the first page, as the API and the page show it by default
WORD = re.compile(r"[^\W\d_]+")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Russian names: a Slavic ending, or -ine after a French transliteration (Poutine,
# Pouchkine; not Caroline or Palestine).
SLAVIC = re.compile(r"(ov|ev|enko|ski|sky|vitch|ovna|ova|eva)$|(ou|tch|kh).*[^ae]ine$")
ENGLISH_RULES = {"chtch": "shch", "tch": "ch", "ch": "sh", "dj": "j", "ou": "u"}  # one pass
ENGLISH = re.compile("|".join(ENGLISH_RULES))
RUSSIAN = 40  # names with a Slavic ending, drawn apart: too few among the others
WAYS = ("as_written", "english", "typo1", "typo2", "no_accent", "in_context")


@dataclass(frozen=True)
class Query:
    """A query as typed, the intended word (as the archive writes it) and the way."""

    text: str
    intended: str
    way: str


# --- the intended words --------------------------------------------------------------


@dataclass
class Usage:
    """How the archive writes one folded word: its forms, in how many articles, and the
    capital words right before it."""

    forms: Counter
    docs: int = 0
    before: Counter | None = None


def read_usage(path: Path) -> dict[str, Usage]:
    """Every folded word of the archive's titles and texts: its written forms, its
    document frequency and the capital words that precede it."""
    usage: dict[str, Usage] = defaultdict(lambda: Usage(Counter(), 0, Counter()))
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            words = WORD.findall(f"{doc.get('title') or ''}\n{doc['text']}")
            seen = set()
            for previous, word in zip(["", *words], words, strict=False):
                key = fold(word)
                entry = usage[key]
                entry.forms[word] += 1
                if previous[:1].isupper() and word[:1].isupper():
                    entry.before[previous] += 1
                if key not in seen:
                    entry.docs += 1
                    seen.add(key)
    return usage


def intended_words(usage: dict[str, Usage], names: int, words: int, seed: int):
    """(names, words, Russian names) drawn by the rules of the module docstring, as the
    archive writes them, in a seeded order."""
    found_names, found_words, russian = [], [], []
    for key, entry in sorted(usage.items()):
        total = sum(entry.forms.values())
        if not (3 <= entry.docs <= 3000) or not key.isalpha():
            continue
        if word_terms(key) is None:
            continue  # a stop word: never searched
        capital = sum(n for form, n in entry.forms.items() if form[:1].isupper())
        written = entry.forms.most_common(1)[0][0]
        is_name = len(key) >= 5 and capital >= 0.95 * total and not written.isupper()
        if is_name and english(written):
            russian.append(written)
        if entry.docs < 30:
            continue
        if is_name:
            found_names.append(written)
        elif len(key) >= 6 and total - capital >= 0.9 * total:
            found_words.append(written.lower())
    rng = random.Random(seed)
    return (
        rng.sample(found_names, min(names, len(found_names))),
        rng.sample(found_words, min(words, len(found_words))),
        rng.sample(russian, min(RUSSIAN, len(russian))),
    )


# --- typing them as people do --------------------------------------------------------


def english(name: str) -> str | None:
    """A Russian name's English transliteration: 'Poutine' -> 'Putin'; None if not one."""
    word = fold(name)
    if not SLAVIC.search(word) or "sh" in word or name != name.capitalize():
        return None  # not Russian, already English (Shevchenko), or not a name (YouGov)
    word = ENGLISH.sub(lambda m: ENGLISH_RULES[m.group()], word)
    word = re.sub(r"(?<=[^ae]in)e$", "", word)
    return None if word == fold(name) else word.capitalize()


def with_typos(word: str, edits: int, rng: random.Random) -> str:
    """``word`` with ``edits`` edits, never on its first letter, case kept at the start."""
    letters = list(word.lower())
    for _ in range(edits):
        at = rng.randrange(1, len(letters))
        kind = rng.choice(("replace", "drop", "add", "swap"))
        if kind == "replace":
            letters[at] = rng.choice(LETTERS.replace(letters[at], ""))
        elif kind == "drop" and len(letters) > 3:
            del letters[at]
        elif kind == "swap" and at < len(letters) - 1 and letters[at] != letters[at + 1]:
            letters[at], letters[at + 1] = letters[at + 1], letters[at]
        else:
            letters.insert(at, rng.choice(LETTERS))
    typed = "".join(letters)
    return typed.capitalize() if word[:1].isupper() else typed


def no_accent(word: str) -> str | None:
    """The word with its accents dropped, case kept; None if it has none."""
    plain = "".join(fold(c) if c.lower() != c.upper() or fold(c) else c for c in word)
    plain = "".join(p.upper() if c.isupper() else p for c, p in zip(word, plain, strict=False))
    return plain if plain.lower() != word.lower() and len(plain) == len(word) else None


def first_name(name: str, usage: dict[str, Usage]) -> str | None:
    """The capital word before ``name`` in 30 % of its uses at least: 'Macron' -> 'Emmanuel'."""
    entry = usage.get(fold(name))
    if not entry or not entry.before:
        return None
    word, n = entry.before.most_common(1)[0]
    return word if n >= 0.3 * sum(entry.forms.values()) and len(word) > 2 else None


def typed_forms(word: str, usage: dict[str, Usage], seed: int) -> Iterable[Query]:
    """The ways of typing ``word`` (module docstring), each seeded by the word itself."""
    rng = random.Random(f"{seed}:{word}")
    yield Query(word, word, "as_written")
    if word[:1].isupper() and (form := english(word)):
        yield Query(form, word, "english")
    if len(word) >= 5:
        yield Query(with_typos(word, 1, rng), word, "typo1")
    if len(word) >= 9:
        yield Query(with_typos(word, 2, rng), word, "typo2")
    if form := no_accent(word):
        yield Query(form, word, "no_accent")
    if word[:1].isupper() and (first := first_name(word, usage)):
        yield Query(f"{first} {with_typos(word, 1, rng)}", word, "in_context")


def queries_of(usage: dict[str, Usage], names: int, words: int, seed: int) -> list[Query]:
    """Every query of the run: the typed forms of the intended words, misspellings that
    are words of the archive (3 articles or more) left out."""
    chosen_names, chosen_words, russian = intended_words(usage, names, words, seed)
    out = []
    for word in dict.fromkeys(chosen_names + russian + chosen_words):
        for query in typed_forms(word, usage, seed):
            last = fold(query.text.split()[-1])
            known = usage.get(last)
            if query.way != "as_written" and last != fold(word) and known and known.docs >= 3:
                continue
            out.append(query)
    return out


# --- measuring -----------------------------------------------------------------------


def is_right(text: str, intended: str) -> bool:
    """Whether a text holds the intended word or a true variant (same stem, same key)."""
    word = fold(intended)
    target_stem, target_key = stem(word), name_key(word)
    return any(s == target_stem or name_key(e) == target_key for e, s, _, _ in analyze_words(text))


@dataclass(frozen=True)
class Answer:
    way: str
    text: str
    intended: str
    right: list[bool]  # each of the first DEPTH hits: does it hold the intended word?
    all_terms: int  # how many results hold every word (as typed or corrected)
    total: int
    suggestion: str | None

    @property
    def proposes_intended(self) -> bool:
        last = (self.suggestion or "").split()[-1:] or [""]
        return fold(last[0]) == fold(self.intended)

    def precision(self, hits: int) -> float | None:
        """The share of right hits among the first ``hits`` (None without any)."""
        shown = self.right[:hits]
        return sum(shown) / len(shown) if shown else None


def answer(snapshot, settings: Settings, query: Query) -> Answer:
    """The query through ``core.search``: which of its first hits are right."""
    params = {"q": query.text, "per_page": str(DEPTH)}
    result = core.search(snapshot, SearchRequest.from_params(params, settings), settings)
    articles = snapshot.engine.fetch([hit.id for hit in result.hits])
    right = [a is not None and is_right(f"{a.title}\n{a.text}", query.intended) for a in articles]
    return Answer(
        query.way,
        query.text,
        query.intended,
        right,
        result.all_terms_total or 0,
        result.total,
        result.suggestion,
    )


def summary(answers: Sequence[Answer]) -> list[dict]:
    """One row per way of typing: precision on the first page (what a reader sees) and
    on the full matches (where spelling help acts), queries without hits, suggestions."""
    rows = []
    for way in WAYS:
        mine = [a for a in answers if a.way == way]
        if not mine:
            continue
        page = [p for a in mine if (p := a.precision(PAGE)) is not None]
        full = [p for a in mine if (p := a.precision(min(a.all_terms, DEPTH))) is not None]
        rows.append(
            {
                "way": way,
                "queries": len(mine),
                "precision_page": statistics.fmean(page) if page else 0.0,
                "precision_full": statistics.fmean(full) if full else 0.0,
                "no_hit": sum(1 for a in mine if not a.right),
                "suggested": sum(1 for a in mine if a.suggestion),
                "suggests_intended": sum(a.proposes_intended for a in mine),
            }
        )
    return rows


def format_rows(rows: Sequence[dict]) -> str:
    """The table as fixed-width text."""
    head = "way          queries  page 1  full matches  no hit  suggestion  = intended"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['way']:<12} {r['queries']:>7}  {r['precision_page']:>6.3f}"
            f"  {r['precision_full']:>12.3f}  {r['no_hit']:>6}  {r['suggested']:>10}"
            f"  {r['suggests_intended']:>10}"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.spelling", description=__doc__.split("\n")[0])
    p.add_argument("--engine", default="tantivy", choices=("whoosh", "tantivy"))
    p.add_argument("--names", type=int, default=150)
    p.add_argument("--words", type=int, default=150)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--json", action="store_true", help="every answer, and the table, as JSON")
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--cache", type=Path, default=CACHE)
    p.add_argument("--rebuild", action="store_true")
    return p.parse_args(argv)


def news_corpus(data: Path, cache: Path) -> Path:
    """A folder with a hard link to the news archive (a symbolic link out of the corpus
    is not indexed: ``indexer.sources``), a copy across file systems."""
    folder = cache / "corpus" / "news"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / NEWS
    if link.is_symlink():
        link.unlink()
    if not link.exists():
        try:
            os.link((data / NEWS).resolve(), link)
        except OSError:
            shutil.copyfile(data / NEWS, link)
    return folder


def main(argv: Sequence[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    if not (args.data / NEWS).is_file():
        raise SystemExit(f"missing {args.data / NEWS}: see ../shared/data/README.md")
    index, _ = build_product(
        news_corpus(args.data, args.cache), args.cache, args.engine, args.rebuild
    )
    usage = read_usage(args.data / NEWS)
    queries = queries_of(usage, args.names, args.words, args.seed)
    snapshot, settings = index.current(), Settings.from_config(load_config())
    answers = [answer(snapshot, settings, q) for q in queries]
    rows = summary(answers)
    if args.json:
        print(
            json.dumps(
                {"revision": revision(), "rows": rows, "answers": [asdict(a) for a in answers]},
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        print(format_rows(rows))
        print(f"revision {revision()}, engine {args.engine}, seed {args.seed}")
    return rows


if __name__ == "__main__":
    main()
