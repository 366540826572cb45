"""Engines behind one interface (``base.Engine``); ``engine_class(name)`` picks one."""

from __future__ import annotations

from .base import Engine, EngineWriter, IndexCorrupt

ENGINE_NAMES = ("whoosh",)


def engine_class(name: str) -> type[Engine]:
    """The engine class for a name from config.toml ("whoosh")."""
    if name == "whoosh":
        from .whoosh import WhooshEngine

        return WhooshEngine
    raise ValueError(f"unknown engine {name!r}: expected one of {', '.join(ENGINE_NAMES)}")


__all__ = ["ENGINE_NAMES", "Engine", "EngineWriter", "IndexCorrupt", "engine_class"]
