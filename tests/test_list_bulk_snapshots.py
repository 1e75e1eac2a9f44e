"""Snapshots of marks and bulk actions: marked rows, the one confirmation, the summary with a failure."""

from __future__ import annotations

from api.sandbox import Sandbox
from app.screens.list_bulk import BulkSummaryScreen
from app.views import View
from tests.helpers import make_app, settle, until
from tests.test_list_snapshots import SIZE, _loaded, fixed_sandbox  # noqa: F401 - the fixture
from widgets.pickers import ConfirmDialog
from widgets.ticket_table import TicketTable

ALL = [View("All", "")]


async def _mark_three(pilot) -> None:
    await _loaded(pilot)
    await pilot.press("j", "space", "space", "j", "space")
    await settle(pilot)


def test_marked_rows(snap_compare, fixed_sandbox: Sandbox) -> None:  # noqa: F811
    assert snap_compare(make_app(fixed_sandbox, views=ALL), terminal_size=SIZE, run_before=_mark_three)


def test_the_bulk_confirmation_names_the_count_and_the_change(snap_compare, fixed_sandbox: Sandbox) -> None:  # noqa: F811
    async def run_before(pilot) -> None:
        await _mark_three(pilot)
        await pilot.press("s", "p")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog), "the confirmation")
        await settle(pilot)

    assert snap_compare(make_app(fixed_sandbox, views=ALL), terminal_size=SIZE, run_before=run_before)


def test_the_bulk_summary_with_a_failure(snap_compare, fixed_sandbox: Sandbox) -> None:  # noqa: F811
    async def run_before(pilot) -> None:
        await _mark_three(pilot)
        table = pilot.app.screen.query_one(TicketTable)
        fixed_sandbox.store.delete_ticket(table.ticket_ids[2])  # gone before the bulk reaches it
        await pilot.press("s", "p")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog), "the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(pilot.app.screen, BulkSummaryScreen), "the summary")
        await settle(pilot)

    assert snap_compare(make_app(fixed_sandbox, views=ALL), terminal_size=SIZE, run_before=run_before)
