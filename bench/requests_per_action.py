"""Figure 7: HTTP requests per agent action (open, filter, reply, status change, next), counted on the wire
through the real keys in a headless app on the in-process sandbox. Each is 1 request for the action, plus
what the agent sees because of it: the customer's ticket count of a ticket opened ("3 open · 10 in all", one
request with customerId, issue 13), and, for a status change that takes the ticket out of the view, the
next ticket opened (auto-advance)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.sandbox import create_sandbox  # noqa: E402
from app.drafts import DraftStore  # noqa: E402
from app.screens.composer import ComposerScreen  # noqa: E402
from app.screens.ticket_detail import TicketDetailScreen  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.tui import CStarApp  # noqa: E402
from bench._report import Row, cli, value  # noqa: E402
from widgets.ticket_table import TicketTable  # noqa: E402

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@dataclass
class Counting(httpx.AsyncBaseTransport):
    inner: httpx.AsyncBaseTransport
    seen: list[str] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        return await self.inner.handle_async_request(request)


async def _idle(app: CStarApp, pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):
        await pilot.pause(0.02)
        if not any(w.is_running for w in app.workers):
            await pilot.pause(0.05)
            if not any(w.is_running for w in app.workers):
                return


async def count() -> dict[str, list[str]]:
    sb = create_sandbox(clock=lambda: NOW, rate_limit=0)
    wire = Counting(sb.transport())
    settings = Settings(base_url=sb.base_url, team_id=sb.team_id, api_key=sb.keys.secret, agent_id=sb.agent_id,
                        agent_name=sb.agent_name, sandbox=True, transport=wire)
    app = CStarApp(settings, clock=lambda: NOW, debounce=0.05, refresh_seconds=0)  # no poll among the counts
    app.draft_store = DraftStore(Path(tempfile.mkdtemp(prefix="cstar-bench-drafts-")))  # not the user's drafts
    counts: dict[str, list[str]] = {}

    async def action(name: str, *keys: str) -> None:
        await _idle(app, pilot)
        wire.seen.clear()
        await pilot.press(*keys)
        await _idle(app, pilot)
        counts[name] = list(wire.seen)

    async with app.run_test(size=(130, 40)) as pilot:
        await _idle(app, pilot)
        assert app.screen.query_one(TicketTable).ticket_ids
        await action("filter (quick status key)", "2")
        await action("open a ticket (enter)", "enter")
        assert isinstance(app.screen, TicketDetailScreen)
        await action("status change (s, then r for resolved)", "s", "r")
        await pilot.press("r")
        await _idle(app, pilot)
        assert isinstance(app.screen, ComposerScreen)
        await pilot.press(*"Thanks, fixed.")
        await action("reply (ctrl+s in the composer)", "ctrl+s")
        await action("next ticket (])", "right_square_bracket")
    sb.close()
    return counts


def run(quick: bool = False) -> list[Row]:
    counts = asyncio.run(count())
    for name, seen in counts.items():
        print(f"  {name}: {', '.join(seen)}", file=sys.stderr)
    rows = []
    for name, seen in counts.items():
        goal = "exactly 1"
        if name.startswith("reply"):
            # Issue 8's collision check reads the ticket again before a first send: 1 read + 1 write.
            goal = "1 write (+1 collision re-read)"
        elif name.startswith(("open", "next")):
            goal = "1 (+1 customer's count)"
        elif name.startswith("status"):
            goal = "1 write (+2: the next ticket, auto-advance)"
        rows.append(value(f"requests per action: {name}", len(seen), "req", goal=goal))
    return rows


def main(argv: list[str]) -> int:
    return cli(argv, run, "Figure 7: HTTP requests per action, counted on the wire.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
