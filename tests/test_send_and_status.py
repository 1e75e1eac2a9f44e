"""Answer and move on: ctrl+g sends, then sets the status (asked, or the configured one) once the service
confirmed the message; the built-in canned answers that say so resolve or set pending."""

from __future__ import annotations

from pathlib import Path

from api.sandbox import Sandbox
from app.config import LoadedConfig, parse_config
from app.screens.composer import ComposerScreen
from tests.detail_support import app_with_drafts, create_ticket, open_row, stored, stored_messages, writes
from tests.helpers import RecordingTransport, settle
from widgets.pickers import OptionPicker

SIZE = (120, 40)


def loaded(tmp_path: Path, text: str) -> LoadedConfig:
    path = tmp_path / "config.toml"
    return LoadedConfig(path=path, file=parse_config(text, path), exists=True, state_path=tmp_path / "state.json")


async def test_ctrl_g_sends_then_asks_for_the_status_and_patches_after_the_send(sandbox: Sandbox,
                                                                                tmp_path: Path) -> None:
    ticket_id = create_ticket(sandbox, status="open")["id"]
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_row(pilot, ticket_id)
        rec.seen.clear()
        await pilot.press("r", *"Refund is on its way", "ctrl+g")
        await settle(pilot, lambda: isinstance(app.screen, OptionPicker))
        assert "Sent. Status now?" in str(app.screen.query_one(".picker--title").render())
        assert [m["content"] for m in stored_messages(sandbox, ticket_id)] == ["Refund is on its way"]
        post = ("POST", f"/api/v1/teams/{sandbox.team_id}/tickets/{ticket_id}/messages")
        assert writes(rec) == [post], "nothing patched before the pick"
        await pilot.press("p")  # pending
        await settle(pilot, lambda: stored(sandbox, ticket_id)["status"] == "pending")
        assert writes(rec) == [("POST", f"/api/v1/teams/{sandbox.team_id}/tickets/{ticket_id}/messages"),
                               ("PATCH", f"/api/v1/teams/{sandbox.team_id}/tickets/{ticket_id}")]
        await settle(pilot, lambda: detail.ticket is not None and detail.ticket.status == "pending")


async def test_ctrl_g_with_a_configured_status_needs_no_question(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket_id = create_ticket(sandbox, status="open")["id"]
    rec = RecordingTransport(sandbox.transport())
    config = loaded(tmp_path, 'send_and_status = "pending"\nauto_advance = false\n')
    app = app_with_drafts(sandbox, rec, tmp_path / "drafts", config=config)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_row(pilot, ticket_id)
        rec.seen.clear()
        await pilot.press("r", *"Waiting for the logs", "ctrl+g")
        await settle(pilot, lambda: stored(sandbox, ticket_id)["status"] == "pending")
        assert writes(rec) == [("POST", f"/api/v1/teams/{sandbox.team_id}/tickets/{ticket_id}/messages"),
                               ("PATCH", f"/api/v1/teams/{sandbox.team_id}/tickets/{ticket_id}")]
        assert app.screen is detail and not isinstance(app.screen, OptionPicker)


async def test_ctrl_g_on_a_refused_send_changes_no_status(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket_id = create_ticket(sandbox, status="open")["id"]
    rec = RecordingTransport(sandbox.transport())
    config = loaded(tmp_path, 'send_and_status = "resolved"\n')
    app = app_with_drafts(sandbox, rec, tmp_path / "drafts", config=config)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket_id)
        await pilot.press("r", *"Bye")
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        sandbox.api.service.delete(sandbox.team_id, ticket_id)  # the send will be refused: 404
        rec.seen.clear()
        await pilot.press("ctrl+g")
        await settle(pilot, lambda: "Not sent" in str(composer.query_one("#composer-status").render()))
        assert [method for method, _ in writes(rec)] == ["POST"], "no PATCH after a refused send"
        assert app.screen is composer


async def test_a_new_ticket_answered_with_ctrl_g_and_the_picker_cancelled_still_opens(sandbox: Sandbox,
                                                                                        tmp_path: Path) -> None:
    ticket_id = create_ticket(sandbox, status="new")["id"]
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket_id)
        await pilot.press("r", *"On it", "ctrl+g")
        await settle(pilot, lambda: isinstance(app.screen, OptionPicker))
        await pilot.press("escape")
        await settle(pilot, lambda: stored(sandbox, ticket_id)["status"] == "open")


async def test_the_builtin_resolved_answer_resolves_the_ticket(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket_id = create_ticket(sandbox, status="open", customerName="Jane Doe")["id"]
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket_id)
        await pilot.press("r", "ctrl+k", "r")  # "Resolved"
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen)
                     and "should now be resolved" in app.screen.text_area.text)
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: stored(sandbox, ticket_id)["status"] == "resolved")
        assert "should now be resolved" in stored_messages(sandbox, ticket_id)[-1]["content"]
