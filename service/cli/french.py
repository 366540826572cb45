"""Click's own messages in French: usage, errors and help of the three commands.

Click writes "Usage:", "Error: Invalid value for '--page'…" and "Show this message and
exit." through gettext (``from gettext import gettext as _``), in the default text
domain; every other line of the commands is French. ``install()`` points that domain at
``locale/fr/LC_MESSAGES/click.mo`` and asks for French, whatever the terminal's locale,
as the rest of the product speaks French whatever it is: for the time a command runs
(``Command.main``), and nothing at import. The catalogue is ``click.po``
beside it, compiled by Babel (already a dependency)::

    .venv/bin/python -m service.cli.french      # click.po -> click.mo

Click names its number types in English ("integer"): ``INTEGER`` and ``integer_range``
are the same types named in French; ``Command`` writes its help's headings the French
way, with a space before the colon ("Options :").
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

LOCALE = Path(__file__).parent / "locale"
CATALOGUE = LOCALE / "fr" / "LC_MESSAGES" / "click.po"
DOMAIN = "click"


@contextmanager
def in_french() -> Iterator[None]:
    """Click's messages in French while the block runs; the process's own settings after."""
    gettext.bindtextdomain(DOMAIN, str(LOCALE))
    domain, language = gettext.textdomain(), os.environ.get("LANGUAGE")
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = "fr"  # gettext reads it first, before LC_ALL and LANG
    try:
        yield
    finally:
        gettext.textdomain(domain)
        if language is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = language


class _Formatter(click.HelpFormatter):
    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading} :\n")


class _Context(click.Context):
    formatter_class = _Formatter


class Command(click.Command):
    """A click command that speaks French (``in_french``) and sets its help the French
    way: ``@click.command(cls=Command)``."""

    context_class = _Context

    def main(self, *args, **kwargs):
        with in_french():
            return super().main(*args, **kwargs)


class _Integer(click.types.IntParamType):
    name = "entier"


class _IntegerRange(click.IntRange):
    name = "entier"


INTEGER = _Integer()


def integer_range(min: int | None = None, max: int | None = None) -> click.IntRange:
    """``click.IntRange(min, max)``, named in French in its errors."""
    return _IntegerRange(min, max)


def compiled() -> bytes:
    """``click.po`` compiled to the bytes of a .mo file."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as po:
        catalog = read_po(po, locale="fr")
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


if __name__ == "__main__":
    CATALOGUE.with_suffix(".mo").write_bytes(compiled())
    print(f"wrote {CATALOGUE.with_suffix('.mo')}")
