"""The composer through Pilot against the sandbox: reply, internal note, drafts, and sends that cannot
post twice (faults are injected in the transport only)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from api.models import MessageCreate
from api.sandbox import Sandbox
from app.drafts import Draft, DraftStore
from app.screens.composer import ComposerScreen
from app.screens.ticket_detail import TicketDetailScreen
from tests.detail_support import (
    SIZE,
    AfterCommitFault,
    app_with_drafts,
    create_ticket,
    open_row,
    stored,
    stored_messages,
    table,
    writes,
)
from tests.helpers import RecordingTransport, settle, until
from widgets.thread import MessageThread


def _banner(app) -> str:
    return app.screen.query_one("#composer-banner").render().plain


def _status(app) -> str:
    return app.screen.query_one("#composer-status").render().plain


def _messages_path(sb: Sandbox, ticket_id: str) -> str:
    return f"/api/v1/teams/{sb.team_id}/tickets/{ticket_id}/messages"


async def test_reply_posts_one_public_agent_message_and_sets_first_response(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox, customerName="Jane [b]Doe[/b]", status="open")  # new: the reply would open it
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("r")
        assert isinstance(app.screen, ComposerScreen)
        assert "Reply to Jane [b]Doe[/b] — the customer will see this" in _banner(app)
        assert app.screen.has_class("-public")
        await pilot.press(*"Thanks!")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: app.screen is detail)
        assert writes(rec) == [("POST", _messages_path(sandbox, ticket["id"]))]
        (message,) = stored_messages(sandbox, ticket["id"])
        assert (message["content"], message["sender"], message["is_internal"]) == ("Thanks!", "agent", 0)
        assert (message["sender_id"], message["sender_name"]) == (sandbox.agent_id, sandbox.agent_name)
        assert stored(sandbox, ticket["id"])["first_response_at"] is not None
        assert detail.query_one(MessageThread).messages[-1].content == "Thanks!"
        assert detail.ticket.message_count == 1 and detail.ticket.first_response_at is not None
        assert table(app).get_ticket(ticket["id"]).message_count == 1
        assert not list(tmp_path.glob("*.json"))  # the draft went once the server confirmed


async def test_internal_note_is_stored_internal_and_is_no_first_response(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_row(pilot, ticket["id"])
        await pilot.press("i")
        assert "Internal note — not visible to the customer" in _banner(app)
        assert app.screen.has_class("-internal")
        await pilot.press(*"Pro plan", "ctrl+s")
        await settle(pilot, lambda: app.screen is detail)
        (message,) = stored_messages(sandbox, ticket["id"])
        assert message["is_internal"] == 1 and message["content"] == "Pro plan"
        assert stored(sandbox, ticket["id"])["first_response_at"] is None
        assert detail.query_one(MessageThread).messages[-1].is_internal
        assert detail.ticket.first_response_at is None


async def test_empty_message_is_not_sent(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("r", "ctrl+s")
        assert "Nothing to send" in _status(app)
        await pilot.press("space", "enter", "space", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ComposerScreen) and "Nothing to send" in _status(app)
        assert rec.seen == [] and stored_messages(sandbox, ticket["id"]) == []


async def test_ctrl_t_switches_mode_and_the_switch_decides_what_is_sent(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_row(pilot, ticket["id"])
        await pilot.press("r", *"careful", "ctrl+t")
        assert "not visible to the customer" in _banner(app)
        await pilot.press("ctrl+t")
        assert "the customer will see this" in _banner(app)
        await pilot.press("ctrl+t", "ctrl+s")
        await settle(pilot, lambda: app.screen is detail)
        assert [m["is_internal"] for m in stored_messages(sandbox, ticket["id"])] == [1]


async def test_canned_response_fills_placeholders(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox, customerName="Jane\x1b[31m Doe", title="VPN drops")
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        rec.seen.clear()
        await pilot.press("r", "ctrl+k")
        await pilot.press("n")  # "Need more details"
        assert isinstance(app.screen, ComposerScreen)
        text = app.screen.text_area.text
        assert text.startswith("Hi Jane␛[31m Doe,") and '"VPN drops"' in text and sandbox.agent_name in text
        assert "\x1b" not in text
        assert rec.seen == []  # inserting is local; nothing is sent


async def test_escape_keeps_the_draft_and_reopening_restores_it(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_row(pilot, ticket["id"])
        await pilot.press("i", *"half")
        # Typing pauses: the draft is written without leaving.
        path = DraftStore(tmp_path).path(ticket["id"])
        await until(pilot, lambda: path.exists() and "half" in path.read_text(), "the draft on disk")
        saved = json.loads(path.read_text())
        assert (saved["text"], saved["mode"]) == ("half", "internal")
        await pilot.press(*" more", "escape")
        assert app.screen is detail
        assert DraftStore(tmp_path).load(ticket["id"]).text == "half more"
        await pilot.press("r")  # the draft's own mode wins: it was written as an internal note
        assert app.screen.text_area.text == "half more"
        assert "not visible to the customer" in _banner(app) and "Restored" in _status(app)
        assert writes(rec) == []


async def test_a_lost_answer_is_retried_with_the_saved_key_and_posts_once(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    inner = sandbox.transport()
    path = _messages_path(sandbox, ticket["id"])
    fault = AfterCommitFault(lambda r: r.method == "POST" and r.url.path == path, inner, times=1)
    on_disk_at_send: list[str | None] = []

    async def hook(request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST":
            draft = DraftStore(tmp_path).load(ticket["id"])
            on_disk_at_send.append(draft.idempotency_key if draft else None)
        return await fault(request)

    app = app_with_drafts(sandbox, RecordingTransport(inner, fail=hook), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_row(pilot, ticket["id"])
        await pilot.press("r", *"Refunded", "ctrl+s")
        await settle(pilot, lambda: app.screen is detail)
        assert len(stored_messages(sandbox, ticket["id"])) == 1
        assert len(fault.keys) == 2 and fault.keys[0] == fault.keys[1] and fault.keys[0]
        assert on_disk_at_send == fault.keys  # the key was on disk before each request left
        assert not DraftStore(tmp_path).path(ticket["id"]).exists()


async def test_a_send_that_fails_keeps_draft_and_key_and_the_retry_posts_once(
        sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    inner = sandbox.transport()
    path = _messages_path(sandbox, ticket["id"])
    # Every attempt of the first send commits on the server and loses its answer: the client gives up.
    fault = AfterCommitFault(lambda r: r.method == "POST" and r.url.path == path, inner, times=3)
    app = app_with_drafts(sandbox, RecordingTransport(inner, fail=fault), tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        detail = await open_row(pilot, ticket["id"])
        await pilot.press("r", *"Refunded", "ctrl+s")
        composer = app.screen
        await settle(pilot, lambda: not composer._sending)
        assert app.screen is composer and "Not sent" in _status(app)
        assert any(n.severity == "error" for n in app._notifications)
        draft = DraftStore(tmp_path).load(ticket["id"])
        assert draft.text == "Refunded" and draft.idempotency_key == fault.keys[0]
        assert len(stored_messages(sandbox, ticket["id"])) == 1  # committed once, answer lost
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: app.screen is detail)
        assert len(set(fault.keys)) == 1 and len(fault.keys) == 4
        assert len(stored_messages(sandbox, ticket["id"])) == 1
        assert not DraftStore(tmp_path).path(ticket["id"]).exists()
        assert detail.query_one(MessageThread).messages[-1].content == "Refunded"


async def test_after_a_crash_mid_send_the_restored_draft_replays_instead_of_posting_again(
        sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    # The app died after the server committed the message but before the answer arrived: the draft
    # on disk holds the text and the key of that request.
    body = MessageCreate(content="Sent before the crash", sender="agent", sender_id=sandbox.agent_id,
                         sender_name=sandbox.agent_name, message_type="public")
    draft = Draft(ticket["id"], body.content).with_key_for(body.to_wire())
    DraftStore(tmp_path).save(draft)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        response = await http.post(_messages_path(sandbox, ticket["id"]), json=body.to_wire(),
                                   headers={"Authorization": f"Bearer {sandbox.keys.secret}",
                                            "Idempotency-Key": draft.idempotency_key})
        assert response.status_code == 201
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_row(pilot, ticket["id"])
        await pilot.press("r")
        assert app.screen.text_area.text == "Sent before the crash"
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: app.screen is detail)
        assert [m["content"] for m in stored_messages(sandbox, ticket["id"])] == ["Sent before the crash"]
        assert not DraftStore(tmp_path).path(ticket["id"]).exists()


async def test_editor_without_a_terminal_says_so_and_keeps_the_text(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_row(pilot, ticket["id"])
        await pilot.press("r", *"keep me", "ctrl+e")
        assert app.screen.text_area.text == "keep me"
        assert any("editor" in n.message for n in app._notifications)
        assert isinstance(app.screen, ComposerScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, TicketDetailScreen)
