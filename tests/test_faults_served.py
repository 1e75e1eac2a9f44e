"""The fault mode over real HTTP (uvicorn on loopback): connections closed with no answer or halfway
through the body, bodies dripped in chunks, and `cstar-tui serve --faults` itself."""

from __future__ import annotations

import json
import signal

import httpx
import pytest

from api.client import HelpdeskClient
from api.errors import ConnectionFailedError, RequestTimeoutError
from api.models import MessageCreate
from api.sandbox import Sandbox
from api.sandbox.faults import Fault, FaultPlan
from tests.test_sandbox_serve import Served
from tests.waiting import WAIT


def tickets_url(sb: Sandbox) -> str:
    return f"{sb.base_url}/api/v1/teams/{sb.team_id}/tickets"


def raw_client(sb: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(headers={"Authorization": f"Bearer {sb.keys.secret}"})


async def _no_wait(_seconds: float) -> None:
    return None


def client_for(sb: Sandbox, **options: object) -> HelpdeskClient:
    return HelpdeskClient(sb.base_url, sb.team_id, sb.keys.secret, sleep=_no_wait, **options)  # type: ignore[arg-type]


async def test_drop_closes_the_connection_with_no_answer_and_writes_nothing(served_sandbox: Sandbox) -> None:
    sb = served_sandbox
    ticket = sb.api.service.create(sb.team_id, {"title": "Drop"})["id"]
    sb.faults = FaultPlan(Fault("drop"))
    async with raw_client(sb) as raw:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            await raw.get(tickets_url(sb))
    async with client_for(sb) as client:
        with pytest.raises(ConnectionFailedError, match="connection lost"):
            await client.add_message(ticket, MessageCreate(content="lost", sender="agent", sender_id=sb.agent_id))
        assert sb.store.messages(ticket, include_internal=True) == []
        sb.faults = None
        assert (await client.list_tickets()).items  # the server itself is fine afterwards


async def test_drop_after_commit_over_http_posts_exactly_once(served_sandbox: Sandbox) -> None:
    sb = served_sandbox
    ticket = sb.api.service.create(sb.team_id, {"title": "Commit"})["id"]
    sb.faults = FaultPlan(Fault("drop-after-commit", methods={"POST"}), seed=3)
    body = MessageCreate(content="Refund issued", sender="agent", sender_id=sb.agent_id)
    async with client_for(sb) as client:
        with pytest.raises(ConnectionFailedError):
            await client.add_message(ticket, body, idempotency_key="served-1")
        assert sb.faults.outcomes() == ["drop-after-commit"] * 3
        assert [m["content"] for m in sb.store.messages(ticket, include_internal=True)] == ["Refund issued"]
        sb.faults = None
        message = await client.add_message(ticket, body, idempotency_key="served-1")
    assert message.content == "Refund issued"
    assert len(sb.store.messages(ticket, include_internal=True)) == 1


async def test_cut_body_sends_headers_and_part_of_the_body_then_closes(served_sandbox: Sandbox) -> None:
    sb = served_sandbox
    sb.faults = FaultPlan(Fault("cut-body", size=100))
    async with raw_client(sb) as raw:
        async with raw.stream("GET", tickets_url(sb)) as response:
            assert response.status_code == 200 and int(response.headers["content-length"]) > 100
            received = bytearray()
            with pytest.raises(httpx.RemoteProtocolError, match="incomplete|complete message body"):
                async for chunk in response.aiter_raw():
                    received += chunk
    assert len(received) == 100
    sb.faults = FaultPlan(Fault("mid-body"))
    async with client_for(sb) as client:
        with pytest.raises(ConnectionFailedError, match="connection lost"):
            await client.list_tickets()


async def test_drip_streams_the_body_in_chunks(served_sandbox: Sandbox) -> None:
    sb = served_sandbox
    sb.faults = FaultPlan(Fault("drip", delay=(0.005, 0.005), size=1000))
    async with raw_client(sb) as raw:
        async with raw.stream("GET", tickets_url(sb), params={"pageSize": "10"}) as response:
            chunks = [chunk async for chunk in response.aiter_raw()]
    body = b"".join(chunks)
    assert len(chunks) > 3 and json.loads(body)["success"] is True
    sb.faults = FaultPlan(Fault("drip", delay=(0.05, 0.05), size=200))
    async with client_for(sb, timeout=0.2, max_retries=0) as client:
        with pytest.raises(RequestTimeoutError):
            await client.list_tickets()


def test_serve_faults_flag_switches_the_mode_on_and_prints_the_seed() -> None:
    served = Served("--empty", "--faults", "503=1@GET,seed=5")
    try:
        info = served.info()
        response = httpx.get(f"{info['baseUrl']}/api/v1/teams/{info['teamId']}/tickets",
                             headers={"Authorization": f"Bearer {info['keys']['secret']}"})
        assert response.status_code == 503 and response.json()["error"]["code"] == "service_unavailable"
        assert served.stop(signal.SIGTERM) == 0
        assert "fault mode: --faults error=503@GET,seed=5" in "".join(served.stderr)
    finally:
        served.close()


def test_serve_refuses_a_bad_faults_spec_in_one_line() -> None:
    served = Served("--empty", "--faults", "explode=0.5")
    try:
        assert served.proc.wait(timeout=WAIT) == 2
        served.drained()
    finally:
        served.close()
    (line,) = served.stderr
    assert line.startswith("cstar-tui serve: --faults: unknown fault 'explode'")
