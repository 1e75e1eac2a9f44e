"""`cstar-tui serve` as a real subprocess over loopback, and the served sandbox under concurrent load."""

from __future__ import annotations

import asyncio
import json
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.sandbox import Sandbox
from tests.waiting import WAIT

ROOT = Path(__file__).resolve().parent.parent


class Served:
    """`python -m app.cli serve --json --port 0 …`; both pipes are drained so the child can never block."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--json", "--port", "0", *args], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self._out = threading.Thread(target=self._drain, args=(self.proc.stdout, self.lines.put), daemon=True)
        self._err = threading.Thread(target=self._drain, args=(self.proc.stderr, self.stderr.append), daemon=True)
        self._out.start()
        self._err.start()

    @staticmethod
    def _drain(stream: Any, sink: Any) -> None:
        for line in stream:
            sink(line)

    def info(self, timeout: float = WAIT) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.proc.kill()
            raise AssertionError(f"no JSON line; stderr: {''.join(self.stderr)[-2000:]}") from None
        assert line.endswith("\n")
        return json.loads(line)

    def stop(self, sig: signal.Signals, timeout: float = WAIT) -> int:
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"still running {timeout} s after {sig.name}") from None
        self.drained()
        return code

    def drained(self) -> None:
        """Wait until both pipes reached their end (the process has exited and all it wrote is read)."""
        self._out.join(WAIT)
        self._err.join(WAIT)
        assert not self._out.is_alive() and not self._err.is_alive(), "the server's pipes never reached their end"

    def close(self) -> None:
        """Kill the process if it still runs, reap it and close both pipes (no ResourceWarning, no zombie)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=WAIT)
        self._out.join(WAIT)
        self._err.join(WAIT)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def rest_of_stdout(self) -> list[str]:
        return list(self.lines.queue)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Served]]:
    """Every process this module needs, started together: their start-ups (about a second each) overlap."""
    started = {"main": Served(), "sigint": Served("--access-log", "--empty"), "early": Served("--empty"),
               "bad": Served("--empty", "--webhook-url", "ftp://example.invalid/hooks")}
    yield started
    for s in started.values():
        s.close()


def team_path(info: dict[str, Any], team: str | None = None) -> str:
    return f"{info['baseUrl']}/api/v1/teams/{team or info['teamId']}/tickets"


def test_serve_prints_one_json_line_serves_and_exits_cleanly_on_sigterm(servers: dict[str, Served]) -> None:
    served = servers["main"]
    info = served.info()
    assert set(info) == {"baseUrl", "teamId", "keys", "agent", "otherTeam"}
    assert info["baseUrl"].startswith("http://127.0.0.1:") and not info["baseUrl"].endswith(":0")
    assert info["keys"]["secret"].startswith("sk_test_") and info["keys"]["publishable"].startswith("pk_test_")
    assert info["keys"]["restricted"].startswith("sk_test_") and info["agent"]["id"].startswith("agt_")
    assert info["agent"]["name"] and info["otherTeam"]["secret"].startswith("sk_test_")
    url = team_path(info)
    with httpx.Client(headers={"Authorization": f"Bearer {info['keys']['secret']}"}, timeout=WAIT) as http:
        listed = http.get(url, params={"status": "open", "priority": "high"})
        assert listed.status_code == 200 and listed.json()["pagination"]["total"] > 0
        assert all(t["status"] == "open" and t["priority"] == "high" for t in listed.json()["data"])
        body = {"title": "Cannot access dashboard", "priority": "high", "tags": ["login", "dashboard"]}
        created = http.post(url, json=body, headers={"Idempotency-Key": "unique-request-id-123"})
        replay = http.post(url, json=body, headers={"Idempotency-Key": "unique-request-id-123"})
        assert created.status_code == replay.status_code == 201 and replay.content == created.content
        assert replay.headers["idempotent-replayed"] == "true"
        ticket = created.json()["data"]
        patched = http.patch(f"{url}/{ticket['id']}", json={"status": "resolved",
                                                            "metadata": {"resolution": "password_reset"}})
        assert patched.json()["data"]["closedAt"] and patched.json()["data"]["metadata"] == {
            "resolution": "password_reset"}
        note = http.post(f"{url}/{ticket['id']}/messages", json={"content": "FYI", "messageType": "internal"})
        assert note.status_code == 201 and note.json()["data"]["isInternal"] is True
        other = http.get(team_path(info, info["otherTeam"]["teamId"]))
        assert other.status_code == 403
    with httpx.Client(headers={"Authorization": f"Bearer {info['otherTeam']['secret']}"}, timeout=WAIT) as theirs:
        assert theirs.get(team_path(info, info["otherTeam"]["teamId"])).status_code == 200
    assert served.stop(signal.SIGTERM) == 0  # uvicorn re-raised the signal: the process died of it (-15)
    assert served.rest_of_stdout() == []  # exactly one line, nothing after it
    assert "Traceback" not in "".join(served.stderr)


