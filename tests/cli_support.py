"""Running the scripting subcommands as real subprocesses against a served sandbox, and reading the result.

`cli(sandbox, …)` runs `python -m app.cli …` with the connection in the CSTAR_* environment (as a
script would); `on_terminal(…)` runs it with stdout on a pseudo-terminal of a given width, so the
command sees a terminal, and returns what the terminal received.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

import httpx

from api.sandbox import Sandbox
from tests.waiting import WAIT

ROOT = Path(__file__).resolve().parent.parent


def env_for(sandbox: Sandbox, **extra: str) -> dict[str, str]:
    return {**os.environ, "CSTAR_BASE_URL": sandbox.base_url, "CSTAR_TEAM_ID": sandbox.team_id,
            "CSTAR_API_KEY": sandbox.keys.secret, "CSTAR_AGENT_ID": sandbox.agent_id,
            "CSTAR_AGENT_NAME": sandbox.agent_name, **extra}


def cli(sandbox: Sandbox | None, *args: str, stdin: str = "", env: dict[str, str] | None = None,
        cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    full = env if env is not None else env_for(sandbox) if sandbox is not None else dict(os.environ)
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True,
                          timeout=WAIT * 2, env=full, input=stdin, cwd=cwd)


def on_terminal(sandbox: Sandbox, *args: str, columns: int = 80) -> tuple[int, str]:
    """Exit status and everything written to a `columns`-wide terminal (stdout and stderr)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in env_for(sandbox).items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", *args], stdout=slave, stderr=slave,
                            stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    status = proc.wait(timeout=WAIT)
    return status, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def api(sandbox: Sandbox) -> httpx.Client:
    """A plain HTTP client on the served sandbox, to set up and check the server's state."""
    return httpx.Client(base_url=f"{sandbox.base_url}/api/v1/teams/{sandbox.team_id}",
                        headers={"Authorization": f"Bearer {sandbox.keys.secret}"}, timeout=WAIT)


def all_tickets(sandbox: Sandbox, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    with api(sandbox) as http:
        page = 1
        while True:
            body = http.get("/tickets", params={**params, "page": str(page), "pageSize": "100"}).json()
            found += body["data"]
            if not body["pagination"]["hasMore"]:
                return found
            page += 1


def ticket(sandbox: Sandbox, ticket_id: str) -> dict[str, Any]:
    with api(sandbox) as http:
        response = http.get(f"/tickets/{ticket_id}")
        response.raise_for_status()
        return response.json()["data"]


def create(sandbox: Sandbox, **body: Any) -> dict[str, Any]:
    with api(sandbox) as http:
        response = http.post("/tickets", json=body)
        response.raise_for_status()
        return response.json()["data"]


def lines_of_json(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
