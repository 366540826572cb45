"""Article dates: the header, refined by a dateline day, else the first full date in the text.

    header '2025-04' + 'Pékin, 23 avril, AZERTAC ...'  -> ArticleDate('2025-04-23', 'day', 'header')
    no header       + '... le 28 janvier 2026, ...'     -> ArticleDate('2026-01-28', 'day', 'text')
    no header       + '... en janvier 2020 ...'         -> None (never invent a date)

`strip_dateline` removes a leading dateline ('Pékin, 23 avril, AZERTAC') so that titles
and passages start with the lead sentence.
"""

from __future__ import annotations

import calendar
import re
import unicodedata

from indexer.articles import ArticleDate

__all__ = ["MONTHS", "DateError", "parse_date", "extract_date", "strip_dateline"]

MONTHS: dict[str, int] = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
}
"""Folded (lowercase, accent-less) French month names -> month number."""

MIN_YEAR, MAX_YEAR = 1000, 2999
_EXPECTED = "attendu AAAA, AAAA-MM ou AAAA-MM-JJ"
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# Accented variants of the vowels in month and weekday names.
_ACCENTED = {"a": "aàâ", "e": "eéèêë", "i": "iîï", "o": "oô", "u": "uûùü"}


class DateError(ValueError):
    """A date that cannot exist or is malformed; str(e) is a French sentence for users."""


def _any_case_or_accent(word: str) -> str:
    """Regex for a folded word in any case or accent: 'mai' -> '[mM][aàâAÀÂ][iîïIÎÏ]'.

    Explicit classes rather than re.IGNORECASE, which also lets 'ı' (dotless i) match 'i'
    and would yield month words that do not fold back to a MONTHS key.
    """
    variants = (_ACCENTED.get(char, char) for char in word)
    return "".join(f"[{chars}{chars.upper()}]" for chars in variants)


def _fold(word: str) -> str:
    """Lowercase a word and drop its accents: 'AOÛT' -> 'aout'."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Horizontal white space only (NBSP and narrow NBSP included): a date never spans lines.
_H = r"[^\S\r\n]"
# ASCII digits only: str.isdigit() and \d would also accept '２０２１' or Arabic-Indic digits.
_DAY = r"(?P<day>[0-9]{1,2})(?:[eE][rR]|ᵉʳ)?"
_MONTH = "(?P<month>" + "|".join(map(_any_case_or_accent, MONTHS)) + r")\b"
_YEAR = r"(?P<year>[0-9]{4})(?![0-9])"
_WEEKDAY = "(?:" + "|".join(map(_any_case_or_accent, _WEEKDAYS)) + ")"
# A dateline place: letters, spaces, apostrophes, dots, hyphens ('Le Caire', 'Nour-Soultan');
# _is_place_name then checks its capitals, which re cannot express for all scripts.
_PLACE = r"(?P<place>[^\W\d_](?:[^\W\d_]|[ '’.-]){0,40})"
# Lowercase words allowed inside a place name ('Port-au-Prince', 'Dar es Salaam').
_PLACE_PARTICLES = frozenset("au aux d de del des du el en es et l la le les sur".split())
_PLACE_WORD = re.compile(r"[^\W\d_]+")
# Day and month, optionally preceded by 'le' and a weekday: 'le mardi 2 juin'.
_DAY_MONTH = rf"(?:[lL][eE]{_H}+)?(?:{_WEEKDAY}{_H}+)?{_DAY}{_H}+{_MONTH}"
# An agency after the date: ', AZERTAC', ' (AFP)', ', Xinhua'.
_AGENCY = r"(?:,|" + _H + r")" + _H + r"*\(?[A-Z][\w.&/-]*(?:" + _H + r"[A-Z][\w.&/-]*){0,2}\)?"

_ISO_DATE = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?")
# Starts with a bare [0-9] (no group, no lookbehind) so that re can skip ahead to digits,
# three times faster on long texts; the day and the word boundary are checked in Python.
_FULL_DATE = re.compile(rf"[0-9][0-9]?(?:[eE][rR]|ᵉʳ)?{_H}+{_MONTH}{_H}+{_YEAR}")
_DIGITS = re.compile(r"[0-9]+")
_WORD_CHAR = re.compile(r"\w")
# The opening of an article: 'Pékin, 23 avril', 'Le 2 juin', 'Bakou, 14 février 2023'.
_LEAD_DATE = re.compile(rf"\s*(?:{_PLACE},{_H}*)?{_DAY_MONTH}(?:{_H}+{_YEAR})?")
# A strippable dateline needs a place and must end the line or be followed by a dash, so
# 'Le 2 juin, le président ...' and 'Pékin, 23 avril, le président ...' stay sentences.
_DATELINE = re.compile(
    rf"\s*{_PLACE},{_H}*{_DAY_MONTH}(?:{_H}+{_YEAR})?(?:{_AGENCY})?"
    rf"{_H}*(?:[-–—:]{_H}*|(?=\r?\n)|\Z)\s*"
)


def _is_place_name(place: str | None) -> bool:
    """Whether a dateline's place looks like a name: 'Le Caire' yes, 'Selon le ministère' no."""
    if place is None:
        return True  # 'Le 2 juin, ...': no place to check
    words = _PLACE_WORD.findall(place)
    return words[0][0].isupper() and all(
        word[0].isupper() or word in _PLACE_PARTICLES for word in words[1:]
    )


