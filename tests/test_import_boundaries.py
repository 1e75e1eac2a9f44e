"""api/ never imports Textual: checked at run time in a fresh interpreter, and in the source."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
API_MODULES = ["api", "api.models", "api.errors", "api.filters", "api.client", "api.clean_text"]


def _modules_after_import(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return set(json.loads(result.stdout))


def test_importing_the_client_does_not_import_textual() -> None:
    loaded = _modules_after_import(API_MODULES)
    assert "api.client" in loaded  # the check ran where it should
    assert not {name for name in loaded if name == "textual" or name.startswith("textual.")}


def test_the_check_would_notice_textual() -> None:
    assert "textual" in _modules_after_import(["api.client", "textual"])


def _imported_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "api").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_under_api_imports_textual_or_the_app(path: Path) -> None:
    """Also the imports a run-time check misses: inside functions and behind TYPE_CHECKING."""
    forbidden = {
        name for name in _imported_names(path) if name.split(".")[0] in {"textual", "rich", "app", "widgets"}
    }
    assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}"
