"""Figure 5: scroll through 10,000 loaded tickets (200 pages of 50): time per appended page at the end,
and the process's RSS, against the RSS of a bare Textual app showing a 10,000-row DataTable (with the same
stack imported), each in a fresh process of the same run.

An appended page is timed from the key (G: the cursor reaches the end, the next page is asked for) to the
repaint with its rows, in wall time and in the process's CPU time (steadier on a loaded machine); the
sandbox answers in-process, so its work counts too. The floor appends 50 rows to its DataTable the same
way: the repaint waits for Textual's next screen update (60 a second), whoever appends.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import Row, cli, figure, value  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import asyncio, json, sys, time
from datetime import UTC, datetime
from api.sandbox import create_sandbox
from app.settings import Settings
from app.tui import CStarApp
from app.views import View
from widgets.ticket_table import TicketTable

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

async def main(db, target):
    sb = create_sandbox(db, rate_limit=0)
    s = Settings(base_url=sb.base_url, team_id=sb.team_id, api_key=sb.keys.secret, agent_id=sb.agent_id,
                 agent_name=sb.agent_name, sandbox=True, transport=sb.transport())
    # All, newest first: paged as it is scrolled (the default first tab, Unsolved by SLA, is read whole
    # and sorted, up to the sort limit, so it has no next page to append).
    app = CStarApp(s, views=[View("All", "")])
    times, cpus, ready = [], [], []
    async with app.run_test(size=(130, 36)) as pilot:
        while not app.screen.query(TicketTable) or not app.screen.query_one(TicketTable).ticket_ids:
            await pilot.pause(0.01)
        table = app.screen.query_one(TicketTable)
        first = rss_mb()
        while table.row_count < target:
            rows = table.row_count
            start, cpu = time.perf_counter(), time.process_time()
            table.action_cursor_bottom()  # the key G: the cursor reaches the end, the next page loads
            deadline = time.monotonic() + 60
            while table.row_count == rows:
                if time.monotonic() > deadline:
                    raise SystemExit(f"no page was appended after {rows} rows")
                await asyncio.sleep(0)
            ready.append(time.perf_counter() - start)
            done = asyncio.Event()
            app.call_after_refresh(done.set)
            await done.wait()
            times.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            await pilot.pause()
        print(json.dumps({"rows": table.row_count, "times": times, "cpus": cpus, "ready": ready, "rss_first": first,
                          "rss": rss_mb()}))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""

FLOOR = """
import json, sys, time
from textual.app import App
from textual.widgets import DataTable
import httpx, pydantic, platformdirs

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

def rows(start, count):
    return [(f"tkt_{i:012d}", "open", "normal", f"Ticket number {i} about something", "Jane Doe", "2h ago")
            for i in range(start, start + count)]

class Bare(App):
    def compose(self):
        yield DataTable()
    def on_mount(self):
        self.table = t = self.query_one(DataTable)
        t.add_columns("id", "status", "priority", "title", "customer", "updated")
        t.add_rows(rows(0, int(sys.argv[1]) - 20 * 50))
        self.times = []
        self.call_after_refresh(self.append)
    def append(self):
        # 20 more pages of 50, each timed from add_rows to the repaint after it, as ours is.
        if len(self.times) == 20:
            print(json.dumps({"rss": rss_mb(), "times": self.times}))
            self.exit()
            return
        start = time.perf_counter()
        self.table.add_rows(rows(self.table.row_count, 50))
        self.call_after_refresh(lambda: self.painted(start))
    def painted(self, start):
        self.times.append(time.perf_counter() - start)
        self.call_after_refresh(self.append)
Bare().run(headless=True, size=(130, 36))
"""


def _child(code: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=900)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-1500:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[Row]:
    target = 2_000 if quick else 10_000
    from api.sandbox import create_sandbox

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "big.sqlite3"
        create_sandbox(db, tickets=target + 100, rate_limit=0).close()
        floor = _child(FLOOR, str(target))
        ours = _child(CHILD, str(db), str(target))
    return [
        figure(f"append a page at {ours['rows']:,} loaded, wall (last 20 pages)", ours["times"][-20:],
               floor["times"], goal="<= 30 ms"),
        figure("  of which key to rows in the table (then a frame)", ours["ready"][-20:]),
        figure(f"  floor: 50 rows onto a {target:,}-row DataTable, to repaint", floor["times"]),
        figure(f"append a page at {ours['rows']:,} loaded, CPU (last 20 pages)", ours["cpus"][-20:],
               goal="<= 30 ms"),
        value(f"RSS floor: bare Textual + {target:,}-row DataTable + stack imports", floor["rss"], "MB"),
        value("RSS with the first page loaded", ours["rss_first"], "MB", floor=floor["rss"]),
        value(f"RSS at {ours['rows']:,} tickets loaded", ours["rss"], "MB", floor=floor["rss"],
              goal=f"<= floor + 30 MB ({floor['rss'] + 30:.0f})"),
    ]


def main(argv: list[str]) -> int:
    return cli(argv, run, "Figure 5: 10,000 loaded tickets: time per appended page and RSS.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
