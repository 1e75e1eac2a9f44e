"""A real terminal for tests: a private tmux server per app run, read by condition, torn down tolerantly.

Every wait here is on something the test can see (the pane's text, a file, the server being gone), with a
generous ceiling that only matters when the test fails: a loaded 2-core CI machine starts the app slowly.

Each `Tmux` is its own server on its own socket in its own temporary directory. A second app run gets a
new server: `kill-server` then `new-session` on the same socket races (the old server, still going away,
answers "server exited unexpectedly"), and a server whose only pane was killed exits by itself, so
`kill-server` afterwards finds nothing to kill. `close()` accepts a server that is already gone and fails
on anything else, including a server that is still there after being killed.

Use the `tmux` fixture (one server) or `terminals` (one per call), both in `tests/conftest.py`, and mark
the module with `needs_tmux`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests import waiting

__all__ = ["WAIT", "Terminals", "Tmux", "TmuxError", "needs_tmux", "wait_until"]

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None or os.name != "posix", reason="needs tmux")

WAIT = 45.0
"""Seconds before a wait on the terminal gives up: a loaded CI machine starts the app slowly."""

POLL = 0.05
"""Seconds between two looks at the pane (a `capture-pane` is a process start)."""

T = TypeVar("T")

# What tmux says when there is no server to talk to (never started, exited, or exiting as we connect).
_GONE = ("no server running", "error connecting to", "server exited unexpectedly", "lost server")


def wait_until(predicate: Callable[[], T], what: str, timeout: float = WAIT,
               describe: Callable[[], str] | None = None) -> T:
    """`tests.waiting.wait_until` with the terminal's longer ceiling."""
    return waiting.wait_until(predicate, what, timeout, describe, poll=POLL)


class TmuxError(RuntimeError):
    """A tmux command failed; the message has its stderr (CalledProcessError's does not)."""


class Tmux:
    """One tmux server with (at most) one session, `app`, running the command under test."""

    def __init__(self, width: int = 120, height: int = 40) -> None:
        self.width, self.height = width, height
        # A short directory of our own: socket paths are limited to ~100 bytes, and removing the
        # directory removes the socket file tmux leaves behind.
        self._dir = Path(tempfile.mkdtemp(prefix="cstar-tmux-"))
        self.socket = str(self._dir / "socket")
        self.closed = False

    def _tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        # -f /dev/null: the machine's ~/.tmux.conf must not change what a test sees.
        return subprocess.run(["tmux", "-S", self.socket, "-f", "/dev/null", *args], capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)

    def run(self, *args: str) -> str:
        result = self._tmux(*args)
        if result.returncode != 0:
            raise TmuxError(f"tmux {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
        return result.stdout

    def start(self, command: str) -> None:
        self.run("new-session", "-d", "-s", "app", "-x", str(self.width), "-y", str(self.height), command)

    def screen(self, *, escapes: bool = False) -> str:
        return self.run("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "app")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "app", *(["-l"] if literal else []), *keys)

    def pid(self) -> int:
        """The pane's process: the command given to `start` (use `exec` in it to make that the app)."""
        return int(self.run("display-message", "-p", "-t", "app", "#{pane_pid}").strip())

    def title(self, target: str = "app") -> str:
        return self.run("display-message", "-p", "-t", target, "#{pane_title}").strip()

    def buffers(self) -> str:
        """The samples of the paste buffers (what OSC 52 would have set); empty when there are none."""
        result = self._tmux("list-buffers", "-F", "#{buffer_sample}")
        return result.stdout if result.returncode == 0 else ""

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = WAIT) -> str:
        """Wait until the pane's text satisfies `predicate`; return that text."""
        seen = ""

        def check() -> bool:
            nonlocal seen
            seen = self.screen()
            return predicate(seen)

        wait_until(check, what, timeout, describe=lambda: f"the screen was:\n{seen}")
        return seen

    def alive(self) -> bool:
        """Whether the server still answers; only tmux's own "nobody there" answers count as gone."""
        result = self._tmux("list-sessions")
        if result.returncode == 0:
            return True
        if any(phrase in result.stderr for phrase in _GONE):
            return False
        # "no sessions" (server up, session gone) or anything else: still there as far as we know.
        return True

    def close(self) -> None:
        """Kill the server. Already gone (its app was killed, or it exited) is fine; still there is not."""
        if self.closed:
            return
        self.closed = True
        try:
            result = self._tmux("kill-server")
            if result.returncode != 0 and not any(phrase in result.stderr for phrase in _GONE):
                raise TmuxError(f"tmux kill-server exited {result.returncode}: {result.stderr.strip()}")
            wait_until(lambda: not self.alive(), "the tmux server to exit after kill-server")
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)


class Terminals:
    """Makes a fresh `Tmux` per call and closes every one of them at the end."""

    def __init__(self) -> None:
        self.made: list[Tmux] = []

    def __call__(self, width: int = 120, height: int = 40) -> Tmux:
        self.made.append(Tmux(width, height))
        return self.made[-1]

    def close(self) -> None:
        errors: list[BaseException] = []
        for server in self.made:
            try:
                server.close()
            except Exception as exc:  # close the others too, then report the first failure
                errors.append(exc)
        if errors:
            raise errors[0]
