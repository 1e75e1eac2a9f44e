"""A sandbox configured with a webhook URL, a real receiver on loopback: what the API's writes deliver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from api.sandbox import Sandbox, create_sandbox
from api.sandbox.webhooks import verify_signature
from tests.waiting import WAIT

SECRET = "whsec_test_sandbox"


class Receiver:
    """Records every POST; `hang` (when set) holds each response until `release` is set."""

    def __init__(self) -> None:
        self.events: list[tuple[dict[str, str], bytes]] = []
        self.hang = False
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.hang:
                    receiver.release.wait(WAIT)
                receiver.events.append((dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, n: int, timeout: float = WAIT) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.events) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return [json.loads(body) for _headers, body in self.events]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def hooked(receiver: Receiver) -> Iterator[Sandbox]:
    sb = create_sandbox(empty=True, rate_limit=0, webhook_url=receiver.url, webhook_secret=SECRET)
    yield sb
    receiver.release.set()
    sb.close()


@pytest.fixture
async def api(hooked: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=hooked.transport(),
                                 base_url=f"{hooked.base_url}/api/v1/teams/{hooked.team_id}",
                                 headers={"Authorization": f"Bearer {hooked.keys.secret}"}) as client:
        yield client


async def test_every_write_delivers_signed_events(api: httpx.AsyncClient, hooked: Sandbox,
                                                  receiver: Receiver) -> None:
    t = (await api.post("/tickets", json={"title": "Hooked"})).json()["data"]
    await api.patch(f"/tickets/{t['id']}", json={"assignedTo": hooked.agent_id})
    await api.patch(f"/tickets/{t['id']}", json={"status": "resolved"})
    await api.patch(f"/tickets/{t['id']}", json={"status": "resolved", "title": "Hooked"})  # no change: no event
    await api.post(f"/tickets/{t['id']}/messages", json={"content": "Done"})
    await api.delete(f"/tickets/{t['id']}")
    events = receiver.wait_for(7)
    assert [e["type"] for e in events] == [
        "ticket.created", "ticket.updated", "ticket.assigned", "ticket.updated", "ticket.closed",
        "ticket.message_added", "ticket.deleted"]
    assert hooked.webhooks is not None
    hooked.webhooks.close(timeout=WAIT)  # delivers everything emitted so far: nothing more is coming
    assert len(receiver.events) == 7
    for headers, body in receiver.events:
        assert verify_signature(SECRET, headers["Cstar-Signature"], body)
        assert not verify_signature("wrong", headers["Cstar-Signature"], body)
    for e in events:
        assert e["object"] == "event" and e["id"].startswith("evt_") and e["createdAt"].endswith("Z")
    assert events[0]["data"]["object"]["id"] == t["id"] and events[0]["data"]["object"]["object"] == "ticket"
    assert events[2]["data"]["object"]["assignedTo"] == hooked.agent_id
    assert events[4]["data"]["object"]["closedAt"] is not None
    assert events[5]["data"]["object"]["object"] == "message" and events[5]["data"]["object"]["ticketId"] == t["id"]
    assert events[6]["data"]["object"] == {"id": t["id"], "object": "ticket", "uuid": t["uuid"], "deleted": True}


async def test_a_hanging_receiver_does_not_slow_the_api(api: httpx.AsyncClient, receiver: Receiver) -> None:
    receiver.hang = True  # each delivery is held until `release`: however long the API takes, it's not that
    for i in range(5):
        r = await api.post("/tickets", json={"title": f"while the receiver hangs {i}"})
        assert r.status_code == 201
    assert receiver.events == []  # every answer came while the receiver still held the first delivery
    receiver.hang = False
    receiver.release.set()
    assert len(receiver.wait_for(5)) == 5
