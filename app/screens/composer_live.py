"""While the agent writes, a customer's new message shows in the composer at once, not only at send time.

A mixin of the composer. It listens to the desk's store: when the ticket's copy there (brought by a poll,
a webhook, or the detail view below reading it again) counts more messages than the composer has seen,
it reads the thread once and shows what is new above the text. What it showed counts as seen, so the
collision check at ctrl+s only stops for messages newer still.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.content import Content
from textual.widgets import Static

from api.errors import ApiError
from api.models import Message, Ticket
from app.desk.store import Change
from app.screens.collision import new_messages
from widgets.safe_text import one_line
from widgets.sla import relative_time

if TYPE_CHECKING:
    from app.tui import CStarApp

__all__ = ["ARRIVALS_SHOWN", "ComposerLive", "arrivals_content"]

ARRIVALS_SHOWN = 2
"""The newest arrivals shown above the text; the thread has the rest."""


def arrivals_content(messages: list[Message], now: Any) -> Content:
    parts: list[tuple[str, str] | str] = [(f"New while you write ({len(messages)}): ", "bold $warning")]
    for index, message in enumerate(messages[-ARRIVALS_SHOWN:]):
        if index:
            parts.append("\n")
        who = one_line(message.sender_name or message.sender, 40)
        parts.append((f"{who} ({one_line(message.sender, 12)}, {relative_time(message.created_at, now)}): ", "bold"))
        parts.append(one_line(message.content, 300))
    return Content.assemble(*parts)


class ComposerLive:
    ticket: Ticket | None
    ticket_id: str

    if TYPE_CHECKING:
        cstar: CStarApp

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...

    _stop_listening: Callable[[], None] | None = None

    def _listen_for_arrivals(self) -> None:
        self._stop_listening = self.cstar.store.subscribe(self._store_changed)

    def _stop_arrivals(self) -> None:
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None

    def _store_changed(self, change: Change) -> None:
        if self.ticket_id not in change.tickets or self.ticket is None or self.ticket.messages is None:
            return
        fresh = self.cstar.store.ticket(self.ticket_id)
        if fresh is not None and fresh.message_count > len(self.ticket.messages):  # type: ignore[attr-defined]
            self._read_arrivals()

    @work(exclusive=True, group="composer-arrivals", exit_on_error=False)
    async def _read_arrivals(self) -> None:
        try:
            fresh = await self.cstar.client.get_ticket(self.ticket_id)
        except ApiError:
            return  # the collision check at ctrl+s still reads the thread
        shown = self.ticket
        if shown is None or shown.messages is None or fresh.messages is None:
            return
        arrived = new_messages(shown.messages, fresh.messages, self.cstar.settings.agent_id)
        # Seen now: the next ctrl+s stops only for messages newer than these.
        self.ticket = shown.model_copy(update={"messages": fresh.messages})
        if not arrived:
            return
        box = self.query_one("#composer-arrivals", Static)
        box.update(arrivals_content(arrived, self.cstar.clock()))
        box.display = True  # in the agent's eye line, above the text: no toast to miss or to cover the text
