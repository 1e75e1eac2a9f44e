"""The ticket list, driven by keys through Pilot, against the real sandbox; requests observed on the wire."""

from __future__ import annotations

import httpx
import pytest

from api.models import TicketCreate
from api.sandbox import Sandbox
from app.screens.connection_error import ConnectionErrorScreen
from app.screens.ticket_list import TicketListScreen, with_quick_status
from tests.helpers import Hold, RecordingTransport, make_app, settle, until
from widgets.filter_bar import FilterBar
from widgets.ticket_table import TicketTable


def _total(sandbox: Sandbox, **where: str) -> int:
    clause = " AND ".join(["team_id = ?", *(f"{k} = ?" for k in where)])
    return int(sandbox.store._one(f"SELECT COUNT(*) FROM tickets WHERE {clause}", (sandbox.team_id,
                                                                                    *where.values()))[0])


def _table(app) -> TicketTable:
    return app.screen.query_one(TicketTable)


def _status_line(app) -> str:
    return str(app.screen.query_one("#list-status").render())


async def test_opens_on_the_first_page_with_one_request(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        assert isinstance(app.screen, TicketListScreen)
        assert rec.lists() == [{"page": "1", "pageSize": "50"}]
        # Then, once the rows are shown, one single-row request per other tab for its count.
        assert rec.counts() == [{"assignedTo": sandbox.agent_id, "page": "1", "pageSize": "1"},
                                {"priority": "urgent", "page": "1", "pageSize": "1"},
                                {"status": "new", "page": "1", "pageSize": "1"}]
        labels = [str(app.screen.query_one(f"#view-{i}").label) for i in range(4)]
        assert labels == [f"All {_total(sandbox)}", f"Mine {_total(sandbox, assigned_to=sandbox.agent_id)}",
                          f"Urgent {_total(sandbox, priority='urgent')}", f"New {_total(sandbox, status='new')}"]
        assert len(_table(app).ticket_ids) == 50
        assert f"50 of {_total(sandbox)}" in _status_line(app)
        assert app.focused is _table(app)


async def test_filter_bar_sends_exactly_the_matching_parameters(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, debounce=0.4)  # longer than a Pilot keystroke, as a typist's pause is
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press("slash")
        assert app.focused is app.screen.query_one(FilterBar).input
        rec.seen.clear()
        await pilot.press(*"status:open prio:high", "enter")
        await settle(pilot)
        assert rec.lists()[-1] == {"status": "open", "priority": "high", "page": "1", "pageSize": "50"}
        assert len(rec.lists()) <= 3  # debounced: far fewer requests than keystrokes
        assert app.focused is _table(app)  # Enter hands the keys back to the table
        shown = _table(app).tickets
        assert shown and all(t.status == "open" and t.priority == "high" for t in shown)
        assert f"of {_total(sandbox, status='open', priority='high')}" in _status_line(app)


async def test_enter_after_the_debounce_sends_no_second_request(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press("slash", *"refund")
        await settle(pilot)  # the debounce has fired and its request is answered
        count = len(rec.lists())
        await pilot.press("enter")
        await settle(pilot)
        assert len(rec.lists()) == count
        assert rec.lists()[-1] == {"search": "refund", "page": "1", "pageSize": "50"}


async def test_escape_clears_the_filter(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press("slash", *"status:closed", "enter")
        await settle(pilot)
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert app.screen.query_one(FilterBar).value == ""
        assert rec.lists()[-1] == {"page": "1", "pageSize": "50"}
        assert app.focused is _table(app), "esc returns the keys to the list"


async def test_bad_syntax_is_explained_in_place_and_sends_nothing(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, debounce=0.4)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        before = len(rec.lists())
        await pilot.press("slash", *"status:bogus", "enter")
        await settle(pilot)
        assert len(rec.lists()) == before
        text = " ".join(str(w.render()) for w in app.screen.query(FilterBar).first().query("*"))
        assert "bogus" in text
        # No rows stay under text they don't match (the agent would read them as the query's answer).
        assert _table(app).ticket_ids == []
        assert "Nothing is listed until the query is fixed" in _status_line(app)
        await pilot.press(*["backspace"] * len("bogus"), *"closed", "enter")
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        assert {t.status for t in _table(app).tickets} == {"closed"}


async def test_a_slow_stale_response_never_overwrites_a_newer_result(sandbox: Sandbox) -> None:
    slow = Hold(lambda r: r.url.params.get("status") == "open")
    rec = RecordingTransport(sandbox.transport(), hold=slow)
    app = make_app(sandbox, rec)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press("2")  # status:open, held back until the newer result is shown
        await until(pilot, lambda: slow.arrived == 1, "the status:open request")
        await pilot.press("5")  # status:closed, answered at once
        await until(pilot, lambda: {t.status for t in _table(app).tickets} == {"closed"}, "the closed rows")
        slow.release()  # now the stale answer may come (unless its request was cancelled)
        await until(pilot, lambda: slow.ended == 1, "the status:open request to end")
        await settle(pilot)
        statuses = [p.get("status") for p in rec.lists()]
        assert statuses[-2:] == ["open", "closed"]
        assert {t.status for t in _table(app).tickets} == {"closed"}


@pytest.mark.parametrize(("key", "status"), [("1", "new"), ("2", "open"), ("3", "pending"), ("4", "resolved"),
                                             ("5", "closed")])
async def test_quick_status_keys(sandbox: Sandbox, key: str, status: str) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press(key)
        await settle(pilot)
        assert rec.lists()[-1] == {"status": status, "page": "1", "pageSize": "50"}
        assert app.screen.query_one(FilterBar).value == f"status:{status}"
        assert {t.status for t in _table(app).tickets} == {status}
        await pilot.press("0")
        await settle(pilot)
        assert rec.lists()[-1] == {"page": "1", "pageSize": "50"}
        assert len(rec.lists()) == 3


def test_quick_status_keeps_the_rest_of_the_query() -> None:
    assert with_quick_status('prio:high status:open "two words"', "closed") == 'status:closed prio:high "two words"'
    assert with_quick_status("S:new refund", None) == "refund"


async def test_views_are_tabs_with_counts(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press("tab")
        await settle(pilot)
        assert rec.lists()[-1] == {"assignedTo": sandbox.agent_id, "page": "1", "pageSize": "50"}
        mine = _total(sandbox, assigned_to=sandbox.agent_id)
        assert str(app.screen.query_one("#view-1").label) == f"Mine {mine}"
        await pilot.press("tab")
        await settle(pilot)
        assert rec.lists()[-1] == {"priority": "urgent", "page": "1", "pageSize": "50"}
        await pilot.press("shift+tab", "shift+tab")
        await settle(pilot)
        assert rec.lists()[-1] == {"page": "1", "pageSize": "50"}
        assert str(app.screen.query_one("#view-0").label) == f"All {_total(sandbox)}"


async def test_next_page_loads_before_the_bottom_and_reload_keeps_the_cursor(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press("G")
        await settle(pilot, lambda: len(_table(app).ticket_ids) == 100)
        assert rec.lists()[-1] == {"page": "2", "pageSize": "50"}
        assert f"100 of {_total(sandbox)}" in _status_line(app)
        await pilot.press("g", "j", "j", "j")
        chosen = _table(app).current_ticket
        assert chosen is not None
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert _table(app).current_ticket is not None
        assert _table(app).current_ticket.id == chosen.id


async def test_an_error_keeps_the_last_rows_and_says_why(sandbox: Sandbox) -> None:
    broken = {"on": False}

    async def fail(request: httpx.Request) -> httpx.Response | None:
        if broken["on"]:
            return httpx.Response(400, json={"success": False, "error": {
                "type": "invalid_request_error", "code": "parameter_invalid", "message": "Bad filter."},
                "meta": {"requestId": "req_test12345678"}})
        return None

    rec = RecordingTransport(sandbox.transport(), fail=fail)
    app = make_app(sandbox, rec)
    async with app.run_test(size=(130, 36), notifications=True) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        before = list(_table(app).ticket_ids)
        broken["on"] = True
        await pilot.press("2")
        await settle(pilot)
        assert _table(app).ticket_ids == before
        messages = [str(n.message) for n in app._notifications]
        assert any("Bad filter" in m and "req_test12345678" in m for m in messages)


async def test_a_refused_key_shows_a_clear_screen_and_quits_non_zero(sandbox: Sandbox) -> None:
    from app.tui import CStarApp
    from tests.conftest import FIXED_NOW
    from tests.helpers import settings_for

    app = CStarApp(settings_for(sandbox, api_key="sk_test_WrongKeyWrongKeyWrongKeyZ9y8"), clock=lambda: FIXED_NOW)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, ConnectionErrorScreen))
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "API key was refused" in text
        assert "WrongKeyWrongKey" not in text and "sk_test_…Z9y8" in text
        await pilot.press("q")
    assert app.return_code == 1


async def test_a_wrong_team_and_an_unreachable_host_are_told_apart(sandbox: Sandbox) -> None:
    from dataclasses import replace as dc_replace

    from app.tui import CStarApp
    from tests.helpers import settings_for

    wrong_team = dc_replace(settings_for(sandbox), team_id=sandbox.other_team_id)
    app = CStarApp(wrong_team)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, ConnectionErrorScreen))
        assert "cannot open that team" in " ".join(str(s.render()) for s in app.screen.query("Static"))

    class Refused(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

    app = CStarApp(dc_replace(settings_for(sandbox), transport=Refused()))
    app.client._sleep = _no_sleep  # retries back off for real otherwise
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, ConnectionErrorScreen))
        assert "cannot be reached" in " ".join(str(s.render()) for s in app.screen.query("Static"))
        app.settings.transport = None


