"""The postgres engine's tables, in one PostgreSQL schema per index, and their format.

    matches    one narrow row per article: its ``seq`` and id, the date number and
               countries the filters and facets read, and the ``lexemes`` tsvector that a
               GIN index matches queries against (stored in the TOAST table, read only to
               check a phrase)
    articles   one row per article, same ``seq``: the stored article (title, body, url,
               date, countries, source) and what BM25 reads per document (stem and word
               ids, term frequencies, field lengths), the title's phrases and the bands
    stems      stem -> id, and its document frequency in the title and in the body
    words      folded word -> id, its document frequency (the lexicon) and the generation
               that last changed it (what a reader that holds an older one reloads)
    phrases    title phrase ("2:notre_dame", ``indexer.written``) -> id, its document
               frequency: what phrase completion offers, most frequent first
    bands      near-copy band ("3:9f2c01aa", ``indexer.copies``) -> the number of live
               articles that have it: those in two or more are ``copy_candidates``
    changed    the ids of the articles each commit added, replaced or removed (what a
               reader updates of what it derived from an earlier commit: near-copy groups)
    stats      one row: the number of articles and the summed field lengths (BM25's N and
               average lengths), kept by the same transactions that write articles, and
               the generation: a number each of them raises (what a cache keys on)
    meta       the format of these tables (``FORMAT``)

Why two tables: a search counts and facets *every* match, and ranks a few of them. An
article's row with its scoring arrays is 2.4 kB (compressed in the row), three to a page;
counting the 68,553 matches of "macron" among 341,600 articles visited 48,813 pages of
them (288 ms). ``matches`` holds 60 rows a page: the same count visits 5,586 (94 ms). Only
the ranked matches are looked up in ``articles`` by ``seq`` (BENCHMARKS.md, run 15).

Column order in ``articles`` puts the fixed-width columns and the small arrays BM25 reads
first: a row's later columns are found by walking the earlier ones. Its columns but the
title and the body are stored ``MAIN`` (compressed in the row): a row is past 2 kB with
its scoring arrays, and PostgreSQL would otherwise move its small columns to the TOAST
table as well. The title and the body live in the TOAST table, read to show an article.

The frequency tables leave a fifth of each page free (``fillfactor``), so that updating a
frequency rewrites the row in its page without touching the indexes (a HOT update).

Every statement names its tables through ``Tables``, so one database holds any number of
indexes side by side (each full build makes one; see ``connections``).
"""

from __future__ import annotations

import secrets

from psycopg import Connection, sql

# Raise it when a change makes older tables unreadable (and they are rebuilt). 3: French
# terms stemmed before folding, stop words checked as written (indexer.analysis); 4: words
# as written, title phrases, near-copy bands and ids as lexemes, the phrases and changed
# tables (indexer.written, indexer.copies); 5: the matches table, pairs of stems as
# lexemes (rows.pair_lexeme).
FORMAT = 5
EXTENSIONS = ("intarray",)  # idx(): a term's place in a document's id array, in C
SCHEMA_PREFIX = "search_"
TABLES = ("meta", "stats", "stems", "words", "phrases", "bands", "changed", "articles", "matches")

