"""What the search core needs from the configuration, built once per service or command.

``Settings.from_config(config)`` turns the configuration's plain values into what the
core uses: the synonym groups compiled into index terms, the passages' number and
length, the page sizes and a search's time budget. The configuration module itself
knows nothing of search.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Config
from .query import Synonyms


@dataclass(frozen=True)
class Settings:
    """The core's settings; the defaults are those of ``config.toml``."""

    synonyms: Synonyms = field(default_factory=Synonyms)
    passages: int = 3
    passage_chars: int = 200
    per_page: int = 10
    max_per_page: int = 100
    time_budget_ms: int = 1000

    @classmethod
    def from_config(cls, config: Config) -> Settings:
        """The settings of a configuration (its synonym groups analysed once, here)."""
        return cls(
            Synonyms(config.synonyms),
            config.passages,
            config.passage_chars,
            config.per_page,
            config.max_per_page,
            config.time_budget_ms,
        )
