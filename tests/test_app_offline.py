"""The app under the sandbox's fault mode, through the screens: the header's offline/retrying state, the
list keeping its rows, and replies that wait while the service is down and then go out exactly once.

The client's backoff is injected (through its public `sleep` parameter) so nothing waits for a real
backoff; the outbox's timer is set to retry within a tenth of a second.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.client import HelpdeskClient
from api.sandbox import Sandbox, create_sandbox
from api.sandbox.faults import Fault, FaultPlan
from app.drafts import DraftStore
from app.outbox import Outbox
from app.screens.composer import ComposerScreen
from app.screens.ticket_detail import TicketDetailScreen
from app.tui import CStarApp
from tests.detail_support import SIZE, app_with_drafts, create_ticket, list_screen, open_row, stored_messages, table
from tests.helpers import settle, until
from widgets.status_header import StatusHeader
from widgets.thread import MessageThread

DOWN = Fault("drop")  # no answer at all, and nothing written


class Backoff(list[tuple[float, str, str]]):
    """The client's sleep: records each wait with what the header showed meanwhile, and waits a moment."""

    def __init__(self, app: Callable[[], CStarApp | None]) -> None:
        super().__init__()
        self._app = app

    async def __call__(self, seconds: float) -> None:
        header = header_of(self._app())
        self.append((seconds, header.state, header.detail) if header else (seconds, "", ""))
        await asyncio.sleep(0.01)


