"""Engines behind one interface (``base.Engine``); ``engine_class(name)`` picks one.

Each engine module implements the interface over its own library and knows nothing of
French, generations or configuration; none imports another, and each is imported only
when chosen, so a deployment loads the one it uses.
"""

from __future__ import annotations

from .base import Engine, EngineWriter, IndexCorrupt

ENGINE_NAMES = ("whoosh", "tantivy", "postgres")


def engine_class(name: str) -> type[Engine]:
    """The engine class for a name from config.toml ("whoosh", "tantivy" or "postgres")."""
    # Imported on demand: a Whoosh deployment never loads the Rust extension, and back.
    if name == "whoosh":
        from .whoosh import WhooshEngine

        return WhooshEngine
    if name == "tantivy":
        from .tantivy import TantivyEngine

        return TantivyEngine
    if name == "postgres":
        from .postgres import PostgresEngine

        return PostgresEngine
    raise ValueError(f"unknown engine {name!r}: expected one of {', '.join(ENGINE_NAMES)}")


__all__ = ["ENGINE_NAMES", "Engine", "EngineWriter", "IndexCorrupt", "engine_class"]
