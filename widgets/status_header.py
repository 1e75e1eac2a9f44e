"""The top line: which team, which agent, whether the service answers, and a SANDBOX mark."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from widgets.safe_text import one_line

ConnectionState = Literal["connecting", "online", "retrying", "offline"]

_STATE_LOOK: dict[str, tuple[str, str]] = {
    "connecting": ("◌ connecting", "yellow"),
    "online": ("● online", "green"),
    "retrying": ("◍ retrying", "yellow"),
    "offline": ("○ offline", "bold red"),
}


class StatusHeader(Widget):
    DEFAULT_CSS = """
    StatusHeader { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    state: reactive[str] = reactive("connecting")
    detail: reactive[str] = reactive("")
    unseen: reactive[int] = reactive(0)
    """Tickets with activity the agent has not opened yet (a quiet badge; 0 shows nothing)."""

    def __init__(self, *, team: str, agent: str, masked_key: str, sandbox: bool, id: str | None = None) -> None:
        super().__init__(id=id)
        self.team = team
        self.agent = agent
        self.masked_key = masked_key
        self.sandbox = sandbox

    def set_state(self, state: ConnectionState, detail: str = "") -> None:
        self.state = state
        self.detail = detail

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append("cStar ", style="bold")
        if self.sandbox:
            line.append(" SANDBOX ", style="bold black on yellow")
            line.append(" ")
        line.append("team ", style="dim")
        line.append(one_line(self.team, 40))
        line.append("  agent ", style="dim")
        line.append(one_line(self.agent, 40))
        line.append("  key ", style="dim")
        line.append(self.masked_key)
        if self.unseen:
            line.append(f"  ● {self.unseen} unseen", style="bold cyan")
        label, style = _STATE_LOOK.get(self.state, (self.state, ""))
        line.append("  ")
        line.append(label, style=style)
        if self.detail:
            line.append(" " + one_line(self.detail, 80), style="dim")
        return line
