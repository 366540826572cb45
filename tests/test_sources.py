import gzip
import json
import logging

import pytest

from indexer.sources import derive_title, list_sources, make_article, read_source
from tests.conftest import DATA_DIR, SEEDS_DIR


def read(rel: str):
    return read_source(DATA_DIR, rel)


def test_list_sources_finds_txt_and_jsonl_recursively_with_posix_ids():
    rels = list_sources(DATA_DIR)
    assert "sous-dossier/e_pekin.txt" in rels
    assert "news.jsonl" in rels
    assert rels == sorted(rels)


def test_txt_header_is_metadata_not_body():
    (article,), skips = read("a_ceinture.txt")
    assert not skips
    assert article.id == "a_ceinture.txt"
    assert "date" not in article.text[:20]
    assert article.text.startswith("Bakou, 12 mars, AZERTAC")
    assert article.date.value == "2024-03-12"


def test_header_on_its_own_line_and_body_on_the_next():
    (article,), _ = read("c_belt.txt")
    assert article.text.startswith("Le président a rappelé")
    assert (article.date.value, article.date.precision, article.date.source) == (
        "2022-11",
        "month",
        "header",
    )


def test_text_date_is_used_without_a_header():
    (article,), _ = read("b_oeuvre.txt")
    assert (article.date.value, article.date.source) == ("2023-05-05", "text")


def test_an_article_without_any_date_gets_none():
    (article,), _ = read("d_sans_date.txt")
    assert article.date is None


def test_impossible_header_date_keeps_the_article_and_warns(caplog):
    with caplog.at_level(logging.WARNING):
        (article,), skips = read("f_date_impossible.txt")
    assert not skips
    assert article.date.value == "2021-02-03"  # from the text, never the header
    assert "f_date_impossible.txt:1:" in caplog.text and "2021-13" in caplog.text


@pytest.mark.parametrize(
    "rel, line, reason",
    [
        ("bad_empty.txt", 1, "empty file"),
        ("bad_header_only.txt", 1, "empty article"),
        ("bad_latin1.txt", 1, "not UTF-8"),
        ("bad_binary.txt", 1, "binary"),
    ],
)
def test_bad_txt_files_are_skipped_with_file_line_and_reason(rel, line, reason, caplog):
    with caplog.at_level(logging.WARNING):
        articles, skips = read(rel)
    assert articles == []
    (skip,) = skips
    assert (skip.file, skip.line) == (rel, line) and reason in skip.reason
    assert f"{rel}:{line}: " in caplog.text


def test_jsonl_reads_good_lines_and_skips_bad_ones_by_line():
    articles, skips = read("news.jsonl")
    assert [a.id for a in articles] == [
        "news.jsonl#n1",
        "news.jsonl#n2",
        "news.jsonl#n3",
        "news.jsonl#n5",
    ]
    assert [(s.line, s.reason.split(":")[0]) for s in skips] == [
        (4, "broken JSON"),
        (5, 'missing or invalid "id"'),
        (6, "duplicate id 'n2'"),
        (7, "not a JSON object"),
    ]


def test_jsonl_metadata_is_kept():
    articles, _ = read("news.jsonl")
    n1 = articles[0]
    assert n1.title == "Les nouvelles routes de la soie vues d'Europe"
    assert n1.url == "https://example.org/n1"
    assert (n1.date.value, n1.date.source) == ("2019-04-26", "metadata")
    assert set(n1.countries) >= {"CN", "IT", "DE"}


def test_jsonl_impossible_date_falls_back_to_the_text():
    articles, _ = read("news.jsonl")
    n5 = articles[-1]
    assert n5.date is None  # "2018-02-30" cannot exist, and the text has no full date


def test_gzipped_jsonl_is_read_and_a_truncated_one_keeps_what_came_before(tmp_path):
    lines = [json.dumps({"id": f"x{i}", "text": f"Article {i} sur la Chine."}) for i in range(50)]
    data = gzip.compress("\n".join(lines).encode())
    (tmp_path / "ok.jsonl.gz").write_bytes(data)
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    ok, ok_skips = read_source(tmp_path, "ok.jsonl.gz")
    assert len(ok) == 50 and not ok_skips
    cut, cut_skips = read_source(tmp_path, "cut.jsonl.gz")
    assert len(cut) < 50
    assert cut_skips and "corrupt or truncated" in cut_skips[0].reason


def test_bom_is_tolerated(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeff date 2020-01 Un article sur Bakou.".encode())
    (article,), skips = read_source(tmp_path, "bom.txt")
    assert article.text == "Un article sur Bakou." and article.date.value == "2020-01"


def test_seed_titles_are_derived_from_the_lead_without_dateline():
    titles = {rel: read_source(SEEDS_DIR, rel)[0][0].title for rel in list_sources(SEEDS_DIR)}
    assert titles["001_21c5a49f65fa3f46.txt"].startswith("Les présidents de la République")
    assert titles["004_39aa6ed02c1f3f44.txt"].startswith("Le ministre azerbaïdjanais")
    assert all(len(t) <= 121 for t in titles.values())


@pytest.mark.parametrize(
    "text, title",
    [
        ("Court. Suite.", "Court."),
        ("M. Aliyev est arrivé. Puis.", "M. Aliyev est arrivé."),
        ("mot " * 60, ("mot " * 25).strip() + "…"),
        (
            "Pékin, 23 avril, AZERTAC\n\nLes présidents se sont vus. Ensuite.",
            "Les présidents se sont vus.",
        ),
    ],
)
def test_derive_title_takes_the_first_sentence_cut_at_a_word(text, title):
    assert derive_title(text) == title


def test_make_article_rejects_overlong_text():
    skips = []
    assert make_article("big", "x" * 1_000_001, skips=skips) is None
    assert "too long" in skips[0].reason
