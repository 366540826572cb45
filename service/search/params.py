"""Request parameters as every door receives them, read and checked in one place.

The API's query string (a werkzeug ``MultiDict``), the page's, and the command line's
options (a plain dict of strings or lists of strings) go through the same readers, so a
value is refused with the same French sentence, and the same limits, whichever door it
came through. Each failure is a ``QueryError`` (400 over HTTP, exit code 2 on the CLI)
that names the parameter and the value::

    integer({"page": "deux"}, "page", 1, 1, 1000)
    -> QueryError("paramètre « page » invalide « deux » : attendu un entier")
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import QueryError

MAX_SHOWN = 80  # characters of a refused value quoted back in a message


def many(params: Mapping, name: str) -> list[str]:
    """Every value given for ``name`` (a repeatable parameter such as ``country``)."""
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        value = params.get(name)
        values = (
            [] if value is None else list(value) if isinstance(value, list | tuple) else [value]
        )
    return [str(v) for v in values]


def one(params: Mapping, name: str) -> str | None:
    """The one value of ``name``, or None; given twice, a QueryError."""
    values = many(params, name)
    if len(values) > 1:
        raise QueryError(f"paramètre « {name} » donné {len(values)} fois : une seule valeur")
    return values[0] if values else None


def text(params: Mapping, name: str, longest: int, example: str) -> str:
    """A required, non-empty text of at most ``longest`` characters."""
    value = one(params, name)
    if not value:
        raise QueryError(f"paramètre « {name} » manquant : {example}")
    if len(value) > longest:
        raise QueryError(
            f"paramètre « {name} » trop long ({len(value)} caractères) : {longest} au plus"
        )
    return value


def integer(params: Mapping, name: str, default: int, low: int, high: int) -> int:
    """An integer between ``low`` and ``high``, ``default`` when absent or empty."""
    value = one(params, name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        shown = value[:MAX_SHOWN]
        raise QueryError(f"paramètre « {name} » invalide « {shown} » : attendu un entier") from None
    if not low <= number <= high:
        raise QueryError(f"paramètre « {name} » hors limites ({number}) : entre {low} et {high}")
    return number


def boolean(params: Mapping, name: str) -> bool:
    """true/false (also 1/0, oui/non); absent is false."""
    value = (one(params, name) or "").lower()
    if value in ("", "0", "false", "non"):
        return False
    if value in ("1", "true", "oui"):
        return True
    shown = value[:MAX_SHOWN]
    raise QueryError(f"paramètre « {name} » invalide « {shown} » : attendu true ou false")