def header_of(app: CStarApp | None) -> StatusHeader | None:
    screen = app.screen if app is not None else None
    return getattr(screen, "status_header", None)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A small queue: these tests are about one ticket and the connection, not about the list."""
    sb = create_sandbox(rate_limit=0, tickets=20)
    yield sb
    sb.close()


@pytest.fixture
def make(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[CStarApp, Backoff]]:
    def build(retry_first: float = 0.05, retry_max: float = 0.2) -> tuple[CStarApp, Backoff]:
        holder: list[CStarApp] = []
        backoff = Backoff(lambda: holder[0] if holder else None)
        monkeypatch.setattr("app.tui.HelpdeskClient", functools.partial(HelpdeskClient, sleep=backoff))
        app = app_with_drafts(sandbox, sandbox.transport(), tmp_path / "drafts")
        app.outbox = Outbox(app, retry_first=retry_first, retry_max=retry_max)
        holder.append(app)
        return app, backoff

    return build


def status(app: CStarApp) -> str:
    return app.screen.query_one("#composer-status").render().plain


async def test_offline_shows_sticks_through_retries_and_clears_when_a_request_succeeds(
        sandbox: Sandbox, make: Callable[..., tuple[CStarApp, Backoff]]) -> None:
    app, backoff = make()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(table(app).ticket_ids))
        rows = list(table(app).ticket_ids)
        header = list_screen(app).status_header
        assert header.state == "online"
        sandbox.faults = FaultPlan(DOWN)
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: header.state == "offline")
        # While the client waited to retry, the header said which attempt and how long.
        wait, state, detail = backoff[0]
        assert state == "retrying" and detail.startswith(f"retry 1 in {wait:.1f} s: The cStar service is")
        assert all(re.match(r"retry [12] in \d+\.\d s", d) for _, _, d in backoff)
        assert "connection lost" in header.detail and "offline" in header.render().plain
        assert table(app).ticket_ids == rows  # the list keeps its last rows
        backoff.clear()
        await pilot.press("ctrl+r")
        await settle(pilot)
        # Offline sticks while retrying: a retry is not an answer.
        assert backoff and all(state == "offline" and d.startswith("retry ") for _, state, d in backoff)
        assert header.state == "offline"
        # Open a ticket while offline; the service comes back there; back on the list it shows too.
        sandbox.faults = None
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None)
        assert app.screen.status_header.state == "online"
        await pilot.press("escape")
        assert app.screen is list_screen(app) and header.state == "online" and header.detail == ""


@pytest.mark.parametrize("down", [DOWN, Fault("drop-after-commit", methods={"POST"})], ids=["drop", "after-commit"])
async def test_a_reply_sent_while_down_goes_out_once_when_the_service_answers(
        sandbox: Sandbox, tmp_path: Path, make: Callable[..., tuple[CStarApp, Backoff]], down: Fault) -> None:
    ticket = create_ticket(sandbox)
    app, _ = make()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        detail = await open_row(pilot, ticket["id"])
        await pilot.press("r", *"On it")
        composer = app.screen
        sandbox.faults = FaultPlan(down, Fault("drop", methods={"GET"}))
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not composer._sending)
        assert app.screen is composer
        assert status(app).startswith("Not sent: the service is unreachable. Your reply is saved as a draft and "
                                      "will be sent when the service answers — ctrl+s to try now.")
        draft = DraftStore(tmp_path / "drafts").load(ticket["id"])
        assert draft.text == "On it" and draft.pending is not None and draft.pending["content"] == "On it"
        assert len(stored_messages(sandbox, ticket["id"])) == (1 if down.kind == "drop-after-commit" else 0)
        plan = sandbox.faults
        tried = sum(1 for d in plan.history if d.method == "POST")
        # The outbox tries again meanwhile (its timer), and fails.
        await until(pilot, lambda: sum(1 for d in plan.history if d.method == "POST") > tried, "the outbox's retry")
        await settle(pilot)
        assert app.screen is composer and ticket["id"] in app.outbox.waiting
        sandbox.faults = None
        await settle(pilot, lambda: app.screen is detail)
        assert [m["content"] for m in stored_messages(sandbox, ticket["id"])] == ["On it"]
        assert detail.query_one(MessageThread).messages[-1].content == "On it"
        assert not DraftStore(tmp_path / "drafts").path(ticket["id"]).exists()
        assert not app.outbox.waiting


async def test_a_reply_left_pending_goes_out_when_a_later_request_succeeds(
        sandbox: Sandbox, tmp_path: Path, make: Callable[..., tuple[CStarApp, Backoff]]) -> None:
    ticket = create_ticket(sandbox)
    app, _ = make(retry_first=60)  # no timer within the test: the refresh's answer is what sends it
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        detail = await open_row(pilot, ticket["id"])
        await pilot.press("r", *"Later")
        composer = app.screen
        sandbox.faults = FaultPlan(Fault("drop-after-commit", methods={"POST"}))
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not composer._sending)
        await pilot.press("escape")  # the agent moves on; the reply waits in the outbox
        assert app.screen is detail and ticket["id"] in app.outbox.waiting
        sandbox.faults = None
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: not app.outbox.waiting and len(detail.ticket.messages or []) == 1)
        assert [m["content"] for m in stored_messages(sandbox, ticket["id"])] == ["Later"]
        assert any("was sent now that the service answers" in n.message for n in app._notifications)
        assert not DraftStore(tmp_path / "drafts").path(ticket["id"]).exists()


async def test_typing_continues_while_a_send_retries_and_stays_out_of_that_send(
        sandbox: Sandbox, tmp_path: Path, make: Callable[..., tuple[CStarApp, Backoff]]) -> None:
    ticket = create_ticket(sandbox)
    app, _ = make()
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_row(pilot, ticket["id"])
        await pilot.press("r", *"Refund sent")
        composer: ComposerScreen = app.screen
        # Each attempt hangs until the typing below is done (not for a time that load could outlast),
        # then gets no answer.
        typed = asyncio.Event()

        async def hang(_seconds: float) -> None:
            await typed.wait()

        sandbox.faults = FaultPlan(Fault("latency", delay=(0.3, 0.3), methods={"POST"}), DOWN, sleep=hang)
        await pilot.press("ctrl+s")
        await pilot.press("enter", *"PS")
        assert composer._sending and composer.text_area.text == "Refund sent\nPS"
        typed.set()
        await settle(pilot, lambda: not composer._sending)
        assert "Not sent: the service is unreachable" in status(app)
        await pilot.press(*"!")
        assert composer.text_area.text == "Refund sent\nPS!"
        assert "Edited since ctrl+s: the reply as sent then still goes out" in status(app)
        assert DraftStore(tmp_path / "drafts").load(ticket["id"]).pending["content"] == "Refund sent"
        sandbox.faults = None
        await settle(pilot, lambda: not app.outbox.waiting and composer._draft.pending is None)
        # What went out is what was there at ctrl+s; what was typed since stays, on its own.
        assert [m["content"] for m in stored_messages(sandbox, ticket["id"])] == ["Refund sent"]
        assert app.screen is composer and composer.text_area.text == "PS!"
        assert "as it was when you pressed ctrl+s" in status(app)
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: app.screen is detail)
        assert [m["content"] for m in stored_messages(sandbox, ticket["id"])] == ["Refund sent", "PS!"]


async def test_an_edit_after_a_lost_answer_is_not_posted_as_a_second_message(
        sandbox: Sandbox, tmp_path: Path, make: Callable[..., tuple[CStarApp, Backoff]]) -> None:
    ticket = create_ticket(sandbox)
    app, _ = make(retry_first=60)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_row(pilot, ticket["id"])
        await pilot.press("r", *"Fixed")
        composer: ComposerScreen = app.screen
        sandbox.faults = FaultPlan(Fault("drop-after-commit", methods={"POST"}))
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not composer._sending)
        sandbox.faults = None
        await pilot.press(*" now", "ctrl+s")  # edited: the first version was stored, its answer lost
        await settle(pilot, lambda: not composer._sending)
        assert [m["content"] for m in stored_messages(sandbox, ticket["id"])] == ["Fixed"]
        assert "An earlier version of this reply was already sent" in status(app)
        assert composer.text_area.text == "Fixed now" and composer._draft.idempotency_key is None
        await pilot.press("ctrl+s")  # now on purpose, as a message of its own
        await settle(pilot, lambda: app.screen is detail)
        assert [m["content"] for m in stored_messages(sandbox, ticket["id"])] == ["Fixed", "Fixed now"]


async def test_a_pending_reply_left_by_a_closed_app_goes_out_once_from_the_next(
        sandbox: Sandbox, tmp_path: Path, make: Callable[..., tuple[CStarApp, Backoff]]) -> None:
    ticket = create_ticket(sandbox)
    app, _ = make(retry_first=60)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        await pilot.press("r", *"Before closing")
        sandbox.faults = FaultPlan(Fault("drop-after-commit", methods={"POST"}))
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not app.screen._sending)
    assert DraftStore(tmp_path / "drafts").load(ticket["id"]).pending is not None
    sandbox.faults = None
    again, _ = make(retry_first=60)
    async with again.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, lambda: bool(table(again).ticket_ids) and not again.outbox.waiting)
        assert [m["content"] for m in stored_messages(sandbox, ticket["id"])] == ["Before closing"]
        assert not DraftStore(tmp_path / "drafts").path(ticket["id"]).exists()
