"""TicketTable behaviour in a small host app: cursor, paging signal, selection, hostile text."""

from __future__ import annotations

import pytest
from textual import on
from textual.app import App, ComposeResult

from widgets.samples import HOSTILE_TEXTS, NOW, make_ticket, make_tickets
from widgets.ticket_columns import COLUMNS, TITLE_MIN, layout_columns
from widgets.ticket_table import NEAR_END_ROWS, TicketTable


class TableApp(App[None]):
    def __init__(self, tickets=()) -> None:  # noqa: ANN001
        super().__init__()
        self.initial = list(tickets)
        self.events: list[tuple[str, object]] = []

    def compose(self) -> ComposeResult:
        yield TicketTable(
            self.initial,
            now=lambda: NOW,
            agent_names={"agt_000000000001": "Alex Agent"},
            clock_interval=None,
        )

    def on_mount(self) -> None:
        self.query_one(TicketTable).focus()

    @on(TicketTable.Selected)
    def _selected(self, event: TicketTable.Selected) -> None:
        self.events.append(("selected", event.ticket.id))

    @on(TicketTable.Highlighted)
    def _highlighted(self, event: TicketTable.Highlighted) -> None:
        self.events.append(("highlighted", event.ticket.id if event.ticket else None))

    @on(TicketTable.NearEnd)
    def _near_end(self, event: TicketTable.NearEnd) -> None:
        self.events.append(("near_end", event.row_count))

    def kinds(self, kind: str) -> list[object]:
        return [value for k, value in self.events if k == kind]


