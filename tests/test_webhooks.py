"""Webhook delivery against a real HTTP receiver on loopback, and the signature helper."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from api.sandbox.webhooks import WebhookDispatcher, signature_header, verify_signature
from tests.waiting import WAIT, wait_until

SECRET = "whsec_test_0123456789"


class Receiver(ThreadingHTTPServer):
    """Records every POST; answers `statuses` in turn (then 200), optionally holding each request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.hold: threading.Event | None = None  # when set, requests wait for it
        self.arrived = threading.Event()
        self.answered = 0  # requests past the hold

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.server.arrived.set()
        if self.server.hold is not None:
            self.server.hold.wait(WAIT)
        self.server.answered += 1
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    if server.hold is not None:
        server.hold.set()
    server.shutdown()
    server.server_close()


def _dispatcher(url: str, **kwargs) -> WebhookDispatcher:
    kwargs.setdefault("base_delay", 0.01)
    kwargs.setdefault("timeout", WAIT)  # a slow answer on a loaded machine is not a failed delivery
    return WebhookDispatcher(url, SECRET, **kwargs)


def test_signed_event_reaches_a_real_receiver(receiver: Receiver) -> None:
    ticket = {"id": "tkt_a1B2c3D4e5F6", "object": "ticket", "title": "Zoë can't log in [/] 🙏",
              "updatedAt": datetime(2026, 3, 30, 10, 30, tzinfo=UTC)}
    dispatcher = _dispatcher(receiver.url)
    event_id = dispatcher.emit("ticket.created", ticket)
    dispatcher.close(timeout=WAIT)

    assert re.fullmatch(r"evt_[A-Za-z0-9]{12}", event_id)
    assert dispatcher.delivered == [{"id": event_id, "type": "ticket.created", "attempts": 1, "status": 200,
                                     "outcome": "delivered", "error": None}]
    [(headers, body)] = receiver.requests
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "cstar-sandbox-webhooks"
    assert verify_signature(SECRET, headers["cstar-signature"], body)
    t = int(re.fullmatch(r"t=(\d+),v1=[0-9a-f]{64}", headers["cstar-signature"]).group(1))
    assert abs(t - time.time()) < 60
    event = json.loads(body)
    assert body == json.dumps(event, separators=(",", ":")).encode()  # compact
    assert event["id"] == event_id and event["object"] == "event" and event["type"] == "ticket.created"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["createdAt"])
    assert event["data"]["object"] == {**ticket, "updatedAt": "2026-03-30T10:30:00Z"}


def test_failing_receiver_gets_the_event_on_the_third_attempt(receiver: Receiver) -> None:
    receiver.statuses = [500, 503]
    dispatcher = _dispatcher(receiver.url)
    event_id = dispatcher.emit("ticket.updated", {"id": "tkt_x"})
    dispatcher.close(timeout=WAIT)

    assert dispatcher.delivered == [{"id": event_id, "type": "ticket.updated", "attempts": 3, "status": 200,
                                     "outcome": "delivered", "error": None}]
    assert len(receiver.requests) == 3
    bodies = {body for _, body in receiver.requests}
    assert len(bodies) == 1  # the same event, byte for byte, each time
    assert all(verify_signature(SECRET, h["cstar-signature"], b) for h, b in receiver.requests)


