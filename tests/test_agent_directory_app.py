"""The agent directory in the app: the assign picker lists agents by name with type-to-search, the list and
the header show names, and what was learned is there after a restart (per profile). Pilot against the
sandbox, asserting the requests it received and what is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, OptionList

from api.sandbox import Sandbox
from app.desk.agents import AgentDirectory, agents_for
from tests.detail_support import SIZE, app_with_drafts, create_ticket, open_row, stored, table, wait_for_list, writes
from tests.helpers import RecordingTransport, settings_for, settle
from widgets.agent_picker import AgentPicker
from widgets.ticket_header import TicketHeader


def _labels(app: Any) -> list[str]:
    return [option.prompt.plain for option in app.screen.query_one(OptionList).options]


def _row_text(app: Any, ticket_id: str) -> str:
    grid = table(app)
    row = grid.ticket_ids.index(ticket_id)
    return grid.render_line(row - grid.scroll_offset.y + 1).text  # +1: the header row


def _team(sb: Sandbox) -> list[dict[str, Any]]:
    return [dict(row) for row in sb.store.agents(sb.team_id)]


def _knowing_everyone(sb: Sandbox) -> AgentDirectory:
    """A directory as a previous run left it: every agent of the team met in some thread."""
    directory = AgentDirectory()
    for agent in _team(sb):
        directory.learn(agent["id"], agent["name"])
    return directory


async def test_typing_narrows_the_picker_to_the_agents_named_and_enter_assigns(sandbox: Sandbox,
                                                                               tmp_path: Path) -> None:
    me, *others = _team(sandbox)
    target = others[1]
    surname = target["name"].split()[-1]
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path, agents=_knowing_everyone(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("A")
        await settle(pilot, lambda: isinstance(app.screen, AgentPicker))
        labels = _labels(app)
        assert labels[0].startswith(me["name"]) and labels[0].endswith("— me")  # me first
        assert labels[-1] == "Unassign  (current)"
        assert len(labels) == len(others) + 2
        await pilot.press(*surname[:3].lower())
        assert app.screen.query_one(Input).value == surname[:3].lower()  # what was typed is there to see
        assert all(surname[:3].lower() in label.lower() for label in _labels(app))
        assert any(label.startswith(target["name"]) for label in _labels(app))
        index = next(i for i, label in enumerate(_labels(app)) if label.startswith(target["name"]))
        await pilot.press(*["down"] * index, "enter")
        await settle(pilot, lambda: screen.ticket.assigned_to == target["id"])
        assert writes(rec) == [("PATCH", f"/api/v1/teams/{sandbox.team_id}/tickets/{ticket['id']}")]
        assert stored(sandbox, ticket["id"])["assigned_to"] == target["id"]
        assert f"assignee {target['name']} ({target['id']})" in app.screen.query_one(TicketHeader).render().plain


async def test_an_agent_never_met_is_assigned_by_typing_their_id(sandbox: Sandbox, tmp_path: Path) -> None:
    stranger = _team(sandbox)[3]
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        await pilot.press("A", *stranger["id"])
        assert _labels(app) == [f"Assign to {stranger['id']}  (an agent ID)"]
        await pilot.press("enter")
        await settle(pilot, lambda: screen.ticket.assigned_to == stranger["id"])
        assert stored(sandbox, ticket["id"])["assigned_to"] == stranger["id"]


async def test_nothing_matching_and_esc_sends_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path, agents=_knowing_everyone(sandbox))
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("A", *"zzz")
        assert _labels(app) == []
        await pilot.press("enter")  # nothing to choose: the picker stays
        assert isinstance(app.screen, AgentPicker)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, AgentPicker) and writes(rec) == []


async def test_names_learned_in_one_run_show_in_the_list_of_the_next(sandbox: Sandbox, tmp_path: Path) -> None:
    colleague = _team(sandbox)[2]
    also = create_ticket(sandbox, title="Also theirs, never opened")
    ticket = create_ticket(sandbox)
    for theirs in (also, ticket):
        sandbox.store.update_ticket(theirs["id"], {"assigned_to": colleague["id"]})
    sandbox.api.service.add_message(sandbox.team_id, ticket["id"], {"content": "Mine", "senderId": colleague["id"],
                                                                    "senderName": colleague["name"]})
    settings = settings_for(sandbox)
    first = app_with_drafts(sandbox, sandbox.transport(), tmp_path / "drafts",
                            agents=agents_for(settings, tmp_path / "data"))
    async with first.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        assert colleague["name"] not in _row_text(first, ticket["id"])  # not met yet: the id
        assert colleague["id"][:8] in _row_text(first, ticket["id"])
        await open_row(pilot, ticket["id"])  # the thread names them
        await pilot.press("escape")
        await settle(pilot)
        assert colleague["name"][:8] in _row_text(first, ticket["id"])  # the list learned it at once
        assert colleague["name"][:8] in _row_text(first, also["id"])  # on every row
    again = app_with_drafts(sandbox, sandbox.transport(), tmp_path / "drafts",
                            agents=agents_for(settings, tmp_path / "data"))
    async with again.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        assert colleague["name"][:8] in _row_text(again, ticket["id"])


async def test_assignee_by_name_in_the_filter_bar_and_in_a_view(sandbox: Sandbox, tmp_path: Path) -> None:
    from app.views import View
    from widgets.filter_bar import FilterBar

    target = _team(sandbox)[2]
    first = target["name"].split()[0]
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path, agents=_knowing_everyone(sandbox),
                          views=[View("All", ""), View("Theirs", f"assignee:{first.lower()}")])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        await pilot.press("slash", *f"assignee:{first[:4].upper()}", "enter")
        await settle(pilot, lambda: rec.lists()[-1].get("assignedTo") == target["id"])
        assert table(app).tickets and {t.assigned_to for t in table(app).tickets} == {target["id"]}
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"assignee:nobodyatall", "enter")
        await settle(pilot)
        bar = app.screen.query_one(FilterBar)
        assert "no agent named 'nobodyatall'" in (bar.error or "")
        assert all(p.get("assignedTo") != "nobodyatall" for p in rec.lists())  # never sent as if it were an id
        await pilot.press("escape", "tab")  # the view that names them
        await settle(pilot, lambda: rec.lists()[-1] == {"assignedTo": target["id"], "page": "1", "pageSize": "50"})


async def test_a_hostile_agent_name_is_shown_as_plain_clean_text_everywhere(sandbox: Sandbox, tmp_path: Path) -> None:
    agent = _team(sandbox)[4]
    hostile = "[@click=app.quit]Eve[/] \x1b]0;PWNED\x07\x1b[31mred\u202e"
    ticket = create_ticket(sandbox)
    sandbox.store.update_ticket(ticket["id"], {"assigned_to": agent["id"]})
    sandbox.api.service.add_message(sandbox.team_id, ticket["id"], {"content": "hi", "senderId": agent["id"],
                                                                    "senderName": hostile})
    app = app_with_drafts(sandbox, sandbox.transport(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        shown = app.agents[agent["id"]]
        assert shown.startswith("[@click=app.quit]Eve[/] ␛]0;PWNED␇␛[31mred⟨RLO⟩")
        assert f"assignee {shown[:30]}" in app.screen.query_one(TicketHeader).render().plain
        await pilot.press("A", *"eve")
        (label,) = _labels(app)
        assert label.startswith(shown[:39])  # literally: no markup parsed, no escape passed through
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.is_running and shown[:8] in _row_text(app, ticket["id"])


async def test_another_profile_has_its_own_directories_and_no_customer_tab_of_the_old_one(
        sandbox: Sandbox, tmp_path: Path) -> None:
    from dataclasses import replace

    from app.desk.customers import customers_for
    from app.views import CustomerView

    mine = replace(settings_for(sandbox), sandbox=False)
    theirs = replace(mine, team_id=sandbox.other_team_id, api_key=sandbox.other_team_secret, agent_id=None,
                     agent_name=None)
    app = app_with_drafts(sandbox, sandbox.transport(), tmp_path, agents=agents_for(mine),
                          customers=customers_for(mine))
    app.settings = mine
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        row = next(t for t in table(app).tickets if t.customer_id)
        await pilot.press("c")  # a customer tab of this team
        await settle(pilot)
        assert any(isinstance(view, CustomerView) for view in app.views)
        assert len(app.customers) and mine.agent_id in app.agents
        await app.reconnect(theirs)
        await wait_for_list(pilot)
        assert mine.agent_id not in app.agents and app.customers.get(row.customer_id) is None  # type: ignore[arg-type]
        assert app.agents.path != agents_for(mine).path
        assert not any(isinstance(view, CustomerView) for view in app.views)
    assert mine.agent_id in agents_for(mine) and customers_for(mine).get(row.customer_id)  # type: ignore[arg-type]
