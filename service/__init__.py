"""The service: the search core and its three doors.

    config.py errors.py   leaves: the configuration, the SearchError family
    search/               the core (no Flask, no click): search(snapshot, request) -> result
    corpus/               the corpus folder and its index: builds, API writes
    web/                  the Flask app: JSON API, search page, OpenAPI
    cli/                  search, search-index, search-serve

Arrows point one way: web and cli -> search and corpus -> indexer; search and corpus
never import each other, web or cli (``tests/test_layers.py``).
"""
