"""The composer in a real terminal (tmux): `$EDITOR` through App.suspend(), and a draft that survives
a SIGKILL of the app (no clean shutdown, no on_unmount) and comes back when the app starts again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.sandbox import create_sandbox
from app.drafts import DraftStore

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None or os.name != "posix", reason="needs tmux")

ROOT = Path(__file__).resolve().parent.parent

RUNNER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from api.sandbox import create_sandbox
    from app.drafts import DraftStore
    from app.settings import Settings
    from app.tui import CStarApp

    sb = create_sandbox(sys.argv[1], rate_limit=0)
    settings = Settings(base_url=sb.base_url, team_id=sb.team_id, api_key=sb.keys.secret, agent_id=sb.agent_id,
                        agent_name=sb.agent_name, sandbox=True, transport=sb.transport())
    app = CStarApp(settings)
    app.draft_store = DraftStore(Path(sys.argv[2]))
    app.run()
""")

# A non-interactive "editor": appends a line to the file it is given, as an agent would in vim.
EDITOR = "#!/bin/sh\nprintf '\\nedited in the editor' >> \"$1\"\n"


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True,
                              text=True).stdout

    def start(self, command: str) -> None:
        self.run("new-session", "-d", "-s", "app", "-x", "120", "-y", "40", command)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "app")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "app", *(["-l"] if literal else []), *keys)

    def pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", "app", "#{pane_pid}").strip())

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 45) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{self.screen()}")


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    server = Tmux(f"cstar-test-{uuid.uuid4().hex[:8]}")
    yield server
    subprocess.run(["tmux", "-L", server.socket, "kill-server"], capture_output=True)


def test_draft_survives_sigkill_and_editor_round_trip(tmux: Tmux, tmp_path: Path) -> None:
    db, drafts = tmp_path / "sandbox.sqlite3", tmp_path / "drafts"
    create_sandbox(db, rate_limit=0).close()  # seeded once; both runs see the same tickets
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    editor = tmp_path / "editor.sh"
    editor.write_text(EDITOR)
    editor.chmod(0o755)
    command = (f"cd {ROOT} && exec env -u VISUAL EDITOR={editor} TERM=xterm-256color "
               f"{sys.executable} {runner} {db} {drafts}")

    tmux.start(command)
    tmux.wait_for(lambda s: " of " in s, "the list")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "SLA response" in s, "the detail view")
    tmux.keys("r")
    tmux.wait_for(lambda s: "the customer will see this" in s, "the composer")
    tmux.keys("Typed before the crash", literal=True)
    tmux.wait_for(lambda s: "Typed before the crash" in s, "the text")
    tmux.keys("C-e")
    tmux.wait_for(lambda s: "edited in the editor" in s, "the editor's change")

    store = DraftStore(drafts)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        saved = list(drafts.glob("*.json"))
        if saved and "edited in the editor" in saved[0].read_text():
            break
        time.sleep(0.05)
    (path,) = drafts.glob("*.json")
    ticket_id = path.stem
    assert store.load(ticket_id).text == "Typed before the crash\nedited in the editor"

    os.kill(tmux.pid(), signal.SIGKILL)  # no shutdown, no unmount: only what is already on disk counts
    tmux.run("kill-server")
    assert store.load(ticket_id).text == "Typed before the crash\nedited in the editor"

    tmux.start(command)
    tmux.wait_for(lambda s: " of " in s, "the list after the restart")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "SLA response" in s and ticket_id in s, "the same ticket")
    tmux.keys("r")
    screen = tmux.wait_for(lambda s: "Restored your unsent reply" in s, "the restored draft")
    assert "Typed before the crash" in screen and "edited in the editor" in screen
