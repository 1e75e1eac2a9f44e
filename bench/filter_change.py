"""Figure 2: a filter change, keystroke to repainted rows (50-row page), against a plain DataTable floor.

Both run headless in this process, in the same run. A "change" is the quick-status key's action (the
same code the key runs), through the real client and the in-process sandbox; it ends when the table
holds the new rows and the screen has refreshed. The floor clears and re-adds the same 50 rows, with
the same ten cells, in a plain DataTable and waits for the same refresh.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from api.sandbox import create_sandbox  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.tui import CStarApp  # noqa: E402
from bench._report import Row, cli, figure  # noqa: E402
from widgets.ticket_table import TicketTable  # noqa: E402

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
STATUSES = ["new", "open", "pending", "resolved", "closed"]


async def _after_refresh(app: App) -> None:
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()


async def measure_app(changes: int) -> list[float]:
    sandbox = create_sandbox(clock=lambda: NOW, rate_limit=0)
    settings = Settings(base_url=sandbox.base_url, team_id=sandbox.team_id, api_key=sandbox.keys.secret,
                        agent_id=sandbox.agent_id, agent_name=sandbox.agent_name, sandbox=True,
                        transport=sandbox.transport())
    app = CStarApp(settings, clock=lambda: NOW)
    samples: list[float] = []
    async with app.run_test(size=(130, 36)) as pilot:
        while not app.screen.query(TicketTable) or not app.screen.query_one(TicketTable).ticket_ids:
            await pilot.pause(0.01)
        table = app.screen.query_one(TicketTable)
        for i in range(changes):
            before = table.tickets
            start = time.perf_counter()
            app.screen.action_quick_status(STATUSES[i % len(STATUSES)])  # what the key `1`…`5` runs
            while table.tickets is before or table.tickets == before:
                await asyncio.sleep(0)
            await _after_refresh(app)
            samples.append(time.perf_counter() - start)
    sandbox.close()
    return samples


class _Floor(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


async def measure_floor(changes: int) -> list[float]:
    rows = [(f"tkt_{i:012d}", "open", "high", f"Ticket title number {i} about billing", "Jane Doe", "agt_x",
             "billing, vip", str(i % 30), "3h12m", "5m ago") for i in range(50)]
    app = _Floor()
    samples: list[float] = []
    async with app.run_test(size=(130, 36)) as pilot:
        table = app.query_one(DataTable)
        table.add_columns("ID", "Status", "Priority", "Title", "Customer", "Assignee", "Tags", "#", "SLA",
                          "Updated")
        await pilot.pause()
        for _ in range(changes):
            start = time.perf_counter()
            table.clear()
            table.add_rows(rows)
            await _after_refresh(app)
            samples.append(time.perf_counter() - start)
    return samples


def run(quick: bool = False) -> list[Row]:
    changes = 15 if quick else 50
    floor = asyncio.run(measure_floor(changes))
    ours = asyncio.run(measure_app(changes))
    return [figure("filter floor: plain DataTable clear + add 50 rows", floor, floor),
            figure("filter change: key to repainted 50 rows", ours, floor, goal="<= 50 ms and <= floor")]


def main(argv: list[str]) -> int:
    return cli(argv, run, "Figure 2: a filter change, key to repainted rows, against a plain DataTable.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
