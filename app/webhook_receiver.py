"""A webhook receiver inside the app (`--listen HOST:PORT`): verify, answer at once, hand the body over.

A small HTTP/1.1 server on the app's own event loop (asyncio + h11, no framework): POST only, a body of at
most `MAX_BODY` bytes, `Cstar-Signature` checked with the shared secret and a 5-minute window
(`api.webhooks`). A forged, stale or unsigned request is refused (401) and changes nothing; a good one is
answered 204 before the app does anything with it, so the sender never waits on the screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import h11

from api.webhooks import SIGNATURE_HEADER, verify_signature

__all__ = ["MAX_BODY", "WebhookReceiver", "parse_listen"]

log = logging.getLogger("cstar.webhooks")
MAX_BODY = 1024 * 1024
_READ_TIMEOUT = 10.0


def parse_listen(text: str) -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:8080` for IPv6) -> (host, port); ValueError with a sentence when it is not."""
    host, sep, port_text = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"--listen takes HOST:PORT, e.g. 127.0.0.1:8899 (got {text!r})")
    return host, int(port_text)


@dataclass
class WebhookReceiver:
    secret: str
    on_event: Callable[[bytes], None]
    host: str = "127.0.0.1"
    port: int = 0
    refused: int = 0
    accepted: int = 0

    def __post_init__(self) -> None:
        self._server: asyncio.AbstractServer | None = None

    @property
    def address(self) -> tuple[str, int]:
        assert self._server is not None and self._server.sockets
        host, port = self._server.sockets[0].getsockname()[:2]
        return host, port

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, body = await asyncio.wait_for(self._read(reader), _READ_TIMEOUT)
        except (TimeoutError, h11.RemoteProtocolError, ConnectionError):
            status, body = 400, None
        accepted = status == 204 and body is not None
        with contextlib.suppress(ConnectionError, h11.LocalProtocolError):
            writer.write(_response(status))
            await writer.drain()
        writer.close()
        if accepted:
            self.accepted += 1
            try:
                self.on_event(body)  # type: ignore[arg-type]
            except Exception:  # an event must never take the receiver (or the app) down
                log.exception("a webhook event could not be applied")
        else:
            self.refused += 1

    async def _read(self, reader: asyncio.StreamReader) -> tuple[int, bytes | None]:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
        request: h11.Request | None = None
        chunks: list[bytes] = []
        size = 0
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)
                if not data:
                    return 400, None
                continue
            if isinstance(event, h11.Request):
                request = event
                if event.method != b"POST":
                    return 405, None
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if size > MAX_BODY:
                    return 413, None
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                return 400, None
        assert request is not None
        body = b"".join(chunks)
        header = dict(request.headers).get(SIGNATURE_HEADER.lower().encode())
        signature = header.decode("latin-1") if header else None
        if not verify_signature(self.secret, signature, body):
            return 401, None
        return 204, body


def _response(status: int) -> bytes:
    conn = h11.Connection(h11.SERVER)
    # h11 wants to have seen a request before it answers; a canned one keeps this independent of the read.
    conn.receive_data(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    conn.next_event()
    conn.next_event()
    head = conn.send(h11.Response(status_code=status, headers=[("content-length", "0"), ("connection", "close")]))
    return (head or b"") + (conn.send(h11.EndOfMessage()) or b"")
