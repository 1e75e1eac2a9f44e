"""A live queue: tickets created or changed from outside reach the list by polling, without moving the cursor."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.sandbox import Sandbox
from app.config import ConfigError, LoadedConfig, parse_config
from app.screens.ticket_detail import TicketDetailScreen
from app.tui import CStarApp
from tests.detail_support import create_ticket, list_screen, open_row, table, wait_for_list
from tests.helpers import RecordingTransport, make_app, settings_for, settle

SIZE = (130, 36)


def _tab(app, index: int) -> str:  # noqa: ANN001
    return str(list_screen(app).query_one(f"#view-{index}").label)


def _status_line(app) -> str:  # noqa: ANN001
    return str(list_screen(app).query_one("#list-status").render())


def _count(sb: Sandbox, **where: str) -> int:
    clause = " AND ".join(["team_id = ?", *(f"{k} = ?" for k in where)])
    return int(sb.store._one(f"SELECT COUNT(*) FROM tickets WHERE {clause}", (sb.team_id, *where.values()))[0])


async def _on_the_new_view(pilot, sandbox: Sandbox) -> int:  # noqa: ANN001
    """The New view shown, its rows and tab count loaded; the number of new tickets."""
    app = pilot.app
    await wait_for_list(pilot)
    await pilot.press("tab", "tab", "tab")
    await settle(pilot, lambda: all(t.status == "new" for t in table(app).tickets) and bool(table(app).tickets))
    new_before = _count(sandbox, status="new")
    await settle(pilot, lambda: _tab(app, 3) == f"New {new_before}")
    return new_before


async def test_a_ticket_created_outside_appears_on_top_with_the_cursor_left_where_it_was(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        await settle(pilot, lambda: _tab(app, 3) == f"New {_count(sandbox, status='new')}")
        await pilot.press("j", "j", "j")
        under_cursor = table(app).current_ticket.id
        new_before = _count(sandbox, status="new")
        total_before = _count(sandbox)

        created = [create_ticket(sandbox, title=f"Outage {i}", priority="urgent")["id"] for i in range(2)]
        rec.seen.clear()
        screen = list_screen(app)
        screen.poll_now()
        await settle(pilot, lambda: set(table(app).ticket_ids[:2]) == set(created))

        assert table(app).current_ticket.id == under_cursor, "the cursor stays on the agent's ticket"
        assert f"52 of {total_before + 2}" in _status_line(app)
        assert _tab(app, 0) == f"All {total_before + 2}"
        assert _tab(app, 3) == f"New {new_before + 2}"
        # One request for the view's first page, one single-row request per other tab: a few per interval.
        assert len(rec.lists()) == 1 and len(rec.counts()) == 3


async def test_a_poll_keeps_the_rows_on_screen_when_the_agent_has_scrolled(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        for _ in range(40):
            await pilot.press("j")
        tbl = table(app)
        top_before = round(tbl.scroll_y)
        assert top_before > 0, "the test needs the list scrolled"
        top_ticket = tbl.ticket_ids[top_before]
        under_cursor = tbl.current_ticket.id

        created = create_ticket(sandbox, title="Arrives while scrolled")["id"]
        list_screen(app).poll_now()
        await settle(pilot, lambda: tbl.ticket_ids[0] == created)

        assert tbl.current_ticket.id == under_cursor
        assert tbl.ticket_ids[round(tbl.scroll_y)] == top_ticket, "the rows on screen did not move"


async def test_a_ticket_resolved_outside_leaves_a_filtered_view_and_its_count(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        new_before = await _on_the_new_view(pilot, sandbox)
        gone = table(app).ticket_ids[:2]
        for ticket_id in gone:
            sandbox.api.service.update(sandbox.team_id, ticket_id, {"status": "resolved"})

        list_screen(app).poll_now()
        await settle(pilot, lambda: not set(gone) & set(table(app).ticket_ids))

        assert _tab(app, 3) == f"New {new_before - 2}"
        assert f"of {new_before - 2}" in _status_line(app)


async def test_a_change_made_outside_updates_the_row_in_place(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        ticket_id = table(app).ticket_ids[0]
        sandbox.api.service.update(sandbox.team_id, ticket_id, {"priority": "urgent", "title": "Changed outside"})
        list_screen(app).poll_now()
        await settle(pilot, lambda: table(app).get_ticket(ticket_id).title == "Changed outside")
        assert table(app).ticket_ids[0] == ticket_id


async def test_resolving_from_the_detail_view_lowers_the_views_counts(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        new_before = await _on_the_new_view(pilot, sandbox)
        detail = await open_row(pilot, table(app).ticket_ids[0])
        assert isinstance(detail, TicketDetailScreen)
        await pilot.press("s", "r")  # status, resolved
        await settle(pilot, lambda: _count(sandbox, status="new") == new_before - 1)
        await pilot.press("escape")
        list_screen(app).poll_now()
        await settle(pilot, lambda: _tab(app, 3) == f"New {new_before - 1}")
        assert f"of {new_before - 1}" in _status_line(app)


async def test_the_timer_polls_on_its_own(sandbox: Sandbox) -> None:
    # A short interval, and no key pressed: the created ticket must still arrive (waiting on the event, not a clock).
    app = make_app(sandbox, refresh_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        created = create_ticket(sandbox, title="Nobody pressed anything")["id"]
        await settle(pilot, lambda: table(app).ticket_ids[0] == created, timeout=30)


async def test_live_updates_turn_off_and_on_from_the_palette(sandbox: Sandbox) -> None:
    app = make_app(sandbox, refresh_seconds=20)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        assert app.poller.enabled
        await pilot.press("ctrl+p", *"live updates", "enter")
        await settle(pilot, lambda: not app.poller.enabled)
        assert list_screen(app)._poll_timer is None, "no poll is waiting while off"
        await pilot.press("ctrl+p", *"live updates", "enter")
        await settle(pilot, lambda: app.poller.enabled)
        assert app.poller.interval == 20 and list_screen(app)._poll_timer is not None


def test_the_config_file_sets_the_interval(sandbox: Sandbox) -> None:
    def app_with(text: str) -> CStarApp:
        path = Path("config.toml")
        return CStarApp(settings_for(sandbox), config=LoadedConfig(path=path, file=parse_config(text, path)))

    assert app_with("refresh_seconds = 5\n").poller.interval == 5
    assert not app_with("refresh_seconds = 0\n").poller.enabled
    assert app_with("").poller.interval == 20
    with pytest.raises(ConfigError, match="refresh_seconds"):
        parse_config("refresh_seconds = -1\n", Path("config.toml"))


async def test_resolving_in_a_status_view_moves_on_to_the_next_ticket(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        new_before = await _on_the_new_view(pilot, sandbox)
        first, second = table(app).ticket_ids[:2]
        detail = await open_row(pilot, first)
        await pilot.press("s", "r")  # resolved: no longer in "New"
        await settle(pilot, lambda: detail.ticket is not None and detail.ticket.id == second)
        assert app.screen is detail, "still in the detail view, on the next ticket of the view"
        assert first not in table(app).ticket_ids
        assert _tab(app, 3) == f"New {new_before - 1}"
        assert table(app).current_ticket.id == second, "esc returns to where the agent is"


async def test_a_change_that_keeps_the_ticket_in_the_view_stays_on_it(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await _on_the_new_view(pilot, sandbox)
        first = table(app).ticket_ids[0]
        detail = await open_row(pilot, first)
        await pilot.press("p", "u")  # priority: still new
        await settle(pilot, lambda: detail.ticket is not None and detail.ticket.priority == "urgent")
        assert detail.ticket.id == first and first in table(app).ticket_ids


async def test_auto_advance_can_be_turned_off(sandbox: Sandbox) -> None:
    path = Path("config.toml")
    app = make_app(sandbox, config=LoadedConfig(path=path, file=parse_config("auto_advance = false\n", path)))
    async with app.run_test(size=SIZE) as pilot:
        await _on_the_new_view(pilot, sandbox)
        first = table(app).ticket_ids[0]
        detail = await open_row(pilot, first)
        await pilot.press("s", "r")
        await settle(pilot, lambda: detail.ticket is not None and detail.ticket.status == "resolved")
        assert detail.ticket.id == first


async def test_at_the_end_of_the_view_it_says_so_and_returns_to_the_list(sandbox: Sandbox) -> None:
    only = create_ticket(sandbox, title="Zebra printer jammed", status="new")["id"]
    app = make_app(sandbox)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_list(pilot)
        await pilot.press("slash", *"status:new zebra", "enter")
        await settle(pilot, lambda: table(app).ticket_ids == [only])
        await open_row(pilot, only)
        await pilot.press("s", "r")
        await settle(pilot, lambda: app.screen is list_screen(app))
        assert table(app).ticket_ids == []
        assert any("last ticket of this view" in str(n.message) for n in app._notifications)


async def test_rows_scrolled_to_past_the_first_page_are_refreshed_too(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        for loaded in (100, 150):  # to the bottom: the next page loads as the cursor nears the end
            await pilot.press("G")
            await settle(pilot, lambda n=loaded: len(table(app).ticket_ids) >= n)
        await pilot.press("G")
        await settle(pilot)
        ids = list(table(app).ticket_ids)
        row = round(table(app).scroll_offset.y) + 1
        assert row > 50, "the rows on screen are past the first page"
        watched = ids[row]
        sandbox.api.service.update(sandbox.team_id, watched, {"title": "Changed while on screen"})
        rec.seen.clear()
        list_screen(app).poll_now()
        await settle(pilot, lambda: app.store.ticket(watched).title == "Changed while on screen")
        pages = [params.get("page") for params in rec.lists()]
        assert pages == ["1", str(row // 50 + 1)], "the first page and the one on screen, nothing more"
        assert list(table(app).ticket_ids) == ids, "no row moved"