def lines(table: TicketTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


async def test_keys_move_and_enter_selects() -> None:
    app = TableApp(make_tickets(60))
    async with app.run_test(size=(120, 35)) as pilot:
        table = app.query_one(TicketTable)
        assert table.current_ticket.id == "tkt_000000000000"
        await pilot.press("j", "j", "down", "k")
        assert table.cursor_row == 2
        await pilot.press("G")
        assert table.cursor_row == 59
        shown = lines(table)
        assert shown[0].lstrip().startswith("ID")  # the header stays on top
        assert "tkt_000000000059" in shown[-1]  # scrolled so the cursor row shows
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("pagedown")
        assert table.cursor_row > 20
        await pilot.press("end", "home", "enter")
        await pilot.pause()
        assert app.kinds("selected") == ["tkt_000000000000"]
        assert app.kinds("highlighted")[-1] == "tkt_000000000000"


async def test_cursor_stays_on_the_same_ticket_after_reload() -> None:
    app = TableApp(make_tickets(20))
    async with app.run_test(size=(120, 35)) as pilot:
        table = app.query_one(TicketTable)
        table.move_cursor_to("tkt_000000000005")
        # The reload has two new tickets on top and lost one below: same ticket, new row.
        table.set_tickets([make_ticket(100), make_ticket(101), *make_tickets(18)])
        await pilot.pause()
        assert table.current_ticket.id == "tkt_000000000005"
        assert table.cursor_row == 7
        # Gone: the cursor keeps its row number.
        table.set_tickets(make_tickets(4) + make_tickets(10, start=6))
        assert table.cursor_row == 7
        table.set_tickets(make_tickets(3), keep_cursor=False)
        assert table.cursor_row == 0


async def test_near_end_is_posted_when_the_cursor_gets_close() -> None:
    app = TableApp(make_tickets(50))
    async with app.run_test(size=(120, 35)) as pilot:
        table = app.query_one(TicketTable)
        for _ in range(50 - NEAR_END_ROWS - 2):
            table.action_cursor_down()
        await pilot.pause()
        assert app.kinds("near_end") == []
        await pilot.press("j", "j")
        await pilot.pause()
        assert app.kinds("near_end") == [50]
        assert table.append_tickets(make_tickets(50, start=50)) == 50
        # A page that overlaps what is shown adds only the new rows.
        assert table.append_tickets(make_tickets(10, start=95)) == 5
        assert table.row_count == 105
        await pilot.press("G")
        await pilot.pause()
        assert app.kinds("near_end")[-1] == 105


async def test_update_remove_insert() -> None:
    app = TableApp(make_tickets(5))
    async with app.run_test(size=(120, 35)) as pilot:
        table = app.query_one(TicketTable)
        await pilot.press("j")
        assert table.update_ticket(make_ticket(1, title="Renamed in place"))
        assert table.current_ticket.title == "Renamed in place"
        assert any("Renamed in place" in line for line in lines(table))
        assert not table.update_ticket(make_ticket(99))
        assert table.remove_ticket("tkt_000000000001")
        assert table.current_ticket.id == "tkt_000000000002"
        table.insert_ticket(make_ticket(42))
        assert table.ticket_ids[0] == "tkt_000000000042"
        assert table.current_ticket.id == "tkt_000000000002"
        for ticket_id in list(table.ticket_ids):
            table.remove_ticket(ticket_id)
        assert table.current_ticket is None
        await pilot.pause()
        assert app.kinds("highlighted")[-1] is None


async def test_hostile_titles_show_literally_and_clicking_does_nothing() -> None:
    tickets = [make_ticket(i, title=text) for i, text in enumerate(HOSTILE_TEXTS)]
    tickets.append(make_ticket(50, customer_name="[@click=app.quit]x[/]", tags=["[/]", "\x1b[2J"]))
    app = TableApp(tickets)
    async with app.run_test(size=(160, 35)) as pilot:
        table = app.query_one(TicketTable)
        shown = "\n".join(lines(table))
        assert "[/]" in shown
        assert "[@click=app.quit]click me[/]" in shown
        assert "␛]0;PWNED␇" in shown
        assert "⟨RLO⟩" in shown and "⟨9B⟩" in shown
        assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown
        for row in range(len(tickets)):
            await pilot.click(TicketTable, offset=(40, row + 1))
            await pilot.click(TicketTable, offset=(100, row + 1))
        await pilot.pause()
        assert app.is_running
        assert table.cursor_row == len(tickets) - 1


async def test_double_click_selects_and_agent_names_are_used() -> None:
    app = TableApp(make_tickets(3))
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.double_click(TicketTable, offset=(40, 2))
        await pilot.pause()
        assert app.kinds("selected") == ["tkt_000000000001"]
        assert "Alex Agent" in lines(app.query_one(TicketTable))[2]


async def test_marks_show_a_check() -> None:
    app = TableApp(make_tickets(3))
    async with app.run_test(size=(120, 35)):
        table = app.query_one(TicketTable)
        table.set_marked({"tkt_000000000002"})
        assert lines(table)[3].startswith("✓")
        assert table.marked_ids == {"tkt_000000000002"}


def test_title_takes_what_is_left_and_narrow_screens_drop_columns() -> None:
    wide = layout_columns(200)
    assert [c.key for c, _ in wide] == [c.key for c in COLUMNS]
    assert sum(w for _, w in wide) + len(wide) - 1 == 200
    narrow = layout_columns(80)
    keys = [c.key for c, _ in narrow]
    assert {"status", "priority", "title", "sla"} <= set(keys)
    assert "tags" not in keys
    assert dict((c.key, w) for c, w in narrow)["title"] >= TITLE_MIN


def test_bindings_have_ids_for_the_keymap() -> None:
    ids = {binding.id for binding in TicketTable.BINDINGS}
    assert {"table.down", "table.up", "table.top", "table.bottom", "table.page_down", "table.page_up"} <= ids


async def test_megabyte_title_costs_no_more_than_a_short_one() -> None:
    import time

    huge = make_ticket(0, title="Refund é " * 120_000, tags=[f"tag{i}" for i in range(5_000)])
    app = TableApp([huge, *make_tickets(10, start=1)])
    async with app.run_test(size=(120, 35)) as pilot:
        table = app.query_one(TicketTable)
        await pilot.pause()
        # CPU time of this thread, not wall time: other work on a loaded machine does not count.
        start = time.thread_time()
        table.refresh_cells()
        first = table.render_line(1).text
        assert time.thread_time() - start < 0.05
        assert first.count("Refund") < 10 and "…" in first



async def test_appended_rows_in_view_are_painted(monkeypatch: pytest.MonkeyPatch) -> None:
    """An append repaints only the new rows that are in view; with few rows, that is all of them. What is
    checked is what the app displays after the append (a screenshot would render everything afresh)."""
    app = TableApp(make_tickets(3))
    async with app.run_test(size=(120, 35)) as pilot:
        table = app.query_one(TicketTable)
        table.set_total(10)  # sized to the whole view: the append changes no size (so no full repaint)
        await pilot.pause()
        sent: list[str] = []
        original = app._display

        def recording(screen: object, renderable: object) -> None:
            if hasattr(renderable, "render_segments"):
                sent.append(renderable.render_segments(app.console))
            original(screen, renderable)  # type: ignore[arg-type]

        monkeypatch.setattr(app, "_display", recording)
        added = make_tickets(2, start=3)
        assert table.append_tickets(added) == 2
        await pilot.pause()
        assert all(ticket.id in "".join(sent) for ticket in added)
