"""Articles like this one ("more like this"): an article's most distinctive words, ORed.

    similar(snapshot, SimilarRequest("004_….txt", limit=3)) -> SimilarResult(id, title, hits)

The words that best tell the article apart from the rest of the index (tf x idf, from
the snapshot's lexicon) are searched together; the article itself is left out, and so
are its wire copies (``copies``), which would otherwise come first. The
article page shows them as « Articles proches »; /api/documents/<id>/similar and
``search --similar`` answer with them.
"""

from __future__ import annotations

from indexer.analysis import stem
from indexer.engines import querytree as qt

from .core import DEFAULT_SETTINGS, document, make_hit
from .models import SimilarRequest, SimilarResult
from .plan import deadline_of
from .settings import Settings
from .snapshot import Snapshot, reads_index


@reads_index
def similar(
    snapshot: Snapshot, request: SimilarRequest, settings: Settings = DEFAULT_SETTINGS
) -> SimilarResult:
    """The articles nearest to ``request.id``; DocumentNotFound if there is no such id."""
    article = document(snapshot, request.id)  # its NFC id, as the index holds it
    words = snapshot.lexicon.distinctive(f"{article.title}\n{article.text}")
    tree = qt.Or(tuple(qt.Term(stem(w), w) for w in words)) if words else qt.MatchAll()
    engine = snapshot.engine
    itself = set(snapshot.copies.of.get(request.id, ())) | {request.id}
    limit = request.limit + len(itself)
    query = qt.EngineQuery(tree=tree, limit=limit, deadline=deadline_of(settings))
    found = engine.search(query)
    pairs = [(i, score) for i, score in found.hits if i not in itself][: request.limit]
    leaves = list(qt.positive_leaves(tree))
    hits = [
        make_hit(a, score, leaves, settings, False)
        for (_, score), a in zip(pairs, engine.fetch([i for i, _ in pairs]), strict=True)
        if a is not None
    ]
    return SimilarResult(article.id, article.title, hits)
