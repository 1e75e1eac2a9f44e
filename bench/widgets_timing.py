"""Timings of the list and thread widgets on a headless 120x35 app (printed, not asserted).

Run: python bench/widgets_timing.py [--repeat N]

Each figure is the median of N runs of "do the update, then compose one full frame" (the widget's
render_lines for every visible line plus Textual's compositor), measured in-process so the event loop's
idle waits don't count. "wall" figures include one `pilot.pause()` (the framework's own ~20 ms idle
wait) for a feel of the end-to-end latency. DataTable is timed the same way for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.text import Text  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from widgets.samples import NOW, make_thread, make_tickets  # noqa: E402
from widgets.thread import MessageThread  # noqa: E402
from widgets.ticket_table import TicketTable  # noqa: E402

SIZE = (120, 35)


def frame(app: App) -> None:
    """Compose one full frame now (what the next screen update would cost)."""
    app.screen._compositor.render_update(full=True)  # noqa: SLF001 - a benchmark may peek


def timed(action: Callable[[], object], app: App) -> float:
    gc.collect()
    start = time.perf_counter()
    action()
    frame(app)
    return (time.perf_counter() - start) * 1000


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TicketTable(now=lambda: NOW, clock_interval=None)


class ThreadApp(App[None]):
    def compose(self) -> ComposeResult:
        yield MessageThread(now=lambda: NOW)


class DataTableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


async def bench_table(repeat: int) -> dict[str, float]:
    pages = [make_tickets(50, start=page * 50) for page in range(202)]
    app = TableApp()
    results: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(TicketTable)
        table.focus()
        table.set_tickets(pages[0])
        await pilot.pause()
        runs = [timed(lambda i=i: table.set_tickets(pages[1 + i % 2]), app) for i in range(repeat)]
        results["table: replace 50 rows + frame"] = statistics.median(runs)
        start = time.perf_counter()
        table.set_tickets(pages[3])
        await pilot.pause()
        results["table: replace 50 rows, wall incl. pause"] = (time.perf_counter() - start) * 1000
        for page in pages[:200]:
            table.append_tickets(page)
        table.action_cursor_bottom()
        await pilot.pause()
        assert table.row_count == 10_000
        runs = []
        for i in range(repeat):
            extra = pages[200 + i % 2] if i < 2 else make_tickets(50, start=20_000 + i * 50)
            runs.append(timed(lambda extra=extra: table.append_tickets(extra), app))
        results["table: append 50 at 10,000 rows + frame"] = statistics.median(runs)
        runs = [timed(table.action_cursor_up, app) for _ in range(repeat)]
        results["table: cursor move + frame (10k rows)"] = statistics.median(runs)
    return results


async def bench_datatable(repeat: int) -> dict[str, float]:
    tickets = make_tickets(100)

    def rows(offset: int) -> list[list[Text]]:
        return [
            [
                Text(t.id),
                Text(t.status),
                Text(t.priority),
                Text(t.title),
                Text(t.customer_name or ""),
                Text(t.assigned_to or "—"),
                Text(", ".join(t.tags)),
                Text(str(t.message_count)),
                Text("2h14m"),
                Text("3m ago"),
            ]
            for t in tickets[offset : offset + 50]
        ]

    app = DataTableApp()
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DataTable)
        for label, width in [
            ("ID", 16),
            ("Status", 10),
            ("Priority", 9),
            ("Title", 40),
            ("Customer", 14),
            ("Assignee", 10),
            ("Tags", 10),
            ("#", 3),
            ("SLA", 7),
            ("Updated", 8),
        ]:
            table.add_column(label, width=width)
        table.add_rows(rows(0))
        await pilot.pause()
        runs = []
        for i in range(repeat):
            gc.collect()
            start = time.perf_counter()
            table.clear()
            table.add_rows(rows(50 * (i % 2)))
            await table._on_idle(None)  # noqa: SLF001 - DataTable measures cells when idle
            frame(app)
            runs.append((time.perf_counter() - start) * 1000)
    return {"DataTable (fixed widths): replace 50 rows + frame": statistics.median(runs)}


async def bench_thread(count: int, repeat: int) -> dict[str, float]:
    messages = make_thread(count)
    app = ThreadApp()
    results: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        thread = app.query_one(MessageThread)
        await pilot.pause()
        runs = [timed(lambda: thread.set_messages(messages), app) for _ in range(repeat)]
        results[f"thread: {count:,} messages, set + frame"] = statistics.median(runs)
        thread.set_messages([])
        await pilot.pause()
        start = time.perf_counter()
        thread.set_messages(messages)
        await pilot.pause()
        results[f"thread: {count:,} messages, wall incl. pause"] = (time.perf_counter() - start) * 1000
    return results


async def main(repeat: int) -> None:
    results: dict[str, float] = {}
    results |= await bench_table(repeat)
    results |= await bench_datatable(repeat)
    results |= await bench_thread(100, repeat)
    results |= await bench_thread(1_000, repeat)
    width = max(len(name) for name in results)
    for name, ms in results.items():
        print(f"{name:<{width}}  {ms:8.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    asyncio.run(main(parser.parse_args().repeat))
