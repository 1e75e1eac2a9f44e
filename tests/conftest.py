"""Shared fixtures: a fresh sandbox per test, in-process or served over loopback."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import hypothesis
import pytest

from api.sandbox import Sandbox, create_sandbox
from api.sandbox.serve import bind
from tests.terminal import Terminals, Tmux
from tests.waiting import WAIT, wait_until


def pytest_configure(config: pytest.Config) -> None:
    """Keep the suite off the user's own files: config, drafts, the embedded sandbox, theme state.

    Set before any test runs (and inherited by subprocesses), so a config.toml or a stale draft on the
    machine running the suite can't change what a test sees, and no test writes into a real home.
    """
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="cstar-tests-"))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = str(home / var.lower())
    os.environ["CSTAR_CONFIG"] = str(home / "config.toml")
    (home / "config.toml").write_text("")  # named by CSTAR_CONFIG, so it must exist (an empty file: no profiles)
    for var in ("CSTAR_BASE_URL", "CSTAR_TEAM_ID", "CSTAR_API_KEY", "CSTAR_AGENT_ID", "CSTAR_AGENT_NAME",
                "CSTAR_PROFILE"):
        os.environ.pop(var, None)


# Hypothesis times each example (deadline 200 ms) and its data generation (the too_slow health check):
# wall-clock verdicts that a loaded CI machine turns into failures. What a property test checks is the
# property; how fast is for the benchmarks.
hypothesis.settings.register_profile("cstar", deadline=None,
                                     suppress_health_check=[hypothesis.HealthCheck.too_slow])
hypothesis.settings.load_profile("cstar")

# Screenshots and snapshots need a stable clock; this is "now" inside the seeded sandbox for them.
FIXED_NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def on_file(tmp_path: Path) -> Iterator[tuple[Sandbox, Sandbox]]:
    """A sandbox on a database file, and a second one on the same file standing for another process
    (`cstar-tui ticket …` in another terminal, `serve --db`): it has its own SQLite connection, as a process would."""
    path = tmp_path / "sandbox.sqlite3"
    ours = create_sandbox(path, tickets=12, rate_limit=0)
    other = create_sandbox(path, rate_limit=0)
    yield ours, other
    other.close()
    ours.close()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = create_sandbox(rate_limit=0)
    yield sb
    sb.close()


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """A raw HTTP client on the in-process sandbox, authenticated with the secret key."""
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.base_url,
                                 headers={"Authorization": f"Bearer {sandbox.keys.secret}"}) as client:
        yield client


class _ServedSandbox:
    def __init__(self, sandbox: Sandbox) -> None:
        import uvicorn

        self.sandbox = sandbox
        self._sock = bind("127.0.0.1", 0)
        port = self._sock.getsockname()[1]
        sandbox.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(sandbox.app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def __enter__(self) -> Sandbox:
        self._thread.start()
        wait_until(lambda: self.server.started or not self._thread.is_alive(), "uvicorn to start")
        if not self.server.started:
            raise RuntimeError("uvicorn did not start")
        return self.sandbox

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=WAIT)
        self._sock.close()


@pytest.fixture
def served_sandbox() -> Iterator[Sandbox]:
    """The same sandbox served by uvicorn on a free loopback port; `.base_url` is the real URL."""
    sb = create_sandbox(rate_limit=0)
    with _ServedSandbox(sb) as served:
        yield served
    sb.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def terminals() -> Iterator[Terminals]:
    """Fresh tmux servers on demand (one per app run), all killed at the end (see tests/terminal.py)."""
    made = Terminals()
    yield made
    made.close()


@pytest.fixture
def tmux(terminals: Terminals) -> Tmux:
    """One tmux server, 120×40, killed at the end."""
    return terminals()
