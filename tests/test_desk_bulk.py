"""The bulk core (app.desk.bulk) against the real sandbox, in process: requests, keys, pace, journal, resume."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from api.client import HelpdeskClient
from api.filters import TicketFilters
from api.models import TicketUpdate
from api.sandbox import Sandbox
from app.desk.bulk import BulkChange, BulkJournal, BulkJournals, run_bulk
from app.desk.store import DeskStore
from tests.helpers import Hold, RecordingTransport
from tests.waiting import WAIT


def client_for(sandbox: Sandbox, transport: httpx.AsyncBaseTransport, **options: object) -> HelpdeskClient:
    return HelpdeskClient(sandbox.base_url, sandbox.team_id, options.pop("api_key", sandbox.keys.secret),  # type: ignore[arg-type]
                          transport=transport, **options)  # type: ignore[arg-type]


@pytest.fixture
async def reader(sandbox: Sandbox) -> AsyncIterator[HelpdeskClient]:
    """A second client, unrecorded: what the service holds, read back."""
    async with client_for(sandbox, sandbox.transport()) as client:
        yield client


async def ids_where(client: HelpdeskClient, count: int, **filters: str) -> list[str]:
    page = await client.list_tickets(TicketFilters(page_size=100, **filters))  # type: ignore[arg-type]
    ids = [t.id for t in page.items if t.status != "pending"][:count]
    assert len(ids) == count
    return ids


def patches(transport: RecordingTransport) -> list[str | None]:
    return [s.key for s in transport.seen if s.method == "PATCH"]


async def until(predicate: object, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not predicate():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


async def test_a_bulk_of_50_is_50_patches_with_50_distinct_keys(sandbox: Sandbox, reader: HelpdeskClient,
                                                                 tmp_path: Path) -> None:
    ids = await ids_where(reader, 50)
    transport = RecordingTransport(sandbox.transport())
    store = DeskStore()
    journals = BulkJournals(tmp_path)
    journal = journals.start(BulkChange(update=TicketUpdate(status="pending")), ids)
    progress: list[int] = []
    async with client_for(sandbox, transport) as client:
        report = await run_bulk(client, store, journal, on_progress=lambda r: progress.append(r.done))
    keys = patches(transport)
    assert len(keys) == 50 and len(set(keys)) == 50 and None not in keys
    assert set(keys) == set(journal.keys.values())  # the keys on disk are the keys sent
    assert {s.path.rsplit("/", 1)[1] for s in transport.seen if s.method == "PATCH"} == set(ids)
    assert report.finished and not report.failed and len(report.succeeded) == 50
    assert progress == list(range(1, 51))
    for ticket_id in ids:
        assert (await reader.get_ticket(ticket_id)).status == "pending"
        assert store.ticket(ticket_id).status == "pending"  # type: ignore[union-attr]
    # Every outcome is on disk: a restart would find nothing left to do.
    again = BulkJournal.load(journal.path)
    assert again is not None and again.report.finished and not again.resumable()


async def test_no_more_than_the_bound_is_in_flight(sandbox: Sandbox, reader: HelpdeskClient, tmp_path: Path) -> None:
    ids = await ids_where(reader, 12)
    hold = Hold(lambda request: request.method == "PATCH")
    transport = RecordingTransport(sandbox.transport(), hold=hold)
    journal = BulkJournals(tmp_path).start(BulkChange(update=TicketUpdate(priority="high")), ids)
    async with client_for(sandbox, transport) as client:
        task = asyncio.create_task(run_bulk(client, DeskStore(), journal, in_flight=3))
        await until(lambda: hold.arrived == 3, "three PATCHes to be held")
        # Let every other task run until none can move on: the bound, not timing, stops a fourth.
        for _ in range(200):
            await asyncio.sleep(0)
        assert hold.arrived == 3 and len(patches(transport)) == 3
        hold.release()
        report = await asyncio.wait_for(task, WAIT)
    assert len(report.succeeded) == 12 and len(patches(transport)) == 12


async def test_a_429_pauses_the_bulk_for_its_retry_after_and_resends_with_the_same_key(
        sandbox: Sandbox, reader: HelpdeskClient, tmp_path: Path) -> None:
    ids = await ids_where(reader, 10)
    refused: list[str | None] = []

    async def rate_limit(request: httpx.Request) -> httpx.Response | None:
        if request.method == "PATCH" and len(refused) < 3:
            refused.append(request.headers.get("idempotency-key"))
            return httpx.Response(429, headers={"Retry-After": "7"}, json={
                "success": False, "error": {"type": "rate_limit_error", "code": "rate_limited",
                                            "message": "Too many requests."}})
        return None

    transport = RecordingTransport(sandbox.transport(), fail=rate_limit)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    journal = BulkJournals(tmp_path).start(BulkChange(update=TicketUpdate(status="open")), ids)
    async with client_for(sandbox, transport, max_retries=0, sleep=sleep) as client:
        report = await run_bulk(client, DeskStore(), journal, in_flight=2, sleep=sleep)
    assert len(report.succeeded) == 10
    assert waits and max(waits) > 6  # the Retry-After was waited out (by the bulk's pace, not the client)
    keys = patches(transport)
    assert len(keys) == 13 and len(set(keys)) == 10  # three sent again, each with its own key once more
    assert all(key in keys[keys.index(key) + 1:] for key in refused)


async def test_tags_are_added_and_removed_per_ticket_from_its_current_tags(
        sandbox: Sandbox, reader: HelpdeskClient, tmp_path: Path) -> None:
    ids = await ids_where(reader, 5)
    await reader.update_ticket(ids[0], TicketUpdate(tags=["vip", "old"]))
    await reader.update_ticket(ids[1], TicketUpdate(tags=[]))
    journal = BulkJournals(tmp_path).start(BulkChange(add_tags=("billing",), remove_tags=("old",)), ids)
    async with client_for(sandbox, sandbox.transport()) as client:
        report = await run_bulk(client, DeskStore(), journal)
    assert len(report.succeeded) == 5
    assert (await reader.get_ticket(ids[0])).tags == ["vip", "billing"]
    assert (await reader.get_ticket(ids[1])).tags == ["billing"]
    # Each ticket's body is on disk before its PATCH: a resumed run must send exactly that body again.
    assert set(BulkJournal.load(journal.path).bodies) == set(ids)  # type: ignore[union-attr]


async def test_failures_say_why_in_an_agents_words(sandbox: Sandbox, reader: HelpdeskClient, tmp_path: Path) -> None:
    ids = await ids_where(reader, 3)
    await reader.delete_ticket(ids[1])
    journal = BulkJournals(tmp_path).start(BulkChange(update=TicketUpdate(assigned_to="agt_nobody")), ids[:1])
    async with client_for(sandbox, sandbox.transport()) as client:
        unknown_agent = await run_bulk(client, DeskStore(), journal)
    assert unknown_agent.failed[0].reason.startswith("refused by the service")
    journal = BulkJournals(tmp_path).start(BulkChange(delete=True), [ids[0], ids[2]])
    async with client_for(sandbox, sandbox.transport(), api_key=sandbox.keys.restricted) as client:
        report = await run_bulk(client, DeskStore(), journal)
    assert {o.reason for o in report.failed} == {"not allowed: this API key cannot delete tickets"}
    assert len(report.failed) == 2
    journal = BulkJournals(tmp_path).start(BulkChange(delete=True), [ids[1]])
    async with client_for(sandbox, sandbox.transport()) as client:
        report = await run_bulk(client, DeskStore(), journal)
    assert [(o.ok, o.reason) for o in report.succeeded] == [(True, "was already deleted")]  # gone is the goal
    journal = BulkJournals(tmp_path).start(BulkChange(update=TicketUpdate(status="open")), ids)
    async with client_for(sandbox, sandbox.transport()) as client:
        report = await run_bulk(client, DeskStore(), journal)
    assert [(o.ticket_id, o.reason) for o in report.failed] == [
        (ids[1], "no longer exists (deleted, or not visible to this key)")]


async def test_a_bulk_killed_mid_way_resumes_with_its_keys_and_applies_nothing_twice(
        sandbox: Sandbox, reader: HelpdeskClient, tmp_path: Path) -> None:
    ids = await ids_where(reader, 50)
    applied: list[str] = []
    limbo = Hold(lambda request: False)  # never released: the answers the killed process never heard

    async def die_after_23(request: httpx.Request) -> httpx.Response | None:
        if request.method != "PATCH" or len(applied) < 23:
            if request.method == "PATCH":
                applied.append(request.url.path)
            return None
        applied.append(request.url.path)
        await sandbox.transport().handle_async_request(request)  # the service applies it ...
        await limbo.wait()  # ... and the answer never arrives
        return None

    first = RecordingTransport(sandbox.transport(), fail=die_after_23)
    journals = BulkJournals(tmp_path / "bulk")
    journal = journals.start(BulkChange(update=TicketUpdate(status="pending")), ids)
    async with client_for(sandbox, first) as client:
        task = asyncio.create_task(run_bulk(client, DeskStore(), journal))
        await until(lambda: limbo.arrived == 4 and journal.report.done == 23, "23 answers and 4 in limbo")
        task.cancel()  # the kill: no outcome is written for the four
        with pytest.raises(asyncio.CancelledError):
            await task
    journals.release(journal)  # the kernel drops a dead process's lock
    lost = [path.rsplit("/", 1)[1] for path in applied[23:]]
    # Meanwhile someone sets one of them back to open: a second application would undo that.
    await reader.update_ticket(lost[0], TicketUpdate(status="open"))

    # The next start: another process, another client, another store; only the files are shared.
    found = BulkJournals(tmp_path / "bulk").left_over()
    assert len(found) == 1
    resumed = found[0]
    assert resumed.resumable() and resumed.report.done == 23 and len(resumed.report.remaining) == 27
    replayed: dict[str, str | None] = {}

    class Replays(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await second.handle_async_request(request)
            replayed[request.url.path.rsplit("/", 1)[1]] = response.headers.get("idempotent-replayed")
            return response

    second = RecordingTransport(sandbox.transport())
    async with client_for(sandbox, Replays()) as client:
        report = await run_bulk(client, DeskStore(), resumed)
    assert report.finished and len(report.succeeded) == 50
    sent_again = [s for s in second.seen if s.method == "PATCH"]
    assert len(sent_again) == 27  # the 23 with an outcome are not sent again
    assert all(s.key == journal.keys[s.path.rsplit("/", 1)[1]] for s in sent_again)  # the journal's keys
    assert {i for i, flag in replayed.items() if flag == "true"} == set(lost)  # the service replayed the four
    assert (await reader.get_ticket(lost[0])).status == "open"  # and did not apply it a second time
    all_keys = patches(first) + [s.key for s in sent_again]
    assert len(set(all_keys)) == 50


def test_the_journal_survives_a_torn_last_line_and_refuses_to_resume_after_a_day(tmp_path: Path) -> None:
    journal = BulkJournals(tmp_path).start(BulkChange(update=TicketUpdate(status="open")), ["tkt_a", "tkt_b"])
    from app.desk.bulk import Outcome

    journal.record(Outcome("tkt_a", True))
    with open(journal.path, "ab") as handle:
        handle.write(b'{"id": "tkt_b", "ok": tr')  # the crash cut this line
    loaded = BulkJournal.load(journal.path)
    assert loaded is not None
    assert list(loaded.report.outcomes) == ["tkt_a"] and loaded.report.remaining == ["tkt_b"]
    assert loaded.keys == journal.keys and json.loads(journal.path.read_text().splitlines()[0])["ids"] == [
        "tkt_a", "tkt_b"]
    assert loaded.resumable(loaded.created + timedelta(hours=22))
    assert not loaded.resumable(loaded.created + timedelta(hours=23, minutes=1))


def test_a_running_bulk_is_not_left_over_for_another_instance(tmp_path: Path) -> None:
    running = BulkJournals(tmp_path)
    journal = running.start(BulkChange(delete=True), ["tkt_a"])
    assert BulkJournals(tmp_path).left_over() == []  # the other window sees it held
    running.release(journal)
    assert [j.bulk_id for j in BulkJournals(tmp_path).left_over()] == [journal.bulk_id]


def test_the_change_says_what_it_does() -> None:
    assert BulkChange(update=TicketUpdate(status="pending")).describe(12) == "Set 12 tickets to pending"
    assert BulkChange(update=TicketUpdate(priority="high")).describe(1) == "Set 1 ticket to high priority"
    assert BulkChange(update=TicketUpdate(assigned_to="agt_1")).describe(3, {"agt_1": "Dana"}) == \
        "Assign 3 tickets to Dana"
    assert BulkChange(update=TicketUpdate(assigned_to=None)).describe(2) == "Unassign 2 tickets"
    assert BulkChange(add_tags=("a",), remove_tags=("b", "c")).describe(4) == \
        "Add tag a and remove tags b, c on 4 tickets"
    assert BulkChange(delete=True).describe(5) == "Delete 5 tickets"
    with pytest.raises(ValueError):
        BulkChange(update=TicketUpdate(tags=["x"]))
    with pytest.raises(ValueError):
        BulkChange()


async def test_no_clear_answer_is_reported_as_unknown_and_a_retry_sends_the_same_key(
        sandbox: Sandbox, reader: HelpdeskClient, tmp_path: Path) -> None:
    ids = await ids_where(reader, 4)
    broken = {ids[1]}

    async def unavailable(request: httpx.Request) -> httpx.Response | None:
        if request.method == "PATCH" and request.url.path.endswith(tuple(broken)):
            await sandbox.transport().handle_async_request(request)  # applied; the answer is lost to a proxy
            return httpx.Response(502, text="<html>Bad gateway</html>", headers={"content-type": "text/html"})
        return None

    transport = RecordingTransport(sandbox.transport(), fail=unavailable)
    journals = BulkJournals(tmp_path)
    journal = journals.start(BulkChange(update=TicketUpdate(status="pending")), ids)
    async with client_for(sandbox, transport, max_retries=0) as client:
        report = await run_bulk(client, DeskStore(), journal)
        assert [o.ticket_id for o in report.unknown] == [ids[1]]
        assert "may or may not have changed" in report.unknown[0].reason
        assert journal.retryable() and report.finished
        journal.reopen(o.ticket_id for o in report.unknown)
        assert BulkJournal.load(journal.path).report.remaining == [ids[1]]  # type: ignore[union-attr]
        broken.clear()
        report = await run_bulk(client, DeskStore(), journal)
    assert len(report.succeeded) == 4 and not report.failed
    sent = [s.key for s in transport.seen if s.method == "PATCH" and s.path.endswith(ids[1])]
    assert len(sent) == 2 and sent[0] == sent[1] == journal.keys[ids[1]]
