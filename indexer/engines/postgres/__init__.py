"""The postgres engine: a PostgreSQL server holds the index (and, later, the archive).

Our French analysis computes the terms in Python and stores them pre-analysed; PostgreSQL
matches them with a GIN index over a ``tsvector`` of field-tagged lexemes (no text
configuration of PostgreSQL is used), and ranks the matches with the same BM25 as the
other engines, in SQL over per-document term frequencies and a table of document
frequencies kept by the same transactions as the articles.

    rows.py         Article -> its row: lexemes, stems and term frequencies, words, lengths
    schema.py       the tables of one index, in a schema of their own; their format
    connections.py  where an index lives (the bridge file), one connection pool per server
    writer.py       transactions that add and delete articles and keep the frequencies
    querysql.py     query tree -> tsquery (matches) and a BM25 expression (scores)
    statement.py    the search statement: the page, the total and country/year/month counts
    view.py         one REPEATABLE READ snapshot: search, fetch, counts, lexicon
    engine.py       PostgresEngine, the Engine interface

It imports psycopg (3) and psycopg_pool, never another engine.
"""

from .engine import PostgresEngine

__all__ = ["PostgresEngine"]
