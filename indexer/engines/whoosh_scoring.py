"""The Whoosh engine's BM25: tantivy's, so that both engines rank alike.

Whoosh's BM25F already has the form of tantivy's BM25 (a sum over the fields, each
normalised by its own average length). Two details differ, and both are tantivy's here:

- the IDF, ln(1 + (N - df + 0.5) / (df + 0.5)) instead of log(N / (df + 1)) + 1
  (``LuceneBM25F``);
- the ``exact`` field counts a word once however often the article repeats it
  (``PresenceScorer``). The tantivy engine indexes that field without frequencies
  (``index_option="basic"``), so its BM25 reads a term frequency of 1 there; Whoosh
  stores the frequencies (the index is unchanged) and this scorer ignores them.

On the PIAF questions with the news as distractors (EVALUATION.md), the IDF moved MRR@10
from 0.671 to 0.677, and counting presence in ``exact`` from 0.677 to 0.687, R@10 0.801
-> 0.813, R@100 0.905 -> 0.910: a news article that repeats a question's common word
twenty times no longer outranks the paragraph that answers it.
"""

from __future__ import annotations

import math

from whoosh import scoring

PRESENCE_FIELDS = frozenset({"exact"})  # tantivy's "basic" fields: a term frequency of 1


class PresenceScorer(scoring.BM25FScorer):
    """BM25F with the term frequency taken as 1: the field's length still normalises."""

    def _score(self, weight: float, length: int) -> float:
        return super()._score(1.0, length)


class LuceneBM25F(scoring.BM25F):
    """BM25F with the IDF of Lucene and tantivy, and presence scoring on ``exact``.

    Whoosh's "+ 1" in its IDF gives a word in half of 34,160 articles a quarter of the
    weight of a word in 100 of them (1.69 against 6.82), where tantivy gives it an eighth
    (0.69 against 5.83).
    """

    def scorer(self, searcher, fieldname, text, qf=1):
        """Whoosh's scorer (a ``PresenceScorer`` on ``PRESENCE_FIELDS``); a BM25F one
        also gets its field's lengths as a float array (``lengths``, None without), for
        ``whoosh_matches`` to score blocks at once."""
        if fieldname in PRESENCE_FIELDS and searcher.schema[fieldname].scorable:
            scorer = PresenceScorer(searcher, fieldname, text, self.B, self.K1, qf=qf)
        else:
            scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, scoring.BM25FScorer):
            arrays = getattr(searcher.doc_field_length, "arrays", {})
            scorer.lengths = arrays.get(fieldname)
        return scorer

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        df, count = parent.doc_frequency(fieldname, text), parent.doc_count_all()
        return math.log(1 + (count - df + 0.5) / (df + 0.5))


WEIGHTING = LuceneBM25F(B=0.75, K1=1.2)  # tantivy's BM25 parameters
