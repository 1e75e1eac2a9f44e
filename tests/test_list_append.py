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
