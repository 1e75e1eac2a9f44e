"""Sandbox list latency: one `GET …/tickets` through httpx.AsyncClient + ASGITransport, in process.

Run: `python -m bench sandbox [--quick] [--json PATH] [--db PATH] [--requests N]`.

Two data sets: the 300-ticket demo and a 100,000-ticket team (`--quick`: 10,000), each seeded by
`create_sandbox` with a fixed clock. Every scenario is timed per request (send to parsed JSON body),
median and p95. A search is timed cold (its cached match list dropped before each request: what the first
page of a new search costs) and warm (the next page of the same search). "loop max" is the longest the
caller's event loop stood still during a scenario (a task ticking every millisecond): in the app that loop
is the TUI's, and the sandbox answers on it (a request's SQLite work is stopped after 0.1 s of CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from api.limits import SEARCH_MAX
from api.sandbox import Sandbox, create_sandbox

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
GOAL_MS = 10.0  # a filtered list at 100,000 tickets


@dataclass
class Figure:
    tickets: int
    scenario: str
    median_ms: float
    p95_ms: float
    total: int
    loop_max_ms: float = 0.0


@dataclass
class Scenario:
    name: str
    params: dict[str, str]
    cold: bool = False  # drop the search cache before each request


def scenarios(sandbox: Sandbox) -> list[Scenario]:
    agent = sandbox.agent_id
    return [
        Scenario("no filter", {}),
        Scenario("status=open", {"status": "open"}),
        Scenario("status=open&priority=high", {"status": "open", "priority": "high"}),
        Scenario("assignedTo=me&status=open", {"assignedTo": agent, "status": "open"}),
        Scenario("status=open, page 50", {"status": "open", "page": "50"}),
        Scenario("search=refund (first page)", {"search": "refund"}, cold=True),
        Scenario("search=refund (page 2)", {"search": "refund", "page": "2"}),
        Scenario("search=ström (first page)", {"search": "ström"}, cold=True),
        Scenario("search=qx (2 chars, first page)", {"search": "qx"}, cold=True),
        Scenario("status=open&search=invoice (first)", {"status": "open", "search": "invoice"}, cold=True),
        Scenario(f"search={SEARCH_MAX} chars (longest, first page)", {"search": LONGEST_SEARCH}, cold=True),
    ]


# The longest search the API takes, made of words the demo titles use (a phrase of ~200 trigrams).
LONGEST_SEARCH = ("refund for the duplicate charge on my invoice " * 5)[:SEARCH_MAX]


class LoopWatch:
    """Ticks every millisecond on the running loop; `longest()` is the worst extra delay since `reset()`."""

    def __init__(self) -> None:
        self._worst = 0.0
        self._task: asyncio.Task[None] | None = None
        self._ticked = asyncio.Event()

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.001)
            self._worst = max(self._worst, loop.time() - before - 0.001)
            self._ticked.set()

    async def settle(self) -> None:
        """Let the ticker run once more: a request that held the loop has not been seen until it has."""
        self._ticked.clear()
        await self._ticked.wait()

    def start(self) -> None:
        self._task = asyncio.create_task(self._tick())

    def reset(self) -> None:
        self._worst = 0.0

    def longest(self) -> float:
        return self._worst

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _drop_search_cache(sandbox: Sandbox) -> Callable[[], None]:
    cache = getattr(sandbox.store, "_search_cache", None)  # absent in older stores: nothing to drop
    return cache.clear if cache is not None else (lambda: None)


async def measure(sandbox: Sandbox, tickets: int, requests: int) -> list[Figure]:
    path = f"/api/v1/teams/{sandbox.team_id}/tickets"
    drop = _drop_search_cache(sandbox)
    figures: list[Figure] = []
    watch = LoopWatch()
    watch.start()
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.base_url,
                                 headers={"Authorization": f"Bearer {sandbox.keys.secret}"}) as http:
        for scenario in scenarios(sandbox):
            samples: list[float] = []
            total = 0
            stalled = 0.0
            for i in range(requests + 3):  # three warm-up requests: imports, statement cache, page cache
                if scenario.cold:
                    drop()
                watch.reset()
                start = time.perf_counter()
                response = await http.get(path, params=scenario.params)
                body = response.json()
                elapsed = time.perf_counter() - start
                if response.status_code != 200:
                    raise RuntimeError(f"{scenario.name}: {response.status_code} {response.text[:200]}")
                total = body["pagination"]["total"]
                await watch.settle()
                if i >= 3:
                    samples.append(elapsed * 1000)
                    stalled = max(stalled, watch.longest())
            samples.sort()
            p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
            figures.append(Figure(tickets, scenario.name, round(statistics.median(samples), 3), round(p95, 3), total,
                                  round(stalled * 1000, 3)))
    await watch.stop()
    return figures


def build(tickets: int, db: str) -> tuple[Sandbox, float]:
    start = time.perf_counter()
    # Three messages a ticket keeps the 100k database (and its seeding) small; lists never read messages.
    sandbox = create_sandbox(db, tickets=tickets, max_messages=3 if tickets > 300 else 30, rate_limit=0,
                             clock=lambda: NOW)
    return sandbox, time.perf_counter() - start


def table(figures: list[Figure], seeding: dict[int, float]) -> str:
    lines = [f"{'tickets':>8}  {'scenario':<40} {'median ms':>10} {'p95 ms':>8} {'total':>7} {'loop max ms':>12}"]
    for f in figures:
        lines.append(f"{f.tickets:>8,}  {f.scenario:<40} {f.median_ms:>10.2f} {f.p95_ms:>8.2f} {f.total:>7,} "
                     f"{f.loop_max_ms:>12.2f}")
    lines.append("")
    lines.extend(f"seeding {n:,} tickets: {s:.1f} s" for n, s in seeding.items())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 tickets instead of 100,000, fewer requests")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    parser.add_argument("--db", default=None,
                        help="SQLite file for the big data set (reused when it exists; default: in memory)")
    parser.add_argument("--requests", type=int, default=None, help="timed requests per scenario")
    args = parser.parse_args(argv)
    big = 10_000 if args.quick else 100_000
    requests = args.requests or (30 if args.quick else 100)
    figures: list[Figure] = []
    seeding: dict[int, float] = {}
    for tickets, db in ((300, ":memory:"), (big, args.db or ":memory:")):
        print(f"seeding {tickets:,} tickets …", file=sys.stderr, flush=True)
        sandbox, seconds = build(tickets, db)
        seeding[tickets] = round(seconds, 2)
        try:
            figures += asyncio.run(measure(sandbox, tickets, requests))
        finally:
            sandbox.close()
    print(table(figures, seeding))
    filtered = [f for f in figures if f.tickets == big and f.scenario.startswith("status=open")
                and "search" not in f.scenario]
    worst = max(f.median_ms for f in filtered)
    print(f"goal: filtered list at {big:,} tickets < {GOAL_MS:.0f} ms median -> worst {worst:.2f} ms "
          f"({'met' if worst < GOAL_MS else 'MISSED'})")
    if args.json is not None:
        payload: dict[str, Any] = {"figures": [asdict(f) for f in figures], "seedingSeconds": seeding,
                                   "requestsPerScenario": requests, "goalMs": GOAL_MS}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
