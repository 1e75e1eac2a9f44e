"""Test helpers: an app on a sandbox, and transports that observe or disturb requests (never our code)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from api.sandbox import Sandbox
from app.desk.seen import SeenTickets
from app.settings import Settings
from app.tui import CStarApp


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, str]


@dataclass
class RecordingTransport(httpx.AsyncBaseTransport):
    """Forwards to the sandbox and records every request; `delay` can hold chosen requests back."""

    inner: httpx.AsyncBaseTransport
    seen: list[Seen] = field(default_factory=list)
    delay: Callable[[httpx.Request], float] | None = None
    fail: Callable[[httpx.Request], Awaitable[httpx.Response | None]] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(Seen(request.method, request.url.path, dict(request.url.params)))
        if self.delay is not None and (wait := self.delay(request)) > 0:
            await asyncio.sleep(wait)
        if self.fail is not None and (response := await self.fail(request)) is not None:
            return response
        return await self.inner.handle_async_request(request)

    def lists(self) -> list[dict[str, str]]:
        """List requests for rows (the tabs' single-row count requests are `counts()`)."""
        return [s.params for s in self.seen if s.method == "GET" and s.path.endswith("/tickets")
                and s.params.get("pageSize") != "1"]

    def counts(self) -> list[dict[str, str]]:
        return [s.params for s in self.seen if s.method == "GET" and s.path.endswith("/tickets")
                and s.params.get("pageSize") == "1"]


def settings_for(sandbox: Sandbox, transport: httpx.AsyncBaseTransport | None = None, *,
                 api_key: str | None = None) -> Settings:
    return Settings(base_url=sandbox.base_url, team_id=sandbox.team_id, api_key=api_key or sandbox.keys.secret,
                    agent_id=sandbox.agent_id, agent_name=sandbox.agent_name, sandbox=True,
                    transport=transport or sandbox.transport())


def make_app(sandbox: Sandbox, transport: httpx.AsyncBaseTransport | None = None, **kwargs: object) -> CStarApp:
    from tests.conftest import FIXED_NOW

    kwargs.setdefault("clock", lambda: FIXED_NOW)
    kwargs.setdefault("debounce", 0.05)
    # Off unless a test is about polling: a poll's requests would blur the counts other tests make.
    kwargs.setdefault("refresh_seconds", 0)
    # In memory: a file in the test run's data dir would carry marks from one test into the next.
    kwargs.setdefault("seen", SeenTickets())
    return CStarApp(settings_for(sandbox, transport), **kwargs)  # type: ignore[arg-type]


async def settle(pilot: object, predicate: Callable[[], bool] | None = None, timeout: float = 5.0) -> None:
    """Wait until workers are done (and `predicate` holds): requests are real, so they take real time."""
    app = pilot.app  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await pilot.pause(0.02)  # type: ignore[attr-defined]
        busy = any(w.is_running for w in app.workers)
        if not busy and (predicate is None or predicate()):
            await pilot.pause()  # type: ignore[attr-defined]
            return
    raise AssertionError("the app did not settle in time")
