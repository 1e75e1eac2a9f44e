"""A reply that was never confirmed, older than the service's memory of its key: ask before sending it again.

Shown by the composer's ctrl+s once the thread was read and the reply is not in it (app.resend_window).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ResendQuestion(ModalScreen[bool]):
    """`s` sends it now (as a new message), `b` / `esc` goes back to the draft (nothing is sent)."""

    DEFAULT_CSS = """
    ResendQuestion { align: center middle; }
    ResendQuestion > Vertical { width: 84; height: auto; border: heavy $warning; background: $surface;
                                padding: 0 1; }
    ResendQuestion .title { text-style: bold; color: $warning; padding: 1 0 0 0; }
    ResendQuestion .body { margin: 1 0 0 0; }
    ResendQuestion .keys { color: $text-muted; padding: 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "send", "Send it now", id="resend.send"),
        Binding("b,escape", "back", "Back to the draft", id="resend.back"),
    ]

    def __init__(self, what: str, first_attempt: datetime | None) -> None:
        super().__init__()
        self.what = what
        self.first_attempt = first_attempt

    def compose(self) -> ComposeResult:
        when = f"on {self.first_attempt:%Y-%m-%d %H:%M} UTC" if self.first_attempt else "a while ago"
        with Vertical():
            yield Static(Text(f"Send this {self.what} again? It was first sent {when} and was never confirmed."),
                         classes="title")
            yield Static(Text(
                f"It is not in the ticket's thread now. The service remembers a send's key for 24 hours only, "
                f"so it can no longer tell a resend from a new message: if the first attempt did arrive (somewhere "
                f"you cannot see), the customer gets this {self.what} twice."), classes="body")
            yield Static(Text("s send it now (as a new message)    b back to the draft (nothing is sent)"),
                         classes="keys")

    def action_send(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)
