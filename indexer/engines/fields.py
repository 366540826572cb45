"""An article's searchable fields, as every engine indexes them.

``title`` and ``body`` hold the stems of the kept words, in order (positions follow the
kept words, so stop words leave no gap: '"la Ceinture et la Route"' is the phrase
(ceintur, rout)); ``exact`` the exact terms of both, title first. The French analysis
(``indexer.written.run_terms``) runs once per distinct run of text (``indexer.runs``):
the article's countries were found on the same cut, and its vector reads it next.
"""

from __future__ import annotations

from itertools import chain
from typing import NamedTuple

from .. import copies, written
from ..articles import Article
from ..runs import cut
from ..written import views


class Fields(NamedTuple):
    """The terms of an article's searchable fields, in order, and what every engine also
    indexes beside them."""

    title: list[str]
    body: list[str]
    exact: list[str]
    written: list[str]  # the kept words as written (``indexer.written``)
    phrases: list[str]  # the title's runs of two and three words
    bands: tuple[str, ...]  # near-copy bands (``indexer.copies``)


def article_fields(article: Article) -> Fields:
    """The terms of an article's title, body and exact fields: "L’Azerbaïdjan et la
    Chine" -> Fields(["azerbaidjan", "chin"], [...], ["azerbaidjan", "chine", ...])."""
    texts = cut(article.title, article.text)
    stems, exacts, _, _ = views(texts)  # the columns ``written`` reads too
    title, body = texts.numbers
    return Fields(
        list(chain.from_iterable(map(stems.__getitem__, title))),
        list(chain.from_iterable(map(stems.__getitem__, body))),
        list(chain.from_iterable(map(exacts.__getitem__, chain(title, body)))),
        written.written_words(texts),
        written.phrases(texts),
        copies.bands(texts),
    )
