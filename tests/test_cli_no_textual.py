"""Starting a scripting subcommand imports no Textual (issue 14): a script pays only for what it uses.

Each subcommand runs in a fresh interpreter through `app.cli.main`, against the served sandbox, with a
config file that sets a theme (validating it once imported Textual); afterwards `textual` must not be in
`sys.modules`. The import-linter contract in pyproject.toml says the same of the code's imports.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from api.sandbox import Sandbox
from tests.cli_support import ROOT, create, env_for

SCRIPT = textwrap.dedent("""
    import sys
    from app.cli import main
    status = main(sys.argv[1:])
    loaded = sorted(name for name in sys.modules if name == "textual" or name.startswith(("textual.", "widgets")))
    print("LOADED", loaded, "STATUS", status, file=sys.stderr)
    sys.exit(3 if loaded else status)
""")


def _run(sandbox: Sandbox, config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = env_for(sandbox, CSTAR_CONFIG=str(config))
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          input=stdin, timeout=120)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\n')
    return path


@pytest.mark.parametrize("argv", [
    ["tickets", "list", "--limit", "2"],
    ["tickets", "list", "--all", "--csv", "status:open"],
    ["ticket", "show", "{id}", "--json"],
    ["ticket", "create", "--title", "no textual here"],
    ["ticket", "update", "{id}", "--status", "pending"],
    ["ticket", "update", "--where", "status:open", "--assign", "me", "--dry-run"],
    ["ticket", "delete", "{id}", "--yes"],
    ["reply", "{id}", "-m", "thanks"],
    ["note", "{id}", "-"],
    ["completion", "bash"],
])
def test_a_subcommand_imports_no_textual(served_sandbox: Sandbox, config: Path, argv: list[str]) -> None:
    made = create(served_sandbox, title="Imports")
    done = _run(served_sandbox, config, *(arg.replace("{id}", made["id"]) for arg in argv), stdin="a note\n")
    assert "LOADED [] STATUS 0" in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr


def test_a_bad_theme_in_the_config_is_still_refused_by_name(tmp_path: Path) -> None:
    from app.config import ConfigError, load_config

    path = tmp_path / "config.toml"
    path.write_text('theme = "nrod"\n')
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert "unknown theme 'nrod' (did you mean 'nord'?)" in str(refused.value)


def test_the_theme_names_are_textuals() -> None:
    from textual.theme import BUILTIN_THEMES

    from app.themes import THEME_NAMES

    assert set(THEME_NAMES) == set(BUILTIN_THEMES)


def test_a_subcommand_module_that_imports_textual_breaks_a_contract(tmp_path: Path) -> None:
    from tests.test_import_contracts import _copy_of_the_project, _lint_imports

    copy = _copy_of_the_project(tmp_path)
    listing = copy / "app" / "cli" / "listing.py"
    listing.write_text(listing.read_text() + "\nfrom app.screens.help import HelpScreen  # noqa\n")
    result = _lint_imports(copy)
    assert result.returncode != 0
    assert "app.cli imports no textual" in result.stdout and "BROKEN" in result.stdout
