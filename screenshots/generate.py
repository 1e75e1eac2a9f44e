"""Regenerate the screenshots in this folder from the seeded sandbox, at a fixed size and clock.

    python screenshots/generate.py        # SVG always; PNG too where rsvg-convert is installed

Nothing here is drawn by hand: each image is the app itself, driven by keys, against demo data generated
from a fixed seed and "now".
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.pilot import Pilot  # noqa: E402

from api.sandbox import create_sandbox  # noqa: E402
from app.desk.seen import SeenTickets  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.tui import CStarApp  # noqa: E402

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
SIZE = (130, 36)
OUT = Path(__file__).resolve().parent

Steps = Callable[[Pilot], Awaitable[None]]


async def _settle(pilot: Pilot) -> None:
    for _ in range(20):
        await pilot.pause(0.05)
        if not pilot.app.screen.query("LoadingIndicator"):
            break
    await pilot.pause(0.1)


async def list_view(pilot: Pilot) -> None:
    await _settle(pilot)


async def list_filtered(pilot: Pilot) -> None:
    await _settle(pilot)
    await pilot.press("slash", *"prio:urgent", "enter")
    await _settle(pilot)


async def detail_view(pilot: Pilot) -> None:
    await _settle(pilot)
    await pilot.press("down", "down", "enter")
    await _settle(pilot)


async def composer_internal(pilot: Pilot) -> None:
    await detail_view(pilot)
    await pilot.press("i", *"Customer is on the Pro plan; refund approved by finance.")
    await _settle(pilot)


async def _until(pilot: Pilot, condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.05)
    raise TimeoutError("the screen did not get there")


async def filter_help(pilot: Pilot) -> None:
    await _settle(pilot)
    await pilot.press("slash", "question_mark")
    await _settle(pilot)


async def sort_picker(pilot: Pilot) -> None:
    await _settle(pilot)
    await pilot.press("o")
    await _settle(pilot)


async def bulk_confirmation(pilot: Pilot) -> None:
    await _settle(pilot)
    await pilot.press("space", "space", "space", "s", "p")
    await _settle(pilot)


async def bulk_summary(pilot: Pilot) -> None:
    await bulk_confirmation(pilot)
    await pilot.press("y")
    await _until(pilot, lambda: type(pilot.app.screen).__name__ == "BulkSummaryScreen")
    await _settle(pilot)


async def assign_picker(pilot: Pilot) -> None:
    await detail_view(pilot)
    await pilot.press("A", *"car")
    await _settle(pilot)


async def customer_tickets(pilot: Pilot) -> None:
    await detail_view(pilot)
    await pilot.press("c")
    await _settle(pilot)


async def send_then_status(pilot: Pilot) -> None:
    await detail_view(pilot)
    await pilot.press("r", *"Thanks, the duplicate charge is refunded.", "ctrl+g")
    await _until(pilot, lambda: type(pilot.app.screen).__name__ == "OptionPicker")
    await _settle(pilot)


SHOTS: dict[str, Steps] = {
    "ticket-list": list_view,
    "ticket-list-filtered": list_filtered,
    "filter-help": filter_help,
    "sort-picker": sort_picker,
    "bulk-confirmation": bulk_confirmation,
    "bulk-summary": bulk_summary,
    "ticket-detail": detail_view,
    "assign-picker": assign_picker,
    "customer-tickets": customer_tickets,
    "composer-internal-note": composer_internal,
    "send-then-status": send_then_status,
}


async def shoot(name: str, steps: Steps) -> Path | None:
    sandbox = create_sandbox(clock=lambda: NOW, rate_limit=0)
    settings = Settings(base_url=sandbox.base_url, team_id=sandbox.team_id, api_key=sandbox.keys.secret,
                        agent_id=sandbox.agent_id, agent_name=sandbox.agent_name, sandbox=True,
                        transport=sandbox.transport())
    app = CStarApp(settings, clock=lambda: NOW, debounce=0.05, refresh_seconds=0, seen=SeenTickets())
    try:
        async with app.run_test(size=SIZE) as pilot:
            try:
                await steps(pilot)
            except Exception as exc:  # a screen that doesn't exist yet is skipped, not drawn
                print(f"skipped {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                return None
            svg = OUT / f"{name}.svg"
            svg.write_text(app.export_screenshot(title=f"cstar-tui — {name}"), encoding="utf-8")
    finally:
        sandbox.close()
    if shutil.which("rsvg-convert"):
        # rsvg drops a run's leading no-break spaces ("o Reply" became "oReply"); plain spaces with
        # xml:space="preserve" keep the terminal's columns.
        text = svg.read_text(encoding="utf-8").replace("&#160;", "&#32;")
        text = text.replace("<svg ", '<svg xml:space="preserve" ', 1)
        subprocess.run(["rsvg-convert", "-o", str(svg.with_suffix(".png"))], input=text.encode(), check=True)
    return svg


async def main() -> int:
    # Drafts, config and the theme live in the user's dirs; a screenshot must not read or write those.
    home = Path(tempfile.mkdtemp(prefix="cstar-screenshots-"))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = str(home / var.lower())
    os.environ["CSTAR_CONFIG"] = str(home / "config.toml")
    for name, steps in SHOTS.items():
        path = await shoot(name, steps)
        if path:
            print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