def test_sigint_exits_zero_and_the_access_log_goes_to_stderr(servers: dict[str, Served]) -> None:
    s = servers["sigint"]
    info = s.info()
    port = info["baseUrl"].rsplit(":", 1)[1]
    # A second server on the same port: a one-line error, no traceback.
    with subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--json", "--empty", "--port", port],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as second:
        with httpx.Client(headers={"Authorization": f"Bearer {info['keys']['secret']}"}, timeout=WAIT) as http:
            assert http.get(team_path(info)).status_code == 200
        out, err = second.communicate(timeout=WAIT)
    assert second.returncode == 2 and out == ""
    assert f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err
    assert s.stop(signal.SIGINT) == 0  # was -2 with a KeyboardInterrupt traceback
    log = "".join(s.stderr)
    assert "GET /api/v1/teams/" in log and "Traceback" not in log and "KeyboardInterrupt" not in log
    assert s.rest_of_stdout() == []  # the access log went to stderr (it was not written at all)


def test_a_signal_right_after_the_json_line_is_still_a_clean_exit(servers: dict[str, Served]) -> None:
    s = servers["early"]
    s.info()
    assert s.stop(signal.SIGTERM) == 0


def test_bad_options_are_a_one_line_error(servers: dict[str, Served]) -> None:
    s = servers["bad"]
    assert s.proc.wait(timeout=WAIT) == 2
    s.drained()
    err = "".join(s.stderr)
    assert "webhook URL must be http or https" in err and "Traceback" not in err
    assert s.rest_of_stdout() == []


async def test_served_sandbox_under_concurrent_writes(served_sandbox: Sandbox) -> None:
    sb = served_sandbox
    url = f"{sb.base_url}/api/v1/teams/{sb.team_id}/tickets"
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {sb.keys.secret}"}, timeout=WAIT,
                                 limits=httpx.Limits(max_connections=20)) as http:
        before = (await http.get(url)).json()["pagination"]["total"]
        target = (await http.post(url, json={"title": "busy"})).json()["data"]["id"]

        async def work(i: int) -> int:
            if i % 3 == 0:
                r = await http.post(url, json={"title": f"concurrent {i}"}, headers={"Idempotency-Key": f"c{i}"})
            elif i % 3 == 1:
                r = await http.post(f"{url}/{target}/messages", json={"content": f"m{i}"})
            else:
                r = await http.patch(f"{url}/{target}", json={"metadata": {f"k{i % 40}": str(i)}})
            return r.status_code

        statuses = await asyncio.gather(*(work(i) for i in range(60)))
        assert sorted(set(statuses)) == [200, 201]
        ticket = (await http.get(f"{url}/{target}")).json()["data"]
        assert ticket["messageCount"] == len(ticket["messages"]) == 20
        assert len(ticket["metadata"]) == 20
        assert (await http.get(url)).json()["pagination"]["total"] == before + 1 + 20
        found = (await http.get(url, params={"search": "concurrent", "pageSize": 100})).json()
        assert found["pagination"]["total"] == 20


def test_the_served_socket_disables_nagle() -> None:
    """asyncio sets TCP_NODELAY only on sockets it creates; without it each kept-alive request waited ~40 ms.
    Accepted connections inherit the option from the listening socket."""
    import socket

    from api.sandbox.serve import bind

    sock = bind("127.0.0.1", 0)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()
