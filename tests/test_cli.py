import gettext
import io
import json
import shutil

import pytest
from click.testing import CliRunner

from indexer import pipeline
from service.cli import french as cli_french
from service.cli.index import index_cmd
from service.cli.search import search_cmd
from service.cli.serve import serve_cmd
from tests.conftest import DATA_DIR, HIT_FIELDS, SEEDS_DIR, write_config


def invoke(command, *args):
    return CliRunner().invoke(command, list(args), catch_exceptions=False)


def test_search_prints_hits_passages_and_facets(seeds_config_path):
    result = invoke(search_cmd, "Kirghizistan", "--config", str(seeds_config_path))
    assert result.exit_code == 0
    assert result.output.startswith("1 résultat pour « Kirghizistan »")
    assert "004_39aa6ed02c1f3f44.txt · 2021-07-02 · Azerbaïdjan, Kirghizstan" in result.output
    assert "Pays : Azerbaïdjan (1), Kirghizstan (1)" in result.output
    assert "\x1b[" not in result.output  # plain when piped


def test_search_json_is_the_result_model(seeds_config_path):
    result = invoke(search_cmd, "Bakou", "--json", "--config", str(seeds_config_path))
    body = json.loads(result.output)
    assert set(body) == {
        "query",
        "total",
        "all_terms_total",
        "page",
        "per_page",
        "took_ms",
        "hits",
        "facets",
        "suggestion",
    }
    assert body["query"] == {
        "q": "Bakou",
        "country": [],
        "from": None,
        "to": None,
        "sort": "relevance",
    }
    hit = body["hits"][0]
    assert set(hit) == HIT_FIELDS
    assert {"code": "AZ", "name": "Azerbaïdjan"} in hit["countries"]
    assert any("<mark>Bakou</mark>" in p for p in hit["passages"])
    assert set(body["facets"]) == {"country", "year", "month"}


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["Azerbaïdjan"], 0, ""),
        (["introuvablemot"], 1, "Aucun résultat"),
        (["--from", "2021-13"], 2, "date invalide « 2021-13 »"),
        (["Azerbaïdjan", "--from", "01/01/2020", "--to", "12/2025"], 0, ""),
        (["--from", "32/01/2020"], 2, "date invalide « 32/01/2020 »"),
        (["--country", "XX"], 2, "pays inconnu « XX »"),
        (["a*"], 2, "préfixe inutilisable"),
        (["--page", "0"], 2, "hors limites"),
        (["--sort", "nope"], 2, "Valeur invalide pour '--sort' : « nope »"),
        (["--page", "deux"], 2, "« deux » n'est pas un entier valide"),
        (["--nope"], 2, "Option inconnue : « --nope »"),
    ],
)
def test_exit_codes(seeds_config_path, args, code, message):
    result = invoke(search_cmd, *args, "--config", str(seeds_config_path))
    assert result.exit_code == code
    assert message in result.output


def test_the_words_of_an_unquoted_query_make_one_query(seeds_config_path):
    config = ["--config", str(seeds_config_path)]
    quoted = invoke(search_cmd, "Ceinture et la Route", *config).output.splitlines()
    unquoted = invoke(search_cmd, "Ceinture", "et", "la", "Route", *config).output.splitlines()
    assert unquoted[0].startswith("3 résultats pour « Ceinture et la Route » (page 1/1, ")
    assert unquoted[1:] == quoted[1:]  # the first line bar its time


def test_usage_errors_and_help_are_in_french(seeds_config_path):
    usage = invoke(index_cmd, "--processes", "-1")
    assert usage.exit_code == 2
    assert usage.output.splitlines() == [
        "Utilisation : search-index [OPTIONS]",
        "Aide : « search-index --help ».",
        "",
        "Erreur : Valeur invalide pour '--processes' : -1 n'est pas dans l'intervalle x>=0.",
    ]
    port = invoke(serve_cmd, "--port", "http")
    assert "Erreur : Valeur invalide pour '--port' : « http » n'est pas un entier valide." in (
        port.output
    )
    help_text = invoke(search_cmd, "--help").output
    assert help_text.startswith("Utilisation : search [OPTIONS] [QUERY]...")
    assert "--page ENTIER" in help_text and "--help  " in help_text
    assert "Afficher cette aide et quitter." in help_text and "\nOptions :\n" in help_text
    assert "Show this message" not in help_text