def _is_real_day(year: int, month: int, day: int) -> bool:
    """Whether the day exists in that month of that year (29 February only in leap years)."""
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _iso(year: int, month: int, day: int) -> str:
    """Format a day as ISO 8601: (2021, 6, 2) -> '2021-06-02'."""
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_date(value: str, source: str = "header") -> ArticleDate:
    """'2021', '2021-06' or '2021-06-02' -> ArticleDate of that precision; DateError otherwise."""
    text = value.strip()
    match = _ISO_DATE.fullmatch(text)
    if not match:
        raise DateError(f"date invalide « {value} » : {_EXPECTED}")
    year = int(match["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateError(
            f"date invalide « {value} » : l'année doit être comprise entre {MIN_YEAR} et {MAX_YEAR}"
        )
    if match["month"] is None:
        return ArticleDate(text, "year", source)
    month = int(match["month"])
    if not 1 <= month <= 12:
        raise DateError(f"date invalide « {value} » : {_EXPECTED}")
    if match["day"] is None:
        return ArticleDate(text, "month", source)
    if not _is_real_day(year, month, int(match["day"])):
        raise DateError(f"date invalide « {value} » : ce jour n'existe pas dans le calendrier")
    return ArticleDate(text, "day", source)


def _refine_with_lead(date: ArticleDate, text: str) -> ArticleDate:
    """Add the day of an opening dateline ('Pékin, 23 avril') when it agrees with the date."""
    match = _LEAD_DATE.match(text)
    if date.precision == "day" or not match or not _is_place_name(match["place"]):
        return date
    year, month, day = int(date.year), MONTHS[_fold(match["month"])], int(match["day"])
    if match["year"] and int(match["year"]) != year:
        return date
    if date.month is not None and int(date.value[5:7]) != month:
        return date
    if not _is_real_day(year, month, day):
        return date
    return ArticleDate(_iso(year, month, day), "day", date.source)


def _first_full_date(text: str) -> ArticleDate | None:
    """The first existing 'day month year' date in the text, or None."""
    for match in _FULL_DATE.finditer(text):
        start = match.start()
        if start and _WORD_CHAR.match(text, start - 1):
            continue  # digits inside a word or number ('A12 mars 2020', '123 mars 2020')
        year, month = int(match["year"]), MONTHS[_fold(match["month"])]
        day = int(_DIGITS.match(match[0])[0])
        # '31 février 2020' or a year like 0999 is a typo, not a date: keep looking.
        if MIN_YEAR <= year <= MAX_YEAR and _is_real_day(year, month, day):
            return ArticleDate(_iso(year, month, day), "day", "text")
    return None


def extract_date(text: str, header: str | None = None) -> ArticleDate | None:
    """The header date, refined by an agreeing dateline day; else the first full date; else None."""
    if header is not None:
        # An invalid header raises DateError: the source reader decides to warn.
        return _refine_with_lead(parse_date(header, "header"), text)
    return _first_full_date(text)


def strip_dateline(text: str) -> str:
    """The text without a leading dateline ('Bakou, 2 juillet, AZERTAC'), left-stripped."""
    match = _DATELINE.match(text)
    if match and _is_place_name(match["place"]):
        return text[match.end() :]
    return text.lstrip()
