"""Snapshots of the composer in both modes, over the hostile ticket (fixed clock, deterministic sandbox).

After an intended visual change: `pytest tests/test_composer_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.sandbox import Sandbox
from tests.conftest import FIXED_NOW
from tests.detail_support import HOSTILE_ID, SIZE, app_with_drafts, hostile_sandbox, open_row

TEXT = ("Hi Mallory,", "[b]literal[/b]")


@pytest.fixture
def hostile() -> Iterator[Sandbox]:
    sb = hostile_sandbox(FIXED_NOW)
    yield sb
    sb.close()


def _typing(key: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await open_row(pilot, HOSTILE_ID)
        await pilot.press(key)
        for line in TEXT:
            await pilot.press(*line, "enter")

    return run_before


def test_composer_public_reply(snap_compare: Any, hostile: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(hostile, hostile.transport(), tmp_path)
    assert snap_compare(app, run_before=_typing("r"), terminal_size=SIZE)


def test_composer_internal_note(snap_compare: Any, hostile: Sandbox, tmp_path: Path) -> None:
    app = app_with_drafts(hostile, hostile.transport(), tmp_path)
    assert snap_compare(app, run_before=_typing("i"), terminal_size=SIZE)
