"""Hybrid ranking: articles found by meaning (``indexer.dense``) among the partial matches.

A question typed in the asker's words may share no stem with the article that answers
it ("Combien de personnes sont mortes…" / "le bilan est de 12 décès"): no lexical tier
finds it. When a query falls back to partial matches (``tiers``), its first
``DEPTH`` hits are fused with the ``CANDIDATES`` articles nearest its vector (the
snapshot's ``vectors``, for an index of ``snapshot.MIN_VECTOR_ARTICLES`` or more):

- the lexical hits stay first as long as they hold every term, and at least the first
  ``KEPT`` do: full matches always rank first, and the first page of a question barely
  moves (MRR@10 on the PIAF questions unchanged);
- the other lexical hits of the first ``DEPTH``, and the articles among the first
  ``MEANING_RANKS`` by vector that hold none of the query's words, go by reciprocal-rank
  fusion (Elasticsearch's and Vespa's RRF, k = 60) of the lexical rank and the vector
  rank: an article high in both comes first, one found by a single side comes after;
- the lexical hits after the first ``DEPTH`` follow, in order: no match is lost, none
  comes twice, and the articles found by meaning are the same on every page and in
  every engine, so ``total`` (lexical matches plus them) and the facets are too.

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
# Nearest articles that may join by meaning alone: one found by meaning further down
# scores under every lexical hit of the first DEPTH in the fusion, so the first ranks are
# those of a fusion with all CANDIDATES, and the set is the same on every page.
MEANING_RANKS = DEPTH
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


def candidates(lexical: list[tuple[str, float]], nearest: list[tuple[str, float]]) -> list[str]:
    """The nearest articles that may join by meaning alone, if they hold none of the
    query's words: the first ``MEANING_RANKS`` by vector, not among the lexical ranks that
    the fusion reorders (the caller asks the engine which of them match the words)."""
    fused = {doc_id for doc_id, _ in lexical[:DEPTH]}
    return [doc_id for doc_id, _ in nearest[:MEANING_RANKS] if doc_id not in fused]


def fuse(
    lexical: list[tuple[str, float]],
    all_terms: int,
    nearest: list[tuple[str, float]],
    matched: frozenset[str] = frozenset(),
) -> Fused:
    """The lexical hits (best first; at least the first ``DEPTH`` of them, or all) with the
    ``nearest`` articles (``DenseIndex.nearest``) fused in; ``matched``: those of
    ``candidates`` that hold some of the query's words (lexical hits further down).

    Every candidate joins the fused ranks by its vector rank: one in ``matched`` is a
    lexical hit pulled up, and leaves its own rank further down; the others are found by
    meaning alone (``by_meaning``, counted in ``added``). The candidates and ``matched``
    are the same on every page and in every engine, so the ranks and the total are too,
    and no hit comes twice.
    """
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
    joining = set(candidates(lexical, nearest))
    for rank, (doc_id, _) in enumerate(nearest, 1):
        if doc_id in lexical_ids or doc_id in joining:
            scores[doc_id] = scores.get(doc_id, 0.0) + MEANING_WEIGHT / (RRF_K + rank)
    order = sorted(scores, key=lambda doc_id: -scores[doc_id])
    found = dict(lexical)
    cosine = dict(nearest)
    zone = [(d, found[d]) if d in found else (d, cosine[d]) for d in order]
    pulled = joining & matched  # lexical hits further down: their place is in the zone now
    rest = [hit for hit in lexical[max(kept, DEPTH) :] if hit[0] not in pulled]
    added = frozenset(order) - lexical_ids - matched
    return Fused(head + zone + rest, added, len(added))
