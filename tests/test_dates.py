"""Tests for indexer.dates: header dates, dateline days, dates found in the text, datelines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.articles import ArticleDate
from indexer.dates import MONTHS, DateError, extract_date, parse_date, strip_dateline

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
# A stand-in for indexer/sources.py: ' date 2021-06 Le 2 juin' -> ('2021-06', 'Le 2 juin').
SEED_HEADER = re.compile(r"\A\ufeff?[ \t]*date[ \t]+(\S+)[ \t]*(?:\r?\n)?")


def read_seed(prefix: str) -> tuple[str | None, str]:
    """The header value (or None) and the text of the seed whose name starts with prefix."""
    (path,) = SEEDS_DIR.glob(f"{prefix}_*.txt")
    raw = path.read_text(encoding="utf-8-sig")
    match = SEED_HEADER.match(raw)
    return (match[1], raw[match.end() :]) if match else (None, raw)


def test_months_maps_folded_french_names_to_numbers():
    assert MONTHS["janvier"] == 1
    assert MONTHS["aout"] == 8
    assert MONTHS["decembre"] == 12
    assert sorted(MONTHS.values()) == list(range(1, 13))
    assert all(name.isascii() and name.islower() for name in MONTHS)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2021", ArticleDate("2021", "year", "header")),
        ("2021-06", ArticleDate("2021-06", "month", "header")),
        ("2021-06-02", ArticleDate("2021-06-02", "day", "header")),
        (" 2021-06\n", ArticleDate("2021-06", "month", "header")),
        ("2024-02-29", ArticleDate("2024-02-29", "day", "header")),
        ("1000-01-01", ArticleDate("1000-01-01", "day", "header")),
        ("2999-12-31", ArticleDate("2999-12-31", "day", "header")),
    ],
)
def test_parse_date_reads_each_precision(value, expected):
    assert parse_date(value) == expected


def test_parse_date_keeps_the_given_source():
    assert parse_date("2021-06", source="metadata") == ArticleDate("2021-06", "month", "metadata")


@pytest.mark.parametrize(
    "value",
    [
        "2021-13",
        "2021-00",
        "21-06",
        "abcd",
        "",
        "2021-6",
        "2021-06-2",
        "2021/06",
        "2021-06-02T10:00",
    ]
    + ["2021-06-", "２０２１", "0999", "3000-01"],
)
def test_parse_date_rejects_malformed_values(value):
    with pytest.raises(DateError):
        parse_date(value)


@pytest.mark.parametrize("value", ["2023-02-30", "2021-02-29", "2021-04-31", "2021-06-00"])
def test_parse_date_rejects_impossible_dates(value):
    with pytest.raises(DateError):
        parse_date(value)


@pytest.mark.parametrize("value", ["2021-13", "2023-02-30", "0999"])
def test_date_error_is_a_french_sentence_naming_the_value(value):
    with pytest.raises(ValueError) as excinfo:
        parse_date(value)
    assert str(excinfo.value).startswith(f"date invalide « {value} » : ")


def test_date_error_for_a_bad_format_says_what_is_expected():
    with pytest.raises(DateError, match="attendu AAAA, AAAA-MM ou AAAA-MM-JJ"):
        parse_date("2021-13")


@pytest.mark.parametrize(
    "prefix, expected",
    [
        ("000", ArticleDate("2021-06-02", "day", "header")),
        ("001", ArticleDate("2025-04-23", "day", "header")),
        ("002", None),
        ("003", ArticleDate("2026-01-28", "day", "text")),
        ("004", ArticleDate("2021-07-02", "day", "header")),
    ],
)
def test_extract_date_on_seeds(prefix, expected):
    header, text = read_seed(prefix)
    assert extract_date(text, header) == expected


def test_extract_date_prefers_header_over_text():
    text = "Les présidents se sont rencontrés le 14 février 2023 à Bakou."
    assert extract_date(text, "2021-06") == ArticleDate("2021-06", "month", "header")


def test_extract_date_keeps_a_day_header_over_the_dateline():
    text = "Pékin, 23 avril, AZERTAC\n\nLes présidents..."
    assert extract_date(text, "2025-04-22") == ArticleDate("2025-04-22", "day", "header")


@pytest.mark.parametrize(
    "header, text, value",
    [
        ("2025-04", "Pékin, 23 avril, AZERTAC\n\nLes présidents...", "2025-04-23"),
        ("2021-06", "Le 2 juin, le président de la République...", "2021-06-02"),
        ("2025", "Pékin, 23 avril, AZERTAC", "2025-04-23"),
        ("2023-02", "Bakou, 14 février 2023, AZERTAC", "2023-02-14"),
        ("2023", "Bakou, 14 FÉVRIER 2023, AZERTAC", "2023-02-14"),
        ("2019-08", "le 3 aout, la délégation...", "2019-08-03"),
        ("2020-03", "Paris, 1er mars (AFP) - Le ministre...", "2020-03-01"),
        ("2021-07", "Bakou, le vendredi 2 juillet, AZERTAC", "2021-07-02"),
        ("2021-06", "\n\n  Le 2 JUIN, le président...", "2021-06-02"),
        ("2024-02", "Le Caire, 29 février, AZERTAC", "2024-02-29"),
    ],
)
def test_extract_date_refines_header_with_agreeing_dateline(header, text, value):
    assert extract_date(text, header) == ArticleDate(value, "day", "header")


@pytest.mark.parametrize(
    "header, text",
    [
        ("2025-05", "Pékin, 23 avril, AZERTAC"),
        ("2025", "Pékin, 23 avril 2024, AZERTAC"),
        ("2025-04", "Pékin, 23 avril 2024, AZERTAC"),
        ("2023-02", "Bakou, 30 février, AZERTAC"),
        ("2023", "Bakou, 29 février, AZERTAC"),
    ],
)
def test_extract_date_ignores_disagreeing_dateline(header, text):
    assert extract_date(text, header) == parse_date(header)


@pytest.mark.parametrize(
    "text",
    [
        "Les présidents se sont entretenus le 2 juin au téléphone.",
        "Les présidents se sont entretenus.\nLe 2 juin, ils ont signé un accord.",
        "Selon le ministère, 2 juin était la date prévue.",
    ],
)
def test_extract_date_refines_only_from_the_opening(text):
    assert extract_date(text, "2021-06") == ArticleDate("2021-06", "month", "header")


@pytest.mark.parametrize("header", ["2021-13", "2021-02-30", "21-06", "abcd", ""])
def test_extract_date_raises_on_invalid_header(header):
    with pytest.raises(DateError):
        extract_date("Le 2 juin, le président...", header)


@pytest.mark.parametrize(
    "text, value",
    [
        ("\nLe 28 janvier 2026, Wang Yi, membre du Bureau politique...", "2026-01-28"),
        ("Bakou, 14 février 2023, AZERTAC\n\nLe ministre...", "2023-02-14"),
        ("Signé le 1er mars 2020 à Bakou.", "2020-03-01"),
        ("Signé le 1ER MARS 2020 à Bakou.", "2020-03-01"),
        ("Arrivé le 3 Août 2019.", "2019-08-03"),
        ("ARRIVÉ LE 3 AOÛT 2019.", "2019-08-03"),
        ("arrive le 3 aout 2019", "2019-08-03"),
        ("le 12 decembre 2020 et le 3 janvier 2021", "2020-12-12"),
        ("le 14\u00a0février\u202f2023", "2023-02-14"),
        ("Le 31 février 2020, puis le 1er mars 2020.", "2020-03-01"),
        ("En janvier 2020, puis le 5 mai 2021.", "2021-05-05"),
        ("Le 3 mars 0999, puis le 4 mars 2001.", "2001-03-04"),
    ],
)
def test_extract_date_without_header_finds_first_full_date(text, value):
    assert extract_date(text) == ArticleDate(value, "day", "text")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "L'Azerbaïdjan a signé 13 projets avec des entreprises chinoises.",
        "La croissance a repris en janvier 2020.",
        "En 2020, les échanges ont doublé.",
        "Le 24 avril, l'ambassadeur a reçu la délégation.",
        "Le 31 février 2020, rien ne s'est passé.",
        "Il y avait 12 marsupiaux 2020 fois.",
        "Le lot A12 mars 2020 et la pièce 123 mars 2020.",
        "Publié le 2020-06-02.",
        "Le 24 avril\n2025 sera une année importante.",
    ],
)
def test_extract_date_never_invents_a_date(text):
    assert extract_date(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Pékin, 23 avril, AZERTAC\n\nLes présidents...", "Les présidents..."),
        ("Bakou, 14 février 2023, AZERTAC\nLe ministre...", "Le ministre..."),
        ("  \nBakou, 2 juillet, AZERTAC\r\n\r\nLe ministre...", "Le ministre..."),
        ("Paris, 3 mars (AFP) - Le président...", "Le président..."),
        ("Paris, 3 mars 2020 (AFP) — Le président...", "Le président..."),
        ("Pékin, 23 avril, Xinhua\n\nLes présidents...", "Les présidents..."),
        ("Le Caire, le mardi 1er avril, AZERTAC\nLe ministre...", "Le ministre..."),
        ("Pékin, 23 avril, AZERTAC", ""),
        ("Port-au-Prince, 3 mars, AZERTAC\nLe ministre...", "Le ministre..."),
        ("N’Djamena, 3 mars, AZERTAC\nLe ministre...", "Le ministre..."),
    ],
)
def test_strip_dateline_removes_a_leading_dateline(text, expected):
    assert strip_dateline(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Le 2 juin, le président de la République...",
        "Pékin, 23 avril, le président Xi Jinping a reçu...",
        "Pékin, 23 avril, Wang Yi a déclaré...",
        "Pékin est la capitale de la Chine.",
        "Les présidents se sont rencontrés.\nPékin, 23 avril, AZERTAC",
        "Pékin, 23 avrilisation, AZERTAC\nLes présidents...",
        "Selon le ministère, 2 juin - la date prévue.",
    ],
)
def test_strip_dateline_keeps_text_without_dateline(text):
    assert strip_dateline(text) == text


def test_strip_dateline_only_strips_leading_whitespace_otherwise():
    assert strip_dateline("\n\n  Les présidents...  \n") == "Les présidents...  \n"


@pytest.mark.parametrize(
    "prefix, opening",
    [
        ("000", "Le 2 juin, le président de la République"),
        ("001", "Les présidents de la République d’Azerbaïdjan"),
        ("002", "Lors de la récente conférence"),
        ("003", "Le 28 janvier 2026, Wang Yi"),
        ("004", "Le ministre azerbaïdjanais des Affaires étrangères"),
    ],
)
def test_strip_dateline_on_seeds(prefix, opening):
    _, text = read_seed(prefix)
    assert strip_dateline(text).startswith(opening)
