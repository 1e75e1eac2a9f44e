"""Figure 1: process start to the first interactive ticket list, against bare-Textual floors, in one run.

Each sample is a fresh `python` process run headless; the child prints the wall-clock time at which its
list had rows, and the parent subtracts the time it spawned the child.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._report import Row, cli, figure

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


def run(quick: bool = False) -> list[Row]:
    rounds = 3 if quick else 10
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "XDG_DATA_HOME": home, "PYTHONPATH": str(ROOT)}
        for name in ("CSTAR_BASE_URL", "CSTAR_API_KEY", "CSTAR_TEAM_ID", "CSTAR_CONFIG"):
            env.pop(name, None)
        env["CSTAR_CONFIG"] = str(Path(home) / "no-config.toml")
        first = sample(APP, env)  # creates and seeds the sandbox database: a newcomer's very first start
        samples: dict[str, list[float]] = {"bare": [], "stack": [], "app": []}
        for _ in range(rounds):  # interleaved so machine noise hits every case alike
            for name, code in (("bare", FLOOR_BARE), ("stack", FLOOR_STACK), ("app", APP)):
                samples[name].append(sample(code, env))
    return [
        figure("start floor: bare Textual + 20-row DataTable", samples["bare"], samples["stack"]),
        figure("start floor: + import httpx, pydantic, platformdirs", samples["stack"], samples["stack"]),
        figure("start: cstar-tui to first list (embedded sandbox)", samples["app"], samples["stack"],
               goal="<= 1.3 x stack floor"),
        figure("start: very first run (creates + seeds the database)", [first], samples["stack"]),
    ]


def main(argv: list[str]) -> int:
    return cli(argv, run, "Figure 1: start to the first interactive list, against bare-Textual floors.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
