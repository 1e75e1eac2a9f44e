"""Snapshots of the people features: the assign picker with typed text, the detail header counting the
customer's tickets, the new-ticket form offering a known customer.

Deterministic: the sandbox is seeded at FIXED_NOW, the tickets made here have fixed ids. After an intended
visual change: `pytest tests/test_people_snapshots.py --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.sandbox import Sandbox, create_sandbox
from app.desk.agents import AgentDirectory
from app.desk.customers import CustomerDirectory
from app.screens.new_ticket import NewTicketScreen
from tests.conftest import FIXED_NOW
from tests.detail_support import SIZE, app_with_drafts, open_row, wait_for_list
from tests.helpers import settle
from widgets.agent_picker import AgentPicker
from widgets.ticket_header import TicketHeader

JANE = {"id": "cus_PeopleSnap01", "uuid": "00000000-0000-4000-8000-0000000a11ce", "name": "Jane Doe",
        "email": "jane@example.com"}
STATUSES = "open closed open pending new open resolved closed closed new".split()
NEWEST = f"tkt_PeopleSnap{len(STATUSES) - 1:02d}"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = create_sandbox(rate_limit=0, clock=lambda: FIXED_NOW)
    sandbox.store.add_customers(sandbox.team_id, [JANE])
    for n, status in enumerate(STATUSES):
        made = sandbox.api.service.create(sandbox.team_id, {"title": f"Invoice question {n}", "status": status,
                                                            "customerId": JANE["id"], "priority": "high"})
        sandbox.store.update_ticket(made["id"], {"id": f"tkt_PeopleSnap{n:02d}",
                                                 "uuid": f"00000000-0000-4000-8000-{n:012d}"})
    yield sandbox
    sandbox.close()


def _everyone(sandbox: Sandbox) -> AgentDirectory:
    directory = AgentDirectory()
    for agent in sandbox.store.agents(sandbox.team_id):
        directory.learn(agent["id"], agent["name"])
    return directory


def test_detail_header_counts_the_customers_tickets(snap_compare: Any, sb: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(sb, sb.transport(), tmp_path)

    async def run_before(pilot: Any) -> None:
        await open_row(pilot, NEWEST)
        await settle(pilot, lambda: "3 open · 10 in all" in app.screen.query_one(TicketHeader).render().plain)

    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


def test_assign_picker_with_typed_text(snap_compare: Any, sb: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(sb, sb.transport(), tmp_path, agents=_everyone(sb))

    async def run_before(pilot: Any) -> None:
        await open_row(pilot, NEWEST)
        await pilot.press("A", *"jo")
        await settle(pilot, lambda: isinstance(app.screen, AgentPicker))

    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


def test_new_ticket_form_offers_a_known_customer(snap_compare: Any, sb: Sandbox, tmp_path: Path) -> None:
    known = CustomerDirectory()
    known.learn(JANE["id"], JANE["name"], JANE["email"])
    known.learn("cus_PeopleSnap02", "Janet Jackson-Doe", "janet@example.org")
    app = app_with_drafts(sb, sb.transport(), tmp_path, customers=known)

    async def run_before(pilot: Any) -> None:
        await wait_for_list(pilot)
        await pilot.press("n")
        await settle(pilot, lambda: isinstance(app.screen, NewTicketScreen))
        await pilot.press(*"Refund please", "tab", *"jan")
        await settle(pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)
