"""Idempotency-Key on POST and PATCH: replay, conflicts, in-flight, scope, limits, expiry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.sandbox import Sandbox, create_sandbox
from api.sandbox.idempotency import scope
from tests.clocks import Clock
from tests.waiting import WAIT


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 2, 9, 30, tzinfo=UTC))


@pytest.fixture
def sb(clock: Clock) -> Iterator[Sandbox]:
    sandbox = create_sandbox(empty=True, rate_limit=0, clock=clock)
    yield sandbox
    sandbox.close()


@pytest.fixture
async def api(sb: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=sb.transport(), base_url=f"{sb.base_url}/api/v1/teams/{sb.team_id}",
                                 headers={"Authorization": f"Bearer {sb.keys.secret}"}) as client:
        yield client


def key(value: str, api_key: str | None = None) -> dict[str, str]:
    headers = {"Idempotency-Key": value}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


async def count(api: httpx.AsyncClient) -> int:
    return int((await api.get("/tickets")).json()["pagination"]["total"])


async def test_replayed_create_returns_the_first_response_and_creates_nothing(api: httpx.AsyncClient) -> None:
    body = {"title": "Cannot access dashboard", "priority": "high", "tags": ["login", "dashboard"]}
    first = await api.post("/tickets", json=body, headers=key("unique-request-id-123"))
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    # Same JSON with its keys in another order is the same request.
    again = await api.post("/tickets", json=dict(reversed(body.items())), headers=key("unique-request-id-123"))
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content  # the first body, byte for byte (its requestId included)
    assert await count(api) == 1


async def test_replayed_patch_and_message(api: httpx.AsyncClient) -> None:
    t = (await api.post("/tickets", json={"title": "x"})).json()["data"]
    first = await api.patch(f"/tickets/{t['id']}", json={"status": "resolved"}, headers=key("p1"))
    await api.patch(f"/tickets/{t['id']}", json={"status": "open"})
    replay = await api.patch(f"/tickets/{t['id']}", json={"status": "resolved"}, headers=key("p1"))
    assert replay.status_code == 200 and replay.content == first.content
    assert (await api.get(f"/tickets/{t['id']}")).json()["data"]["status"] == "open"  # not applied again
    for _ in range(3):
        r = await api.post(f"/tickets/{t['id']}/messages", json={"content": "once"}, headers=key("m1"))
        assert r.status_code == 201
    assert (await api.get(f"/tickets/{t['id']}")).json()["data"]["messageCount"] == 1


async def test_same_key_with_other_parameters_is_409(api: httpx.AsyncClient) -> None:
    t = (await api.post("/tickets", json={"title": "a"}, headers=key("k"))).json()["data"]
    for method, url, body in [("POST", "/tickets", {"title": "b"}), ("PATCH", f"/tickets/{t['id']}", {"title": "a"}),
                              ("POST", f"/tickets/{t['id']}/messages", {"title": "a"})]:
        r = await api.request(method, url, json=body, headers=key("k"))
        assert r.status_code == 409, (method, url)
        error = r.json()["error"]
        assert error["code"] == "idempotency_key_reused" and error["type"] == "idempotency_error"
    assert await count(api) == 1


async def test_in_flight_key_is_409_in_use_then_replays(sb: Sandbox, api: httpx.AsyncClient) -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        entered.set()
        await release.wait()

    sb.api.before_write = hold
    first = asyncio.create_task(api.post("/tickets", json={"title": "slow"}, headers=key("flight")))
    await asyncio.wait_for(entered.wait(), WAIT)
    sb.api.before_write = None
    second = await api.post("/tickets", json={"title": "slow"}, headers=key("flight"))
    assert second.status_code == 409 and second.json()["error"]["code"] == "idempotency_key_in_use"
    other = await api.post("/tickets", json={"title": "other"}, headers=key("flight"))
    assert other.status_code == 409  # in use or reused, it is never a second write
    release.set()
    done = await asyncio.wait_for(first, WAIT)
    assert done.status_code == 201
    third = await api.post("/tickets", json={"title": "slow"}, headers=key("flight"))
    assert third.status_code == 201 and third.content == done.content
    assert await count(api) == 1


async def test_a_failed_write_releases_its_key(sb: Sandbox, api: httpx.AsyncClient) -> None:
    async def boom() -> None:
        raise RuntimeError("disk on fire")

    sb.api.before_write = boom
    r = await api.post("/tickets", json={"title": "x"}, headers=key("crash"))
    assert r.status_code == 500 and r.json()["error"]["type"] == "api_error"
    sb.api.before_write = None
    assert (await api.post("/tickets", json={"title": "x"}, headers=key("crash"))).status_code == 201


async def test_keys_are_scoped_to_the_api_key(sb: Sandbox, api: httpx.AsyncClient) -> None:
    first = await api.post("/tickets", json={"title": "x"}, headers=key("shared"))
    other = await api.post("/tickets", json={"title": "x"}, headers=key("shared", sb.keys.restricted))
    assert other.status_code == 201 and "idempotent-replayed" not in other.headers
    assert other.json()["data"]["id"] != first.json()["data"]["id"]
    # Each key replays its own.
    assert (await api.post("/tickets", json={"title": "x"},
                           headers=key("shared", sb.keys.restricted))).content == other.content
    assert await count(api) == 2


@pytest.mark.parametrize(("value", "status"), [("k" * 255, 201), ("k" * 256, 400), ("   ", 400)])
async def test_key_length(api: httpx.AsyncClient, value: str, status: int) -> None:
    r = await api.post("/tickets", json={"title": "x"}, headers=key(value))
    assert r.status_code == status, r.text
    if status == 400:
        assert r.json()["error"]["param"] == "Idempotency-Key" and await count(api) == 0


async def test_a_rejected_request_can_be_corrected_and_retried_with_its_key(api: httpx.AsyncClient) -> None:
    bad = await api.post("/tickets", json={"title": "   "}, headers=key("fix-me"))
    assert bad.status_code == 400
    good = await api.post("/tickets", json={"title": "Fixed"}, headers=key("fix-me"))
    assert good.status_code == 201 and "idempotent-replayed" not in good.headers
    missing = await api.patch("/tickets/tkt_nothing00000", json={"title": "y"}, headers=key("patch-me"))
    assert missing.status_code == 404
    t = good.json()["data"]
    assert (await api.patch(f"/tickets/{t['id']}", json={"title": "y"}, headers=key("patch-me"))).status_code == 200


async def test_keys_expire_after_24_hours(api: httpx.AsyncClient, clock: Clock) -> None:
    first = await api.post("/tickets", json={"title": "x"}, headers=key("day"))
    clock.now += timedelta(hours=23, minutes=59)
    assert (await api.post("/tickets", json={"title": "x"}, headers=key("day"))).content == first.content
    clock.now += timedelta(minutes=2)
    later = await api.post("/tickets", json={"title": "x"}, headers=key("day"))
    assert later.status_code == 201 and "idempotent-replayed" not in later.headers
    assert await count(api) == 2


async def test_a_claim_left_running_by_a_dead_process_is_taken_over(sb: Sandbox, api: httpx.AsyncClient,
                                                                    clock: Clock) -> None:
    """The database file outlives a server killed mid-request; its claim must not block the key for a day."""
    from api.sandbox.idempotency import fingerprint

    path = f"/api/v1/teams/{sb.team_id}/tickets"
    print_ = fingerprint("POST", path, b'{"title":"x"}')
    assert sb.store.idempotency_begin(scope(sb.keys.secret), "orphan", print_, clock.now.timestamp() - 120)
    r = await api.post("/tickets", json={"title": "x"}, headers=key("orphan"))
    assert r.status_code == 201, r.text
    # A claim this young is still a request in flight.
    assert sb.store.idempotency_begin(scope(sb.keys.secret), "young", print_, clock.now.timestamp() - 5)
    r = await api.post("/tickets", json={"title": "x"}, headers=key("young"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "idempotency_key_in_use"


async def test_get_and_delete_ignore_the_header(api: httpx.AsyncClient) -> None:
    t = (await api.post("/tickets", json={"title": "x"})).json()["data"]
    for _ in range(2):
        assert (await api.get(f"/tickets/{t['id']}", headers=key("g"))).status_code == 200
    assert (await api.delete(f"/tickets/{t['id']}", headers=key("d"))).status_code == 200
    assert (await api.delete(f"/tickets/{t['id']}", headers=key("d"))).status_code == 404


async def test_no_secret_is_stored_in_the_idempotency_table(sb: Sandbox, api: httpx.AsyncClient) -> None:
    await api.post("/tickets", json={"title": "x"}, headers=key("stored"))
    rows: list[Any] = sb.store._all("SELECT api_key FROM idempotency")
    assert rows and all(sb.keys.secret not in r["api_key"] for r in rows)
