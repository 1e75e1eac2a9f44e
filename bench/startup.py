"""Figure 1: process start to the first interactive ticket list, against bare-Textual floors, in one run.

Each sample is a fresh `python` process, run headless and in a real terminal (a private tmux server, one
window per sample); the child writes the wall-clock time at which its list had rows and was painted, and
the parent subtracts the time it spawned the child. The cases are interleaved, so machine noise hits each
alike. The app starts the way `cstar-tui --demo` does (flags, config file, settings, startup checks), with
no config file, on the embedded sandbox.

Our modules are compiled to bytecode first, as a normal install (`pip install .`) does; one more figure
starts from a copy of the source with no bytecode and bytecode writing off (an editable install under
PYTHONDONTWRITEBYTECODE=1), which compiles every module of ours on every start.
"""

from __future__ import annotations

import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._report import Row, cli, figure

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "app", "widgets")

# Every child: `python -c CODE OUT MODE`; it writes the time its first list was painted to OUT, and the CPU
# time it had used by then (steadier than wall time on a loaded machine). MODE is "headless" or "terminal".
FLOOR_BARE = """
import sys, time
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
        with open(sys.argv[1], "w") as out:
            out.write(f"{time.time()!r} {time.process_time()!r}")
        self.exit()
Bare().run(headless=sys.argv[2] == "headless", size=(120, 35) if sys.argv[2] == "headless" else None)
"""

FLOOR_STACK = "import httpx, pydantic, platformdirs\n" + FLOOR_BARE

APP = """
import os, sys, time
from app.run import build_parser, load
from app import settings as settings_mod
from app.startup_checks import startup_problems
from app.tui import CStarApp

args = build_parser().parse_args(["--demo"])
loaded = load(args)
settings = (settings_mod.resolve(args, os.environ, loaded.file)
            or settings_mod.sandbox_for(args, os.environ, loaded.file))
app = CStarApp(settings, config=loaded, problems=startup_problems(loaded))

async def ready(pilot):
    from widgets.ticket_table import TicketTable
    while True:
        tables = pilot.app.screen.query(TicketTable)
        if tables and tables.first().row_count:
            break
        await pilot.pause(0.002)
    await pilot.pause()
    with open(sys.argv[1], "w") as out:
        out.write(f"{time.time()!r} {time.process_time()!r}")
    pilot.app.exit()

headless = sys.argv[2] == "headless"
app.run(headless=headless, size=(120, 35) if headless else None, auto_pilot=ready)
"""

CASES = {"bare": FLOOR_BARE, "stack": FLOOR_STACK, "app": APP}


Sample = tuple[float, float]  # (wall seconds from spawn to the painted list, CPU seconds the child used by then)


def _read_time(out: Path) -> tuple[float, float] | None:
    try:
        text = out.read_text()
    except FileNotFoundError:
        return None
    parts = text.split()
    return (float(parts[0]), float(parts[1])) if len(parts) == 2 else None


def sample_headless(code: str, env: dict[str, str], out: Path, cwd: Path = ROOT) -> Sample:
    out.unlink(missing_ok=True)
    start = time.time()
    # `python -c` puts its working directory first on sys.path: it decides which copy of our code runs.
    done = subprocess.run([sys.executable, "-c", code, str(out), "headless"], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)
    stamp = _read_time(out)
    if done.returncode != 0 or stamp is None:
        raise RuntimeError(f"start sample failed: {done.stderr[-800:]}")
    return stamp[0] - start, stamp[1]


