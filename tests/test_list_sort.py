"""The list with queries of several requests: the default "Unsolved by SLA" tab, `o` to sort, any-of
statuses, tags, and every mistake of a query shown under the bar."""

from __future__ import annotations

from datetime import datetime

import pytest

from api.models import Ticket
from api.sandbox import Sandbox
from app.views import DEFAULT_VIEWS
from tests.helpers import RecordingTransport, make_app, settle
from widgets.filter_bar import FilterBar
from widgets.pickers import OptionPicker
from widgets.ticket_table import TicketTable

SIZE = (130, 36)
UNSOLVED = ("new", "open", "pending")


def _table(app) -> TicketTable:
    return app.screen.query_one(TicketTable)


def _status_line(app) -> str:
    return str(app.screen.query_one("#list-status").render())


def _all(sandbox: Sandbox) -> list[dict]:
    rows = sandbox.store._all("SELECT id, status, priority, tags FROM tickets WHERE team_id = ? "
                              "ORDER BY created_at DESC, id DESC", (sandbox.team_id,))
    return [dict(row) for row in rows]


def _due(ticket: Ticket) -> datetime | None:
    if ticket.closed_at is not None or ticket.sla_paused:
        return None
    if ticket.first_response_at is None and ticket.response_deadline is not None:
        return ticket.response_deadline
    return ticket.resolution_deadline


async def test_the_first_tab_is_unsolved_by_sla_with_the_most_urgent_on_top(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, views=list(DEFAULT_VIEWS))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        unsolved = [r["id"] for r in _all(sandbox) if r["status"] in UNSOLVED]
        # One stream per unsolved status, read whole 100 at a time.
        assert sorted(p["status"] for p in rec.lists() if p["page"] == "1") == sorted(UNSOLVED)
        assert {p["pageSize"] for p in rec.lists()} == {"100"}
        shown = _table(app).tickets
        assert sorted(t.id for t in shown) == sorted(unsolved)
        dues = [_due(t) for t in shown]
        running = [d for d in dues if d is not None]
        assert running and dues[:len(running)] == sorted(running), "soonest deadline first"
        assert _table(app).current_ticket.id == shown[0].id  # enter opens the most urgent: one key
        assert str(app.screen.query_one("#view-0").label) == f"Unsolved by SLA {len(unsolved)}"
        assert f"{len(unsolved)} of {len(unsolved)}" in _status_line(app)
        assert "sorted by sla" in _status_line(app)


