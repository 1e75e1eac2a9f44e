"""The client under faults: a transport wrapping the real sandbox drops, delays, rewrites or replaces
responses. Nothing of the client itself is replaced; only the injected `sleep` records waits instead
of waiting, so the backoff can be checked without slowing the suite down.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from api.client import HelpdeskClient, parse_retry_after
from api.errors import (
    ConnectionFailedError,
    IdempotencyConflictError,
    MalformedResponseError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
)
from api.filters import TicketFilters
from api.models import MessageCreate, TicketCreate, TicketUpdate
from api.sandbox import Sandbox, create_sandbox
from api.sandbox.ratelimit import RateLimiter
from tests.waiting import WAIT

Inner = httpx.AsyncBaseTransport
Action = Callable[[httpx.Request, Inner], Awaitable[httpx.Response]]


class Faults(httpx.AsyncBaseTransport):
    """Runs the next scripted fault for each request (then `always`, then the sandbox itself)."""

    def __init__(self, inner: Inner, *script: Action, always: Action | None = None) -> None:
        self.inner = inner
        self.script = list(script)
        self.always = always
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            return await self.script.pop(0)(request, self.inner)
        if self.always is not None:
            return await self.always(request, self.inner)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def refuse(request: httpx.Request, _inner: Inner) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


async def lose_reply(request: httpx.Request, inner: Inner) -> httpx.Response:
    """The request reaches the server and is handled; the connection drops before the answer arrives."""
    response = await inner.handle_async_request(request)
    await response.aread()
    raise httpx.ReadError("connection reset by peer", request=request)


def reply(status: int, body: bytes | dict[str, Any] = b"", headers: dict[str, str] | None = None) -> Action:
    async def action(request: httpx.Request, _inner: Inner) -> httpx.Response:
        if isinstance(body, dict):
            return httpx.Response(status, json=body, headers=headers)
        return httpx.Response(status, content=body, headers=headers)

    return action


def rewrite(change: Callable[[httpx.Request, dict[str, Any]], None]) -> Action:
    """Let the sandbox answer, then change its JSON before the client sees it."""

    async def action(request: httpx.Request, inner: Inner) -> httpx.Response:
        response = await inner.handle_async_request(request)
        payload = json.loads(await response.aread())
        change(request, payload)
        return httpx.Response(response.status_code, json=payload, headers={"Request-Id": "req_rewritten"})

    return action


def error_envelope(type_: str, code: str, message: str) -> dict[str, Any]:
    return {
        "success": False,
        "error": {"type": type_, "code": code, "message": message},
        "meta": {"requestId": "req_fault0000001", "timestamp": "2026-01-01T00:00:00Z"},
    }


RATE_LIMITED = error_envelope("rate_limit_error", "rate_limited", "Too many requests.")
UNAVAILABLE = error_envelope("api_error", "unavailable", "Down for maintenance.")


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class Harness:
    def __init__(self, sb: Sandbox, *script: Action, always: Action | None = None, **options: Any) -> None:
        self.sb = sb
        self.transport = Faults(sb.transport(), *script, always=always)
        self.sleeps = Sleeps()
        self.events: list[tuple[str, dict[str, Any]]] = []
        options.setdefault("sleep", self.sleeps)
        self.client = HelpdeskClient(
            sb.base_url,
            sb.team_id,
            sb.keys.secret,
            transport=self.transport,
            on_event=lambda name, details: self.events.append((name, details)),
            **options,
        )

    def event_names(self) -> list[str]:
        return [name for name, _ in self.events]


@pytest.fixture
async def first_ticket(sandbox: Sandbox) -> AsyncIterator[str]:
    async with HelpdeskClient(
        sandbox.base_url, sandbox.team_id, sandbox.keys.secret, transport=sandbox.transport()
    ) as c:
        yield (await c.list_tickets()).items[0].id


# --- connection failures --------------------------------------------------------------------------


async def test_connection_refused_then_success(sandbox: Sandbox) -> None:
    h = Harness(sandbox, refuse)
    page = await h.client.list_tickets()
    assert len(page.items) == 20
    assert len(h.transport.requests) == 2
    assert len(h.sleeps.calls) == 1 and 0.5 <= h.sleeps.calls[0] <= 0.75
    assert h.event_names() == ["retrying", "ok"]
    details = h.events[0][1]
    assert details["attempt"] == 1 and details["wait"] == h.sleeps.calls[0]
    assert "unreachable (connection refused)" in details["reason"]


async def test_connection_refused_every_time(sandbox: Sandbox) -> None:
    h = Harness(sandbox, always=refuse, max_retries=2)
    with pytest.raises(ConnectionFailedError) as info:
        await h.client.list_tickets()
    assert (
        str(info.value) == "The cStar service is unreachable (connection refused). Check your network or VPN."
    )
    assert info.value.attempts == 3 and len(h.transport.requests) == 3
    assert h.event_names() == ["retrying", "retrying", "failed"]
    assert h.events[-1][1]["error"] is info.value
    assert sandbox.keys.secret not in str(h.events)


async def test_backoff_is_exponential_jittered_and_capped(sandbox: Sandbox) -> None:
    h = Harness(sandbox, always=refuse, max_retries=8)
    with pytest.raises(ConnectionFailedError):
        await h.client.list_tickets()
    assert len(h.sleeps.calls) == 8
    for n, wait in enumerate(h.sleeps.calls):
        assert min(8.0, 0.5 * 2**n) <= wait <= min(8.0, 0.75 * 2**n), (n, wait)
    assert h.sleeps.calls[-1] == 8.0
    assert len(set(h.sleeps.calls[:4])) == 4


async def test_no_retries_when_disabled(sandbox: Sandbox) -> None:
    h = Harness(sandbox, refuse, max_retries=0)
    with pytest.raises(ConnectionFailedError):
        await h.client.list_tickets()
    assert h.sleeps.calls == [] and len(h.transport.requests) == 1


async def test_a_failing_event_hook_does_not_break_requests(sandbox: Sandbox) -> None:
    def broken(_name: str, _details: dict[str, Any]) -> None:
        raise RuntimeError("observer bug")

    async with HelpdeskClient(
        sandbox.base_url,
        sandbox.team_id,
        sandbox.keys.secret,
        transport=Faults(sandbox.transport(), refuse),
        sleep=Sleeps(),
        on_event=broken,
    ) as client:
        assert (await client.list_tickets()).items


# --- lost replies and idempotency -----------------------------------------------------------------


async def test_lost_reply_to_a_message_is_retried_without_a_duplicate(
    sandbox: Sandbox, first_ticket: str
) -> None:
    before = sandbox.store.count_messages(first_ticket)
    h = Harness(sandbox, lose_reply)
    message = await h.client.add_message(first_ticket, MessageCreate(content="Sent exactly once"))
    rows = sandbox.store.messages(first_ticket, include_internal=True)
    assert sandbox.store.count_messages(first_ticket) == before + 1
    assert [r["id"] for r in rows if r["content"] == "Sent exactly once"] == [message.id]
    keys = {r.headers["idempotency-key"] for r in h.transport.requests}
    assert len(h.transport.requests) == 2 and len(keys) == 1
    assert h.event_names() == ["retrying", "ok"]


async def test_lost_reply_with_the_callers_own_key(sandbox: Sandbox, first_ticket: str) -> None:
    h = Harness(sandbox, lose_reply, lose_reply)
    message = await h.client.add_message(
        first_ticket, MessageCreate(content="draft"), idempotency_key="draft-7"
    )
    assert [r.headers["idempotency-key"] for r in h.transport.requests] == ["draft-7"] * 3
    assert [r["id"] for r in sandbox.store.messages(first_ticket, include_internal=True)].count(
        message.id
    ) == 1


async def test_lost_reply_to_a_create_makes_one_ticket(sandbox: Sandbox) -> None:
    count = sandbox.store.list_tickets(sandbox.team_id, {}, None, 1, 1)[1]
    h = Harness(sandbox, lose_reply)
    ticket = await h.client.create_ticket(TicketCreate(title="Exactly one of me"))
    assert sandbox.store.list_tickets(sandbox.team_id, {}, None, 1, 1)[1] == count + 1
    assert sandbox.store.get_ticket(sandbox.team_id, ticket.id) is not None


async def test_lost_reply_to_an_update_returns_the_updated_ticket(
    sandbox: Sandbox, first_ticket: str
) -> None:
    h = Harness(sandbox, lose_reply)
    ticket = await h.client.update_ticket(first_ticket, TicketUpdate(title="Renamed"))
    assert ticket.title == "Renamed"
    assert (
        h.transport.requests[0].headers["idempotency-key"]
        == h.transport.requests[1].headers["idempotency-key"]
    )


async def test_lost_reply_to_a_delete_still_reports_deleted(sandbox: Sandbox, first_ticket: str) -> None:
    h = Harness(sandbox, lose_reply)
    result = await h.client.delete_ticket(first_ticket)
    assert result.deleted and result.id == first_ticket
    assert sandbox.store.get_ticket(sandbox.team_id, first_ticket) is None
    assert len(h.transport.requests) == 2


async def test_in_flight_idempotency_conflict_is_retried(sandbox: Sandbox, first_ticket: str) -> None:
    """A first request with key K is still running when the client sends K: 409, wait, replay."""
    entered, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        entered.set()
        await release.wait()

    path = f"/api/v1/teams/{sandbox.team_id}/tickets/{first_ticket}/messages"
    headers = {"Authorization": f"Bearer {sandbox.keys.secret}", "Idempotency-Key": "k-in-flight"}
    sandbox.api.before_write = hold
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.base_url) as raw:
        first = asyncio.create_task(raw.post(path, json={"content": "once"}, headers=headers))
        await entered.wait()
        sandbox.api.before_write = None
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)
            release.set()
            await first

        h = Harness(sandbox, sleep=sleep)
        try:
            async with asyncio.timeout(WAIT):
                message = await h.client.add_message(
                    first_ticket, MessageCreate(content="once"), idempotency_key="k-in-flight"
                )
        finally:
            release.set()  # never leave the first request hanging, even when the client misbehaves
        original = (await first).json()["data"]
    assert message.id == original["id"]
    assert len(waits) == 1 and len(h.transport.requests) == 2
    assert "still being processed" in h.events[0][1]["reason"]
    contents = [r["content"] for r in sandbox.store.messages(first_ticket, include_internal=True)]
    assert contents.count("once") == 1


async def test_mismatched_idempotency_conflict_is_not_retried(sandbox: Sandbox, first_ticket: str) -> None:
    h = Harness(sandbox)
    await h.client.add_message(first_ticket, MessageCreate(content="one"), idempotency_key="k-reused")
    with pytest.raises(IdempotencyConflictError) as info:
        await h.client.add_message(first_ticket, MessageCreate(content="two"), idempotency_key="k-reused")
    assert not info.value.in_flight and info.value.code == "idempotency_key_reused"
    assert h.sleeps.calls == [] and len(h.transport.requests) == 2


# --- rate limits and server errors ----------------------------------------------------------------


def _http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds_from_now), usegmt=True)


@pytest.mark.parametrize(
    ("headers", "low", "high"),
    [
        ({"Retry-After": "3"}, 3.0, 3.0),
        ({"Retry-After": "0.25"}, 0.25, 0.25),
        ({"Retry-After": "60"}, 60.0, 60.0),
        ({"retry-after-ms": "1500"}, 1.5, 1.5),
        ({"Retry-After": "30", "Retry-After-Ms": "750"}, 0.75, 0.75),
        ({"Retry-After": "soon"}, 0.5, 0.75),  # unreadable: fall back to backoff
        ({}, 0.5, 0.75),
    ],
)
async def test_429_honours_retry_after(
    sandbox: Sandbox, headers: dict[str, str], low: float, high: float
) -> None:
    h = Harness(sandbox, reply(429, RATE_LIMITED, headers))
    assert (await h.client.list_tickets()).items
    assert len(h.sleeps.calls) == 1 and low <= h.sleeps.calls[0] <= high
    assert h.events[0][1]["wait"] == h.sleeps.calls[0]


async def test_429_with_an_http_date(sandbox: Sandbox) -> None:
    h = Harness(sandbox, reply(429, RATE_LIMITED, {"Retry-After": _http_date(5)}))
    assert (await h.client.list_tickets()).items
    assert len(h.sleeps.calls) == 1 and 3.5 <= h.sleeps.calls[0] <= 5.5


@pytest.mark.parametrize("headers", [{"Retry-After": "120"}, {"retry-after-ms": "61000"}])
async def test_429_asking_too_long_goes_back_to_the_caller(sandbox: Sandbox, headers: dict[str, str]) -> None:
    h = Harness(sandbox, reply(429, RATE_LIMITED, headers))
    with pytest.raises(RateLimitError) as info:
        await h.client.list_tickets()
    assert info.value.retry_after is not None and info.value.retry_after > 60
    assert h.sleeps.calls == [] and len(h.transport.requests) == 1
    assert f"Wait {round(info.value.retry_after)} s" in str(info.value)
    assert info.value.request_id == "req_fault0000001"


async def test_429_with_a_far_http_date_goes_back_to_the_caller(sandbox: Sandbox) -> None:
    h = Harness(sandbox, reply(429, RATE_LIMITED, {"Retry-After": _http_date(3600)}))
    with pytest.raises(RateLimitError) as info:
        await h.client.list_tickets()
    assert info.value.retry_after is not None and 3500 < info.value.retry_after <= 3600


async def test_429_every_time_ends_in_rate_limit_error(sandbox: Sandbox) -> None:
    h = Harness(sandbox, always=reply(429, RATE_LIMITED, {"Retry-After": "1"}))
    with pytest.raises(RateLimitError):
        await h.client.list_tickets()
    assert h.sleeps.calls == [1.0, 1.0]
    assert h.event_names()[-1] == "failed"


async def test_the_sandbox_rate_limiter_is_ridden_out() -> None:
    """The sandbox's real token bucket (10/s) on a clock that only the client's sleeps move (so a loaded
    machine neither refills it early nor stretches the run): its Retry-After-Ms is read and honoured."""
    clock = [0.0]

    async def sleep(seconds: float) -> None:
        clock[0] += seconds
        await asyncio.sleep(0)

    sb = create_sandbox(rate_limit=10)
    sb.api.limiter = RateLimiter(10, clock=lambda: clock[0])
    try:
        transport = Faults(sb.transport())
        events: list[tuple[str, dict[str, Any]]] = []
        async with HelpdeskClient(
            sb.base_url,
            sb.team_id,
            sb.keys.secret,
            transport=transport,
            max_retries=5,
            sleep=sleep,
            on_event=lambda name, details: events.append((name, details)),
        ) as client:
            started = clock[0]
            for _ in range(14):
                await client.list_tickets(TicketFilters(page_size=1))
            elapsed = clock[0] - started
    finally:
        sb.close()
    waits = [details["wait"] for name, details in events if name == "retrying"]
    assert waits, "the bucket should have run dry"
    assert all(0 < w <= 0.2 for w in waits)  # from Retry-After-Ms, not the 1 s Retry-After
    assert elapsed < 3


async def test_503_twice_then_success(sandbox: Sandbox) -> None:
    h = Harness(sandbox, reply(503, UNAVAILABLE), reply(503, UNAVAILABLE))
    assert (await h.client.list_tickets()).items
    assert len(h.transport.requests) == 3 and len(h.sleeps.calls) == 2
    assert 0.5 <= h.sleeps.calls[0] <= 0.75 and 1.0 <= h.sleeps.calls[1] <= 1.5
    assert h.event_names() == ["retrying", "retrying", "ok"]


async def test_503_honours_retry_after(sandbox: Sandbox) -> None:
    h = Harness(sandbox, reply(503, UNAVAILABLE, {"Retry-After": "2"}))
    assert (await h.client.list_tickets()).items
    assert h.sleeps.calls == [2.0]


async def test_server_errors_every_time(sandbox: Sandbox) -> None:
    h = Harness(sandbox, always=reply(500, error_envelope("api_error", "internal_error", "Boom.")))
    with pytest.raises(ServerError) as info:
        await h.client.list_tickets()
    assert info.value.status == 500 and info.value.attempts == 3
    assert str(info.value) == (
        "The cStar service had a problem (HTTP 500). Try again shortly. (request req_fault0000001)"
    )


async def test_408_is_retried(sandbox: Sandbox) -> None:
    h = Harness(sandbox, reply(408, b""))
    assert (await h.client.list_tickets()).items
    assert len(h.sleeps.calls) == 1


# --- bodies that are not the API's ----------------------------------------------------------------

HTML = b"<!DOCTYPE html><html><body><h1>Welcome to Hotel WiFi</h1></body></html>"


async def test_html_instead_of_json(sandbox: Sandbox) -> None:
    h = Harness(sandbox, reply(200, HTML, {"Content-Type": "text/html"}))
    with pytest.raises(MalformedResponseError) as info:
        await h.client.list_tickets()
    assert "HTML" in str(info.value)
    assert len(h.transport.requests) == 1 and h.sleeps.calls == []
    assert h.event_names() == ["failed"]


async def test_html_error_page_from_a_proxy_is_a_server_error(sandbox: Sandbox) -> None:
    h = Harness(sandbox, reply(502, HTML, {"Content-Type": "text/html"}))
    assert (await h.client.list_tickets()).items  # retried past the proxy's hiccup
    h = Harness(sandbox, always=reply(502, HTML, {"Content-Type": "text/html"}))
    with pytest.raises(ServerError) as info:
        await h.client.list_tickets()
    assert info.value.status == 502


async def test_html_4xx_from_a_proxy_is_malformed(sandbox: Sandbox) -> None:
    h = Harness(sandbox, reply(407, HTML, {"Content-Type": "text/html"}))
    with pytest.raises(MalformedResponseError) as info:
        await h.client.list_tickets()
    assert info.value.status == 407


async def test_truncated_json(sandbox: Sandbox) -> None:
    async def truncate(request: httpx.Request, inner: Inner) -> httpx.Response:
        response = await inner.handle_async_request(request)
        body = await response.aread()
        return httpx.Response(
            200, content=body[: len(body) // 2], headers={"Content-Type": "application/json"}
        )

    h = Harness(sandbox, truncate)
    with pytest.raises(MalformedResponseError) as info:
        await h.client.list_tickets()
    assert "truncated" in str(info.value)


async def test_json_of_the_wrong_shape(sandbox: Sandbox) -> None:
    # (One odd ticket no longer fails its page: test_tolerant_reader.py. The envelope still must be right.)
    def break_first(_request: httpx.Request, payload: dict[str, Any]) -> None:
        payload["pagination"]["total"] = "many"

    h = Harness(sandbox, rewrite(break_first))
    with pytest.raises(MalformedResponseError) as info:
        await h.client.list_tickets()
    assert "pagination.total" in str(info.value)
    assert info.value.request_id == "req_rewritten"


async def test_a_body_that_cannot_be_decoded(sandbox: Sandbox) -> None:
    h = Harness(sandbox, reply(200, b"\x00not gzip at all", {"Content-Encoding": "gzip"}))
    with pytest.raises(MalformedResponseError, match="could not be decoded"):
        await h.client.list_tickets()
    assert len(h.transport.requests) == 1


async def test_success_without_the_envelope(sandbox: Sandbox) -> None:
    h = Harness(sandbox, reply(200, {"tickets": []}))
    with pytest.raises(MalformedResponseError, match="envelope"):
        await h.client.list_tickets()


# --- slow bodies ----------------------------------------------------------------------------------


class Drip(httpx.AsyncByteStream):
    def __init__(self, interval: float, chunks: int) -> None:
        self.interval = interval
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"success": true, "data": ['
        for _ in range(self.chunks):
            await asyncio.sleep(self.interval)
            yield b" "


async def test_a_dripping_body_times_out_instead_of_hanging(sandbox: Sandbox) -> None:
    async def drip(_request: httpx.Request, _inner: Inner) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "application/json"}, stream=Drip(0.05, 10_000))

    h = Harness(sandbox, always=drip, timeout=0.3, max_retries=1)
    # The body takes 500 s; the outer deadline turns a client that waits for it into a failure instead of
    # a hung run (a deadline, not a measured time: load only makes the client's own timeout fire sooner).
    async with asyncio.timeout(WAIT):
        with pytest.raises(RequestTimeoutError) as info:
            await h.client.list_tickets()
    assert info.value.attempts == 2
    assert "did not answer in time" in str(info.value)
    assert "within 0.3 s" in str(info.value)  # the configured whole-attempt deadline fired, not another


async def test_a_dripping_body_over_a_real_socket_times_out() -> None:
    """Each byte arrives well within any read timeout; only the whole-attempt deadline catches it."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        try:
            for _ in range(100_000):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.02)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with HelpdeskClient(
            f"http://127.0.0.1:{port}", "team_x", "sk_test_x", timeout=0.4, max_retries=0
        ) as client:
            # The body takes over half an hour; the outer deadline catches a client that waits for it.
            async with asyncio.timeout(WAIT):
                with pytest.raises(RequestTimeoutError, match="within 0.4 s"):
                    await client.list_tickets()
    finally:
        server.close()


