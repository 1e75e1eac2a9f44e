"""Snapshots of what a newer server's tickets look like: the list with grown status and priority values
and the notice naming the tickets that could not be read; the detail view at the edges of the calendar.

Deterministic: fixed IDs and times in the sandbox's SQLite, and the app's clock is FIXED_NOW. After an
intended visual change: `pytest tests/test_tolerant_snapshots.py --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.sandbox import Sandbox
from tests.conftest import FIXED_NOW
from tests.detail_support import open_row, wait_for_list
from tests.hostile_corpus import insert_messages
from tests.test_tolerant_screens import EDGE_FUTURE, EDGE_ID, EDGE_PAST, SIZE, app_on, sb, seed

__all__ = ["sb"]  # the fixture, shared with the Pilot tests


def test_list_with_grown_values_and_unreadable_tickets(snap_compare: Any, sb: Sandbox, tmp_path: Path) -> None:
    seed(sb)
    app, _ = app_on(sb, tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=wait_for_list)


def test_detail_at_the_edges_of_the_calendar(snap_compare: Any, sb: Sandbox, tmp_path: Path) -> None:
    seed(sb)
    insert_messages(sb, EDGE_ID, FIXED_NOW, [
        {"content": "from the dawn of time", "created_at": EDGE_PAST},
        {"content": "from the end of time", "created_at": EDGE_FUTURE, "sender": "bot", "sender_name": "Robo"},
        {"content": "this one cannot be read", "created_at": "soon"},
    ])
    app, _ = app_on(sb, tmp_path)

    async def run_before(pilot: Any) -> None:
        await open_row(pilot, EDGE_ID)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