def test_the_french_catalogue_is_compiled():
    """click.mo says what click.po says: run ``python -m service.cli_french`` after an edit."""

    def messages(mo: bytes) -> dict:
        found = gettext.GNUTranslations(io.BytesIO(mo))._catalog  # type: ignore[attr-defined]
        return {k: v for k, v in found.items() if k != ""}  # the header names Babel's version

    committed = cli_french.CATALOGUE.with_suffix(".mo").read_bytes()
    assert messages(committed) == messages(cli_french.compiled())
    assert len(messages(committed)) > 40


def test_options_filter_sort_and_page(seeds_config_path):
    args = ["--country", "tw", "--sort", "date", "--limit", "1", "--page", "2", "--json"]
    body = json.loads(invoke(search_cmd, *args, "--config", str(seeds_config_path)).output)
    assert (body["total"], body["page"], body["per_page"]) == (2, 2, 1)
    assert [h["id"] for h in body["hits"]] == ["001_21c5a49f65fa3f46.txt"]


def test_search_builds_the_index_on_first_use(tmp_path):
    config = write_config(tmp_path, SEEDS_DIR)
    result = invoke(search_cmd, "Bichkek OR Bakou", "--config", str(config))
    assert result.exit_code == 0
    assert (tmp_path / "index" / "CURRENT").exists()


