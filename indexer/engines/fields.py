"""An article's searchable fields, as every engine indexes them.

``title`` and ``body`` hold the stems of the kept words, in order (positions follow the
kept words, so stop words leave no gap: '"la Ceinture et la Route"' is the phrase
(ceintur, rout)); ``exact`` the exact terms of both, title first. The French analysis
(``indexer.analysis.kept_terms``) runs once per distinct run of text (``indexer.runs``):
the article's countries were found on the same cut, and its vector reads it next.
"""

from __future__ import annotations

from itertools import chain
from typing import NamedTuple

from ..analysis import kept_terms
from ..articles import Article
from ..runs import cut, per_run

# Two columns of the vocabulary: each run's stems, and its exact terms.
_TERMS = per_run(kept_terms)


class Fields(NamedTuple):
    """The terms of an article's searchable fields, in order."""

    title: list[str]
    body: list[str]
    exact: list[str]


def article_fields(article: Article) -> Fields:
    """The terms of an article's title, body and exact fields: "L’Azerbaïdjan et la
    Chine" -> Fields(["azerbaidjan", "chin"], [...], ["azerbaidjan", "chine", ...])."""
    texts = cut(article.title, article.text)
    stems, exacts = texts.vocabulary.columns(_TERMS, 2)
    title, body = texts.numbers
    return Fields(
        list(chain.from_iterable(map(stems.__getitem__, title))),
        list(chain.from_iterable(map(stems.__getitem__, body))),
        list(chain.from_iterable(map(exacts.__getitem__, chain(title, body)))),
    )
