"""The shared tmux helper (tests/terminal.py): teardown accepts a server that is already gone, and still
reports one that will not go, or a command that failed."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.terminal import Terminals, Tmux, TmuxError, needs_tmux, wait_until

pytestmark = needs_tmux


def test_closing_after_the_app_was_killed_is_fine_even_once_the_server_has_exited(terminals: Terminals) -> None:
    # The race behind "kill-server returned non-zero exit status 1": the pane's process is killed, tmux
    # exits by itself (its only session ended), and kill-server then finds no server. Here the exit is
    # waited for, so the race is lost every time.
    tmux = terminals()
    tmux.start("exec sleep 3600")
    os.kill(tmux.pid(), signal.SIGKILL)
    wait_until(lambda: not tmux.alive(), "tmux to exit once its only pane died")
    tmux.close()
    assert not Path(tmux.socket).exists()  # the socket file tmux leaves behind is gone too


def test_closing_a_live_server_kills_it_and_its_app(terminals: Terminals, tmp_path: Path) -> None:
    tmux = terminals()
    tmux.start("exec sleep 3600")
    pid = tmux.pid()
    tmux.close()
    assert not tmux.alive()
    wait_until(lambda: not _running(pid), "the pane's process to end with its server")
    tmux.close()  # twice is fine


def test_a_new_server_per_run_restarts_at_once_after_a_kill(terminals: Terminals) -> None:
    first = terminals()
    first.start("exec sleep 3600")
    os.kill(first.pid(), signal.SIGKILL)
    first.close()
    second = terminals()
    second.start("printf 'second run'; exec sleep 3600")
    assert "second run" in second.wait_for(lambda s: "second run" in s, "the second run")


def test_a_failing_command_says_what_tmux_said() -> None:
    tmux = Tmux()
    try:
        tmux.start("exec sleep 3600")
        with pytest.raises(TmuxError, match="no-such-command"):
            tmux.run("no-such-command")
        with pytest.raises(AssertionError, match="(?s)never shown.*the screen was"):
            tmux.wait_for(lambda s: "never shown" in s, "never shown", timeout=0.2)
    finally:
        tmux.close()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (not yet reaped by its parent, which is gone) counts as ended.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z"))
