"""The shared length limits as an agent meets them: refused with a reason, nothing sent, the app still up."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from api.limits import TITLE_MAX
from api.sandbox import Sandbox
from app.screens.edit_ticket import EditTicketScreen
from app.screens.ticket_detail import TicketDetailScreen
from tests.detail_support import SIZE, app_with_drafts, create_ticket, open_row, stored
from tests.helpers import RecordingTransport, settle


async def test_a_title_past_the_limit_in_the_edit_form_is_refused_without_a_request(sandbox: Sandbox,
                                                                                   tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("e")
        await settle(pilot, lambda: isinstance(app.screen, EditTicketScreen))
        app.screen.query_one("#edit-title", Input).value = "x" * (TITLE_MAX + 1)
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: any(n.severity == "error" for n in app._notifications))
        assert app.is_running and app.screen is screen and isinstance(screen, TicketDetailScreen)
        said = " ".join(n.message for n in app._notifications)
        assert "title" in said and str(TITLE_MAX) in said
        assert [s for s in rec.seen if s.method != "GET"] == []
        assert stored(sandbox, ticket["id"])["title"] == ticket["title"]
