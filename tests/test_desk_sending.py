"""app.desk.sending.send_message: the reply protocol outside any screen (what the scripting CLI sends with),
against the sandbox in process, its answers lost by the fault mode. No Textual here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.client import HelpdeskClient
from api.errors import ConnectionFailedError, NotFoundError
from api.models import MessageCreate
from api.sandbox import Sandbox, create_sandbox
from api.sandbox.faults import Fault, FaultPlan
from app.desk.sending import EarlierSendPending, PendingElsewhere, send_message
from app.drafts import Draft, DraftStore
from tests.clocks import Clock


async def _no_wait(seconds: float) -> None:
    return None


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = create_sandbox(rate_limit=0, tickets=3)
    yield sandbox
    sandbox.close()


@pytest.fixture
async def client(sb: Sandbox) -> AsyncIterator[HelpdeskClient]:
    async with HelpdeskClient(sb.base_url, sb.team_id, sb.keys.secret, transport=sb.transport(),
                              sleep=_no_wait) as c:
        yield c


@pytest.fixture
def drafts(tmp_path: Path) -> DraftStore:
    return DraftStore(tmp_path / "drafts")


def a_ticket(sb: Sandbox) -> str:
    return sb.api.service.create(sb.team_id, {"title": "Sending"})["id"]


def thread(sb: Sandbox, ticket_id: str) -> list[str]:
    return [row["content"] for row in sb.store.messages(ticket_id, include_internal=True)]


def reply(sb: Sandbox, text: str, internal: bool = False) -> MessageCreate:
    return MessageCreate(content=text, sender="agent", sender_id=sb.agent_id,
                         message_type="internal" if internal else None)


async def test_a_confirmed_send_posts_once_and_leaves_no_draft(sb: Sandbox, client: HelpdeskClient,
                                                                drafts: DraftStore) -> None:
    ticket = a_ticket(sb)
    message = await send_message(client, drafts, ticket, reply(sb, "Refunded"))
    assert message.content == "Refunded" and thread(sb, ticket) == ["Refunded"]
    assert drafts.load(ticket) is None and not drafts.holds(ticket)


async def test_a_lost_answer_leaves_the_send_pending_and_sending_again_replays_it(
        sb: Sandbox, client: HelpdeskClient, drafts: DraftStore) -> None:
    ticket = a_ticket(sb)
    sb.faults = FaultPlan(Fault("drop-after-commit", methods={"POST"}), seed=1, sleep=_no_wait)
    with pytest.raises(ConnectionFailedError):
        await send_message(client, drafts, ticket, reply(sb, "Refunded"))
    pending = drafts.load(ticket)
    assert pending is not None and pending.pending is not None and pending.idempotency_key
    assert thread(sb, ticket) == ["Refunded"]  # stored once, only its answers were lost
    sb.faults = None
    message = await send_message(client, drafts, ticket, reply(sb, "Refunded"))
    assert message.content == "Refunded" and thread(sb, ticket) == ["Refunded"]
    assert drafts.load(ticket) is None


async def test_another_text_waits_behind_an_unconfirmed_send(sb: Sandbox, client: HelpdeskClient,
                                                             drafts: DraftStore) -> None:
    ticket = a_ticket(sb)
    sb.faults = FaultPlan(Fault("drop", methods={"POST"}), seed=1, sleep=_no_wait)
    with pytest.raises(ConnectionFailedError):
        await send_message(client, drafts, ticket, reply(sb, "first"))
    sb.faults = None
    with pytest.raises(EarlierSendPending):
        await send_message(client, drafts, ticket, reply(sb, "second"))
    assert thread(sb, ticket) == [] and drafts.load(ticket).pending["content"] == "first"  # type: ignore[union-attr]


async def test_a_refusal_frees_the_key_and_keeps_no_pending_send(sb: Sandbox, client: HelpdeskClient,
                                                                 drafts: DraftStore) -> None:
    with pytest.raises(NotFoundError):
        await send_message(client, drafts, "tkt_doesnotexist", reply(sb, "hello"))
    held = drafts.load("tkt_doesnotexist")
    assert held is None or held.pending is None


async def test_an_agents_unsent_draft_in_the_tui_survives_a_scripted_send(sb: Sandbox, client: HelpdeskClient,
                                                                         drafts: DraftStore) -> None:
    ticket = a_ticket(sb)
    drafts.save(Draft(ticket, "Half-written answer", "public"))
    await send_message(client, drafts, ticket, reply(sb, "internal: escalated", internal=True))
    kept = drafts.load(ticket)
    assert kept is not None and kept.text == "Half-written answer" and kept.pending is None
    assert thread(sb, ticket) == ["internal: escalated"]


async def test_a_draft_open_in_a_window_is_not_touched(sb: Sandbox, client: HelpdeskClient, tmp_path: Path) -> None:
    ticket = a_ticket(sb)
    window = DraftStore(tmp_path / "drafts")
    assert window.claim(ticket, "composer")
    # Another process (the script) on the same directory: the lock is per open file description.
    script = DraftStore(tmp_path / "drafts")
    with pytest.raises(PendingElsewhere):
        await send_message(client, script, ticket, reply(sb, "from a script"))
    assert thread(sb, ticket) == []


async def test_past_the_key_window_a_delivered_send_is_found_not_posted_again(drafts: DraftStore) -> None:
    clock = Clock(datetime.now(UTC))
    sb = create_sandbox(rate_limit=0, tickets=3, clock=clock)  # the service forgets keys by this clock too
    client = HelpdeskClient(sb.base_url, sb.team_id, sb.keys.secret, transport=sb.transport(), sleep=_no_wait)
    ticket = a_ticket(sb)
    sb.faults = FaultPlan(Fault("drop-after-commit", methods={"POST"}), seed=1, sleep=_no_wait)
    with pytest.raises(ConnectionFailedError):
        await send_message(client, drafts, ticket, reply(sb, "Refunded"), clock=clock)
    sb.faults = None
    clock.now += timedelta(hours=30)  # past the window in which the service remembers the key
    message = await send_message(client, drafts, ticket, reply(sb, "Refunded"), clock=clock)
    assert message.content == "Refunded" and thread(sb, ticket) == ["Refunded"]
    assert drafts.load(ticket) is None
    await client.aclose()
    sb.close()

