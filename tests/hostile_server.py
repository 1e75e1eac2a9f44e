"""A service that refuses every request with a hostile error: it echoes the caller's key, touched by
letters and hyphens, and tries to take over the terminal (title, clear screen, clipboard via OSC 52,
a C1 CSI, a right-to-left override). Usable in-process (`httpx.ASGITransport(app=...)`) and served
over loopback for the real command line in a subprocess (`served(app)`)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api.sandbox.serve import bind

# Set the title, clear the screen, put "evil" on the clipboard, 8-bit CSI, DEL, RLO.
TERMINAL_ATTACK = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07\x9b31m\x7f\u202etxt.exe"
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\x7f", "\u202e")


def echoed(key: str) -> str:
    """The ways the server quotes the key back: alone, touched by letters, followed by a hyphen."""
    return f"Invalid API key {key}; X{key}Y; key={key}-old."


async def refusing_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    headers = dict(scope["headers"])
    key = headers.get(b"authorization", b"").decode("latin-1").removeprefix("Bearer ")
    body = {"success": False,
            "error": {"type": "authentication_error", "code": "invalid_api_key",
                      "message": f"{echoed(key)} {TERMINAL_ATTACK}"},
            "meta": {"requestId": "req_\x1b[5mblink", "timestamp": "2026-11-02T09:30:00Z"}}
    await send({"type": "http.response.start", "status": 401,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


@contextmanager
def served(app: Any) -> Iterator[str]:
    """`app` served by uvicorn on a free loopback port; yields its base URL."""
    import uvicorn

    sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:  # a condition with a deadline, not a guess at how long starting takes
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
