"""Someone answered while you were typing: show what arrived and ask whether to send anyway."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from api.models import Message
from widgets.safe_text import clean, one_line
from widgets.sla import absolute_time

SHOWN_CHARS = 2_000  # per message: enough to decide, and a pasted log can't push the question off screen


def new_messages(seen: list[Message] | None, fresh: list[Message] | None, me: str | None = None) -> list[Message]:
    """Messages on the server that the agent had not seen when they started (or last chose to) write.

    The agent's own are left out: an earlier version whose answer was lost is theirs, not a collision.
    """
    known = {m.id for m in seen or ()}
    return [m for m in fresh or () if m.id not in known and not (me and m.sender == "agent" and m.sender_id == me)]


class CollisionDialog(ModalScreen[bool]):
    """`s` sends anyway, `b` / `esc` goes back to the draft (which is kept either way)."""

    DEFAULT_CSS = """
    CollisionDialog { align: center middle; }
    CollisionDialog > Vertical { width: 90; max-height: 90%; height: auto; border: heavy $warning;
                                 background: $surface; padding: 0 1; }
    CollisionDialog .title { text-style: bold; color: $warning; padding: 1 0 0 0; }
    CollisionDialog VerticalScroll { height: auto; max-height: 24; }
    CollisionDialog .message { margin: 1 0 0 0; }
    CollisionDialog .keys { color: $text-muted; padding: 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "send", "Send anyway", id="collision.send"),
        Binding("b,escape", "back", "Back to the draft", id="collision.back"),
    ]

    def __init__(self, arrived: list[Message], what: str) -> None:
        super().__init__()
        self.arrived = arrived
        self.what = what

    def compose(self) -> ComposeResult:
        count = len(self.arrived)
        with Vertical():
            yield Static(Text(f"{count} new message{'s' if count != 1 else ''} arrived while you were writing"),
                         classes="title")
            with VerticalScroll():
                for message in self.arrived:
                    yield Static(self._describe(message), classes="message")
            yield Static(Text(f"s send your {self.what} anyway    b back to the draft (nothing is sent)"),
                         classes="keys")

    @staticmethod
    def _describe(message: Message) -> Text:
        line = Text()
        who = one_line(message.sender_name or message.sender, 60)
        line.append(who, style="bold")
        line.append(f"  {one_line(message.sender, 20)}", style="dim")  # a newer server may send any text here
        if message.is_internal:
            line.append("  INTERNAL NOTE", style="bold black on yellow")
        line.append(f"  {absolute_time(message.created_at)}\n", style="dim")
        line.append(clean(message.content, max_chars=SHOWN_CHARS))
        return line

    def action_send(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)
