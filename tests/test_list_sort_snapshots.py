"""Snapshots: the default view sorted by SLA, a query with several mistakes, the filter language help."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.sandbox import Sandbox, create_sandbox
from app.views import DEFAULT_VIEWS
from tests.conftest import FIXED_NOW
from tests.helpers import make_app, settle
from widgets.ticket_table import TicketTable

SIZE = (130, 36)


@pytest.fixture
def fixed_sandbox() -> Iterator[Sandbox]:
    sb = create_sandbox(clock=lambda: FIXED_NOW, rate_limit=0)
    yield sb
    sb.close()


async def _loaded(pilot) -> None:
    await settle(pilot, lambda: bool(pilot.app.screen.query(TicketTable)
                                      and pilot.app.screen.query_one(TicketTable).ticket_ids))


def test_the_first_tab_unsolved_sorted_by_sla(snap_compare, fixed_sandbox: Sandbox) -> None:
    app = make_app(fixed_sandbox, views=list(DEFAULT_VIEWS))
    assert snap_compare(app, terminal_size=SIZE, run_before=_loaded)


def test_every_mistake_of_a_query_under_the_bar(snap_compare, fixed_sandbox: Sandbox) -> None:
    async def run_before(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("slash", *"status:opne refund prio:hgh sort:due", "enter")
        await settle(pilot)

    assert snap_compare(make_app(fixed_sandbox), terminal_size=SIZE, run_before=run_before)


def test_the_filter_language_help(snap_compare, fixed_sandbox: Sandbox) -> None:
    async def run_before(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("slash", "question_mark")
        await settle(pilot)

    assert snap_compare(make_app(fixed_sandbox), terminal_size=SIZE, run_before=run_before)
