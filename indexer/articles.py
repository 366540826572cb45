"""The records that flow from sources to engines: Article and ArticleDate."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ArticleDate:
    """A publication date with its precision and where it came from.

    ``value`` is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (ISO, as precise as known);
    ``precision`` is ``year``, ``month`` or ``day``; ``source`` is ``header`` or ``text``
    (or ``metadata`` for a JSONL ``date`` field).
    """

    value: str
    precision: str
    source: str

    @property
    def year(self) -> str:
        return self.value[:4]

    @property
    def month(self) -> str | None:
        """``YYYY-MM`` when the month is known."""
        return self.value[:7] if self.precision in ("month", "day") else None


@dataclass(frozen=True)
class Article:
    """One searchable article, as read from a source file.

    ``id`` is the path relative to the corpus root (``FILE#ID`` for a JSONL line);
    ``text`` is the body without any header; ``title`` is given or derived.
    """

    id: str
    text: str
    title: str
    date: ArticleDate | None = None
    url: str | None = None
    countries: tuple[str, ...] = field(default_factory=tuple)
    source: str = ""  # corpus-relative file the article came from
