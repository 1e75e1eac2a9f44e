"""Helpers for the detail-view, composer and new-ticket tests: an app on a sandbox with drafts in a temp
dir, opening a ticket from the list with keys, and faults injected in the transport (never in our code)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from api.sandbox import Sandbox
from api.sandbox.ids import iso
from app.drafts import DraftStore
from app.screens.ticket_detail import TicketDetailScreen
from app.screens.ticket_list import TicketListScreen
from app.tui import CStarApp
from tests.helpers import RecordingTransport, make_app, settle
from widgets.ticket_table import TicketTable

SIZE = (120, 40)


def app_with_drafts(sb: Sandbox, transport: httpx.AsyncBaseTransport, drafts: Path, **kwargs: Any) -> CStarApp:
    app = make_app(sb, transport, **kwargs)
    app.draft_store = DraftStore(drafts)  # type: ignore[attr-defined]
    return app


def create_ticket(sb: Sandbox, **body: Any) -> dict[str, Any]:
    """Set-up through the sandbox's own rules, before the app starts (so the ticket is the newest)."""
    body.setdefault("title", "Printer on fire")
    return sb.api.service.create(sb.team_id, body)


def stored(sb: Sandbox, ticket_id: str) -> dict[str, Any] | None:
    row = sb.store.get_ticket(sb.team_id, ticket_id)
    if row is None:
        return None
    data = dict(row)
    data["tags"] = json.loads(data["tags"])
    data["metadata"] = json.loads(data["metadata"])
    return data


def stored_messages(sb: Sandbox, ticket_id: str) -> list[dict[str, Any]]:
    return [dict(row) for row in sb.store.messages(ticket_id, include_internal=True)]


def writes(rec: RecordingTransport) -> list[tuple[str, str]]:
    return [(s.method, s.path) for s in rec.seen if s.method != "GET"]


def list_screen(app: CStarApp) -> TicketListScreen:
    return next(s for s in app.screen_stack if isinstance(s, TicketListScreen))


def table(app: CStarApp) -> TicketTable:
    return list_screen(app).query_one(TicketTable)


async def wait_for_list(pilot: Any) -> None:
    await settle(pilot, lambda: bool(table(pilot.app).ticket_ids))


async def open_row(pilot: Any, ticket_id: str) -> TicketDetailScreen:
    """Move the list's cursor to the ticket and press enter, as an agent would; wait for the load."""
    app = pilot.app
    await wait_for_list(pilot)
    assert table(app).move_cursor_to(ticket_id), f"{ticket_id} is not in the loaded list"
    await pilot.press("enter")
    await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None
                 and app.screen.ticket.id == ticket_id)
    return app.screen


@dataclass
class AfterCommitFault:
    """Lets chosen requests reach the sandbox (so the write is committed), then loses the answer
    with httpx.ReadError, `times` times; records the Idempotency-Key of every matching request."""

    match: Callable[[httpx.Request], bool]
    inner: httpx.AsyncBaseTransport
    times: int = 1
    keys: list[str | None] = field(default_factory=list)

    async def __call__(self, request: httpx.Request) -> httpx.Response | None:
        if not self.match(request):
            return None
        self.keys.append(request.headers.get("idempotency-key"))
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if self.times > 0:
            self.times -= 1
            raise httpx.ReadError("connection reset while reading the response", request=request)
        return response


def refuse(status: int, method: str) -> Callable[[httpx.Request], Any]:
    """A fail hook answering every `method` request with an API error envelope (nothing reaches the sandbox)."""

    async def hook(request: httpx.Request) -> httpx.Response | None:
        if request.method != method:
            return None
        body = {"success": False, "error": {"type": "permission_error", "code": "forbidden",
                                            "message": "This key cannot do that."},
                "meta": {"requestId": "req_test000001"}}
        return httpx.Response(status, json=body, request=request)

    return hook


HOSTILE_TITLE = "[/] [@click=app.quit]x[/] \x1b]0;PWNED\x07"
HOSTILE_ID = "tkt_HostileTkt01"


def hostile_sandbox(now: datetime) -> Sandbox:
    """A deterministic sandbox (seeded at `now`) whose newest ticket is hostile: its title, customer,
    tags, notes, metadata and a long thread with internal notes all carry markup and escape sequences."""
    from api.sandbox import create_sandbox
    from widgets.samples import HOSTILE_TEXTS

    sb = create_sandbox(rate_limit=0, clock=lambda: now)
    agents = sb.store.agents(sb.team_id)
    created = sb.api.service.create(sb.team_id, {
        "title": HOSTILE_TITLE, "customerName": "Mallory [b]Evil[/b] \x1b[31mRed\x1b[0m", "priority": "urgent",
        "status": "open", "tags": ["[red]tag[/red]", "\x1b[5mblink"], "notes": "Notes [@click=app.bell]ring[/]",
        "metadata": {"[k]": "[/v]", "esc": "\x1b]8;;http://evil\x07link\x1b]8;;\x07"},
    })
    sb.store.update_ticket(created["id"], {"id": HOSTILE_ID, "uuid": "00000000-0000-4000-8000-00000000cafe",
                                           "assigned_to": agents[1]["id"]})
    rows = []
    for i in range(120):
        kind = ("customer", "agent", "internal", "system")[i % 4]
        text = HOSTILE_TEXTS[i % len(HOSTILE_TEXTS)]
        agent = agents[i % 3]
        rows.append({
            "id": f"msg_Hostile{i:05d}", "uuid": f"00000000-0000-4000-8000-{i:012d}", "team_id": sb.team_id,
            "ticket_id": HOSTILE_ID, "sender": "agent" if kind == "internal" else kind,
            "content": f"#{i} {text}\nsecond line [b]not bold[/b] \x1b[2J",
            "sender_id": agent["id"] if kind in ("agent", "internal") else None,
            "sender_name": agent["name"] if kind in ("agent", "internal") else
            ("Mallory [b]Evil[/b]" if kind == "customer" else None),
            "sender_avatar_url": None, "is_internal": kind == "internal",
            "created_at": iso(now - timedelta(minutes=240 - 2 * i)),
        })
    sb.store.insert_messages(rows)
    sb.store.update_ticket(HOSTILE_ID, {"message_count": len(rows)})
    return sb