def test_gives_up_after_max_attempts_and_logs(receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    receiver.statuses = [500] * 10
    dispatcher = _dispatcher(receiver.url, max_attempts=3)
    with caplog.at_level(logging.WARNING, logger="cstar.sandbox"):
        event_id = dispatcher.emit("ticket.closed", {"id": "tkt_x"})
        dispatcher.close(timeout=WAIT)
    assert dispatcher.delivered == [{"id": event_id, "type": "ticket.closed", "attempts": 3, "status": 500,
                                     "outcome": "failed", "error": "HTTP 500"}]
    assert len(receiver.requests) == 3
    assert any(event_id in r.getMessage() and r.name == "cstar.sandbox" for r in caplog.records)
    assert SECRET not in caplog.text


def test_connection_refused_is_retried_then_dropped() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dispatcher = _dispatcher(f"http://127.0.0.1:{port}/", max_attempts=2)
    dispatcher.emit("ticket.deleted", {"id": "tkt_x", "deleted": True})
    dispatcher.close(timeout=WAIT)
    [record] = dispatcher.delivered
    assert (record["attempts"], record["status"], record["outcome"]) == (2, None, "failed")
    assert record["error"].startswith("ConnectError")


def test_emit_returns_at_once_while_the_receiver_hangs(receiver: Receiver) -> None:
    receiver.hold = threading.Event()
    dispatcher = _dispatcher(receiver.url)
    dispatcher.emit("ticket.created", {"id": "tkt_1"})
    assert receiver.arrived.wait(WAIT), "the first event never reached the receiver"
    # the worker is now stuck inside a request that will not answer
    for n in range(20):
        dispatcher.emit("ticket.message_added", {"id": f"msg_{n}"})
    # Every emit returned while the receiver still held the first request: none waited for a delivery.
    assert receiver.answered == 0 and len(receiver.requests) == 1
    assert dispatcher.pending == 20
    receiver.hold.set()
    dispatcher.close(timeout=WAIT)
    assert [r["outcome"] for r in dispatcher.delivered] == ["delivered"] * 21
    # one worker, nothing failed: the receiver saw the events in the order they were emitted
    sent = [json.loads(body)["data"]["object"]["id"] for _, body in receiver.requests]
    assert sent == ["tkt_1"] + [f"msg_{n}" for n in range(20)]


def test_close_does_not_wait_for_a_hung_receiver(receiver: Receiver) -> None:
    receiver.hold = threading.Event()
    dispatcher = _dispatcher(receiver.url)
    dispatcher.emit("ticket.created", {"id": "tkt_1"})
    second = dispatcher.emit("ticket.updated", {"id": "tkt_1"})
    assert receiver.arrived.wait(WAIT)
    dispatcher.close(timeout=0.1)
    assert receiver.answered == 0  # close returned while the receiver still held the request
    receiver.hold.set()  # let the in-flight request finish so the worker can notice it must stop
    wait_until(lambda: len(dispatcher.delivered) == 2, "both events to be settled")
    outcomes = {r["id"]: r["outcome"] for r in dispatcher.delivered}
    assert outcomes[second] == "abandoned"
    # after close, emit neither blocks nor raises; the event is recorded as dropped
    late = dispatcher.emit("ticket.updated", {"id": "tkt_1"})
    assert dispatcher.delivered[-1]["id"] == late and dispatcher.delivered[-1]["outcome"] == "dropped"


def test_wrong_secret_tampering_and_stale_signatures_fail() -> None:
    body = b'{"id":"evt_abc","object":"event"}'
    now = 1_774_864_800
    header = signature_header(SECRET, body, now)
    assert verify_signature(SECRET, header, body, now=now)
    assert verify_signature(SECRET, header, body.decode(), now=now + 299)  # str bodies are fine
    assert not verify_signature("whsec_wrong", header, body, now=now)
    assert not verify_signature(SECRET, header, body + b" ", now=now)
    assert not verify_signature(SECRET, header, body, now=now + 301)  # replayed too late
    assert not verify_signature(SECRET, header, body, now=now - 301)
    assert verify_signature(SECRET, header, body, tolerance=None, now=now + 10**6)
    # rotation: any one matching v1 will do
    assert verify_signature(SECRET, f"t={now},v1={'0' * 64},{header.split(',')[1]}", body, now=now)
    for bad in (None, "", "garbage", f"t=abc,{header.split(',')[1]}", f"t={now}", header.split(",")[1],
                f"t={now},v1=zz", f"t={now},v1=é"):
        assert not verify_signature(SECRET, bad, body, now=now)


def test_clock_and_transport_are_injectable() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    dispatcher = WebhookDispatcher("https://hooks.example/x", SECRET, transport=httpx.MockTransport(handler),
                                   clock=lambda: 1_774_864_800.7)
    dispatcher.emit("ticket.assigned", {"id": "tkt_x", "assignedTo": "agt_y"})
    dispatcher.close(timeout=WAIT)
    [request] = seen
    assert request.headers["cstar-signature"].startswith("t=1774864800,v1=")
    assert verify_signature(SECRET, request.headers["cstar-signature"], request.content, now=1_774_864_800)
    assert json.loads(request.content)["createdAt"] == "2026-03-30T10:00:00Z"
    assert dispatcher.delivered[0]["status"] == 204


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        WebhookDispatcher("ftp://example.com/", SECRET)
    with pytest.raises(ValueError):
        WebhookDispatcher("http://127.0.0.1:9/", SECRET, max_attempts=0)
    dispatcher = WebhookDispatcher("http://127.0.0.1:9/", SECRET)
    try:
        with pytest.raises(ValueError):
            dispatcher.emit("ticket.exploded", {})
        with pytest.raises(TypeError):
            dispatcher.emit("ticket.created", {"x": object()})
    finally:
        dispatcher.close(timeout=0)
    assert dispatcher.delivered == []
