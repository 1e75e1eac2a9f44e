"""Figure 9: `cstar-tui tickets list --json` against curl, on the same served sandbox.

Run: `python -m bench cli [--quick] [--json PATH]`.

One `cstar-tui serve --json --port 0` (demo data, no rate limit) answers both. Timed from process start to
exit, median over the rounds: the first page of 30 (`tickets list --json` against one curl of
`?pageSize=30`), and every ticket (`tickets list --all --json`, NDJSON, against one curl process fetching
every page of 100 on a kept-alive connection). The difference is the price of Python, httpx, pydantic and
the config being read; no Textual is imported (tests/test_cli_no_textual.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench._report import Row, cli, figure

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def served() -> Iterator[dict[str, Any]]:
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--json", "--port", "0", "--rate-limit", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        yield json.loads(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def _timed(argv: Sequence[str], env: dict[str, str]) -> tuple[float, bytes]:
    start = time.perf_counter()
    done = subprocess.run(list(argv), env=env, cwd=ROOT, capture_output=True, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {done.stderr.decode(errors='replace')[-500:]}")
    return elapsed, done.stdout


def measure(rounds: int) -> list[Row]:
    curl = shutil.which("curl")
    if curl is None:
        raise RuntimeError("the floor is curl: install it (apt-get install curl)")
    with served() as info:
        base, team, key = info["baseUrl"], info["teamId"], info["keys"]["secret"]
        env = {**os.environ, "CSTAR_BASE_URL": base, "CSTAR_TEAM_ID": team, "CSTAR_API_KEY": key}
        tickets = f"{base}/api/v1/teams/{team}/tickets"
        auth = ["-H", f"Authorization: Bearer {key}"]
        total = json.loads(subprocess.run([curl, "-s", *auth, f"{tickets}?pageSize=1"], capture_output=True,
                                          check=True).stdout)["pagination"]["total"]
        pages = [f"{tickets}?pageSize=100&page={n}" for n in range(1, (total + 99) // 100 + 1)]
        runs = {
            "tickets list --json (30 tickets)": [sys.executable, "-m", "app.cli", "tickets", "list", "--json"],
            "  floor: curl ?pageSize=30": [curl, "-sf", *auth, f"{tickets}?pageSize=30"],
            f"tickets list --all --json ({total} tickets)": [sys.executable, "-m", "app.cli", "tickets", "list",
                                                             "--all", "--json"],
            f"  floor: curl, {len(pages)} pages of 100, one connection": [curl, "-sf", *auth, *pages],
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(rounds):
            for name, argv in runs.items():
                elapsed, out = _timed(argv, env)
                times[name].append(elapsed)
        names = list(runs)
        return [figure(names[0], times[names[0]], times[names[1]]),
                figure(names[1], times[names[1]]),
                figure(names[2], times[names[2]], times[names[3]]),
                figure(names[3], times[names[3]])]


def run(quick: bool) -> list[Row]:
    return measure(3 if quick else 15)


def main(argv: list[str]) -> int:
    return cli(argv, run, "Figure 9: `cstar-tui tickets list --json` against curl on the same served sandbox.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
