"""The layering rules (../shared/DESIGN.md) as import-linter contracts in pyproject.toml, run here.

The contracts: `api` imports no app code, no widgets and no Textual; widgets import no app code and no
HTTP client; the modules of each package import each other without cycles.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "app", "widgets")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(script), "--no-cache", "--no-logo"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def _copy_of_the_project(target: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_the_contracts_name_every_layering_rule() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    forbidden = {tuple(c["source_modules"]): set(c["forbidden_modules"]) for c in contracts if c["type"] == "forbidden"}
    assert {"app", "widgets", "textual"} <= forbidden[("api",)]
    assert {"app", "api.client"} <= forbidden[("widgets",)]
    assert {"textual", "app.screens", "app.tui", "widgets"} <= forbidden[("app.desk",)]
    assert "textual" in forbidden[("app.cli",)]
    acyclic = [c for c in contracts if c["type"] == "acyclic_siblings"]
    assert acyclic and set(PACKAGES) <= set(acyclic[0]["ancestors"])


def test_the_project_keeps_its_import_contracts() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_widget_that_imports_app_code_breaks_a_contract(tmp_path: Path) -> None:
    copy = _copy_of_the_project(tmp_path)
    badges = copy / "widgets" / "badges.py"
    badges.write_text(badges.read_text() + "\nfrom app.drafts import DraftStore  # noqa\n")
    result = _lint_imports(copy)
    assert result.returncode != 0
    assert "widgets are dumb renderers" in result.stdout and "BROKEN" in result.stdout


def test_an_import_cycle_between_app_modules_breaks_a_contract(tmp_path: Path) -> None:
    copy = _copy_of_the_project(tmp_path)
    drafts = copy / "app" / "drafts.py"
    # app.outbox imports app.drafts; the reverse closes a cycle.
    drafts.write_text(drafts.read_text() + "\nfrom app import outbox  # noqa\n")
    result = _lint_imports(copy)
    assert result.returncode != 0
    assert "without cycles BROKEN" in result.stdout


def test_a_desk_module_that_imports_textual_breaks_a_contract(tmp_path: Path) -> None:
    copy = _copy_of_the_project(tmp_path)
    store = copy / "app" / "desk" / "store.py"
    store.write_text(store.read_text() + "\nfrom textual.widget import Widget  # noqa\n")
    result = _lint_imports(copy)
    assert result.returncode != 0
    assert "app.desk is the desk's state" in result.stdout and "BROKEN" in result.stdout