def test_search_index_updates_and_summarises(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    config = str(write_config(tmp_path, corpus))
    first = invoke(index_cmd, "--config", config)
    assert "10 articles" in first.output and "11 ajoutés" in first.output
    assert "bad_latin1.txt:1: not UTF-8" in first.output
    assert "Index à jour" in invoke(index_cmd, "--config", config).output
    (corpus / "c_belt.txt").unlink()
    assert "1 supprimés" in invoke(index_cmd, "--config", config).output
    assert "11 ajoutés" not in invoke(index_cmd, "--rebuild", "--config", config).output


def test_search_index_waits_for_a_write_that_holds_the_lock_then_says_a_build_runs(
    tmp_path, monkeypatch
):
    import threading

    from indexer.store import build_lock
    from service.cli import index as index_module

    corpus = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    config = str(write_config(tmp_path, corpus))
    held, release = threading.Event(), threading.Event()

    def hold(seconds: float) -> None:
        with build_lock(tmp_path / "index"):
            held.set()
            release.wait(seconds)

    writer = threading.Thread(target=hold, args=(0.5,))  # a write, or the worker's warm-up
    writer.start()
    held.wait()
    assert "11 ajoutés" in invoke(index_cmd, "--config", config).output  # it waited
    writer.join()
    monkeypatch.setattr(index_module, "LOCK_WAIT", 0.2)
    held.clear()
    build = threading.Thread(target=hold, args=(10,))  # a long build
    build.start()
    held.wait()
    try:
        busy = CliRunner().invoke(index_cmd, ["--config", config])
    finally:
        release.set()
        build.join()
    assert busy.exit_code != 0 and "en cours" in busy.output


def test_search_index_chooses_its_analysis_processes(tmp_path, monkeypatch):
    """--processes reaches the build: 1 analyses in a worker even for a small corpus."""
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    config = str(write_config(tmp_path, corpus))
    asked, count = [], pipeline.worker_count
    monkeypatch.setattr(
        pipeline, "worker_count", lambda size, n=None: asked.append(n) or count(size, n)
    )
    assert "10 articles" in invoke(index_cmd, "--processes", "1", "--config", config).output
    assert asked == [1]
    found = invoke(search_cmd, "Bakou", "--json", "--config", config)
    assert json.loads(found.output)["total"] > 0
    bad = CliRunner().invoke(index_cmd, ["--processes", "-1", "--config", config])
    assert bad.exit_code == 2 and "--processes" in bad.output


def test_missing_corpus_is_a_clear_error(tmp_path):
    config = write_config(tmp_path, tmp_path / "absent")
    result = invoke(index_cmd, "--config", str(config))
    assert result.exit_code == 2 and "corpus introuvable" in result.output
    assert "attendu un dossier, ou un fichier .txt, .jsonl ou .jsonl.gz" in result.output


def test_a_corpus_can_be_one_jsonl_file(tmp_path):
    corpus = tmp_path / "news.jsonl"
    shutil.copy(DATA_DIR / "news.jsonl", corpus)
    config = str(write_config(tmp_path, corpus))
    assert invoke(index_cmd, "--config", config).exit_code == 0
    found = json.loads(invoke(search_cmd, "Chine", "--json", "--config", config).output)
    assert [hit["id"] for hit in found["hits"]] == ["news.jsonl#n1"]


def test_missing_config_file_is_a_clear_error(tmp_path):
    result = invoke(search_cmd, "chine", "--config", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2 and "fichier de configuration introuvable" in result.output


def test_a_better_spelling_is_printed_beside_the_hits(seeds_config_path):
    result = invoke(search_cmd, "kirghizstan", "--config", str(seeds_config_path))
    assert result.exit_code == 0
    assert result.output.splitlines()[1] == "Vouliez-vous dire : « Kirghizistan » ?"  # a name


def test_no_hits_exits_1_and_still_prints_the_better_spelling(seeds_config_path):
    result = invoke(
        search_cmd, "kirghizstan", "--country", "JP", "--config", str(seeds_config_path)
    )
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:2] == [
        "Aucun résultat pour « kirghizstan ».",
        "Vouliez-vous dire : « Kirghizistan » ?",
    ]
    # a search run from another folder says which corpus and index it read
    index = seeds_config_path.parent / "index"
    assert lines[2] == (
        f"Corpus : {SEEDS_DIR} ; index : {index} (whoosh, 5 articles) ; "
        f"configuration : {seeds_config_path}."
    )


def test_explain_prints_why_each_hit_matched(seeds_config_path):
    result = invoke(search_cmd, "Bakou", "--explain", "--config", str(seeds_config_path))
    whys = [line.strip() for line in result.output.splitlines() if "pourquoi :" in line]
    assert whys and all(line == "pourquoi : Bakou → Bakou (exact)" for line in whys)


def test_similar_prints_the_articles_like_one(seeds_config_path):
    args = ["--similar", "004_39aa6ed02c1f3f44.txt", "--limit", "2"]
    result = invoke(search_cmd, *args, "--config", str(seeds_config_path))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("Articles proches de « ") and lines[0].endswith(" » :")
    assert [line[:3] for line in lines if line[:1].isdigit()] == ["1. ", "2. "]
    assert "004_39aa6ed02c1f3f44.txt" not in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["chine"], "--similar ne se combine pas avec QUERY"),
        (["--country", "CN", "--explain"], "ne se combine pas avec --country, --explain"),
        (["--limit", "0"], "paramètre « limit » hors limites (0) : entre 1 et 20"),
    ],
)
def test_similar_refuses_search_options(seeds_config_path, args, message):
    args = [*args, "--similar", "004_39aa6ed02c1f3f44.txt", "--config", str(seeds_config_path)]
    result = invoke(search_cmd, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_similar_of_an_unknown_article_is_a_clear_error(seeds_config_path):
    result = invoke(search_cmd, "--similar", "inconnu.txt", "--config", str(seeds_config_path))
    assert result.exit_code == 1
    assert "Erreur : aucun article n'a l'identifiant « inconnu.txt »" in result.output


@pytest.mark.parametrize(
    "query, note",
    [
        ("Kirghizistan coopération", "1 contient tous les mots ; les suivants"),
        ("Quand l'Azerbaïdjan a-t-il présidé la CICA ?", "Aucun ne contient tous les mots ;"),
    ],
)
def test_search_says_where_partial_matches_begin(seeds_config_path, query, note):
    result = invoke(search_cmd, query, "--config", str(seeds_config_path))
    assert result.output.splitlines()[1].startswith(note)


def test_complete_prints_the_words_then_the_titles(seeds_config_path):
    args = ["Kirghizistan mini", "--complete", "--config", str(seeds_config_path)]
    result = invoke(search_cmd, *args)
    assert result.exit_code == 0
    words, titles = result.output.split("\n\nArticles :\n")
    assert words.splitlines() == [
        "Kirghizistan ministère",
        "Kirghizistan ministre",
        "Kirghizistan ministres",
    ]
    assert titles.strip().endswith("(004_39aa6ed02c1f3f44.txt)")


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["zzyzx", "--complete"], 1, "Rien à proposer pour « zzyzx »."),
        (
            ["Bak", "--complete", "--country", "AZ"],
            2,
            "--complete ne se combine pas avec --country",
        ),
        (["Bak", "--complete", "--limit", "21"], 2, "paramètre « limit » hors limites (21)"),
    ],
)
def test_complete_exit_codes(seeds_config_path, args, code, message):
    result = invoke(search_cmd, *args, "--config", str(seeds_config_path))
    assert result.exit_code == code
    assert message in result.output
