"""Figures 3 and 4: open a ticket with 100 and 1,000 messages (key to painted thread), and `]` to the next
ticket, against a floor of the same number of plain `Static` widgets, in one run.

The app runs headless on the in-process sandbox; "open" is what `enter` runs (`app.open_ticket`), and it
ends when the detail screen holds every message and the screen has refreshed.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult  # noqa: E402
from textual.containers import VerticalScroll  # noqa: E402
from textual.widgets import Static  # noqa: E402

from api.sandbox import Sandbox, create_sandbox  # noqa: E402
from api.sandbox.ids import iso  # noqa: E402
from api.sandbox.service import sla_fields  # noqa: E402
from api.sandbox.store import search_text  # noqa: E402
from app.screens.ticket_detail import TicketDetailScreen  # noqa: E402
from app.screens.ticket_list import TicketListScreen  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.tui import CStarApp  # noqa: E402
from bench._report import Row, cli, figure  # noqa: E402
from widgets.thread import MessageThread  # noqa: E402
from widgets.ticket_table import TicketTable  # noqa: E402

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
BODY = ("Hi team, the export still fails after the update. Steps: open Reports, pick last month, click "
        "Export CSV. It spins for a minute and then shows 'Something went wrong' [ERR-5521].")


def add_long_thread(sb: Sandbox, ticket_id: str, count: int, minutes_ago: int) -> None:
    created = NOW - timedelta(minutes=minutes_ago)
    sb.store.insert_tickets([{
        "id": ticket_id, "uuid": f"00000000-0000-4000-8000-{count:012d}", "team_id": sb.team_id,
        "title": f"Long thread with {count} messages", "priority": "high", "status": "open",
        "customer_id": None, "customer_name": "Bench Customer", "assigned_to": None, "tags": ["bench"],
        "notes": None, "message_count": count, "first_response_at": None, "sla_paused": False, "metadata": {},
        "created_at": iso(created), "closed_at": None, "updated_at": iso(created),
        "search_text": search_text("long thread", "bench customer"), **sla_fields("high", created)}])
    rows = []
    for i in range(count):
        agent = i % 3 == 1
        rows.append({
            "id": f"msg_{ticket_id[-6:]}{i:06d}", "uuid": f"00000000-0000-4000-9{count:03d}-{i:012d}",
            "team_id": sb.team_id, "ticket_id": ticket_id, "sender": "agent" if agent else "customer",
            "content": f"{BODY} (#{i})\nSecond line of message {i}.", "sender_id": sb.agent_id if agent else None,
            "sender_name": sb.agent_name if agent else "Bench Customer", "sender_avatar_url": None,
            "is_internal": i % 10 == 5, "created_at": iso(created + timedelta(seconds=i + 1))})
    sb.store.insert_messages(rows)


async def _after_refresh(app: App) -> None:
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()


async def _until(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there")
        await asyncio.sleep(0)


async def measure_app(rounds: int) -> dict[str, list[float]]:
    sb = create_sandbox(clock=lambda: NOW, rate_limit=0)
    add_long_thread(sb, "tkt_BENCH0000100", 100, 1)
    add_long_thread(sb, "tkt_BENCH0001000", 1000, 2)
    settings = Settings(base_url=sb.base_url, team_id=sb.team_id, api_key=sb.keys.secret, agent_id=sb.agent_id,
                        agent_name=sb.agent_name, sandbox=True, transport=sb.transport())
    app = CStarApp(settings, clock=lambda: NOW)
    out: dict[str, list[float]] = {"open 100": [], "open 1000": [], "next": []}
    async with app.run_test(size=(130, 40)) as pilot:
        await _until(lambda: bool(app.screen.query(TicketTable)) and bool(app.screen.query_one(TicketTable).ticket_ids))
        listing = app.screen
        assert isinstance(listing, TicketListScreen)
        for _ in range(rounds):
            for count in (100, 1000):
                ticket_id = f"tkt_BENCH{count:07d}"
                start = time.perf_counter()
                app.open_ticket(ticket_id, source=listing)
                await _until(lambda c=count: isinstance(app.screen, TicketDetailScreen)
                             and bool(app.screen.query(MessageThread))
                             and len(app.screen.query_one(MessageThread).messages) == c)
                await _after_refresh(app)
                out[f"open {count}"].append(time.perf_counter() - start)
                app.pop_screen()
                await pilot.pause()
        # `]` walks the demo queue from its third ticket on: ordinary threads of 0 to 30 messages.
        third = listing.query_one(TicketTable).ticket_ids[2]
        app.open_ticket(third, source=listing)
        await _until(lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None)
        detail = app.screen
        for _ in range(rounds * 4):
            current = detail.ticket
            start = time.perf_counter()
            detail.action_step(1)
            await _until(lambda cur=current: detail.ticket is not cur and detail.ticket.id != cur.id)
            await _after_refresh(app)
            out["next"].append(time.perf_counter() - start)
    sb.close()
    return out


class _Floor(App[None]):
    def compose(self) -> ComposeResult:
        yield VerticalScroll()


async def measure_floor(rounds: int, count: int) -> list[float]:
    app = _Floor()
    samples: list[float] = []
    async with app.run_test(size=(130, 40)) as pilot:
        box = app.query_one(VerticalScroll)
        for _ in range(rounds):
            start = time.perf_counter()
            await box.mount_all(Static(f"{BODY} (#{i})\nSecond line of message {i}.", markup=False)
                                for i in range(count))
            await _after_refresh(app)
            samples.append(time.perf_counter() - start)
            await box.remove_children()
            await pilot.pause()
    return samples


def run(quick: bool = False) -> list[Row]:
    rounds = 2 if quick else 5
    floors = {count: asyncio.run(measure_floor(rounds, count)) for count in (100, 1000)}
    ours = asyncio.run(measure_app(rounds))
    return [
        figure("open floor: 100 plain Static widgets", floors[100], floors[100]),
        figure("open: ticket with 100 messages, key to painted", ours["open 100"], floors[100], goal="<= 150 ms"),
        figure("open floor: 1,000 plain Static widgets", floors[1000], floors[1000]),
        figure("open: ticket with 1,000 messages, key to painted", ours["open 1000"], floors[1000],
               goal="<= 600 ms"),
        figure("next ticket `]`, key to painted", ours["next"], goal="<= 100 ms"),
    ]


def main(argv: list[str]) -> int:
    return cli(argv, run, "Figures 3 and 4: open a long thread, and ] to the next ticket.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