class Terminal:
    """A private tmux server (120x35) whose windows each run one sample."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.socket = f"cstar-bench-{os.getpid()}"
        self._tmux("new-session", "-d", "-s", "bench", "-x", "120", "-y", "35", "sleep 100000")

    def _tmux(self, *args: str) -> None:
        subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True, env=self.env,
                       timeout=30)

    def sample(self, code: str, out: Path) -> Sample:
        out.unlink(missing_ok=True)
        script = out.with_suffix(".py")
        script.write_text(code)
        command = f"cd {ROOT} && exec {sys.executable} {script} {out} terminal 2>{out}.err"
        start = time.time()
        self._tmux("new-window", "-d", "-t", "bench", command)
        deadline = time.monotonic() + 120
        while (stamp := _read_time(out)) is None:
            if time.monotonic() > deadline:
                err = Path(f"{out}.err")
                raise RuntimeError(f"terminal start sample failed: {err.read_text()[-800:] if err.exists() else ''}")
            time.sleep(0.005)  # polling a file: the child's own clock stamps the time, not this loop
        # The window closes when the app exits; wait so one sample's exit does not load the next.
        while _windows(self.socket, self.env) > 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        return stamp[0] - start, stamp[1]

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, env=self.env, timeout=30)


def _windows(socket: str, env: dict[str, str]) -> int:
    done = subprocess.run(["tmux", "-L", socket, "list-windows", "-t", "bench"], capture_output=True, text=True,
                          env=env, timeout=30)
    return len(done.stdout.splitlines())


def compile_bytecode(root: Path = ROOT) -> None:
    """What `pip install .` does for the installed files (an editable install leaves it to the first run)."""
    for package in PACKAGES:
        compileall.compile_dir(root / package, quiet=1)


def _source_copy(into: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, into / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return into


def run(quick: bool = False) -> list[Row]:
    rounds = 3 if quick else 10
    compile_bytecode()
    with tempfile.TemporaryDirectory() as home:
        tmp = Path(home)
        env = {key: value for key, value in os.environ.items() if not key.startswith("CSTAR_")}
        env |= {"XDG_DATA_HOME": str(tmp / "data"), "XDG_CONFIG_HOME": str(tmp / "config"),
                "XDG_STATE_HOME": str(tmp / "state"), "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}
        source = _source_copy(tmp / "src")
        source_env = env | {"PYTHONPATH": str(source), "PYTHONDONTWRITEBYTECODE": "1"}
        out = tmp / "stamp"
        first = sample_headless(APP, env, out)  # creates and seeds the sandbox database: a newcomer's first start
        headless: dict[str, list[Sample]] = {name: [] for name in [*CASES, "source"]}
        terminal: dict[str, list[Sample]] = {name: [] for name in CASES}
        tmux = Terminal(env) if shutil.which("tmux") else None
        try:
            for _ in range(rounds):  # interleaved so machine noise hits every case alike
                for name, code in CASES.items():
                    headless[name].append(sample_headless(code, env, out))
                    if tmux is not None:
                        terminal[name].append(tmux.sample(code, out))
                headless["source"].append(sample_headless(APP, source_env, out, cwd=source))
        finally:
            if tmux is not None:
                tmux.close()
    rows = _figures("headless", headless)
    stack_cpu = [cpu for _wall, cpu in headless["stack"]]
    rows.append(figure("  no bytecode (editable, PYTHONDONTWRITEBYTECODE), CPU", [c for _w, c in headless["source"]],
                       stack_cpu))
    rows.append(figure("  very first run (creates + seeds the database), CPU", [first[1]], stack_cpu))
    if tmux is not None:
        rows += _figures("tmux", terminal)
    return rows


def _figures(where: str, samples: dict[str, list[Sample]]) -> list[Row]:
    wall = {name: [w for w, _c in values] for name, values in samples.items()}
    cpu = {name: [c for _w, c in values] for name, values in samples.items()}
    rows = []
    for kind, values in (("wall", wall), ("CPU", cpu)):
        rows += [
            figure(f"start {where} {kind}: floor, bare Textual + DataTable", values["bare"], values["stack"]),
            figure(f"start {where} {kind}: floor, + httpx, pydantic, platformdirs", values["stack"],
                   values["stack"]),
            figure(f"start {where} {kind}: cstar-tui --demo to first list", values["app"], values["stack"],
                   goal="<= 1.3 x stack floor"),
            figure(f"start {where} {kind}:   same, against the bare floor", values["app"], values["bare"]),
        ]
    return rows


def main(argv: list[str]) -> int:
    return cli(argv, run, "Figure 1: start to the first interactive list, against bare-Textual floors.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
