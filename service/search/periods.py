"""The dates of a period filter as people type them: ISO, or the French way.

    typed_date("2019")        -> ArticleDate("2019", "year", "query")
    typed_date("2019-04-15")  -> ArticleDate("2019-04-15", "day", "query")
    typed_date("15/04/2019")  -> ArticleDate("2019-04-15", "day", "query")   JJ/MM/AAAA
    typed_date("4/2019")      -> ArticleDate("2019-04", "month", "query")    MM/AAAA
    typed_date("15.04.2019")  -> the same: "/", "." or "-" between day, month and year

Every door reads ``from`` and ``to`` through it (``SearchRequest.from_params``), so
``--from 15/04/2019``, ``from=15/04/2019`` and the page's date field agree. Anything else
is a QueryError that names the value and the forms accepted, in French.
"""

from __future__ import annotations

import re

from indexer.articles import ArticleDate
from indexer.dates import DateError, parse_date

from ..errors import QueryError

FORMS = "AAAA, AAAA-MM, AAAA-MM-JJ, MM/AAAA ou JJ/MM/AAAA"
# Day first, year last, as French writes a date: 15/04/2019, 15.04.2019, 15-04-2019.
FRENCH_DATE = re.compile(
    r"(?:(?P<day>[0-9]{1,2})(?P<sep>[/.-]))?(?P<month>[0-9]{1,2})(?(sep)(?P=sep)|[/.-])(?P<year>[0-9]{4})"
)


def typed_date(value: str) -> ArticleDate:
    """The date a user typed, in ISO form; DateError (in French) when it is not one."""
    text = value.strip()
    french = FRENCH_DATE.fullmatch(text)
    if french:
        text = "-".join(
            part.zfill(2) if part != french["year"] else part
            for part in (french["year"], french["month"], french["day"])
            if part
        )
    try:
        return parse_date(text, source="query")
    except DateError as e:
        reason = str(e).split(" : ", 1)[-1]
        if reason.startswith("attendu"):
            reason = f"attendu {FORMS}"
        raise DateError(f"date invalide « {value.strip()} » : {reason}") from e


def date_param(value: str | None, name: str) -> ArticleDate | None:
    """The ``from`` or ``to`` parameter as a date, None when absent; QueryError naming
    the parameter (``QueryError.param``, so the page shows it beside the field)."""
    if not value:
        return None
    try:
        return typed_date(value)
    except DateError as e:
        raise QueryError(f"paramètre « {name} » : {e}", param=name) from e
