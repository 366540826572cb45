"""Hybrid ranking: articles found by meaning (``indexer.dense``) among the partial matches.

A question typed in the asker's words may share no stem with the article that answers
it ("Combien de personnes sont mortes…" / "le bilan est de 12 décès"): no lexical tier
finds it. When a query falls back to partial matches (``tiers``), its first
``DEPTH`` hits are fused with the ``CANDIDATES`` articles nearest its vector (the
snapshot's ``vectors``, for an index of ``snapshot.MIN_VECTOR_ARTICLES`` or more):

- the lexical hits stay first as long as they hold every term, and at least the first
  ``KEPT`` do: full matches always rank first, and the first page of a question barely
  moves (MRR@10 on the PIAF questions unchanged);
- the places after them, up to ``DEPTH``, go by reciprocal-rank fusion (Elasticsearch's
  and Vespa's RRF, k = 60) of the lexical rank and the vector rank: an article high in
  both comes first, one found by a single side comes after;
- lexical hits pushed out of the first ``DEPTH`` follow, then the rest, in order: no
  match is lost.

Measured on the PIAF questions (EVALUATION.md): Recall@100 0.959 -> 0.971, MRR@10 and
Recall@10 unchanged; keeping fewer lexical hits first, or plain RRF, lost up to 0.19 MRR@10.
Only for queries sorted by relevance, without filters or exclusions: an article found by
meaning holds none of the words, so it could not be checked against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from indexer.engines import querytree as qt

from .models import SearchRequest
from .tiers import split

if TYPE_CHECKING:
    from indexer.dense_index import DenseIndex

DEPTH = 100  # the ranks the fusion fills
KEPT = 10  # lexical hits kept first, whatever the vectors say
# Nearest articles considered; R@100 with 300-dimension vectors, no floor: 200 0.9699,
# 300 0.9709, 500 0.9712.
CANDIDATES = 500
RRF_K = 60
MIN_COSINE = 0.1  # under it, unrelated (300 dimensions: R@100 0.9712 without, 0.9707 with)
MEANING_WEIGHT = 1.0  # of the vector rank in the fusion, against 1 for the lexical rank


def applies(request: SearchRequest, expanded: qt.Node) -> bool:
    """Whether a query's ranking takes articles found by meaning: several words that can
    fall back to partial matches, no exclusion, no filter, by relevance."""
    parts = split(expanded)
    return (
        parts is not None
        and not parts[1]
        and request.sort == "relevance"
        and not request.countries
        and not request.date_from
        and not request.date_to
    )


def nearest(dense: DenseIndex, vector) -> list[tuple[str, float]]:
    """The ``CANDIDATES`` articles nearest the query's vector, from ``MIN_COSINE`` up."""
    return [hit for hit in dense.nearest(vector, CANDIDATES) if hit[1] >= MIN_COSINE]


@dataclass(frozen=True)
class Fused:
    hits: list[tuple[str, float]]  # (id, score): BM25, or the cosine of one found by meaning
    by_meaning: frozenset[str]  # the ids found by meaning only
    added: int  # how many of them the ranking holds


def fuse(
    lexical: list[tuple[str, float]], all_terms: int, nearest: list[tuple[str, float]]
) -> Fused:
    """The lexical hits (best first; at least the first ``DEPTH`` of them, or all) with the
    ``nearest`` articles (``DenseIndex.nearest``) fused in."""
    kept = max(KEPT, all_terms)
    if kept >= DEPTH or not nearest:
        return Fused(lexical, frozenset(), 0)
    head = lexical[:kept]
    placed = {doc_id for doc_id, _ in head}
    scores: dict[str, float] = {}
    for rank, (doc_id, _) in enumerate(lexical[:DEPTH], 1):
        if doc_id not in placed:
            scores[doc_id] = 1 / (RRF_K + rank)
    lexical_ids = set(scores)
    for rank, (doc_id, _) in enumerate(nearest, 1):
        if doc_id not in placed:
            scores[doc_id] = scores.get(doc_id, 0.0) + MEANING_WEIGHT / (RRF_K + rank)
    order = sorted(scores, key=lambda doc_id: -scores[doc_id])[: DEPTH - len(head)]
    found = dict(lexical)
    cosine = dict(nearest)
    zone = [(d, found[d]) if d in lexical_ids else (d, cosine[d]) for d in order]
    placed.update(order)
    rest = [hit for hit in lexical if hit[0] not in placed]
    added = frozenset(order) - lexical_ids
    return Fused(head + zone + rest, added, len(added))