async def test_connection_refused_over_a_real_socket() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        sleeps = Sleeps()
        async with HelpdeskClient(f"http://127.0.0.1:{port}", "team_x", "sk_test_x", sleep=sleeps) as client:
            with pytest.raises(ConnectionFailedError) as info:
                await client.list_tickets()
    assert "connection refused" in str(info.value) or "cannot connect" in str(info.value)
    assert len(sleeps.calls) == 2


# --- a list that never ends -----------------------------------------------------------------------


def _always_more(_request: httpx.Request, payload: dict[str, Any]) -> None:
    payload["pagination"]["hasMore"] = True


async def test_iter_tickets_when_has_more_never_turns_false(sandbox: Sandbox) -> None:
    h = Harness(sandbox, always=rewrite(_always_more))
    ids = [t.id async for t in h.client.iter_tickets()]
    assert len(ids) == len(set(ids)) == 300
    assert len(h.transport.requests) == 4  # three full pages, then an empty one ends it


async def test_iter_tickets_when_the_server_repeats_a_page(sandbox: Sandbox) -> None:
    async def ignore_page(request: httpx.Request, inner: Inner) -> httpx.Response:
        params = dict(request.url.params)
        params["page"] = "1"
        response = await inner.handle_async_request(
            httpx.Request(request.method, request.url.copy_with(params=params), headers=request.headers)
        )
        payload = json.loads(await response.aread())
        payload["pagination"]["hasMore"] = True
        return httpx.Response(200, json=payload)

    h = Harness(sandbox, always=ignore_page)
    ids = [t.id async for t in h.client.iter_tickets(TicketFilters(page_size=10))]
    assert len(ids) == len(set(ids)) == 10
    assert len(h.transport.requests) == 2


