"""The installed entry point in a real terminal (tmux) against `cstar-tui serve` over loopback:
the list is interactive, `/` filters, quitting exits 0, and a connection that can't work exits non-zero."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.terminal import WAIT, Terminals, Tmux, needs_tmux, wait_until

pytestmark = needs_tmux

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def terminal(terminals: Terminals) -> Tmux:
    return terminals(width=130, height=36)


@pytest.fixture
def served() -> Iterator[dict]:
    with subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--json", "--port", "0"], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        try:
            assert proc.stdout is not None
            yield json.loads(proc.stdout.readline())
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=WAIT)


def _command(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[str, Path]:
    status = tmp_path / "exit-status"
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    # COLUMNS/LINES unset: a shell may export the pane's size from before tmux sized it (80x24), and the
    # app would believe them rather than the terminal.
    command = (f"cd {ROOT} && env -u COLUMNS -u LINES TERM=xterm-256color XDG_DATA_HOME={tmp_path} {exports} "
               f"{sys.executable} -m app.cli {' '.join(args)}; echo $? > {status}; sleep 30")
    return command, status


def all_first_config(tmp_path: Path, extra: str = "") -> Path:
    """A config whose one view is All, newest first (the default first view, "Unsolved by SLA", is read whole
    and sorted: tests/test_keystrokes_terminal.py runs the app with the default views)."""
    config = tmp_path / "config.toml"
    config.write_text(f'{extra}\n[[views]]\nname = "All"\nquery = ""\n')
    config.chmod(0o600)
    return config


def _exit_status(status: Path) -> int:
    text = wait_until(lambda: status.exists() and status.read_text().strip(), "the app to exit")
    return int(text)


def test_against_a_served_sandbox_the_list_filters_and_quits_with_zero(terminal: Tmux, served: dict,
                                                                        tmp_path: Path) -> None:
    env = {"CSTAR_API_KEY": served["keys"]["secret"], "CSTAR_CONFIG": str(all_first_config(tmp_path))}
    command, status = _command(tmp_path, env, "--base-url", served["baseUrl"], "--team", served["teamId"],
                               "--agent-id", served["agent"]["id"])
    terminal.start(command)
    screen = terminal.wait_for(lambda s: "50 of " in s, "the first page")
    assert "SANDBOX" not in screen.splitlines()[0]  # a served sandbox is a service like any other
    assert served["keys"]["secret"] not in screen and "sk_test_…" in screen
    terminal.keys("/status:closed", literal=True)  # one burst, as a fast typist or a paste sends it
    # The query is on screen while it is typed (a focused bar once hid it), before Enter.
    terminal.wait_for(lambda s: any("status:closed" in line and "filter:" not in line for line in s.splitlines()),
                      "the typed query in the focused filter bar")
    terminal.keys("Enter")
    screen = terminal.wait_for(lambda s: "▪ closed" in s and "▸ open" not in s, "closed tickets only")
    badges = ("◉ new", "▸ open", "◌ pending", "✓ resolved", "▪ closed")
    rows = [line for line in screen.splitlines() if any(badge in line for badge in badges)]
    assert len(rows) > 10 and all("▪ closed" in row for row in rows), screen
    terminal.keys("q")
    assert _exit_status(status) == 0


def test_an_unreachable_service_says_so_and_quitting_exits_non_zero(terminal: Tmux, tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command, status = _command(tmp_path, {"CSTAR_API_KEY": "sk_test_NoSuchKeyNoSuchKeyNoSuch9Z8Y"},
                               "--base-url", f"http://127.0.0.1:{port}", "--team", "team_x")
    terminal.start(command)
    screen = terminal.wait_for(lambda s: "cannot be reached" in s, "the connection error screen")
    assert "NoSuchKeyNoSuch" not in screen
    terminal.keys("q")
    assert _exit_status(status) == 1
