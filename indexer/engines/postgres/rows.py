"""An article as the postgres engine stores it: analysed in Python, one row of ``articles``.

Our French analysis decides the terms, as for the other engines (``fields.article_fields``:
each distinct run of text analysed once, each word through ``analysis.word_terms``);
PostgreSQL's text configurations never see the text. The row carries the terms twice, for two jobs:

- matching: one ``tsvector`` whose lexemes are the terms tagged by field, written as a
  ``tsvector`` literal (its input parser applies no dictionary)::

      title "La Chine", body "Pékin et la Chine"
      -> 'tchin':1  'bpekin':1  'bchin':2  'xchine'  'xpekin'

  ``t``/``b``: title and body stems, with positions (kept words numbered from 1, stop
  words leaving no gap, as in the other engines) for phrases; ``x``: the exact terms of
  both (the exact field), without positions. One GIN index answers a whole query tree.
  ``h``: the stems that weigh in this article (``is_weighty``), the first cut of a search
  with many matches (``view``). ``pt``/``pb``: each pair of stems that follow each other
  in the title or the body ("pbgilet jaun", ``pair_lexeme``), without positions: a
  phrase of two words is then one lexeme that the GIN index answers exactly, where a
  test of positions (``<->``) reads each candidate's tsvector back from the TOAST table
  (15 us each; "gilets jaunes", 22,761 matches of 341,600 articles: 950 ms a search).
  Longer phrases ask for their pairs too, and check positions only where all are.
  Without positions too, for the query tree's sets of documents (``querytree.Written``,
  ``Bands``, ``Ids``): ``w``, the words as written (``indexer.written``: "elysée");
  ``c``, the near-copy bands (``indexer.copies``); ``i``, the article's id
  (``set_lexeme``).
- scoring: each distinct stem's term frequency in the title and in the body, and the set
  of folded words, as parallel arrays that the writer turns into term ids (BM25 looks a
  term up in a document with intarray's ``idx``, 0.2 µs, where reading the ``tsvector``
  back costs a detoast of 4 kB).
- counting: the title's phrases (``indexer.written``), ids in the writer too, whose
  document frequencies completion reads; the near-copy bands as text, whose counts the
  writer keeps in the ``bands`` table (``copy_candidates`` reads those in two articles).

PostgreSQL keeps at most 256 positions per lexeme and clamps positions past 16,383: a
phrase past the 16,383rd kept word of a body (about 100,000 characters) may be missed.
Term frequencies are exact (up to 32,767).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from itertools import chain
from typing import NamedTuple

from ...articles import Article, ArticleDate
from .. import querytree as qt
from ..fields import article_fields

TITLE, BODY, EXACT, WEIGHTY = "t", "b", "x", "h"  # the tags of lexemes
PAIR = "p"  # then TITLE or BODY: two stems that follow each other there (pair_lexeme)
WRITTEN, BAND, ID = "w", "c", "i"  # the tags of lexemes without positions (set_lexeme)
# A stem weighs in an article when it is in its title, or when its BM25 term weight in
# the body, tf / (tf + k1 (1 - b + b len / REFERENCE_LENGTH)), reaches WEIGHT: 5 times
# in a body of average length, twice in one of a sixth of it. Of the 16,805 news articles
# with "franc", 3,591 (0.6: 9,670; 0.7: 6,635); of the 6,692 with "gouvern", 587.
WEIGHT = 0.8
REFERENCE_LENGTH = 200  # kept words in a news body, on average (201 for the 34,160)
K1, B = 1.2, 0.75
MAX_POSITIONS = 256  # positions PostgreSQL keeps per lexeme
MAX_LEXEME_BYTES = 2046  # a longer lexeme is refused by the tsvector parser: not indexed
MAX_TF = 32_767  # smallint
NO_DATE = 0  # the date number of an undated article: sorts after every real date


class Prepared(NamedTuple):
    """An article analysed for the ``articles`` table (``prepare``), picklable."""

    id: str
    source: str
    title: str
    body: str
    url: str | None
    date_value: str | None
    date_precision: str | None
    date_source: str | None
    countries: tuple[str, ...]
    date: int  # date_number
    lexemes: str  # the tsvector literal
    stems: tuple[str, ...]  # distinct stems of title and body
    tf_title: tuple[int, ...]  # per stem
    tf_body: tuple[int, ...]
    words: tuple[str, ...]  # distinct folded words
    phrases: tuple[str, ...]  # the title's runs of two and three words (indexer.written)
    bands: tuple[str, ...]  # near-copy bands (indexer.copies)
    len_title: int  # kept words, as the other engines count a field's length
    len_body: int
    len_exact: int


def date_number(key: str) -> int:
    """A date key as a sortable number: '2021-06-00' -> 20210600 ('' -> NO_DATE)."""
    return int(key.replace("-", "")) if key else NO_DATE


def prepare(a: Article) -> Prepared:
    """Analyse an article for its row: the costly part of adding it, done in Python."""
    fields = article_fields(a)
    title, body, words = fields.title, fields.body, fields.exact
    tf_title, tf_body = Counter(title), Counter(body)
    distinct = list(dict.fromkeys(chain(title, body)))
    distinct_words = tuple(dict.fromkeys(words))
    heavy = weighty(tf_title, tf_body, len(body))
    sets = {WRITTEN: dict.fromkeys(fields.written), BAND: fields.bands}
    d = a.date
    return Prepared(
        a.id,
        a.source,
        a.title,
        a.text,
        a.url,
        *((d.value, d.precision, d.source) if d else (None, None, None)),
        a.countries,
        date_number(qt.date_key(d.value)) if d else NO_DATE,
        lexemes(title, body, distinct_words, heavy, {**sets, ID: [a.id]}),
        tuple(distinct),
        tuple(min(tf_title[s], MAX_TF) for s in distinct),
        tuple(min(tf_body[s], MAX_TF) for s in distinct),
        distinct_words,
        tuple(fields.phrases),
        sets[BAND],
        len(title),
        len(body),
        len(words),
    )


def lexemes(title: list[str], body: list[str], words: tuple[str, ...], heavy=(), sets=None) -> str:
    """The tsvector literal of a document's terms: "'tchin':1 'bchin':2,5 'xchine' 'hchin'";
    ``sets``: tag -> the terms of that tag, without positions (``WRITTEN``, ``BAND``, ``ID``)."""
    parts = [_positioned(TITLE, title), _positioned(BODY, body)]
    parts += [_pairs(TITLE, title), _pairs(BODY, body)]
    parts.extend(quote(EXACT + w) for w in words if fits(w))
    parts.extend(quote(WEIGHTY + s) for s in heavy if fits(s))
    for tag, terms in (sets or {}).items():
        parts.extend(quote(set_lexeme(tag, term)) for term in terms)
    return " ".join(filter(None, parts))


def set_lexeme(tag: str, term: str) -> str:
    """The lexeme of a term without positions: the tag, then the term, or its SHA-1 when
    it is too long to be one (an id of 2,000 bytes is still found by ``Ids``)."""
    if fits(term):
        return tag + term
    return tag + "#" + hashlib.sha1(term.encode("utf-8", "surrogatepass")).hexdigest()


def pair_lexeme(tag: str, first: str, second: str) -> str | None:
    """The lexeme of two stems that follow each other in a field (``TITLE``, ``BODY``);
    None when it is too long to be one (the phrase is then checked by positions)."""
    lexeme = f"{PAIR}{tag}{first} {second}"
    return lexeme if fits(lexeme[1:]) else None


def _pairs(tag: str, terms: list[str]) -> str:
    lexemes = (
        pair_lexeme(tag, a, b) for a, b in dict.fromkeys(zip(terms, terms[1:], strict=False))
    )
    return " ".join(quote(lexeme) for lexeme in lexemes if lexeme is not None)


def weighty(tf_title: Counter, tf_body: Counter, body_length: int) -> list[str]:
    """The stems that weigh in an article: in its title, or often enough in its body."""
    norm = K1 * (1 - B + B * body_length / REFERENCE_LENGTH)
    heavy = [s for s, tf in tf_body.items() if tf / (tf + norm) >= WEIGHT]
    return list(dict.fromkeys([*tf_title, *heavy]))


def _positioned(tag: str, terms: list[str]) -> str:
    positions: dict[str, list[str]] = {}
    for position, term in enumerate(terms, 1):
        positions.setdefault(term, []).append(str(position))
    return " ".join(
        f"{quote(tag + term)}:{','.join(found[:MAX_POSITIONS])}"
        for term, found in positions.items()
        if fits(term)
    )


def fits(term: str) -> bool:
    """Whether a term is short enough to be a lexeme (a tag byte is added to it)."""
    return len(term) < MAX_LEXEME_BYTES // 4 or len(term.encode("utf-8")) < MAX_LEXEME_BYTES


def quote(lexeme: str) -> str:
    """A lexeme quoted for a tsvector or tsquery literal: "aujourd'hui" -> "'aujourd''hui'"."""
    if "'" in lexeme or "\\" in lexeme:
        lexeme = lexeme.replace("\\", "\\\\").replace("'", "''")
    return f"'{lexeme}'"


def article_of(row: tuple) -> Article:
    """An Article from the stored columns (``engine.ARTICLE_COLUMNS``, in that order)."""
    doc_id, source, title, body, url, value, precision, date_source, countries = row
    return Article(
        id=doc_id,
        text=body,
        title=title,
        date=ArticleDate(value, precision, date_source) if value else None,
        url=url,
        countries=tuple(countries),
        source=source,
    )
