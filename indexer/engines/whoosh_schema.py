"""The Whoosh schema, and the tokenizer that hands it terms our French analysis made.

Whoosh analyses a field's text with the field's analyzer. Ours runs before, once per
article for every field (``fields.article_fields``), so the text fields' analyzer is a
``PreAnalyzedTokenizer`` that indexes a list of terms as given; a plain string still goes
through ``indexer.analysis``, so a field stays usable on its own (Whoosh's own query
parser, a test). The only Whoosh-specific part of the analysis lives here.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh import columns
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from ..analysis import analyze


class PreAnalyzedTokenizer(Tokenizer):
    """Index terms already analysed: ["chinois", "relat"] -> two tokens.

    Positions are consecutive, as stop words leave no gap. A string is analysed
    (``indexer.analysis.analyze``): stems, or the exact terms if not ``stemmed``.
    """

    def __init__(self, stemmed: bool = True):
        self.stemmed = stemmed

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.stemmed == self.stemmed

    def __call__(
        self, value, positions=False, chars=False, removestops=True, start_pos=0, mode="", **kw
    ) -> Iterator[Token]:
        if isinstance(value, str):
            value = analyze(value, stemmed=self.stemmed)
        t = Token(positions, chars, removestops=removestops, mode=mode, **kw)
        for pos, term in enumerate(value, start_pos):
            t.text, t.boost, t.stopped = term, 1.0, False
            if positions:
                t.pos = pos
            yield t


def make_schema() -> Schema:
    """The Whoosh schema: searchable fields, stored article, facet columns."""
    fr, exact = PreAnalyzedTokenizer(stemmed=True), PreAnalyzedTokenizer(stemmed=False)
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        source=ID(stored=True),
        title=TEXT(analyzer=fr, phrase=True),  # weights are applied per query
        body=TEXT(analyzer=fr, phrase=True),
        exact=TEXT(analyzer=exact, phrase=False),
        # Words as written and the title's phrases (``indexer.written``), near-copy bands
        # (``indexer.copies``), also in a column: read for every article at once.
        written=KEYWORD(lowercase=False, scorable=False),
        phrases=KEYWORD(lowercase=False, scorable=False),
        copyband=KEYWORD(lowercase=False, scorable=False),
        copyband_col=COLUMN(columns.VarBytesColumn()),
        text=STORED(),
        meta=STORED(),  # title, url, date value/precision/source
        date=ID(sortable=True),  # date key, "YYYY-MM-DD" with 00 for unknown parts
        country=KEYWORD(stored=True, lowercase=False, scorable=False),
        country_col=COLUMN(columns.VarBytesColumn()),
    )
