"""Hostile tickets in a real terminal (tmux): the raw pane, escape sequences included, shows every escape as
visible text, and the terminal itself was not driven by any of them: its title is unchanged, no OSC 8
hyperlink is in the pane, and no OSC 52 sequence set a clipboard buffer.

A control window in the same tmux server prints the same kinds of sequences on purpose first, proving
that this tmux does act on them (it retitles the pane and stores the OSC 52 buffer), so their absence
from the app's pane means something.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from api.sandbox import create_sandbox
from tests.conftest import FIXED_NOW
from tests.hostile_corpus import CASES, insert_messages, insert_tickets
from tests.terminal import Terminals, Tmux, needs_tmux, wait_until

pytestmark = needs_tmux

ROOT = Path(__file__).resolve().parent.parent
RUNNER = textwrap.dedent("""
    import sys
    from api.sandbox import create_sandbox
    from app.settings import Settings
    from app.tui import CStarApp
    from app.views import View

    sb = create_sandbox(sys.argv[1], rate_limit=0)
    settings = Settings(base_url=sb.base_url, team_id=sb.team_id, api_key=sb.keys.secret, agent_id=sb.agent_id,
                        agent_name=sb.agent_name, sandbox=True, transport=sb.transport())
    CStarApp(settings, views=[View("All", "")]).run()  # newest first: the hostile tickets on top
""")
CLIPBOARD_PAYLOAD = "rm -rf ~"  # what the corpus's OSC 52 case (cm0gLXJmIH4K) would put on the clipboard


@pytest.fixture
def tmux(terminals: Terminals) -> Tmux:
    return terminals(width=160, height=45)


def _hostile_db(path: Path) -> str:
    sb = create_sandbox(path, rate_limit=0, empty=True, clock=lambda: FIXED_NOW)
    try:
        ids = insert_tickets(sb, FIXED_NOW, [
            {"id": f"tkt_Hostile{i:05d}", "title": case.text, "customer_name": case.text, "tags": [case.text]}
            for i, case in enumerate(CASES)])
        # Escapes last: the thread opens at its newest message, so they are the ones on screen.
        insert_messages(sb, ids[0], FIXED_NOW, [{"content": case.text, "sender_name": case.text}
                                                for case in reversed(CASES)])
    finally:
        sb.close()
    return ids[0]


def _assert_terminal_untouched(tmux: Tmux, title: str) -> str:
    raw = tmux.screen(escapes=True)
    assert tmux.title("app") == title, "the terminal title changed"
    assert CLIPBOARD_PAYLOAD not in tmux.buffers(), "an OSC 52 sequence reached the terminal"
    assert "\x1b]" not in raw, "an OSC sequence (hyperlink, title, clipboard) is in the pane"
    assert not any(0x80 <= ord(c) <= 0x9F for c in raw), "a C1 control is in the pane"
    return raw


def test_hostile_list_and_thread_leave_the_terminal_alone(tmux: Tmux, tmp_path: Path) -> None:
    db = tmp_path / "hostile.sqlite3"
    first = _hostile_db(db)
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    go = tmp_path / "go"
    # The app waits for `go`, so the pane's title can be read before anything of the app's reaches it.
    command = (f"until [ -e {go} ]; do sleep 0.02; done; cd {ROOT} && exec env TERM=xterm-256color "
               f"XDG_DATA_HOME={tmp_path} {sys.executable} {runner} {db}")
    tmux.start(command)
    tmux.run("set-option", "-g", "set-clipboard", "on")

    # The control: this tmux obeys a title change and an OSC 52 clipboard write.
    tmux.run("new-window", "-d", "-t", "app", "-n", "control",
             "printf '\\033]2;CONTROL\\007\\033]52;c;Y29udHJvbA==\\007'; sleep 3600")
    wait_until(lambda: tmux.title("app:control") == "CONTROL", "the control's title")
    wait_until(lambda: "control" in tmux.buffers(), "the control's clipboard buffer")

    title = tmux.title("app")
    go.touch()
    tmux.wait_for(lambda s: "tkt_Hostile00019" in s, "the hostile list")
    raw = _assert_terminal_untouched(tmux, title)
    for shown in ("␛]0;PWNED␇", "␛]8;;http://evil␛\\x", "␛]52;c;cm0gLXJmIH4K␇", "⟨9B⟩31m", "␛[2J␛[H",
                  "[@click=app.quit]x[/]", "invoice⟨RLO⟩gpj.exe"):
        assert shown in raw, shown
    # Each hostile ticket is one row, in order (nothing cleared the screen or broke a line).
    lines = tmux.screen().splitlines()
    rows = [index for index, line in enumerate(lines) if "tkt_Hostile" in line]
    assert rows == list(range(rows[0], rows[0] + len(CASES))), lines

    tmux.keys("Enter")
    thread_shown = ("␛]52;c;cm0gLXJmIH4K␇ clipboard", "␛]0;PWNED␇ title change", "␛]8;;http://evil␛\\x")
    # The thread is painted once each of these shows twice (the sender's name and the message).
    tmux.wait_for(lambda s: "SLA response" in s and first in s and all(s.count(shown) >= 2 for shown in thread_shown),
                  "the hostile thread, each sequence shown as the sender's name and in the message")
    _assert_terminal_untouched(tmux, title)
    tmux.keys("q")
