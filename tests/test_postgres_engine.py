"""What only the postgres engine has: statistics kept by transactions, snapshots, a server
that can go away. (What every engine does is in test_engines.py, on all three.)"""

from __future__ import annotations

import pytest

from indexer.articles import Article
from indexer.engines import IndexCorrupt
from indexer.engines import querytree as qt
from indexer.engines.postgres import PostgresEngine, connections, querysql, view, writer
from indexer.engines.postgres.connections import Location, read_location
from tests.postgres_server import free_port

EVERYTHING = qt.EngineQuery(qt.MatchAll(), limit=100)


def article(doc_id: str, text: str, source: str = "s.jsonl") -> Article:
    return Article(doc_id, text, f"Titre {doc_id}", source=source)


@pytest.fixture
def engine(postgres_engine, tmp_path) -> PostgresEngine:
    eng = postgres_engine.create(tmp_path / "ix")
    yield eng
    eng.close()


def recounted(eng: PostgresEngine) -> dict:
    """The frequencies and stats recomputed from the rows, beside the kept ones."""
    with eng.pool.connection() as conn:
        kept = conn.execute(eng.tables.sql(
            "SELECT (SELECT array_agg(ARRAY[id, df_title, df_body] ORDER BY id) FROM {stems}"
            "        WHERE df_title > 0 OR df_body > 0),"
            "       (SELECT array_agg(ARRAY[id, df] ORDER BY id) FROM {words} WHERE df > 0),"
            "       (SELECT ARRAY[docs, len_title, len_body, len_exact] FROM {stats})"
        )).fetchone()  # fmt: skip
        counted = conn.execute(eng.tables.sql(
            "SELECT (SELECT array_agg(ARRAY[id, t, b] ORDER BY id) FROM ("
            "          SELECT u.id, count(*) FILTER (WHERE u.t > 0) t, count(*) FILTER "
            "          (WHERE u.b > 0) b FROM {articles} a,"
            "          unnest(a.stem_ids, a.tf_title, a.tf_body) u(id, t, b) GROUP BY u.id) s),"
            "       (SELECT array_agg(ARRAY[id, n] ORDER BY id) FROM ("
            "          SELECT u.id, count(*) n FROM {articles} a, unnest(a.word_ids) u(id)"
            "          GROUP BY u.id) w),"
            "       (SELECT ARRAY[count(*), coalesce(sum(len_title), 0), coalesce(sum(len_body),"
            "          0), coalesce(sum(len_exact), 0)] FROM {articles})"
        )).fetchone()  # fmt: skip
    return {"kept": kept, "counted": counted}


def test_frequencies_and_lengths_follow_every_write(engine):
    with engine.writer() as w:
        w.add([article("a", "La Chine et la Russie"), article("b", "Pékin, Chine", "t.txt")])
    with engine.writer() as w:
        w.add([article("a", "Le Brésil, la Chine")])  # replaces a
        w.delete_source("t.txt")
    w = engine.writer()
    w.add([article("c", "Une annulation")])
    w.cancel()
    counts = recounted(engine)
    assert counts["kept"] == counts["counted"]
    assert engine.doc_count() == 1
    assert engine.lexicon("") == [("bresil", 1), ("chine", 1), ("titre", 1)]


def test_a_large_write_vacuums_and_analyses(engine, monkeypatch):
    monkeypatch.setattr(writer, "MAINTAIN_AFTER", 3)
    with engine.writer() as w:
        w.add([article(f"n{i}", f"Nouvelle numéro {i}") for i in range(3)])
    with engine.pool.connection() as conn:
        analysed = conn.execute(
            "SELECT relname, last_analyze IS NOT NULL AND last_vacuum IS NOT NULL "
            "FROM pg_stat_user_tables WHERE schemaname = %s "
            "AND relname IN ('articles', 'matches')",
            (engine.location.schema,),
        ).fetchall()
    assert sorted(analysed) == [("articles", True), ("matches", True)]  # GIN list merged
    assert engine.search(EVERYTHING).total == 3