async def _no_sleep(_seconds: float) -> None:
    return None


HOSTILE_TITLES = [
    "[/]",
    "[@click=app.quit]click me[/]",
    '[link="file:///etc/passwd"]x[/link]',
    "\x1b]0;PWNED\x07 title with OSC",
    "\x1b[31mred\x1b[0m and \x9b C1",
    "[TODO] [URGENT] brackets",
]


async def test_hostile_titles_show_literally_and_clicking_does_nothing(sandbox: Sandbox) -> None:
    from api.client import HelpdeskClient

    async with HelpdeskClient(sandbox.base_url, sandbox.team_id, sandbox.keys.secret,
                              transport=sandbox.transport()) as client:
        for title in HOSTILE_TITLES:
            await client.create_ticket(TicketCreate(title=title, customer_name="[b]Mallory[/b]"))
    app = make_app(sandbox)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        shown = {t.title for t in _table(app).tickets}
        assert set(HOSTILE_TITLES) <= shown
        for row in range(len(HOSTILE_TITLES) + 1):
            await pilot.click(TicketTable, offset=(40, row + 1))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        painted = app.export_screenshot()
        assert "[@click=app.quit]click me[/]" in painted.replace("&#160;", " ")
        assert "\x1b" not in painted and "PWNED" in painted


