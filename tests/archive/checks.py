"""What the archive suite's checks read: an article's text, accents off or kept."""

from __future__ import annotations

import re

from unidecode import unidecode


def plain(text: str) -> str:
    """Lower case, accents off: what the checks' patterns read."""
    return unidecode(text).lower()


def holds(article, pattern: str) -> bool:
    """Whether an article's title or text matches a pattern (on ``plain`` text)."""
    return re.search(pattern, plain(f"{article.title}\n{article.text}")) is not None


def writes(article, pattern: str) -> bool:
    """Whether an article's title or text matches a pattern, accents kept (lower case)."""
    return re.search(pattern, f"{article.title}\n{article.text}".lower()) is not None
