"""All the tickets of one customer in a real terminal (tmux) against `cstar-tui serve`: one key, `c`, from the
list or from a ticket (it took 22 keys, retyping a 12-character customer ID, before); the ticket's header
counts them first."""

from __future__ import annotations

import httpx

from tests.terminal import Terminals, Tmux, needs_tmux
from tests.test_terminal_list import _command, all_first_config, served  # noqa: F401 - `served` is a fixture

pytestmark = needs_tmux


def _get(served: dict, **params: str) -> dict:  # noqa: F811 - `served` is the fixture's value here
    url = f"{served['baseUrl']}/api/v1/teams/{served['teamId']}/tickets"
    answer = httpx.get(url, params=params, headers={"Authorization": f"Bearer {served['keys']['secret']}"})
    answer.raise_for_status()
    return answer.json()


def test_one_key_lists_the_customers_tickets_from_the_list_and_from_a_ticket(
        terminals: Terminals, served: dict, tmp_path) -> None:  # noqa: F811, ANN001
    terminal: Tmux = terminals(width=140, height=36)
    newest = _get(served, pageSize="1")["data"][0]
    customer_id, name = newest["customerId"], newest["customerName"]
    theirs = _get(served, customerId=customer_id, pageSize="100")
    total = theirs["pagination"]["total"]
    opened = sum(1 for ticket in theirs["data"] if ticket["status"] == "open")
    env = {"CSTAR_API_KEY": served["keys"]["secret"], "CSTAR_CONFIG": str(all_first_config(tmp_path))}
    command, _ = _command(tmp_path, env, "--base-url", served["baseUrl"], "--team", served["teamId"],
                          "--agent-id", served["agent"]["id"])
    terminal.start(command)
    terminal.wait_for(lambda s: "50 of " in s, "the first page")
    terminal.keys("c")  # the cursor is on the newest ticket: its customer's tickets
    screen = terminal.wait_for(lambda s: f"{total} of {total}" in s and name[:20] in s.splitlines()[1],
                               "the customer's tab with all their tickets")
    # Their tickets, and only theirs (the list's columns vary with the width: the titles are always there).
    assert all(ticket["title"][:25] in screen for ticket in theirs["data"][:10])
    terminal.keys("Tab")  # back to All, then the ticket and its header
    terminal.wait_for(lambda s: "50 of " in s, "the All view")
    terminal.keys("Enter")
    terminal.wait_for(lambda s: f"customer's tickets {opened} open · {total} in all  c lists them" in s,
                      "the customer's counts in the header")
    terminal.keys("c")
    terminal.wait_for(lambda s: f"{total} of {total}" in s and "c lists them" not in s,
                      "the customer's tab again, from the ticket")
    terminal.keys("q")
