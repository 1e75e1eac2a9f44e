"""Snapshots of the detail view (hostile ticket, long thread with internal notes) and its pickers.

Deterministic: the sandbox is seeded at FIXED_NOW and the app's clock is FIXED_NOW. After an intended
visual change: `pytest tests/test_detail_snapshots.py --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api.sandbox import Sandbox
from tests.conftest import FIXED_NOW
from tests.detail_support import HOSTILE_ID, SIZE, app_with_drafts, hostile_sandbox, open_row
from tests.helpers import settle


@pytest.fixture
def hostile() -> Iterator[Sandbox]:
    sb = hostile_sandbox(FIXED_NOW)
    yield sb
    sb.close()


def opened(*keys: str) -> Callable[[Any], Awaitable[None]]:
    async def run_before(pilot: Any) -> None:
        await open_row(pilot, HOSTILE_ID)
        if keys:
            await pilot.press(*keys)
        await settle(pilot)

    return run_before


def test_hostile_ticket_with_a_long_thread(snap_compare: Any, hostile: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(hostile, hostile.transport(), tmp_path)
    assert snap_compare(app, run_before=opened(), terminal_size=SIZE)


def test_status_picker(snap_compare: Any, hostile: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(hostile, hostile.transport(), tmp_path)
    assert snap_compare(app, run_before=opened("s"), terminal_size=SIZE)


def test_priority_picker(snap_compare: Any, hostile: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(hostile, hostile.transport(), tmp_path)
    assert snap_compare(app, run_before=opened("p"), terminal_size=SIZE)


def test_assign_picker(snap_compare: Any, hostile: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(hostile, hostile.transport(), tmp_path)
    assert snap_compare(app, run_before=opened("A"), terminal_size=SIZE)
