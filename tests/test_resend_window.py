"""A pending reply past the service's idempotency window (24 h) is never resent on its own: the thread is
read, a reply that is there counts as delivered, and otherwise the agent is asked in the composer.

The app and the sandbox share one controllable clock (the sandbox forgets keys after 24 h of it too),
so "Friday to Monday" is one assignment, not a wait.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.models import Message
from api.sandbox import Sandbox, create_sandbox
from api.sandbox.faults import Fault, FaultPlan
from app.drafts import Draft, DraftStore
from app.outbox import Outbox
from app.resend_window import RESEND_WINDOW, delivered_in, past_window
from app.screens.composer import ComposerScreen
from app.screens.resend_question import ResendQuestion
from app.tui import CStarApp
from tests.clocks import Clock
from tests.detail_support import SIZE, app_with_drafts, create_ticket, open_row, stored_messages
from tests.helpers import RecordingTransport, settle

FRIDAY = datetime(2026, 11, 6, 17, 0, tzinfo=UTC)
MONDAY = FRIDAY + timedelta(days=2, hours=16)
TEXT = "Your refund is on its way"


@pytest.fixture
def clock() -> Clock:
    return Clock(FRIDAY)


@pytest.fixture
def sandbox(clock: Clock) -> Iterator[Sandbox]:
    sb = create_sandbox(rate_limit=0, tickets=20, clock=clock)
    yield sb
    sb.close()


def new_app(sandbox: Sandbox, clock: Clock, drafts: Path) -> tuple[CStarApp, RecordingTransport]:
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, drafts, clock=clock)
    app.outbox = Outbox(app, retry_first=0.05, retry_max=0.2)
    return app, rec


def posts(rec: RecordingTransport) -> int:
    return sum(1 for s in rec.seen if s.method == "POST")


def contents(sandbox: Sandbox, ticket_id: str) -> list[str]:
    return [m["content"] for m in stored_messages(sandbox, ticket_id)]


def status(app: CStarApp) -> str:
    return app.screen.query_one("#composer-status").render().plain


def said(app: CStarApp, words: str) -> bool:
    return any(words in n.message for n in app._notifications)


async def leave_pending_on_friday(sandbox: Sandbox, clock: Clock, drafts: Path, ticket: str, fault: str) -> None:
    """Friday: the reply goes out and its answer is lost (`drop-after-commit`: it was stored; `drop`: it
    was not); the app is closed with the reply pending."""
    app, _ = new_app(sandbox, clock, drafts)
    app.outbox.retry_first = 3600  # no resends on Friday
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket)
        await pilot.press("r", *TEXT)
        sandbox.faults = FaultPlan(Fault(fault, methods={"POST"}))
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not app.screen._sending)
    sandbox.faults = None
    draft = DraftStore(drafts).load(ticket)
    assert draft is not None and draft.pending is not None and draft.first_attempt_at == FRIDAY


async def test_a_reply_stored_on_friday_is_not_posted_again_on_monday(sandbox: Sandbox, clock: Clock,
                                                                      tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)["id"]
    await leave_pending_on_friday(sandbox, clock, tmp_path, ticket, "drop-after-commit")
    assert contents(sandbox, ticket) == [TEXT]
    clock.now = MONDAY  # the service has forgotten the key: a resend would be a second message
    app, rec = new_app(sandbox, clock, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, lambda: not DraftStore(tmp_path).path(ticket).exists())
        assert said(app, "was delivered")
        assert posts(rec) == 0
    assert contents(sandbox, ticket) == [TEXT]


async def test_within_the_window_the_pending_reply_is_still_resent_and_replayed(sandbox: Sandbox, clock: Clock,
                                                                                tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)["id"]
    await leave_pending_on_friday(sandbox, clock, tmp_path, ticket, "drop-after-commit")
    clock.now = FRIDAY + RESEND_WINDOW - timedelta(minutes=1)
    app, rec = new_app(sandbox, clock, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, lambda: not DraftStore(tmp_path).path(ticket).exists())
        assert posts(rec) == 1  # sent again with its key, and replayed by the service
        assert said(app, "was sent now that the service answers")
    assert contents(sandbox, ticket) == [TEXT]


@pytest.mark.parametrize("answer", ["s", "b"])
async def test_a_reply_that_never_arrived_waits_for_the_agent_past_the_window(
        sandbox: Sandbox, clock: Clock, tmp_path: Path, answer: str) -> None:
    ticket = create_ticket(sandbox)["id"]
    await leave_pending_on_friday(sandbox, clock, tmp_path, ticket, "drop")
    assert contents(sandbox, ticket) == []
    clock.now = MONDAY
    app, rec = new_app(sandbox, clock, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        # The outbox looked at the thread, did not find the reply, and told the agent instead of sending it.
        await settle(pilot, lambda: said(app, "not sent again on its own") and not app.outbox.waiting)
        assert posts(rec) == 0
        assert DraftStore(tmp_path).load(ticket).pending is not None  # still there, for the agent to decide
        detail = await open_row(pilot, ticket)
        await pilot.press("r")
        composer = app.screen
        assert isinstance(composer, ComposerScreen) and composer.text_area.text == TEXT
        assert "asks before sending it again" in status(app)
        await pilot.press("end", "!", "backspace")  # an edit leaves that note alone
        assert "asks before sending it again" in status(app)
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, ResendQuestion))
        painted = app.export_screenshot().replace("&#160;", " ")
        assert "was never confirmed" in painted and "2026-11-06 17:00 UTC" in painted
        assert posts(rec) == 0  # asking is all ctrl+s did
        await pilot.press(answer)
        if answer == "s":
            await settle(pilot, lambda: app.screen is detail)
            assert contents(sandbox, ticket) == [TEXT] and posts(rec) == 1
            assert not DraftStore(tmp_path).path(ticket).exists()
        else:
            await settle(pilot, lambda: app.screen is composer)
            assert "Not sent" in status(app) and posts(rec) == 0
            kept = DraftStore(tmp_path).load(ticket)
            assert kept.text == TEXT and kept.pending is None and kept.idempotency_key is None
            assert contents(sandbox, ticket) == []


def test_an_old_draft_without_a_first_attempt_loads_and_counts_as_old(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    body = {"content": "hi", "messageType": "public", "senderId": "agt_me"}
    store.path("tkt_a").write_text(json.dumps({"ticket_id": "tkt_a", "text": "hi", "mode": "public",
                                               "idempotency_key": "k", "key_fingerprint": "f", "pending": body}))
    draft = store.load("tkt_a")
    assert draft is not None and draft.pending == body and draft.first_attempt is None
    assert [d.ticket_id for d in store.pending()] == ["tkt_a"]
    assert past_window(draft, FRIDAY)  # its age is unknown: the thread is read before anything is sent
    # Garbage in the field is no time at all, not a crash.
    store.path("tkt_b").write_text(json.dumps({"ticket_id": "tkt_b", "text": "x", "first_attempt": "friday"}))
    assert store.load("tkt_b").first_attempt is None


def test_the_first_attempt_is_kept_with_its_key_and_saved() -> None:
    body = {"content": "hi", "messageType": "public"}
    first = Draft("tkt_a", "hi").to_send(body, FRIDAY)
    assert first.first_attempt_at == FRIDAY
    later = FRIDAY + timedelta(hours=5)
    assert first.to_send({"content": "hi!", "messageType": "public"}, later).first_attempt_at == FRIDAY
    assert first.settled().to_send(body, later).first_attempt_at == FRIDAY  # the same key: the same age
    fresh = first.settled().to_send({"content": "other", "messageType": "public"}, later)
    assert fresh.idempotency_key != first.idempotency_key and fresh.first_attempt_at == later
    assert not past_window(first, FRIDAY + RESEND_WINDOW - timedelta(seconds=1))
    assert past_window(first, FRIDAY + RESEND_WINDOW)
    assert not past_window(Draft("tkt_a", "no send"), MONDAY)


def _message(content: str, *, at: datetime, sender_id: str = "agt_me", internal: bool = False,
             sender: str = "agent") -> Message:
    return Message(id="msg_x", ticket_id="tkt_a", sender=sender, content=content, sender_id=sender_id,
                   is_internal=internal, created_at=at)


def test_only_our_own_same_message_since_the_first_attempt_counts_as_delivered() -> None:
    body = {"content": "Refund sent\n", "messageType": "public", "senderId": "agt_me"}
    draft = Draft("tkt_a", "Refund sent").to_send(body, FRIDAY)
    ours = _message("Refund sent", at=FRIDAY + timedelta(seconds=1))
    assert delivered_in([ours], draft) is ours
    assert delivered_in([_message("Refund sent", at=FRIDAY - timedelta(minutes=2))], draft)  # clock skew
    for other in (_message("Refund sent", at=FRIDAY - timedelta(days=1)),  # said before: not this one
                  _message("Refund sent!", at=MONDAY),
                  _message("Refund sent", at=MONDAY, sender_id="agt_teammate"),
                  _message("Refund sent", at=MONDAY, internal=True),
                  _message("Refund sent", at=MONDAY, sender="customer", sender_id="")):
        assert delivered_in([other], draft) is None, other


async def test_a_composer_left_open_over_the_weekend_stops_resending_and_asks(sandbox: Sandbox, clock: Clock,
                                                                             tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)["id"]
    app, rec = new_app(sandbox, clock, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        detail = await open_row(pilot, ticket)
        await pilot.press("r", *TEXT)
        composer = app.screen
        sandbox.faults = FaultPlan(Fault("drop", methods={"POST"}))  # reads work, sends get no answer
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not composer._sending and posts(rec) >= 3)  # the outbox keeps trying
        clock.now = MONDAY
        await settle(pilot, lambda: "too old to be sent again" in status(app) and not app.outbox.waiting)
        tried = posts(rec)
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, ResendQuestion))
        assert posts(rec) == tried
        sandbox.faults = None
        await pilot.press("s")
        await settle(pilot, lambda: app.screen is detail)
        assert contents(sandbox, ticket) == [TEXT] and posts(rec) == tried + 1
