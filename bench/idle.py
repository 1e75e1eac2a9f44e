"""Figure 8: an app left open on a live view. Requests per minute while idle (polling on) and CPU while
idle, against a bare Textual app idling in the same run (headless, in-process sandbox, whose work counts;
its event log is followed twice a second, as the embedded demo does).

`--quick` idles 10 s at a 2 s interval (requests per minute then scale with the interval); the full run
idles 60 s at the default 20 s.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from api.sandbox import create_sandbox  # noqa: E402
from app.desk.live import DEFAULT_INTERVAL  # noqa: E402
from app.drafts import DraftStore  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.tui import CStarApp  # noqa: E402
from bench._report import Row, cli, value  # noqa: E402


@dataclass
class Counting(httpx.AsyncBaseTransport):
    inner: httpx.AsyncBaseTransport
    seen: list[float] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(time.monotonic())
        return await self.inner.handle_async_request(request)


class _Bare(App[None]):
    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable()
        table.add_columns("ID", "Title")
        table.add_rows([(f"tkt_{i:012d}", f"Ticket {i}") for i in range(50)])
        yield table


async def _cpu_while_idle(app: App[object], seconds: float, ready: float = 3.0) -> float:
    """CPU seconds per wall second over `seconds` of idling, after `ready` seconds to start and load."""
    async with app.run_test(size=(130, 36)) as pilot:
        await pilot.pause(ready)
        cpu, wall = time.process_time(), time.monotonic()
        await asyncio.sleep(seconds)
        return (time.process_time() - cpu) / (time.monotonic() - wall)


async def _measure(seconds: float, interval: float) -> tuple[float, float, float]:
    bare = await _cpu_while_idle(_Bare(), seconds)
    sb = create_sandbox(rate_limit=0)
    wire = Counting(sb.transport())
    settings = Settings(base_url=sb.base_url, team_id=sb.team_id, api_key=sb.keys.secret, agent_id=sb.agent_id,
                        agent_name=sb.agent_name, sandbox=True, transport=wire, events=sb.event_feed().read)
    app = CStarApp(settings, refresh_seconds=interval)
    app.draft_store = DraftStore(Path(tempfile.mkdtemp(prefix="cstar-bench-drafts-")))
    started = time.monotonic()
    ours = await _cpu_while_idle(app, seconds)
    idle_from = started + 3.0
    per_minute = sum(1 for t in wire.seen if t >= idle_from) * 60 / seconds
    sb.close()
    return ours, bare, per_minute


def run(quick: bool = False) -> list[Row]:
    seconds, interval = (10.0, 2.0) if quick else (60.0, DEFAULT_INTERVAL)
    ours, bare, per_minute = asyncio.run(_measure(seconds, interval))
    return [
        value(f"idle on a live view: requests per minute (every {interval:g} s)", per_minute, "/m",
              goal="a few per interval"),
        # No ratio: an idle bare app is near 0 %, so a ratio to it says nothing; both are printed.
        value(f"idle CPU over {seconds:g} s, % of a core (bare Textual {bare * 100:.2f} %)", ours * 100, "%",
              goal="< 1 %"),
    ]


def main(argv: list[str]) -> int:
    return cli(argv, run, __doc__ or "")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
