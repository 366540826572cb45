"""The indexer library: documents in, an index out, and the index read back.

It takes explicit arguments and reads no configuration; ``service`` drives it, and it
never imports ``service``. Nothing happens at import: each module is loaded when used.

    analysis       the French analyzer (no engine imported)
    sources        .txt / .jsonl(.gz) -> drafts and articles; bad input -> file:line: reason
    dates, countries, markup, articles, runs, wordvectors, dense
    engines/       one interface, the Whoosh and tantivy engines, the query tree
    pipeline       drafts -> what a writer adds, in worker processes for a big build
    ingest         source files -> an engine's writer, with signatures, words and bags
    build          a full build: a new generation, swapped in atomically
    update         changes in place: the corpus reconciled, API writes, recovery
    catalog        a generation's sources, vocabulary, later vectors and commits (SQLite)
    store          generations on disk, CURRENT, the build lock
    live           the live index as readers see it: one generation, one commit
"""
