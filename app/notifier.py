"""How alerts reach the agent: a toast always, then the terminal bell and a desktop notification as configured.

Desktop notifications go as OSC 9 and OSC 777 (iTerm2, WezTerm, kitty, foot, Windows Terminal, ghostty
show them; others ignore them) or through `notify-send` where it is installed. An alert's text holds
ticket titles from the service: it is cleaned to one line of visible characters first, so no ESC or BEL
in a title can end the sequence early and write to the terminal.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from api.clean_text import one_line
from app.desk.alerts import Alert

if TYPE_CHECKING:
    from textual.app import App

__all__ = ["Desktop", "Notifier", "desktop_sequences"]

Desktop = Literal["auto", "osc", "notify-send", "off"]
_TITLES = {"new_ticket": "New ticket", "customer_reply": "New message", "sla": "SLA"}


def desktop_sequences(alert: Alert) -> str:
    """OSC 9 and OSC 777 for one alert, safe to write to the terminal."""
    title = _TITLES.get(alert.kind, "cstar-tui")
    body = one_line(alert.title, 200).replace(";", ",")
    return f"\x1b]9;{title}: {body}\x07\x1b]777;notify;{title};{body}\x07"


class Notifier:
    def __init__(self, app: App[object], *, bell: bool = True, desktop: Desktop = "auto") -> None:
        self.app = app
        self.bell = bell
        self.desktop = desktop
        self.sent: list[Alert] = []
        """Every alert delivered, for the header's count and for tests."""

    def deliver(self, alerts: Iterable[Alert]) -> None:
        alerts = list(alerts)
        if not alerts:
            return
        for alert in alerts:
            self.app.notify(one_line(alert.title, 200), title=_TITLES.get(alert.kind, "cstar-tui"),
                            severity="warning" if alert.kind == "sla" else "information", markup=False, timeout=8)
        self.sent.extend(alerts)
        if self.bell:
            self.app.bell()
        mode = self.desktop
        if mode == "auto":
            mode = "notify-send" if shutil.which("notify-send") else "osc"
        if mode == "osc":
            driver = self.app._driver
            if driver is not None and not self.app.is_headless:
                driver.write("".join(desktop_sequences(alert) for alert in alerts))
        elif mode == "notify-send":
            for alert in alerts:
                self.app.run_worker(_notify_send(alert), group="notify", exit_on_error=False)


async def _notify_send(alert: Alert) -> None:
    program = shutil.which("notify-send")
    if program is None:
        return
    # Arguments, not a shell: a title can't run anything. Output ignored; a failure costs only the popup.
    process = await asyncio.create_subprocess_exec(
        program, "--app-name=cstar-tui", _TITLES.get(alert.kind, "cstar-tui"), one_line(alert.title, 200),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    await process.wait()