async def test_help_is_generated_from_the_active_bindings_and_closes(sandbox: Sandbox) -> None:
    from app.screens.help import HelpScreen

    app = make_app(sandbox)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.export_screenshot()
        for needle in ("list.filter", "list.refresh", "list.status_open", "table.select", "app.quit"):
            assert needle in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TicketListScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_the_command_palette_reaches_list_actions(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        await pilot.press("ctrl+p", *"status pending")
        await settle(pilot, lambda: app.screen.query_one("CommandList").option_count > 0
                     and app.screen.query_one("CommandList").highlighted is not None)
        await pilot.press("enter")
        await settle(pilot)
        assert rec.lists()[-1] == {"status": "pending", "page": "1", "pageSize": "50"}


async def test_keys_typed_right_after_slash_all_reach_the_filter(sandbox: Sandbox) -> None:
    """A burst of keys (fast typing or a paste) is queued before `/` is handled; none may be lost."""
    from textual import events

    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        for char in "/status:closed 2":
            key = "slash" if char == "/" else ("space" if char == " " else char)
            app.post_message(events.Key(key, char))
        await settle(pilot)
        assert app.screen.query_one(FilterBar).value == "status:closed 2"


async def test_a_slow_first_page_leaves_the_keys_on_the_table(sandbox: Sandbox) -> None:
    """While the first page loads the table can't hold focus; when it arrives the keys must work."""
    first = Hold(lambda r: len(rec.seen) == 1)
    rec = RecordingTransport(sandbox.transport(), hold=first)
    app = make_app(sandbox, rec)
    async with app.run_test(size=(130, 36)) as pilot:
        await until(pilot, lambda: first.arrived == 1, "the first page's request")
        assert "loading…" in str(app.screen.query_one("#list-status").render())  # said at once
        await until(pilot, lambda: _table(app).loading, "the loading indicator of a first page that keeps us waiting")
        first.release()
        await settle(pilot, lambda: bool(_table(app).ticket_ids))
        assert app.focused is _table(app)
        second = _table(app).ticket_ids[1]
        await pilot.press("j", "enter")
        await settle(pilot)
        from app.screens.ticket_detail import TicketDetailScreen

        assert isinstance(app.screen, TicketDetailScreen) and app.screen.ticket_id == second
