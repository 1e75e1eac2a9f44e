"""A reply in flight when the app is killed hard (SIGKILL, in a real terminal under tmux): the next app
finds the draft and its Idempotency-Key on disk, and the service ends up with the message exactly once.

The sandbox is served over loopback from this process, with the fault mode's latency holding the POST on
the server until the app is dead: the write then completes with nobody left to hear the answer, which is
the case a new key would turn into a second message.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import textwrap
import threading
from pathlib import Path

from api.sandbox import create_sandbox
from api.sandbox.faults import Fault, FaultPlan
from app.drafts import DraftStore
from tests.conftest import _ServedSandbox
from tests.terminal import Terminals, Tmux, needs_tmux, wait_until

pytestmark = needs_tmux

ROOT = Path(__file__).resolve().parent.parent

RUNNER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from app.drafts import DraftStore
    from app.settings import Settings
    from app.tui import CStarApp
    from app.views import View

    base_url, team, key, agent_id, drafts = sys.argv[1:6]
    settings = Settings(base_url=base_url, team_id=team, api_key=key, agent_id=agent_id, agent_name="Me")
    app = CStarApp(settings, views=[View("All", "")])  # newest first: the ticket made for the test on top
    app.draft_store = DraftStore(Path(drafts))
    app.run()
""")


def open_first_row(tmux: Tmux, ticket: str) -> None:
    # Over HTTP the table loses the focus while its first page loads (a loading widget can't be focused):
    # `/` then enter (an empty filter) hands it back, as an agent would find out.
    # The key bar (the last line) lists the keys that work where the focus is: "/ Filter" leaves it while
    # the filter has the keys, "⏎ Open" is there once the table has them.
    tmux.keys("/")
    tmux.wait_for(lambda s: "/ Filter" not in _key_bar(s), "the filter to have the keys")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "⏎ Open" in _key_bar(s), "the table to have the keys")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: ticket in s and "SLA response" in s, "the detail view")


def _key_bar(screen: str) -> str:
    return [line for line in screen.splitlines() if line.strip()][-1]


def test_a_send_in_flight_survives_sigkill_and_lands_exactly_once(terminals: Terminals,
                                                                  tmp_path: Path) -> None:
    sb = create_sandbox(rate_limit=0, tickets=20)
    ticket = sb.api.service.create(sb.team_id, {"title": "Killed mid-send"})["id"]
    drafts = tmp_path / "drafts"
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    path = f"/api/v1/teams/{sb.team_id}/tickets/{ticket}/messages"

    def stored() -> list[str]:
        return [m["content"] for m in sb.store.messages(ticket, include_internal=True)]

    def posts() -> int:
        return sum(1 for d in plan.history if d.method == "POST" and d.path == path)

    released = threading.Event()
    held = threading.Event()

    async def hold(_seconds: float) -> None:
        # The POST waits on the server until the test lets it go: after the kill, whatever the load. The
        # fault mode reads the whole request before it waits, so from here the write no longer needs the app.
        held.set()
        while not released.is_set():
            await asyncio.sleep(0.01)

    with _ServedSandbox(sb) as served, contextlib.ExitStack() as cleanup:
        cleanup.callback(released.set)  # a failing test must not leave the server's thread waiting
        command = (f"cd {ROOT} && exec env TERM=xterm-256color PYTHONPATH={ROOT} {sys.executable} {runner} "
                   f"{served.base_url} {sb.team_id} {sb.keys.secret} {sb.agent_id} {drafts}")
        plan = served.faults = FaultPlan(Fault("latency", delay=(1.0, 1.0), methods={"POST"}), sleep=hold)
        tmux = terminals()
        tmux.start(command)
        tmux.wait_for(lambda s: "Killed mid-send" in s and " of " in s, "the list")
        open_first_row(tmux, ticket)
        tmux.keys("r")
        tmux.wait_for(lambda s: "the customer will see this" in s, "the composer")
        tmux.keys("Sent while dying", literal=True)
        tmux.wait_for(lambda s: "Sent while dying" in s, "the text")
        tmux.keys("C-s")
        wait_until(held.is_set, "the whole POST to reach the server")
        assert posts() == 1

        os.kill(tmux.pid(), signal.SIGKILL)  # no shutdown, no unmount: only what is on disk counts
        assert stored() == []  # still held on the server: in flight when the app died
        draft = DraftStore(drafts).load(ticket)
        assert draft is not None and draft.text == "Sent while dying" and draft.idempotency_key
        assert draft.pending is not None and draft.pending["content"] == "Sent while dying"
        released.set()
        wait_until(lambda: stored() == ["Sent while dying"], "the server to finish the orphaned write")

        served.faults = plan = FaultPlan(Fault("drop", 0.0))  # no faults, but requests are still counted
        tmux = terminals()
        tmux.start(command)
        # The new app finds the pending reply and sends it again with its key: a replay, not a second post.
        wait_until(lambda: not DraftStore(drafts).path(ticket).exists(), "the pending reply to be confirmed")
        assert posts() == 1
        assert stored() == ["Sent while dying"]
        tmux.wait_for(lambda s: "Your reply on" in s, "the notification that it was sent")
    sb.close()
