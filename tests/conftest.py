"""Shared fixtures: a session index over tests/data, config, app, CLI runner, env scrub."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.store import IndexHandle
from service.config import Config, load_config

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
SEEDS_DIR = ROOT / "seeds"
NEWS = ROOT.parent / "shared" / "data" / "news-fr.jsonl.gz"


@pytest.fixture(autouse=True)
def _no_search_env(monkeypatch):
    """Tests never see the developer's SEARCH_* variables (as Flask does for FLASK_*)."""
    for key in [k for k in os.environ if k.startswith("SEARCH_")]:
        monkeypatch.delenv(key)


def write_config(folder: Path, corpus: Path, **sections: dict) -> Path:
    """A config.toml in ``folder`` whose corpus is ``corpus`` and index is folder/index."""
    lines = ["[corpus]", f'path = "{corpus}"', "[index]", 'path = "index"']
    for key, value in sections.pop("index", {}).items():
        lines.append(f'{key} = "{value}"')
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{k} = {v!r}".replace("'", '"') for k, v in values.items())
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def data_config_path(tmp_path_factory) -> Path:
    """A config over tests/data with its index built once for the session."""
    folder = tmp_path_factory.mktemp("data-index")
    corpus = folder / "corpus"
    shutil.copytree(DATA_DIR, corpus)
    path = write_config(folder, corpus)
    build_index(corpus, folder / "index")
    return path


@pytest.fixture(scope="session")
def seeds_config_path(tmp_path_factory) -> Path:
    """A config over the five seed articles with its index built once for the session."""
    folder = tmp_path_factory.mktemp("seeds-index")
    path = write_config(folder, SEEDS_DIR)
    build_index(SEEDS_DIR, folder / "index")
    return path


@pytest.fixture
def data_config(data_config_path) -> Config:
    return load_config(data_config_path, environ={})


@pytest.fixture
def seeds_config(seeds_config_path) -> Config:
    return load_config(seeds_config_path, environ={})


@pytest.fixture
def data_index(data_config) -> IndexHandle:
    return IndexHandle(data_config.index_path)


@pytest.fixture
def seeds_index(seeds_config) -> IndexHandle:
    return IndexHandle(seeds_config.index_path)
