"""Test helpers: an app on a sandbox, and transports that observe or disturb requests (never our code)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from textual.app import App

from api.sandbox import Sandbox
from app.desk.agents import AgentDirectory
from app.desk.bulk import BulkJournals
from app.desk.customers import CustomerDirectory
from app.desk.seen import SeenTickets
from app.settings import Settings
from app.tui import CStarApp
from app.views import DEFAULT_VIEWS
from tests.waiting import WAIT


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, str]
    key: str | None = None
    """The request's Idempotency-Key, if it had one."""


@dataclass
class Hold:
    """Holds the requests it matches until `release()`: the test, not a clock, decides when a slow answer
    comes. `arrived` counts requests that reached the hold; `ended` those that went on or were cancelled."""

    matches: Callable[[httpx.Request], bool]
    released: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: int = 0
    ended: int = 0

    def release(self) -> None:
        self.released.set()

    async def wait(self) -> None:
        self.arrived += 1
        try:
            await self.released.wait()
        finally:
            self.ended += 1


@dataclass
class RecordingTransport(httpx.AsyncBaseTransport):
    """Forwards to the sandbox and records every request; `hold` can hold chosen requests back."""

    inner: httpx.AsyncBaseTransport
    seen: list[Seen] = field(default_factory=list)
    hold: Hold | None = None
    fail: Callable[[httpx.Request], Awaitable[httpx.Response | None]] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(Seen(request.method, request.url.path, dict(request.url.params),
                              request.headers.get("idempotency-key")))
        if self.hold is not None and self.hold.matches(request):
            await self.hold.wait()
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
    config = kwargs.get("config")
    if config is None or not config.file.views:  # type: ignore[attr-defined]
        # The views these tests were written against, All first (one request, newest first); the default
        # views open on "Unsolved by SLA", read whole and sorted: tests/test_list_sort.py is about those.
        kwargs.setdefault("views", [view for view in DEFAULT_VIEWS if view.name != "Unsolved by SLA"])
    kwargs.setdefault("agents", AgentDirectory())  # the directories too (app.desk.agents, app.desk.customers)
    kwargs.setdefault("customers", CustomerDirectory())
    app = CStarApp(settings_for(sandbox, transport), **kwargs)  # type: ignore[arg-type]
    # Not the run's shared data dir: a bulk one test left unfinished would greet the next test's app.
    app.bulk_journals = BulkJournals(Path(tempfile.mkdtemp(prefix="cstar-bulk-")))
    return app


def _busy(app: App[object]) -> bool:
    """Work the app has started and not finished: a message not yet handled, a worker not yet done
    (pending counts: it has not begun its request yet), or a filter change waiting out its debounce."""
    from widgets.filter_bar import FilterBar

    screen = app.screen
    if app.message_queue_size or any(node.message_queue_size for node in screen.walk_children(with_self=True)):
        return True
    if any(not worker.is_finished for worker in app.workers):
        return True
    return any(bar.pending for bar in screen.query(FilterBar))


async def until(pilot: object, predicate: Callable[[], object], what: str = "the condition",
                timeout: float = WAIT) -> None:
    """Let the app run until `predicate` holds (whatever its workers are doing)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await pilot.pause(0.01)  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


async def settle(pilot: object, predicate: Callable[[], bool] | None = None, timeout: float = WAIT) -> None:
    """Wait until the app's work is done (and `predicate` holds): requests are real, so they take real time."""
    app = pilot.app  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await pilot.pause(0.01)  # type: ignore[attr-defined]
        if not _busy(app) and (predicate is None or predicate()):
            await pilot.pause()  # type: ignore[attr-defined]
            if not _busy(app):  # what the last messages started is waited for too
                return
        if loop.time() > deadline:
            raise AssertionError(f"the app did not settle in {timeout:g} s")
