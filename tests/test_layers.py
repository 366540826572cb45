"""The import contract: arrows point one way (DESIGN.md, "Layout").

    web, cli  ->  search, corpus  ->  indexer
    config, errors: leaves that every layer may use

Read from the source (every import statement, relative ones resolved), so a new arrow
the wrong way fails here whatever imports it at run time; then, in fresh interpreters,
what importing a layer really loads, and that importing leaves the process as it was.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("indexer", "service")

# module prefix -> prefixes it must never import (first match wins: most specific first)
FORBIDDEN = {
    "service.config": ("service.search", "service.web", "service.cli", "service.corpus"),
    "service.errors": ("service.",),
    "service.search": (
        "flask",
        "click",
        "werkzeug",
        "waitress",
        "service.web",
        "service.cli",
        "service.corpus",
    ),
    "service.corpus": (
        "flask",
        "click",
        "werkzeug",
        "waitress",
        "service.web",
        "service.cli",
        "service.search",
    ),
    "service.web": ("click", "service.cli"),
    "service.cli": (),
    "indexer.engines.whoosh": ("indexer.engines.tantivy", "service", "flask", "click"),
    "indexer.engines.tantivy": ("indexer.engines.whoosh", "whoosh", "service", "flask", "click"),
    "indexer": ("service", "flask", "click", "werkzeug", "waitress"),
}


def modules() -> dict[str, Path]:
    """Every module of our packages, by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path) -> set[str]:
    """The dotted names a module imports, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def rule_of(name: str) -> tuple[str, ...]:
    for prefix, forbidden in FORBIDDEN.items():
        if name == prefix or name.startswith(prefix + "."):
            return forbidden
    return ()


def _matches(imported: str, prefix: str) -> bool:
    return imported == prefix.rstrip(".") or imported.startswith(prefix.rstrip(".") + ".")


MODULES = modules()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_one_way(name):
    forbidden = rule_of(name)
    wrong = sorted(
        imported
        for imported in imports_of(name, MODULES[name])
        if any(_matches(imported, prefix) for prefix in forbidden)
    )
    assert not wrong, f"{name} imports {wrong}: against the arrows of DESIGN.md"


def test_every_room_says_what_it_is_for():
    packages = [p for p in MODULES.values() if p.name == "__init__.py"]
    assert len(packages) >= 6
    for path in packages:
        doc = ast.get_docstring(ast.parse(path.read_text("utf-8")))
        assert doc and len(doc.split()) >= 10, f"{path}: no docstring that says what it holds"


def loaded_by(statement: str) -> set[str]:
    """The top-level packages and our modules loaded by a statement, in a fresh Python."""
    code = f"{statement}; import sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    import json

    return set(json.loads(out.stdout))


def test_the_search_core_loads_neither_flask_nor_click():
    loaded = loaded_by(
        "import service.search.core, service.search.completion, service.search.similar"
    )
    tops = {m.split(".")[0] for m in loaded}
    assert not tops & {"flask", "click", "werkzeug", "waitress"}
    assert not {m for m in loaded if m.startswith(("service.web", "service.cli", "service.corpus"))}


def test_reading_a_configuration_loads_no_search_code():
    loaded = loaded_by("from service.config import load_config; load_config()")
    assert not {m for m in loaded if m.startswith(("service.search", "indexer"))}
    assert not {m.split(".")[0] for m in loaded} & {"rapidfuzz", "whoosh", "tantivy", "numpy"}


def test_the_build_worker_loads_no_search_core():
    loaded = loaded_by("import service.corpus.worker, service.corpus.articles")
    assert not {m for m in loaded if m.startswith(("service.search", "service.web"))}


@pytest.mark.parametrize(
    "module", ["service.cli.search", "service.cli.index", "service.cli.serve", "service.web.app"]
)
def test_importing_a_door_changes_nothing_in_the_process(module):
    code = (
        "import os, gettext; before = (dict(os.environ), gettext.textdomain()); "
        f"import {module}; "
        "assert (dict(os.environ), gettext.textdomain()) == before, 'changed at import'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