def both_tables(eng: PostgresEngine) -> tuple[list, list]:
    """(seq, id, date, countries) of every article, as ``articles`` and ``matches`` hold it."""
    with eng.pool.connection() as conn:
        return tuple(
            conn.execute(
                eng.tables.sql(f"SELECT seq, id, date, countries FROM {{{table}}} ORDER BY seq")
            ).fetchall()
            for table in ("articles", "matches")
        )


@pytest.mark.parametrize("copy_from", [1, 10**6], ids=["copied", "inserted"])
def test_matches_hold_the_articles_through_replacements_and_deletes(engine, monkeypatch, copy_from):
    """By COPY (many rows) or by INSERTs in one round trip (a few), the same rows."""
    monkeypatch.setattr(writer, "COPY_FROM", copy_from)
    with engine.writer() as w:
        w.add([article(f"n{i}", f"Nouvelle numéro {i}", f"{i % 2}.txt") for i in range(6)])
    with engine.writer() as w:
        w.add([article("n1", "Nouvelle corrigée"), article("n7", "Une autre")])  # replaces n1
        w.delete_ids(["n2"])
        w.delete_source("1.txt")  # n3, n5 (n1 was rewritten from s.jsonl)
    stored, matching = both_tables(engine)
    assert stored == matching
    assert sorted(row[1] for row in stored) == ["n0", "n1", "n4", "n7"]
    assert len({row[0] for row in stored}) == 4  # a replacement is a new seq, one row
    found = engine.search(qt.EngineQuery(qt.Term("corrig", "corrigee"), limit=5))
    assert [doc_id for doc_id, _ in found.hits] == ["n1"]


def test_a_view_is_one_snapshot(engine):
    with engine.writer() as w:
        w.add([article("a", "Premier article")])
    with engine.view() as snapshot:
        assert snapshot.search(EVERYTHING).total == 1
        with engine.writer() as w:  # another connection commits meanwhile
            w.add([article("b", "Second article")])
        assert snapshot.search(EVERYTHING).total == 1
        assert snapshot.fetch(["b"]) == [None] and snapshot.lexicon("second") == []
        assert snapshot.generation() == 1
    assert engine.search(EVERYTHING).total == 2
    with engine.view() as snapshot:
        assert snapshot.generation() == 2
    engine.writer().commit()  # no change, no new generation
    with engine.view() as snapshot:
        assert snapshot.generation() == 2


def test_writes_are_visible_to_another_engine_on_the_same_tables(engine, tmp_path):
    other = PostgresEngine.open(tmp_path / "ix")  # another process would read the same file
    with engine.writer() as w:
        w.add([article("a", "Un article partagé")])
    assert [doc_id for doc_id, _ in other.search(EVERYTHING).hits] == ["a"]
    assert read_location(tmp_path / "ix") == engine.location


def test_an_unreachable_server_is_a_read_error(postgres_engine, monkeypatch):
    monkeypatch.setattr(connections, "POOL_TIMEOUT", 1.0)
    gone = PostgresEngine(Location(f"host=127.0.0.1 port={free_port()} user=x", "search_x"))
    try:
        with pytest.raises(Exception) as failed:
            gone.verify()
        assert PostgresEngine.is_read_error(failed.value)
    finally:
        gone.pool.close()


def test_missing_tables_are_a_damaged_index(engine):
    with engine.pool.connection() as conn:
        conn.execute(engine.tables.sql("DROP SCHEMA {schema} CASCADE"))
    with pytest.raises(IndexCorrupt, match="no tables"):
        engine.verify()
    with pytest.raises(Exception) as failed:
        engine.search(EVERYTHING)
    assert PostgresEngine.is_read_error(failed.value)


def test_a_missing_location_file_is_a_damaged_index(tmp_path):
    with pytest.raises(IndexCorrupt, match="postgres.json"):
        PostgresEngine.open(tmp_path)


