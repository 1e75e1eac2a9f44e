"""The four triage tasks of the triage issue, done in a real terminal (tmux) against `cstar-tui serve`, counting
every key pressed (typed message text aside). The counts are asserted, so a change that makes a task
slower fails here; the server's state shows each task was really done.

Measured before (the issue): open the most urgent ticket from launch 16, reply + resolve + next 5, assign 5
tickets to yourself and set them pending 20, all tickets of one customer 22.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from tests.terminal import Terminals, Tmux, needs_tmux
from tests.test_terminal_list import _command, served  # noqa: F401  (fixtures)

pytestmark = [needs_tmux]


class CountingKeys:
    """Presses keys in the terminal and counts them; text typed into a message is not a key press."""

    def __init__(self, pane: Tmux) -> None:
        self.terminal = pane
        self.count = 0

    def press(self, *keys: str) -> None:
        self.count += len(keys)
        for key in keys:
            self.terminal.keys(key)

    def type(self, text: str) -> None:
        self.terminal.keys(text, literal=True)

    def take(self) -> int:
        count, self.count = self.count, 0
        return count


def _get(service: dict, path: str) -> Any:
    request = urllib.request.Request(f"{service['baseUrl']}/api/v1/teams/{service['teamId']}{path}",
                                     headers={"Authorization": f"Bearer {service['keys']['secret']}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())["data"]


def _rows(screen: str) -> list[str]:
    return [line for line in screen.splitlines() if "tkt_" in line and line.lstrip("✓ ").startswith("tkt_")]


def _row_id(line: str) -> str:
    return next(word for word in line.split() if word.startswith("tkt_"))


def test_the_four_triage_tasks_take_few_keys(terminals: Terminals, served: dict, tmp_path: Path) -> None:  # noqa: F811
    terminal = terminals(width=160, height=40)  # wide enough for the ID column
    config = tmp_path / "config.toml"
    config.write_text("refresh_seconds = 0\n")
    command, _status = _command(tmp_path, {"CSTAR_API_KEY": served["keys"]["secret"], "CSTAR_CONFIG": str(config)},
                                "--base-url", served["baseUrl"], "--team", served["teamId"],
                                "--agent-id", served["agent"]["id"])
    me = served["agent"]["id"]
    keys = CountingKeys(terminal)
    counts: dict[str, int] = {}
    terminal.start(command)

    # 1. The most urgent ticket, from launch: the first tab is "Unsolved by SLA", soonest deadline first.
    screen = terminal.wait_for(lambda s: "sorted by sla" in s and len(_rows(s)) > 5, "the SLA-sorted first view")
    first = _row_id(_rows(screen)[0])
    second = _row_id(_rows(screen)[1])
    keys.press("Enter")
    terminal.wait_for(lambda s: f"{first} " in s.splitlines()[2], "the first ticket open")
    counts["open the most urgent ticket"] = keys.take()

    # 2. Reply, resolve, and on to the next ticket of the view.
    keys.press("r")
    terminal.wait_for(lambda s: "PUBLIC" in s, "the composer")
    keys.type("Fixed on our side, sorry for the trouble.")
    keys.press("C-g")
    terminal.wait_for(lambda s: "Sent. Status now?" in s, "the status question after the send")
    keys.press("r")  # resolved
    terminal.wait_for(lambda s: f"{second} " in s.splitlines()[2], "the next ticket of the view")
    counts["reply + resolve + next"] = keys.take()
    assert _get(served, f"/tickets/{first}")["status"] == "resolved"
    assert _get(served, f"/tickets/{first}/messages")[-1]["content"] == "Fixed on our side, sorry for the trouble."

    # 4. All the tickets of this ticket's customer.
    customer = _get(served, f"/tickets/{second}")["customerId"]
    theirs = {t["id"] for t in _get(served, f"/tickets?customerId={customer}&pageSize=100")}
    assert 1 < len(theirs) < 30, "all of them fit on one screen"
    keys.press("c")
    terminal.wait_for(lambda s: {_row_id(line) for line in _rows(s)} == theirs, "the customer's tickets, all of them")
    counts["all tickets of the customer"] = keys.take()

    # 3. Five tickets assigned to me and set pending, from a list.
    keys.press("Tab")  # from the customer's tab (the last) round to the first view
    terminal.wait_for(lambda s: "sorted by sla" in s and len(_rows(s)) > 6, "the first view again")
    keys.take()  # counted from the list, as the issue did
    keys.press("Space", "Space", "Space", "Space", "Space")
    screen = terminal.wait_for(lambda s: "5 marked" in s, "five marked")
    five = [_row_id(line) for line in _rows(screen) if line.startswith("✓")]
    assert len(five) == 5, screen
    keys.press("a")
    terminal.wait_for(lambda s: "Assign 5 tickets" in s, "the confirmation")
    keys.press("y")
    terminal.wait_for(lambda s: "5 changed" in s, "the summary")
    keys.press("Enter")
    keys.press("s")
    terminal.wait_for(lambda s: "Status for 5 marked tickets" in s, "the status picker for the five")
    keys.press("p")
    terminal.wait_for(lambda s: "Set 5 tickets to pending?" in s, "the confirmation")
    keys.press("y")
    terminal.wait_for(lambda s: "5 changed" in s, "the summary")
    counts["assign 5 to me and set them pending"] = keys.take()
    for ticket_id in five:
        ticket = _get(served, f"/tickets/{ticket_id}")
        assert (ticket["assignedTo"], ticket["status"]) == (me, "pending"), ticket_id

    print("keystrokes:", json.dumps(counts))
    assert counts == {"open the most urgent ticket": 1, "reply + resolve + next": 3,
                      "all tickets of the customer": 1, "assign 5 to me and set them pending": 11}, counts
