"""The search core: requests in, results out, for every door alike.

It reads the index through one ``snapshot.Snapshot`` per request and imports
``indexer`` (analysis, engines, store), ``service.config`` and ``service.errors``; never
Flask, click, ``service.web``, ``service.cli`` nor ``service.corpus`` (an import contract
test holds it to that). Its rooms, in the order a query goes through them::

    models, params    SearchRequest.from_params(...) -> ... -> SearchResult.to_dict()
    core              search(snapshot, request, settings): plan, rank, rerank, fuse, page
    query             what was typed -> the engine-neutral query tree (synonyms too)
    spelling          typos and name variants widen the tree; "Vouliez-vous dire"
    lexicon           the index's vocabulary: corrections, name keys, completion
    tiers             as typed, with variants, then partial matches
    rerank, semantics proximity and meaning reorder the first hits
    hybrid            articles found by meaning join partial matches
    passages          highlighted windows of the original text
    match_kinds       why a hit matched, word by word (explain)
    wordforms         a folded word as the articles write it ("economie" -> "économie")
    completion        the word being typed and the titles it starts
    similar           articles like an article
    snapshot          one point-in-time view of the index per request
    settings          what the core takes from the configuration
"""
