"""`cstar-tui completion bash|zsh|fish` (issue 14): each script loads in its shell and completes the
subcommands, their flags and the flags' choices (asked of the shell itself where it can answer)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli_support import cli


def _script(shell: str, tmp_path: Path) -> Path:
    done = cli(None, "completion", shell)
    assert done.returncode == 0, done.stderr
    path = tmp_path / f"cstar-tui.{shell}"
    path.write_text(done.stdout)
    return path


def _bash_complete(script: Path, *words: str) -> list[str]:
    """What bash offers for the command line `words` (the last one is being typed)."""
    quoted = " ".join(f"'{w}'" for w in words)
    done = subprocess.run(["bash", "-c", f"source {script}; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
                           "_cstar_tui; printf '%s\\n' \"${COMPREPLY[@]}\""], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_commands_flags_and_choices(tmp_path: Path) -> None:
    script = _script("bash", tmp_path)
    assert sorted(_bash_complete(script, "cstar-tui", "")) == sorted(
        ["tickets", "ticket", "reply", "note", "completion", "serve", "config"])
    assert _bash_complete(script, "cstar-tui", "ticket", "up") == ["update"]
    assert "--where" in _bash_complete(script, "cstar-tui", "ticket", "update", "--")
    assert _bash_complete(script, "cstar-tui", "ticket", "update", "--status", "pe") == ["pending"]
    assert sorted(_bash_complete(script, "cstar-tui", "tickets", "list", "--c")) == ["--csv"]
    assert _bash_complete(script, "cstar-tui", "completion", "f") == ["fish"]
    assert _bash_complete(script, "cstar-tui", "reply", "tkt_x", "--status", "res") == ["resolved"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="needs zsh")
def test_zsh_loads_the_script_and_registers_the_completion(tmp_path: Path) -> None:
    script = _script("zsh", tmp_path)
    done = subprocess.run(["zsh", "-c", f"autoload -U compinit; compinit -u; source {script}; "
                           "print -r -- ${_comps[cstar-tui]}"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "_bash_complete" in done.stdout and "_cstar_tui" in done.stdout


@pytest.mark.skipif(shutil.which("fish") is None, reason="needs fish")
def test_fish_completes_commands_flags_and_choices(tmp_path: Path) -> None:
    script = _script("fish", tmp_path)

    def complete(line: str) -> list[str]:
        done = subprocess.run(["fish", "--no-config", "-c", f"source {script}; complete -C '{line}'"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert {"tickets", "ticket", "reply", "note", "completion"} <= set(complete("cstar-tui "))
    assert complete("cstar-tui ticket up") == ["update"]
    assert "--where" in complete("cstar-tui ticket update --")
    assert set(complete("cstar-tui ticket update --status ")) == {"new", "open", "pending", "resolved", "closed"}