def test_the_first_cut_ranks_weighty_matches_and_counts_them_all(engine, monkeypatch):
    monkeypatch.setattr(view, "FIRST_CUT_FROM", 1)
    texts = {
        "weighty": "Le port de Bakou, le port, encore le port.",  # "port" weighs here
        "light": "Un texte long " + "sur bien des choses " * 40 + "et un port.",
    }
    with engine.writer() as w:
        w.add([Article(i, text, "Titre", source="s") for i, text in texts.items()])
    port = qt.And((qt.Term("port", "port"),))
    one = engine.search(qt.EngineQuery(port, limit=1))
    assert (one.total, [i for i, _ in one.hits]) == (2, ["weighty"])
    both = engine.search(qt.EngineQuery(port, limit=2))  # the cut is too small: all ranked
    assert [i for i, _ in both.hits] == ["weighty", "light"]
    # Uncounted: the cut's matches alone are read, and what was ranked is the total.
    alone = engine.search(qt.EngineQuery(port, limit=1, counted=False))
    assert (alone.total, alone.hits) == (1, one.hits)
    assert engine.search(qt.EngineQuery(port, limit=2, counted=False)).hits == both.hits
    read = view.View.statistics
    monkeypatch.setattr(view.View, "statistics", lambda *a: pytest.fail("a count reads no df"))
    assert engine.search(qt.EngineQuery(port, limit=0)) == qt.EngineResult(2, [], {})
    monkeypatch.setattr(view.View, "statistics", read)
    monkeypatch.setattr(view, "FIRST_CUT_FROM", 10**9)
    assert engine.search(qt.EngineQuery(port, limit=2)) == both


def test_many_listed_ids_restrict_a_search_whatever_their_characters(engine, monkeypatch):
    """Many ids go to the server as one string it splits (psycopg builds an array in
    Python, 2 ms a thousand ids); an id holding the separator goes as an array."""
    odd = f"a{view.SEPARATOR}b"
    w = engine.writer()
    w.add([article("plain", "un camion à Berlin"), article(odd, "un camion à Paris")])
    w.commit()
    sent = []
    among_ids = view._among_ids
    monkeypatch.setattr(view, "_among_ids", lambda ids, p: (among_ids(ids, p), sent.append(p))[0])
    filler = [f"absent-{n}" for n in range(view.IDS_AS_TEXT_FROM)]
    for listed in (["plain"], [odd]):
        query = qt.EngineQuery(qt.And((qt.MatchAll(), qt.Ids((*filler, *listed)))), limit=5)
        assert [doc_id for doc_id, _ in engine.reader().search(query).hits] == listed
    assert [type(p["ids"]) for p in sent] == [str, list]  # one string, then an array


def test_members_are_valued_in_the_scan_and_many_are_asked_apart(engine, monkeypatch):
    """The copy groups' members valued in the matches' scan (the cut's shape), and past
    ``MEMBERS_VALUED`` not valued there: PostgreSQL hashes their look-up only while they
    fit in ``work_mem`` (150,000 ids at its defaults), so the caller asks apart."""
    monkeypatch.setattr(view, "FIRST_CUT_FROM", 1)  # the cut's shape: the counted scan values
    w = engine.writer()  # "port" weighs in three titles: the cut ranks those, enough
    titles = ["Le port", "Au port", "Un port", "Bilan", "Autre"]
    w.add([Article(f"a{n}", "Un port, un camion.", t, source="s") for n, t in enumerate(titles)])
    w.commit()
    members = (*(f"absent-{n}" for n in range(3000)), "a1", "a3")
    sent = []
    execute = view.View._execute
    monkeypatch.setattr(
        view.View, "_execute", lambda self, s, p=None: (sent.append((s, p)), execute(self, s, p))[1]
    )
    port = qt.EngineQuery(qt.Term("port", "port"), limit=2, members=members)
    found = engine.reader().search(port)
    assert set(found.members) == {"a1", "a3"} and found.total == 5
    assert any(isinstance(p, dict) and p.get("cut") for _, p in sent)  # the cut's shape
    monkeypatch.setattr(view, "MEMBERS_VALUED", 1000)
    assert engine.reader().search(port).members is None


