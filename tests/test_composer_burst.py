"""A fast typist presses `r` (or `i`) and types at once: every key lands in the composer, none is taken
as a command by the detail view behind it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from api.sandbox import Sandbox
from app.drafts import DraftStore
from app.screens.composer import ComposerScreen
from app.screens.ticket_detail import TicketDetailScreen
from tests.helpers import make_app, settle
from widgets.ticket_table import TicketTable


@pytest.mark.parametrize(("key", "mode"), [("r", "public"), ("i", "internal")])
async def test_keys_typed_right_after_r_or_i_reach_the_composer(sandbox: Sandbox, tmp_path: Path, key: str,
                                                                 mode: str) -> None:
    app = make_app(sandbox)
    app.draft_store = DraftStore(tmp_path)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, lambda: bool(app.screen.query_one(TicketTable).ticket_ids))
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None)
        # One burst, queued before `r`/`i` is handled: "i", "s", "p", "a" are all commands of the detail view.
        typed = "Hi, I paused sync; please retry"
        for char in key + typed:
            app.post_message(events.Key("space" if char == " " else char, char))
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))  # and every key is handled
        stack = [type(s).__name__ for s in app.screen_stack]
        assert stack.count("ComposerScreen") == 1, stack
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        assert composer.mode == mode
        assert composer.text_area.text == typed
