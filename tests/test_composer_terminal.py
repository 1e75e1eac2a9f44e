"""The composer in a real terminal (tmux): `$EDITOR` through App.suspend(), and a draft that survives
a SIGKILL of the app (no clean shutdown, no on_unmount) and comes back when the app starts again."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
from pathlib import Path

from api.sandbox import create_sandbox
from app.drafts import DraftStore
from tests.terminal import Terminals, Tmux, needs_tmux, wait_until

pytestmark = needs_tmux

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


def test_draft_survives_sigkill_and_editor_round_trip(terminals: Terminals, tmp_path: Path) -> None:
    db, drafts = tmp_path / "sandbox.sqlite3", tmp_path / "drafts"
    create_sandbox(db, rate_limit=0).close()  # seeded once; both runs see the same tickets
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    editor = tmp_path / "editor.sh"
    editor.write_text(EDITOR)
    editor.chmod(0o755)
    command = (f"cd {ROOT} && exec env -u VISUAL EDITOR={editor} TERM=xterm-256color "
               f"{sys.executable} {runner} {db} {drafts}")

    tmux: Tmux = terminals()
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
    wait_until(lambda: any("edited in the editor" in p.read_text() for p in drafts.glob("*.json")),
               "the draft with the editor's change on disk")
    (path,) = drafts.glob("*.json")
    ticket_id = path.stem
    assert store.load(ticket_id).text == "Typed before the crash\nedited in the editor"

    os.kill(tmux.pid(), signal.SIGKILL)  # no shutdown, no unmount: only what is already on disk counts
    tmux.close()  # its only pane is dead, so the server may already have exited: that is fine
    assert store.load(ticket_id).text == "Typed before the crash\nedited in the editor"

    tmux = terminals()  # a fresh server: a new session on the old socket races with its exit
    tmux.start(command)
    tmux.wait_for(lambda s: " of " in s, "the list after the restart")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "SLA response" in s and ticket_id in s, "the same ticket")
    tmux.keys("r")
    screen = tmux.wait_for(lambda s: "Restored your unsent reply" in s, "the restored draft")
    assert "Typed before the crash" in screen and "edited in the editor" in screen
