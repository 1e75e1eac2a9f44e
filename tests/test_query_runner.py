"""The query runner against the real sandbox: the requests it makes, and rows and counts equal to a
brute-force filter of every ticket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

import pytest

from api.client import HelpdeskClient
from api.filters import TicketFilters, parse_query
from api.models import Ticket, TicketCreate
from api.sandbox import Sandbox
from app.desk.query import DEFAULT_CAP, QueryRefused, QueryRun, query_view
from app.desk.store import Change, DeskStore
from tests.helpers import RecordingTransport

ME_PLACEHOLDER = "agt_none"


@dataclass
class Env:
    sandbox: Sandbox
    rec: RecordingTransport
    client: HelpdeskClient
    everything: list[Ticket]  # every ticket, in the API's order, read before the test's requests

    def lists(self) -> list[dict[str, str]]:
        return [s.params for s in self.rec.seen if s.method == "GET" and s.path.endswith("/tickets")]

    def expected(self, keep: Callable[[Ticket], bool]) -> list[str]:
        return [t.id for t in self.everything if keep(t)]


@pytest.fixture
async def env(sandbox: Sandbox) -> AsyncIterator[Env]:
    rec = RecordingTransport(sandbox.transport())
    async with HelpdeskClient(sandbox.base_url, sandbox.team_id, sandbox.keys.secret, transport=rec) as client:
        everything = [t async for t in client.iter_tickets()]
        rec.seen.clear()
        yield Env(sandbox, rec, client, everything)


def _run(env: Env, text: str, **kwargs: object) -> tuple[QueryRun, DeskStore]:
    store = DeskStore()
    query = parse_query(text, me=env.sandbox.agent_id)
    return QueryRun(env.client, store, query, **kwargs), store  # type: ignore[arg-type]


async def test_any_of_is_one_stream_per_status_merged_in_the_api_order(env: Env) -> None:
    run, store = _run(env, "status:open,pending", page_size=20)
    expected = env.expected(lambda t: t.status in ("open", "pending"))
    assert len(expected) > 40  # enough for several pages of each stream

    await run.start()
    assert sorted(p["status"] for p in env.lists()) == ["open", "pending"]
    assert all(p["page"] == "1" and p["pageSize"] == "20" for p in env.lists())
    rows = store.view(run.key)
    assert rows.total == len(expected)  # exact from the first pages: the streams are disjoint
    assert rows.ids == expected[:len(rows.ids)] and len(rows.ids) >= 20  # never out of order

    while run.has_more:
        shown = len(rows.ids)
        assert await run.more()
        assert len(rows.ids) > shown and rows.ids == expected[:len(rows.ids)]
    assert rows.ids == expected and rows.total == len(expected) and not rows.has_more
    # Each page of each stream was read once, no more.
    pages = sorted((p["status"], int(p["page"])) for p in env.lists())
    assert len(pages) == len(set(pages))
    assert await run.more() is False


async def test_none_of_asks_for_every_other_status_once(env: Env) -> None:
    run, store = _run(env, "-status:closed prio:urgent", page_size=50)
    await run.start()
    assert sorted(p["status"] for p in env.lists()) == ["new", "open", "pending", "resolved"]
    assert {p["priority"] for p in env.lists()} == {"urgent"}
    expected = env.expected(lambda t: t.status != "closed" and t.priority == "urgent")
    assert store.view(run.key).total == len(expected)
    while run.has_more:
        await run.more()
    assert store.view(run.key).ids == expected


async def test_two_any_ofs_are_every_combination(env: Env) -> None:
    run, store = _run(env, "unsolved prio:high,urgent")
    await run.start()
    assert sorted((p["status"], p["priority"]) for p in env.lists()) == sorted(
        (s, p) for s in ("new", "open", "pending") for p in ("high", "urgent"))
    expected = env.expected(lambda t: t.status in ("new", "open", "pending") and t.priority in ("high", "urgent"))
    assert store.view(run.key).total == len(expected)


async def test_a_query_nothing_can_match_asks_nothing(env: Env) -> None:
    run, store = _run(env, "status:open -status:open")
    await run.start()
    assert env.lists() == []
    assert store.view(run.key).total == 0 and store.view(run.key).ids == []


async def test_tags_are_filtered_here_on_the_view_read_whole(env: Env) -> None:
    tag = next(t.tags[0] for t in env.everything if t.tags)
    progress: list[tuple[int, int]] = []
    run, store = _run(env, f"tag:{tag} -status:closed", on_progress=lambda done, total: progress.append((done, total)))
    await run.start()
    expected = env.expected(lambda t: tag in t.tags and t.status != "closed")
    assert 0 < len(expected) < len(env.everything)
    assert store.view(run.key).ids == expected and store.view(run.key).total == len(expected)
    assert all(p["pageSize"] == "100" and "tag" not in p and "tags" not in p for p in env.lists())
    # Every stream read to its end, each page once.
    read = env.expected(lambda t: t.status != "closed")
    assert len(env.lists()) == sum(-(-n // 100) for n in (
        sum(1 for t in env.everything if t.status == s) for s in ("new", "open", "pending", "resolved")))
    assert progress[-1] == (len(read), len(read))
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


def _due(ticket: Ticket) -> datetime | None:
    if ticket.closed_at is not None or ticket.sla_paused:
        return None
    if ticket.first_response_at is None and ticket.response_deadline is not None:
        return ticket.response_deadline
    return ticket.resolution_deadline


async def test_a_sort_reads_the_view_whole_and_orders_it(env: Env) -> None:
    run, store = _run(env, "unsolved sort:sla")
    await run.start()
    ids = store.view(run.key).ids
    expected = env.expected(lambda t: t.status in ("new", "open", "pending"))
    assert sorted(ids) == sorted(expected) and store.view(run.key).total == len(expected)
    tickets = [store.ticket(i) for i in ids]
    dues = [_due(t) for t in tickets]  # type: ignore[arg-type]
    running = [d for d in dues if d is not None]
    assert running == sorted(running) and dues[:len(running)] == running  # soonest first, no clock last
    assert len(running) < len(dues)  # the seeded desk has paused (pending) tickets: they are at the end

    run, store = _run(env, "sort:-created status:open")
    await run.start()
    assert store.view(run.key).ids == list(reversed(env.expected(lambda t: t.status == "open")))


async def test_above_the_cap_the_runner_refuses_after_the_first_pages(env: Env) -> None:
    run, store = _run(env, "sort:updated", cap=100)
    with pytest.raises(QueryRefused) as info:
        await run.start()
    assert str(len(env.everything)) in info.value.reason and "100" in info.value.reason
    assert len(env.lists()) == 1  # one page told the total; nothing more was read
    assert store.view(run.key).ids == []
    assert DEFAULT_CAP == 2000


async def test_a_poll_brings_new_tickets_of_a_merged_view_in_at_their_place(env: Env) -> None:
    run, store = _run(env, "status:new,pending", page_size=20)
    await run.start()
    changes: list[Change] = []
    store.subscribe(changes.append)
    made = await env.client.create_ticket(TicketCreate(title="Printer on fire", status="pending"))
    env.rec.seen.clear()
    await run.refresh()
    assert sorted(p["status"] for p in env.lists()) == ["new", "pending"]
    assert store.view(run.key).ids[0] == made.id
    assert made.id in set().union(*(c.arrived for c in changes))


async def test_a_poll_of_a_sorted_view_reads_it_again_and_announces_arrivals(env: Env) -> None:
    run, store = _run(env, "status:pending sort:priority")
    await run.start()
    changes: list[Change] = []
    store.subscribe(changes.append)
    made = await env.client.create_ticket(TicketCreate(title="Urgent pending", status="pending", priority="urgent"))
    await run.refresh()
    ids = store.view(run.key).ids
    priorities = [store.ticket(i).priority for i in ids]  # type: ignore[union-attr]
    urgent = priorities.count("urgent")
    assert made.id in ids[:urgent] and priorities[:urgent] == ["urgent"] * urgent
    assert made.id in set().union(*(c.arrived for c in changes))


async def test_a_views_count_is_the_sum_of_its_streams(env: Env) -> None:
    view = query_view(parse_query("unsolved sort:sla"))
    assert await view.count(env.client) == len(env.expected(lambda t: t.status in ("new", "open", "pending")))
    assert len(env.lists()) == 3 and all(p["pageSize"] == "1" for p in env.lists())
    # A one-request view keeps the key it always had (the tabs and the alerts find it by that key).
    from app.desk.live import ViewQuery

    assert query_view(parse_query("status:open")).key == ViewQuery.of(TicketFilters(status="open")).key
    env.rec.seen.clear()
    assert await query_view(parse_query("tag:billing")).count(env.client) is None
    assert env.lists() == []
