"""An appended page costs one table append: the table is sized to the view's total once, so the next page
changes no size and asks Textual for no new layout of the screen (a reflow cost ~36 ms at 10,000 rows).

Driven through Pilot against the real sandbox (300 tickets: six pages of 50). The spy on the screen's
layout pass calls through to Textual; it only counts the passes that were asked for a new layout.
"""

from __future__ import annotations

from typing import Any

import pytest

from api.sandbox import Sandbox
from tests.helpers import make_app, settle
from widgets.ticket_table import TicketTable


def _table(app: Any) -> TicketTable:
    return app.screen.query_one(TicketTable)


def _count_layouts(screen: Any, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per layout pass of `screen` that was asked for a new layout (not just a scroll)."""
    layouts: list[bool] = []
    original = screen._refresh_layout

    def counting(*args: Any, **kwargs: Any) -> None:
        if screen._layout_required:
            layouts.append(True)
        original(*args, **kwargs)

    monkeypatch.setattr(screen, "_refresh_layout", counting)
    return layouts


async def test_the_table_is_sized_to_the_views_total_from_the_first_page(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: _table(app).row_count == 50)
        total = app.screen._total
        assert total is not None and total > 100
        table = _table(app)
        assert table.virtual_size.height == total + 1  # the header line, then one line per ticket of the view
        assert table.row_count == 50


async def test_an_appended_page_asks_for_no_new_layout(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: _table(app).row_count == 50)
        table = _table(app)
        size = table.virtual_size
        layouts = _count_layouts(app.screen, monkeypatch)
        for pages in (2, 3):
            await pilot.press("G")  # the cursor reaches the end: the next page loads
            await settle(pilot, lambda pages=pages: table.row_count == 50 * pages)
        assert table.row_count == 150
        assert table.cursor_row == 99  # G went to the last row loaded at the time
        assert table.virtual_size == size
        assert layouts == []
        assert "150 of" in str(app.screen.query_one("#list-status").render())


async def test_scrolling_past_the_loaded_rows_loads_the_next_page(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: _table(app).row_count == 50)
        table = _table(app)
        table.scroll_to(y=60, animate=False, immediate=True)  # the wheel or the scroll bar: no cursor move
        await settle(pilot, lambda: table.row_count == 100)
        assert table.row_count == 100


# --- the store's side: an appended page is checked against the view's ids without rebuilding them ----------


def _ticket(number: int) -> Any:
    from api.models import Ticket

    return Ticket.model_validate({"id": f"tkt_{number:012d}", "title": "x", "priority": "normal", "status": "open",
                                  "createdAt": f"2026-03-{30 - number:02d}T10:00:00Z",
                                  "updatedAt": "2026-03-30T10:00:00Z"})


def test_an_appended_page_skips_ids_the_view_holds_whatever_changed_it_before() -> None:
    from app.desk.store import DeskStore

    store = DeskStore()
    t = [_ticket(n) for n in range(8)]
    ids = [ticket.id for ticket in t]
    store.load_page("v", 1, t[0:3], 8, True)
    store.load_page("v", 2, t[2:5], 8, True)  # t2 again: the pages shifted by one
    assert store.view("v").ids == ids[0:5]
    epoch = store.view("v").epoch
    store.leave_view("v", ids[1])  # gone from the view: a later page may bring it back
    assert store.view("v").epoch > epoch
    store.load_page("v", 3, [t[1], t[4], t[5]], 8, True)
    assert store.view("v").ids == [ids[0], ids[2], ids[3], ids[4], ids[1], ids[5]]
    store.view("v").ids = [ids[0]]  # replaced outright (as page 1 does): nothing else is held any more
    store.load_page("v", 4, [t[2], t[6]], 8, False)
    assert store.view("v").ids == [ids[0], ids[2], ids[6]]