_DDL = """
CREATE SCHEMA {schema};
CREATE TABLE {meta} (format int NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE {stats} (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    docs bigint NOT NULL DEFAULT 0,
    len_title bigint NOT NULL DEFAULT 0,
    len_body bigint NOT NULL DEFAULT 0,
    len_exact bigint NOT NULL DEFAULT 0,
    generation bigint NOT NULL DEFAULT 0  -- + 1 by every commit that changed articles
);
CREATE TABLE {stems} (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stem text COLLATE "C" NOT NULL UNIQUE,
    df_title int NOT NULL DEFAULT 0,
    df_body int NOT NULL DEFAULT 0
) WITH (fillfactor = 80);
CREATE TABLE {words} (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    word text COLLATE "C" NOT NULL UNIQUE,
    df int NOT NULL DEFAULT 0,
    changed bigint NOT NULL DEFAULT 0  -- the generation that last changed df
) WITH (fillfactor = 80);
CREATE TABLE {phrases} (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phrase text COLLATE "C" NOT NULL UNIQUE,
    df int NOT NULL DEFAULT 0
) WITH (fillfactor = 80);
CREATE TABLE {bands} (
    band text COLLATE "C" PRIMARY KEY,
    df int NOT NULL
) WITH (fillfactor = 80);
CREATE TABLE {changed} (
    commit_number bigint NOT NULL,
    id text NOT NULL,
    PRIMARY KEY (commit_number, id)
);
CREATE TABLE {articles} (
    seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,  -- insertion order: breaks ties
    date int NOT NULL,                 -- YYYYMMDD, 00 for unknown parts, 0 when undated
    len_title int NOT NULL,
    len_body int NOT NULL,
    len_exact int NOT NULL,
    countries text[] NOT NULL,
    stem_ids int[] NOT NULL,
    tf_title smallint[] NOT NULL,
    tf_body smallint[] NOT NULL,
    word_ids int[] NOT NULL,
    phrase_ids int[] NOT NULL,         -- the title's phrases (``indexer.written``)
    bands text[] NOT NULL,             -- near-copy bands (``indexer.copies``), in order
    id text NOT NULL UNIQUE,
    source text NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    url text,
    date_value text,
    date_precision text,
    date_source text
);
ALTER TABLE {articles} ALTER countries SET STORAGE MAIN, ALTER stem_ids SET STORAGE MAIN,
    ALTER tf_title SET STORAGE MAIN, ALTER tf_body SET STORAGE MAIN,
    ALTER word_ids SET STORAGE MAIN, ALTER phrase_ids SET STORAGE MAIN,
    ALTER bands SET STORAGE MAIN, ALTER id SET STORAGE MAIN, ALTER source SET STORAGE MAIN,
    ALTER url SET STORAGE MAIN, ALTER date_value SET STORAGE MAIN,
    ALTER date_precision SET STORAGE MAIN, ALTER date_source SET STORAGE MAIN;
CREATE TABLE {matches} (
    seq bigint PRIMARY KEY,            -- the article's in ``articles``
    date int NOT NULL,
    countries text[] NOT NULL,
    id text NOT NULL,
    lexemes tsvector NOT NULL
);
ALTER TABLE {matches} ALTER countries SET STORAGE MAIN, ALTER id SET STORAGE MAIN;
CREATE INDEX ON {articles} (source);
CREATE INDEX ON {words} (changed);
INSERT INTO {stats} DEFAULT VALUES;
"""
# What searches read the matches by, and nothing that writes needs: a full import builds
# them once its rows are in (``create_tables(indexes=False)``, then ``create_indexes``).
_SEARCH_INDEXES = """
CREATE INDEX ON {matches} USING gin (lexemes);
CREATE INDEX ON {matches} USING gin (countries);
CREATE INDEX ON {matches} (date, seq);
CREATE INDEX ON {matches} (id)
"""
# What an index build may use (PostgreSQL's default: 64 MB): a GIN build gathers entries
# in it and writes them out each time it is full; fewer, larger writes.
BUILD_MEMORY = "256MB"


class Tables:
    """The qualified names of one index's tables: ``tables.articles`` -> "search_ab12".articles."""

    def __init__(self, schema: str):
        self.schema = schema
        ident = sql.Identifier(schema)
        self.names = {"schema": ident}
        for table in TABLES:
            self.names[table] = sql.Identifier(schema, table)

    def __getattr__(self, table: str) -> sql.Identifier:
        try:
            return self.names[table]
        except KeyError:
            raise AttributeError(table) from None

    def sql(self, template: str, **extra: sql.Composable) -> sql.Composed:
        """A statement with ``{articles}``, ``{stems}``... replaced by this index's tables
        (and other ``{names}`` by ``extra``)."""
        return sql.SQL(template).format(**self.names, **extra)


def new_schema_name() -> str:
    """A fresh schema name for a new index."""
    return SCHEMA_PREFIX + secrets.token_hex(6)


def create_tables(conn: Connection, tables: Tables, indexes: bool = True) -> None:
    """Create an index's schema and tables (and the extensions they need), in one
    transaction; without the search indexes when ``indexes`` is false (a full import's
    tables, which ``create_indexes`` completes)."""
    with conn.transaction():
        _create_extensions(conn)
        for statement in _DDL.strip().split(";\n"):
            conn.execute(tables.sql(statement))
        if indexes:
            _create_search_indexes(conn, tables)
        conn.execute(tables.sql("INSERT INTO {meta} (format) VALUES (%s)"), (FORMAT,))


def create_indexes(conn: Connection, tables: Tables) -> None:
    """Build the search indexes of tables made without them, in the caller's transaction
    (a full import's writer: they commit with its rows). Built from the rows at once, the
    GIN index costs less than the inserts spent keeping it (100,000 articles: 649 -> 442 s
    an import, the index the same size; BENCHMARKS.md, run 16)."""
    conn.execute(sql.SQL("SET LOCAL maintenance_work_mem = {}").format(sql.Literal(BUILD_MEMORY)))
    _create_search_indexes(conn, tables)


def _create_search_indexes(conn: Connection, tables: Tables) -> None:
    for statement in _SEARCH_INDEXES.strip().split(";\n"):
        conn.execute(tables.sql(statement))


def _create_extensions(conn: Connection) -> None:
    # Two builds creating the extension at once: the loser's unique violation is harmless,
    # the lock taken first makes it wait for the winner instead.
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('search extensions'))")
    for name in EXTENSIONS:
        conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))


def table_format(conn: Connection, tables: Tables) -> int | None:
    """The format an index's tables were written in; None when the schema is gone."""
    found = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL", (f'"{tables.schema}".meta',)
    ).fetchone()
    if not found or not found[0]:
        return None
    row = conn.execute(tables.sql("SELECT max(format) FROM {meta}")).fetchone()
    return row[0] if row else None


def drop_tables(conn: Connection, tables: Tables) -> None:
    """Remove an index's schema and everything in it."""
    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(tables.schema)))
