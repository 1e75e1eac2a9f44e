"""The installed entry point in a real terminal (tmux) against `cstar-tui serve` over loopback:
the list is interactive, `/` filters, quitting exits 0, and a connection that can't work exits non-zero."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None or os.name != "posix", reason="needs tmux")

ROOT = Path(__file__).resolve().parent.parent


class Terminal:
    def __init__(self) -> None:
        self.socket = f"cstar-list-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True).stdout

    def start(self, command: str) -> None:
        self.run("new-session", "-d", "-s", "app", "-x", "130", "-y", "36", command)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "app")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "app", *(["-l"] if literal else []), *keys)

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 45) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{self.screen()}")


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal()
    yield term
    subprocess.run(["tmux", "-L", term.socket, "kill-server"], capture_output=True)


@pytest.fixture
def served() -> Iterator[dict]:
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--json", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    yield info
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)


def _command(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[str, Path]:
    status = tmp_path / "exit-status"
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    command = (f"cd {ROOT} && env TERM=xterm-256color XDG_DATA_HOME={tmp_path} {exports} "
               f"{sys.executable} -m app.cli {' '.join(args)}; echo $? > {status}; sleep 30")
    return command, status


def _exit_status(status: Path) -> int:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if status.exists() and status.read_text().strip():
            return int(status.read_text())
        time.sleep(0.05)
    raise AssertionError("the app did not exit")


def test_against_a_served_sandbox_the_list_filters_and_quits_with_zero(terminal: Terminal, served: dict,
                                                                        tmp_path: Path) -> None:
    env = {"CSTAR_API_KEY": served["keys"]["secret"]}
    command, status = _command(tmp_path, env, "--base-url", served["baseUrl"], "--team", served["teamId"],
                               "--agent-id", served["agent"]["id"])
    terminal.start(command)
    screen = terminal.wait_for(lambda s: "50 of " in s, "the first page")
    assert "SANDBOX" not in screen.splitlines()[0]  # a served sandbox is a service like any other
    assert served["keys"]["secret"] not in screen and "sk_test_…" in screen
    terminal.keys("/status:closed", literal=True)  # one burst, as a fast typist or a paste sends it
    terminal.keys("Enter")
    screen = terminal.wait_for(lambda s: "▪ closed" in s and "▸ open" not in s, "closed tickets only")
    badges = ("◉ new", "▸ open", "◌ pending", "✓ resolved", "▪ closed")
    rows = [line for line in screen.splitlines() if any(badge in line for badge in badges)]
    assert len(rows) > 10 and all("▪ closed" in row for row in rows), screen
    terminal.keys("q")
    assert _exit_status(status) == 0


def test_an_unreachable_service_says_so_and_quitting_exits_non_zero(terminal: Terminal, tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command, status = _command(tmp_path, {"CSTAR_API_KEY": "sk_test_NoSuchKeyNoSuchKeyNoSuch9Z8Y"},
                               "--base-url", f"http://127.0.0.1:{port}", "--team", "team_x")
    terminal.start(command)
    screen = terminal.wait_for(lambda s: "cannot be reached" in s, "the connection error screen", timeout=40)
    assert "NoSuchKeyNoSuch" not in screen
    terminal.keys("q")
    assert _exit_status(status) == 1