async def test_o_sorts_the_view_and_says_so(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press("o")
        await settle(pilot, lambda: isinstance(app.screen, OptionPicker))
        rec.seen.clear()
        await pilot.press("p", "enter")  # the first of the two "Priority" lines: urgent first
        await settle(pilot, lambda: "sorted by priority" in _status_line(app))
        assert app.screen.query_one(FilterBar).value == "sort:priority"
        everything = _all(sandbox)
        shown = _table(app).tickets
        assert len(shown) == len(everything)
        ranks = [("urgent", "high", "normal", "low").index(t.priority) for t in shown]
        assert ranks == sorted(ranks)
        assert all(p["pageSize"] == "100" for p in rec.lists())
        assert len(rec.lists()) == -(-len(everything) // 100)  # each page once
        # Ties keep the service's order (newest first).
        urgent = [t.id for t in shown if t.priority == "urgent"]
        assert urgent == [r["id"] for r in everything if r["priority"] == "urgent"]


async def test_a_view_above_the_sort_limit_is_not_sorted_and_the_agent_is_told_why(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, debounce=30)  # only enter applies a typed query
    app.sort_limit = 100
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        before = _table(app).ticket_ids
        rec.seen.clear()
        await pilot.press("o")
        await settle(pilot, lambda: isinstance(app.screen, OptionPicker))
        await pilot.press("s", "enter")  # SLA due, soonest first
        await settle(pilot)
        assert rec.lists() == [], "nothing is read for a sort that cannot be done"
        assert _table(app).ticket_ids == before
        texts = [n.message for n in app._notifications]
        assert any("sort_limit" in t and str(len(_all(sandbox))) in t for t in texts), texts
        # Typed, the same sort is refused after the first page, with the reason under the bar.
        await pilot.press("slash", *"sort:sla", "enter")
        await settle(pilot)
        bar = app.screen.query_one(FilterBar)
        assert bar.error is not None and "up to 100" in bar.error
        assert _table(app).ticket_ids == []
        assert [p["pageSize"] for p in rec.lists()] == ["100"]


async def test_a_tab_whose_sort_is_over_the_limit_lists_newest_first_and_says_why(sandbox: Sandbox) -> None:
    # A big desk: more unsolved tickets than sort_limit. The first tab must still list them, not an error.
    app = make_app(sandbox, views=list(DEFAULT_VIEWS), debounce=30)  # only enter applies a typed query
    app.sort_limit = 100
    unsolved = [r["id"] for r in _all(sandbox) if r["status"] in UNSOLVED]
    assert len(unsolved) > 100
    async with app.run_test(size=(200, 36)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        shown = _table(app).ticket_ids
        assert shown == unsolved[:len(shown)] and 50 <= len(shown) < len(unsolved), "the service's order, paged"
        line = _status_line(app)
        assert f"{len(shown)} of {len(unsolved)}" in line
        assert f"not sorted by sla: {len(unsolved)} tickets are more than sort_limit (100)" in line, line
        assert app.screen.query_one(FilterBar).error is None
        assert str(app.screen.query_one("#view-0").label) == f"Unsolved by SLA {len(unsolved)}"
        await pilot.press("G")  # paged as the agent scrolls
        await settle(pilot, lambda: len(_table(app).ticket_ids) > len(shown))
        assert _table(app).ticket_ids == unsolved[:len(_table(app).ticket_ids)]
        # A sort the agent types is still refused with the reason: it was asked for.
        await pilot.press("slash", *"sort:sla", "enter")
        await settle(pilot)
        assert "up to 100" in (app.screen.query_one(FilterBar).error or "")


async def test_any_of_statuses_are_merged_in_the_services_order_with_the_true_count(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, debounce=30)  # only enter applies the query: the requests are its own
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        rec.seen.clear()
        await pilot.press("slash", *"status:open,pending", "enter")
        await settle(pilot)
        assert sorted(p["status"] for p in rec.lists()) == ["open", "pending"]
        expected = [r["id"] for r in _all(sandbox) if r["status"] in ("open", "pending")]
        shown = _table(app).ticket_ids
        assert shown == expected[:len(shown)] and len(shown) >= 50
        assert f"{len(shown)} of {len(expected)}" in _status_line(app)
        await pilot.press("G")  # to the bottom: the next pages, still in order
        await settle(pilot, lambda: len(_table(app).ticket_ids) == len(expected))
        assert _table(app).ticket_ids == expected


async def test_a_tag_filter_shows_the_tagged_tickets_and_their_exact_count(sandbox: Sandbox) -> None:
    everything = _all(sandbox)
    tag = next(t for r in everything for t in __import__("json").loads(r["tags"]))
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press("slash", *f"tag:{tag}", "enter")
        await settle(pilot)
        expected = [r["id"] for r in everything if tag in __import__("json").loads(r["tags"])]
        assert _table(app).ticket_ids == expected
        assert f"{len(expected)} of {len(expected)}" in _status_line(app)


async def test_every_mistake_of_a_query_is_shown(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press("slash", *"status:opne refund prio:hgh sort:due", "enter")
        await settle(pilot)
        bar = app.screen.query_one(FilterBar)
        assert bar.error is not None and bar.error.startswith("3 mistakes")
        for token in ("status:opne", "prio:hgh", "sort:due"):
            assert token in bar.error
        assert _table(app).ticket_ids == []


async def test_question_mark_in_the_empty_filter_bar_explains_the_language(sandbox: Sandbox) -> None:
    from app.screens.filter_help import FilterHelpScreen
    from app.screens.help import HelpScreen

    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        bar = app.screen.query_one(FilterBar)
        await pilot.press("slash", "question_mark")
        await settle(pilot, lambda: isinstance(app.screen, FilterHelpScreen))
        shown = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "status:open,pending" in shown and "unsolved" in shown and "sort:sla" in shown
        await pilot.press("escape")
        await settle(pilot, lambda: not isinstance(app.screen, FilterHelpScreen))
        assert bar.value == "" and app.focused is bar.input, "back to typing, no `?` left behind"
        await pilot.press(*"refund?")
        await settle(pilot)
        assert bar.value == "refund?" and not isinstance(app.screen, FilterHelpScreen)  # mid-query: a character
        # The keys help of the list explains the language too.
        await pilot.press("enter", "question_mark")
        await settle(pilot, lambda: isinstance(app.screen, HelpScreen))
        shown = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "The filter language" in shown and "-status:closed" in shown


async def test_a_poll_of_the_sorted_first_tab_brings_a_new_ticket_in_at_its_place_and_keeps_the_cursor(
        sandbox: Sandbox) -> None:
    from tests.detail_support import create_ticket, list_screen

    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, views=list(DEFAULT_VIEWS))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        unsolved = len([r for r in _all(sandbox) if r["status"] in UNSOLVED])
        await pilot.press("j", "j", "j")
        under_cursor = _table(app).current_ticket.id
        all_before = len(_all(sandbox))
        made = create_ticket(sandbox, title="Outage", priority="urgent")
        rec.seen.clear()
        list_screen(app).poll_now()
        await settle(pilot, lambda: made["id"] in _table(app).ticket_ids)
        assert _table(app).current_ticket.id == under_cursor, "the cursor stays on the agent's ticket"
        # The view is read again (one stream per status) and the other tabs counted with one row each.
        assert sorted(p["status"] for p in rec.lists() if p["page"] == "1") == sorted(UNSOLVED)
        assert str(app.screen.query_one("#view-0").label) == f"Unsolved by SLA {unsolved + 1}"
        await settle(pilot, lambda: str(app.screen.query_one("#view-1").label) == f"All {all_before + 1}")
        dues = [_due(t) for t in _table(app).tickets]
        running = [d for d in dues if d is not None]
        assert dues[:len(running)] == sorted(running), "still in SLA order"


async def test_reading_a_view_whole_shows_its_progress(sandbox: Sandbox) -> None:
    from tests.helpers import Hold, until

    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        rec.hold = Hold(lambda request: request.url.params.get("page") == "2")
        await pilot.press("slash", *"sort:updated", "enter")
        total = len(_all(sandbox))
        await until(pilot, lambda: rec.hold is not None and rec.hold.arrived == 1
                    and f"100 of {total} tickets" in _status_line(app), "the first page read, the second held")
        assert "reading the whole view" in _status_line(app)
        rec.hold.release()
        await settle(pilot, lambda: f"{total} of {total}" in _status_line(app))
        assert "sorted by updated" in _status_line(app)


async def test_a_configured_view_names_its_sort_and_the_sort_limit(sandbox: Sandbox, tmp_path) -> None:  # noqa: ANN001
    from app.config import ConfigError, load_config

    path = tmp_path / "config.toml"
    path.write_text('sort_limit = 500\n[[views]]\nname = "Urgent first"\n'
                    'query = "-status:closed,resolved sort:priority"\n'
                    '[[views]]\nname = "Billing"\nquery = "tag:billing unsolved"\n')
    config = load_config(path)
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, config=config)
    assert app.sort_limit == 500
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        shown = _table(app).tickets
        expected = [r for r in _all(sandbox) if r["status"] not in ("closed", "resolved")]
        assert len(shown) == len(expected) and shown[0].priority == "urgent"
        assert "sorted by priority" in _status_line(app)
    path.write_text('[[views]]\nname = "Broken"\nquery = "status:open,opne sort:due"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "unknown status 'opne'" in str(info.value) and "cannot sort by 'due'" in str(info.value)


async def test_resolving_the_most_urgent_moves_on_to_the_next_by_sla(sandbox: Sandbox) -> None:
    from tests.detail_support import list_screen, open_row, table

    app = make_app(sandbox, views=list(DEFAULT_VIEWS))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        unsolved = len([r for r in _all(sandbox) if r["status"] in UNSOLVED])
        first, second = table(app).ticket_ids[:2]
        detail = await open_row(pilot, first)
        await pilot.press("s", "r")  # resolved: no longer unsolved
        await settle(pilot, lambda: detail.ticket is not None and detail.ticket.id == second)
        assert first not in table(app).ticket_ids
        assert str(list_screen(app).query_one("#view-0").label) == f"Unsolved by SLA {unsolved - 1}"
        await pilot.press("p", "l")  # priority low: still unsolved, so it stays
        await settle(pilot, lambda: detail.ticket is not None and detail.ticket.priority == "low")
        assert detail.ticket.id == second and second in table(app).ticket_ids


async def test_assignee_by_name_through_the_agent_directory(sandbox: Sandbox) -> None:
    agents = sandbox.store.agents(sandbox.team_id)
    other = next(a for a in agents if a["id"] != sandbox.agent_id)
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, debounce=30)  # only enter applies a typed query
    app.agents.learn(other["id"], "Dana Scully")  # as the directory learns it from a message she wrote
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        rec.seen.clear()
        await pilot.press("slash", *"assignee:dana,me", "enter")
        await settle(pilot)
        assert sorted(p["assignedTo"] for p in rec.lists()) == sorted([other["id"], sandbox.agent_id])
        assert {t.assigned_to for t in _table(app).tickets} <= {other["id"], sandbox.agent_id}
        await pilot.press("slash", "ctrl+u", *"assignee:walter", "enter")
        await settle(pilot)
        bar = app.screen.query_one(FilterBar)
        assert bar.error is not None and "no agent named 'walter'" in bar.error


def test_a_quick_status_key_replaces_unsolved_too() -> None:
    from app.screens.ticket_list import with_quick_status

    assert with_quick_status("unsolved refund", "new") == "status:new refund"
    assert with_quick_status('-status:closed "unsolved" tag:x', "open") == 'status:open -status:closed "unsolved" tag:x'
    assert with_quick_status("UNSOLVED", None) == ""


async def test_the_palette_offers_the_sort(sandbox: Sandbox) -> None:
    from tests.test_config_app import palette_pick

    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press("ctrl+p")
        await palette_pick(pilot, "sort")
        await settle(pilot, lambda: isinstance(app.screen, OptionPicker))
        await pilot.press("c", "c", "enter")  # the second "Created": oldest first
        await settle(pilot, lambda: "sorted by created" in _status_line(app))
        assert app.screen.query_one(FilterBar).value == "sort:-created"
        assert _table(app).ticket_ids[0] == _all(sandbox)[-1]["id"]
