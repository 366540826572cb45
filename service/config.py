"""config.toml, then SEARCH_* environment overrides -> a frozen Config (a leaf module).

The file is ``--config``, else ``$SEARCH_CONFIG``, else the repository's ``config.toml``.
Paths in it are relative to it. As in Flask's ``from_prefixed_env``, only names with
``__`` are overrides (``SEARCH_SERVICE__PORT=8080``), values parse as JSON or stay strings.
An unknown section or key is an error that names the file and the key. It imports only
``errors``: reading a configuration loads no search code.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import ConfigError

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config.toml"
ENV_PREFIX = "SEARCH_"


@dataclass(frozen=True)
class Config:
    """Every setting of the service, with its default (config.toml documents each)."""

    corpus_path: Path
    index_path: Path
    engine: str = "whoosh"
    # The PostgreSQL archive (engine "postgres"): a libpq connection string, which may
    # name several hosts (reads go to a standby, writes to the primary), and the schema
    # of its tables. Empty: libpq's own defaults (PGHOST, PGPORT, ...).
    dsn: str = ""
    schema: str = "search"
    per_page: int = 10
    max_per_page: int = 100
    passages: int = 3
    passage_chars: int = 200
    time_budget_ms: int = 1000  # a search's time budget (service.search.core); then 503
    host: str = "127.0.0.1"
    port: int = 8000
    threads: int = 8
    write_threads: int = 8  # threads of their own for the write API (web.server.Lanes)
    answer_cache_mb: int = 8  # answers kept per generation (service.answers); 0: none
    # The bearer token that the write API asks for; empty: writes are disabled. Never in
    # the repr, so a logged or printed Config does not show it.
    write_token: str = field(default="", repr=False)
    synonyms: tuple[tuple[str, ...], ...] = ()
    source: Path | None = None  # the file it was read from

    @classmethod
    def from_dict(cls, data: Mapping, base: Path, source: Path | None = None) -> Config:
        """Build a Config from parsed TOML; paths relative to ``base``."""
        flat = _flatten(data, source)
        for key in ("corpus_path", "index_path"):
            if key in flat:
                flat[key] = (base / str(flat[key])).resolve()
        if "synonyms" in flat:
            flat["synonyms"] = _synonym_groups(flat["synonyms"], source)
        missing = {"corpus_path", "index_path"} - set(flat)
        if missing:
            raise ConfigError(f"{source} : réglage manquant : {', '.join(sorted(missing))}")
        _check_types(flat, source)
        return cls(**flat, source=source)


# (section, key) in the TOML file -> field of Config
KEYS = {
    ("corpus", "path"): "corpus_path",
    ("index", "path"): "index_path",
    ("index", "engine"): "engine",
    ("index", "dsn"): "dsn",
    ("index", "schema"): "schema",
    ("search", "per_page"): "per_page",
    ("search", "max_per_page"): "max_per_page",
    ("search", "passages"): "passages",
    ("search", "passage_chars"): "passage_chars",
    ("search", "time_budget_ms"): "time_budget_ms",
    ("service", "host"): "host",
    ("service", "port"): "port",
    ("service", "threads"): "threads",
    ("service", "write_threads"): "write_threads",
    ("service", "answer_cache_mb"): "answer_cache_mb",
    ("service", "write_token"): "write_token",
    ("synonyms", "groups"): "synonyms",
}
# Text settings: an environment override keeps their raw value, never parsed as JSON.
_STR_FIELDS = {f.name: f.type == "str" for f in fields(Config)}


def load_config(path: Path | str | None = None, environ: Mapping[str, str] = os.environ) -> Config:
    """Read the config file named by ``path``, $SEARCH_CONFIG or the default, then overrides."""
    path = Path(path or environ.get("SEARCH_CONFIG") or DEFAULT_CONFIG).resolve()
    data = read_toml(path)
    apply_env_overrides(data, environ)
    return Config.from_dict(data, base=path.parent, source=path)


def read_toml(path: Path) -> dict:
    """Parse a TOML file; ConfigError naming the file on any failure."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as e:
        raise ConfigError(f"fichier de configuration introuvable : {path}") from e
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path} : configuration illisible : {e}") from e


def apply_env_overrides(data: dict, environ: Mapping[str, str]) -> None:
    """SEARCH_SERVICE__PORT=8080 -> data["service"]["port"] = 8080."""
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        data.setdefault(section, {})[key] = _env_value(section, key, raw)


def _env_value(section: str, key: str, raw: str) -> object:
    """An override's value: JSON, or the raw string (always, for a text setting: a token
    of digits stays a string)."""
    if _STR_FIELDS.get(KEYS.get((section, key))):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _flatten(data: Mapping, source: Path | None) -> dict:
    flat = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{source} : « {section} » devrait être une section [{section}]")
        for key, value in table.items():
            if (section, key) not in KEYS:
                raise ConfigError(f"{source} : réglage inconnu « {section}.{key} »")
            flat[KEYS[section, key]] = value
    return flat


def _synonym_groups(groups: object, source: Path | None) -> tuple[tuple[str, ...], ...]:
    ok = isinstance(groups, list) and all(
        isinstance(g, list) and len(g) >= 2 and all(isinstance(p, str) for p in g) for g in groups
    )
    if not ok:
        raise ConfigError(
            f"{source} : synonyms.groups doit être une liste de listes d'au moins deux expressions"
        )
    return tuple(tuple(g) for g in groups)


def _check_types(flat: dict, source: Path | None) -> None:
    for f in fields(Config):
        if f.name in flat and f.type in ("int", "str"):
            expected = int if f.type == "int" else str
            value = flat[f.name]
            if not isinstance(value, expected) or isinstance(value, bool):
                shown = repr(value) if f.repr else type(value).__name__  # a secret is not shown
                raise ConfigError(
                    f"{source} : « {f.name} » doit être de type {expected.__name__}, pas {shown}"
                )
    if flat.get("time_budget_ms", 1) < 1:
        raise ConfigError(
            f"{source} : « time_budget_ms » doit être un nombre de millisecondes positif, "
            f"pas {flat['time_budget_ms']}"
        )
    for name in ("threads", "write_threads"):
        if flat.get(name, 1) < 1:
            raise ConfigError(f"{source} : « {name} » doit être au moins 1, pas {flat[name]}")
    if flat.get("answer_cache_mb", 0) < 0:
        raise ConfigError(
            f"{source} : « answer_cache_mb » doit être positif ou nul (0 : pas de cache), "
            f"pas {flat['answer_cache_mb']}"
        )
