"""What changed at a glance: rows marked with what moved since the agent last opened the ticket."""

from __future__ import annotations

import json
from pathlib import Path

from api.sandbox import Sandbox
from app.desk.seen import SeenTickets
from tests.detail_support import create_ticket, list_screen, table, wait_for_list
from tests.helpers import make_app, settle
from widgets.ticket_columns import ACTIVITY_MARKS

SIZE = (130, 36)


def _row_text(app, ticket_id: str) -> str:  # noqa: ANN001
    tbl = table(app)
    row = tbl.ticket_ids.index(ticket_id)
    return tbl.render_line(row + 1 - round(tbl.scroll_y)).text


async def test_a_message_a_field_change_and_an_arrival_are_marked_apart(sandbox: Sandbox, tmp_path: Path) -> None:
    app = make_app(sandbox, seen=SeenTickets(tmp_path / "seen.json"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        first, second = table(app).ticket_ids[:2]
        assert table(app).activity == {}, "nothing is marked on first sight"

        sandbox.api.service.add_message(sandbox.team_id, first, {"content": "Any news?", "sender": "customer"})
        sandbox.api.service.update(sandbox.team_id, second, {"priority": "urgent"})
        arrived = create_ticket(sandbox, title="Arrived while open")["id"]
        list_screen(app).poll_now()
        await settle(pilot, lambda: len(table(app).activity) == 3)

        assert table(app).activity == {first: "message", second: "change", arrived: "new"}
        assert _row_text(app, first).startswith(ACTIVITY_MARKS["message"][0])
        assert _row_text(app, second).startswith(ACTIVITY_MARKS["change"][0])
        assert _row_text(app, arrived).startswith(ACTIVITY_MARKS["new"][0])


async def test_opening_a_ticket_clears_its_mark_and_marks_survive_a_restart(sandbox: Sandbox, tmp_path: Path) -> None:
    seen_file = tmp_path / "seen.json"
    app = make_app(sandbox, seen=SeenTickets(seen_file))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        first, second = table(app).ticket_ids[:2]
    assert json.loads(seen_file.read_text())[first], "what was shown is remembered on the way out"

    # While the app was closed, customers wrote on both.
    for ticket_id in (first, second):
        sandbox.api.service.add_message(sandbox.team_id, ticket_id, {"content": "Hello?", "sender": "customer"})

    app = make_app(sandbox, seen=SeenTickets(seen_file))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        await settle(pilot, lambda: table(app).activity.get(first) == "message")
        assert table(app).activity.get(second) == "message"
        table(app).move_cursor_to(first)
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen is not list_screen(app))
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is list_screen(app))
        assert first not in table(app).activity and table(app).activity.get(second) == "message"


def test_the_seen_file_is_read_tolerantly(tmp_path: Path) -> None:
    path = tmp_path / "seen.json"
    path.write_text('{"tkt_a": ["not a date", 3], "tkt_b": "odd", "tkt_c": ["2026-01-01T00:00:00+00:00", 1]}')
    seen = SeenTickets(path)
    from api.models import Ticket

    def ticket(ticket_id: str, count: int) -> Ticket:
        return Ticket.model_validate({"id": ticket_id, "title": "x", "priority": "normal", "status": "open",
                                      "messageCount": count, "createdAt": "2026-11-01T10:00:00Z",
                                      "updatedAt": "2026-11-01T10:00:00Z"})

    assert seen.activity(ticket("tkt_a", 3)) is None, "a damaged entry marks nothing"
    assert seen.activity(ticket("tkt_b", 3)) is None
    assert seen.activity(ticket("tkt_c", 1)) == "change"
    assert seen.activity(ticket("tkt_c", 2)) == "message"
    path.write_text("[]")
    assert SeenTickets(path).activity(ticket("tkt_c", 2)) is None


def test_snapshot_of_the_list_with_activity_marks(snap_compare, tmp_path: Path) -> None:  # noqa: ANN001
    from api.sandbox import create_sandbox
    from tests.conftest import FIXED_NOW

    sb = create_sandbox(clock=lambda: FIXED_NOW, rate_limit=0)
    app = make_app(sb)

    async def run_before(pilot) -> None:  # noqa: ANN001
        await wait_for_list(pilot)
        first, second, third = table(app).ticket_ids[1:4]
        sb.api.service.add_message(sb.team_id, first, {"content": "Any news?", "sender": "customer"})
        sb.api.service.update(sb.team_id, second, {"tags": ["escalated"]})
        table(app).set_marked([third])  # a bulk mark shows over an activity mark
        sb.api.service.add_message(sb.team_id, third, {"content": "Hello?", "sender": "customer"})
        list_screen(app).poll_now()
        await settle(pilot, lambda: len(table(app).activity) == 3)

    try:
        assert snap_compare(app, run_before=run_before, terminal_size=SIZE)
    finally:
        sb.close()


async def test_a_ticket_with_an_unsent_draft_is_marked(sandbox: Sandbox, tmp_path: Path) -> None:
    from app.drafts import Draft, DraftStore
    from tests.detail_support import app_with_drafts, open_row
    from tests.helpers import RecordingTransport

    drafts = DraftStore(tmp_path / "drafts")
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), tmp_path / "drafts")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        first, second = table(app).ticket_ids[:2]
        drafts.save(Draft(second, "Half a reply"))
        await open_row(pilot, first)  # coming back to the list looks at the drafts again
        await pilot.press("escape")
        await settle(pilot, lambda: _row_text(app, second).startswith(ACTIVITY_MARKS["draft"][0]))
        assert not _row_text(app, first).startswith(ACTIVITY_MARKS["draft"][0])

        drafts.delete(second)
        await open_row(pilot, first)
        await pilot.press("escape")
        await settle(pilot, lambda: not _row_text(app, second).startswith(ACTIVITY_MARKS["draft"][0]))