async def test_iter_tickets_gives_up_after_max_pages(sandbox: Sandbox) -> None:
    def fresh_ids(request: httpx.Request, payload: dict[str, Any]) -> None:
        page = request.url.params["page"]
        for ticket in payload["data"]:
            ticket["id"] = f"{ticket['id']}x{page}"
        payload["pagination"]["hasMore"] = True

    async def first_page_forever(request: httpx.Request, inner: Inner) -> httpx.Response:
        original = request.url.params["page"]
        params = dict(request.url.params, page="1")
        inner_request = httpx.Request(
            request.method, request.url.copy_with(params=params), headers=request.headers
        )
        response = await inner.handle_async_request(inner_request)
        payload = json.loads(await response.aread())
        fresh_ids(httpx.Request("GET", request.url.copy_with(params={"page": original})), payload)
        return httpx.Response(200, json=payload)

    h = Harness(sandbox, always=first_page_forever, max_pages=5)
    seen: list[str] = []
    with pytest.raises(MalformedResponseError, match="after 5 pages"):
        async for ticket in h.client.iter_tickets(TicketFilters(page_size=3)):
            seen.append(ticket.id)
    assert len(seen) == 15 and len(h.transport.requests) == 5


# --- Retry-After parsing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "nonsense"}, None),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "x", "Retry-After": "2"}, 2.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(httpx.Headers(headers)) == expected


def test_parse_retry_after_http_date_relative_to_now() -> None:
    now = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(httpx.Headers({"Retry-After": header}), now=now.timestamp()) == 42.0
