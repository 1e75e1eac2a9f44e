"""Steady typing in a real terminal (tmux), then kill -9: the restarted app has the draft up to about the
last second. Keys are paced faster than the composer's pause, so only the max-wait can have saved them."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path

from api.sandbox import create_sandbox
from app.autosave import SAVE_MAX_WAIT
from app.drafts import DraftStore
from app.screens.composer import SAVE_DELAY
from tests.terminal import Terminals, needs_tmux
from tests.test_composer_terminal import ROOT, RUNNER

pytestmark = needs_tmux  # `terminals` (tests/conftest.py): a fresh tmux server per app run

KEY_GAP = SAVE_DELAY / 3  # well under the pause: a steady typist
TYPED = "steady typing without a pause long enough for the debounce to ever fire once "
# How far behind the keys the app may be when it is killed: the max-wait, and slack for a loaded machine.
LAG = SAVE_MAX_WAIT + 1.5


def flat(screen: str) -> str:
    """The pane's text with the text area's borders and line wraps as single spaces."""
    return re.sub(r"[█▀▄\s]+", " ", screen)


def test_steady_typing_survives_kill_9_up_to_about_the_last_second(terminals: Terminals, tmp_path: Path) -> None:
    db, drafts = tmp_path / "sandbox.sqlite3", tmp_path / "drafts"
    create_sandbox(db, rate_limit=0).close()
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    command = f"cd {ROOT} && exec env TERM=xterm-256color {sys.executable} {runner} {db} {drafts}"

    tmux = terminals()
    tmux.start(command)
    tmux.wait_for(lambda s: " of " in s, "the list")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "SLA response" in s, "the detail view")
    tmux.keys("r")
    tmux.wait_for(lambda s: "the customer will see this" in s, "the composer")

    # (when, how many characters the app had painted by then): what it had certainly received.
    painted: list[tuple[float, int]] = []
    started = time.monotonic()
    for count, char in enumerate(TYPED, start=1):
        tmux.keys(char, literal=True)
        time.sleep(KEY_GAP)  # pacing the typist, not waiting for the app
        screen = flat(tmux.screen())
        shown = max((n for n in range(count, 0, -1) if TYPED[:n] in screen), default=0)
        painted.append((time.monotonic(), shown))
    typing_for = time.monotonic() - started
    os.kill(tmux.pid(), signal.SIGKILL)  # mid-typing: no pause, no shutdown, no unmount
    killed = time.monotonic()

    # Everything the app had painted LAG seconds before the kill is on disk.
    needed = max((n for at, n in painted if at <= killed - LAG), default=0)
    assert typing_for > 3 * LAG and needed > len(TYPED) // 3, f"the app fell too far behind the keys: {painted}"
    written = list(drafts.glob("*.json"))
    assert len(written) == 1, "nothing was written while the agent typed"
    path = written[0]
    saved = DraftStore(drafts).load(path.stem)
    assert saved is not None and TYPED.startswith(saved.text)
    assert len(saved.text) >= needed, (saved.text, needed)

    tmux = terminals()
    tmux.start(command)
    tmux.wait_for(lambda s: " of " in s, "the list after the restart")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "SLA response" in s and path.stem in s, "the same ticket")
    tmux.keys("r")
    tail = saved.text.strip()[-20:]
    tmux.wait_for(lambda s: "Restored your unsent reply" in s and tail in flat(s), "the restored draft")