def test_a_longer_phrase_is_matched_by_its_positions_and_scored_by_its_pairs(engine):
    """Past two words, the pairs of a phrase are not enough to match it (the positions
    are checked), while its score asks the GIN index for the pairs alone: no article's
    tsvector is read back to score it."""
    texts = {
        "whole": ("Bilan", "Le pays vit sous l'état d'urgence sanitaire depuis mars."),
        "titled": ("L'état d'urgence sanitaire prolongé", "Rien à signaler."),
        "apart": ("Bilan", "L'état d'urgence est levé ; l'urgence sanitaire demeure."),
    }
    w = engine.writer()
    w.add([Article(i, body, title, source="s") for i, (title, body) in texts.items()])
    w.commit()
    phrase = qt.Phrase(("etat", "urgenc", "sanitair"), ("etat", "urgence", "sanitaire"))
    found = engine.search(qt.EngineQuery(phrase, limit=10))
    assert found.total == 2 and {doc_id for doc_id, _ in found.hits} == {"whole", "titled"}
    assert all(score > 0 for _, score in found.hits)
    scorer = querysql.Scorer(querysql.Stats(3, 3.0, 8.0, 8.0), querysql.Dictionary(
        stems={"etat": (1, 1, 2), "urgenc": (2, 1, 2), "sanitair": (3, 1, 2)}))  # fmt: skip
    scorer.score(phrase)
    assert scorer.params and not any("<->" in q for q in scorer.params.values())


def test_no_first_cut_when_every_match_has_a_rare_term():
    """The first cut keeps the matches that have a rare term: when each match must have
    one, it would keep them all, and the statement would read them twice."""
    common = {"port", "etat"}
    port, camion = qt.Term("port", "port"), qt.Term("camion", "camion")
    assert querysql.first_cut(qt.And((port, camion)), common) is None
    assert querysql.first_cut(qt.Phrase(("etat", "urgenc"), ("etat", "urgence")), common) is None
    assert (
        querysql.first_cut(qt.Or((port, camion)), common)
        == "('hport' | 'tcamion' | 'bcamion' | 'xcamion')"
    )
    assert querysql.first_cut(port, common) == "('hport')"


def test_a_filtered_search_is_led_by_the_words_index(engine, monkeypatch):
    """Words with a country or a date range: the words' GIN index finds the matches and the
    filters test their rows. Led by a filter's index, the planner tests the words on every
    row of the filter by reading its tsvector back (the United States' 58,507 articles for
    "élections" at 341,600: 740 ms)."""
    writes = [
        Article(f"a{i}", f"Les élections de {i}.", f"Vote {i}", countries=country, source="s")
        for i in range(600)
        for country in [("MN",) if i % 100 == 0 else ("FR",)]
    ]
    with engine.writer() as w:
        w.add(writes)
    with engine.pool.connection() as conn:
        conn.execute(engine.tables.sql("ANALYZE {matches}"))
    statements = []
    execute = view.View._execute

    def recorded(self, statement, params=None):
        statements.append((statement, params))
        return execute(self, statement, params)

    monkeypatch.setattr(view.View, "_execute", recorded)
    elections = qt.Term("elect", "elections")
    for filters in (qt.Filters(countries=("MN",)), qt.Filters(date_from="2019-01-01")):
        statements.clear()
        found = engine.search(qt.EngineQuery(elections, filters, limit=10, facets=True))
        assert found.total == (6 if filters.countries else 0)
        statement, params = statements[-1]
        with engine.pool.connection() as conn, conn.transaction():
            conn.execute(connections.SESSION_SETTINGS)
            plan = "\n".join(
                row[0] for row in conn.execute(b"EXPLAIN " + statement.as_bytes(conn), params)
            )
        assert "matches_lexemes_idx" in plan
        assert "matches_countries_idx" not in plan and "matches_date_seq_idx" not in plan, plan
