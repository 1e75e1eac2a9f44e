"""Figure 1: process start to the first interactive ticket list, against bare-Textual floors, in one run.

Each sample is a fresh `python` process run headless; the child prints the wall-clock time at which its
list had rows, and the parent subtracts the time it spawned the child.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FLOOR_BARE = """
import time, sys
from textual.app import App
from textual.widgets import DataTable
class Bare(App):
    def compose(self):
        yield DataTable()
    def on_mount(self):
        t = self.query_one(DataTable)
        t.add_columns("id", "status", "title")
        t.add_rows([(str(i), "open", f"ticket {i}") for i in range(20)])
        self.call_after_refresh(self.done)
    def done(self):
        print(time.time(), flush=True)
        self.exit()
Bare().run(headless=True, size=(120, 35))
"""

FLOOR_STACK = "import httpx, pydantic, platformdirs\n" + FLOOR_BARE

APP = """
import time, sys
from app.run import build_parser
from app import settings as s
from app.tui import CStarApp
settings = s.sandbox_settings()
app = CStarApp(settings)
async def ready(pilot):
    from widgets.ticket_table import TicketTable
    while True:
        tables = pilot.app.screen.query(TicketTable)
        if tables and tables.first().ticket_ids:
            break
        await pilot.pause(0.002)
    await pilot.pause()
    print(time.time(), flush=True)
    pilot.app.exit()
app.run(headless=True, size=(120, 35), auto_pilot=ready)
"""


def sample(code: str, env: dict[str, str]) -> float:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=60)
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"start sample failed: {out.stderr[-800:]}")
    return float(out.stdout.strip().splitlines()[-1]) - start


def run(rounds: int = 10) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "XDG_DATA_HOME": home, "PYTHONPATH": str(ROOT)}
        for name in ("CSTAR_BASE_URL", "CSTAR_API_KEY", "CSTAR_TEAM_ID"):
            env.pop(name, None)
        first = sample(APP, env)  # creates and seeds the sandbox database: a newcomer's very first start
        cases = {"floor: bare Textual + 20-row DataTable": FLOOR_BARE,
                 "floor: + httpx, pydantic, platformdirs": FLOOR_STACK,
                 "cstar-tui to first list (embedded sandbox)": APP}
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):  # interleaved so machine noise hits every case alike
            for name, code in cases.items():
                samples[name].append(sample(code, env))
    floor = statistics.median(samples["floor: + httpx, pydantic, platformdirs"])
    rows: list[dict[str, object]] = []
    for name, values in samples.items():
        med = statistics.median(values)
        rows.append({"figure": f"start: {name}", "median_s": med, "min_s": min(values), "max_s": max(values),
                     "ratio_to_stack_floor": med / floor})
    rows.append({"figure": "start: first run (creates + seeds sandbox db)", "median_s": first, "min_s": first,
                 "max_s": first, "ratio_to_stack_floor": first / floor})
    return rows


if __name__ == "__main__":
    for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
        print(f"{row['figure']:<55} {row['median_s'] * 1000:8.0f} ms  "
              f"({row['min_s'] * 1000:.0f}–{row['max_s'] * 1000:.0f})  x{row['ratio_to_stack_floor']:.2f}")
