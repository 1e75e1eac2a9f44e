"""The open ticket stays live: read again every interval, what moved shown without moving the thread.

A mixin of the detail screen (kept apart so that screen stays about actions). It needs of the screen:
`ticket`, `ticket_id`, `cstar`, `_to_list()`, and the header, notice and thread widgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from api.errors import ApiError
from api.models import Ticket
from app.screens.poll_timer import PollTimer
from widgets.thread import MessageThread
from widgets.ticket_header import TicketHeader
from widgets.unreadable_notice import UnreadableNotice

if TYPE_CHECKING:
    from app.tui import CStarApp

__all__ = ["LiveTicket"]


class LiveTicket(PollTimer):
    ticket: Ticket | None
    ticket_id: str

    if TYPE_CHECKING:
        cstar: CStarApp
        workers: Any

        def query_one(self, selector: Any) -> Any: ...
        def _to_list(self, ticket: Ticket) -> None: ...
        def _count_customer_tickets(self, ticket: Ticket) -> None: ...

    def _poll_blocked(self) -> bool:
        return any(worker.is_running and worker.group != "detail-poll" for worker in self.workers)

    @work(exclusive=True, group="detail-poll", exit_on_error=False)
    async def poll_now(self) -> None:
        """Read the open ticket again; show what moved, new messages marked NEW, without moving the thread.

        The API has no way to read a ticket without its messages, so this is one request per interval;
        the thread is only touched when `messageCount` or `updatedAt` moved."""
        ticket_id = self.ticket_id
        try:
            fresh = await self.cstar.client.get_ticket(ticket_id, expand=("customer",))
        except ApiError:
            return  # the header says offline; the next interval tries again
        finally:
            self._schedule_poll()
        shown = self.ticket
        if ticket_id != self.ticket_id or shown is None or shown.id != fresh.id:
            return  # walked on with ] or [ meanwhile, or not loaded yet
        if fresh.updated_at <= shown.updated_at and fresh.message_count == shown.message_count:
            return
        self._show_arrivals(shown, fresh)
        self._to_list(fresh)
        self._count_customer_tickets(fresh)  # the ticket moved: the customer's counts may have too

    def _show_arrivals(self, shown: Ticket, fresh: Ticket) -> None:
        old = shown.messages or []
        new = fresh.messages or []
        thread = self.query_one(MessageThread)
        if [m.id for m in new[:len(old)]] == [m.id for m in old]:
            for message in new[len(old):]:
                thread.append_message(message, new=True)
        else:  # something was removed or reordered: show the thread as it is now
            thread.set_messages(new)
        self.query_one(UnreadableNotice).show_items(fresh.unreadable_messages)
        self.ticket = fresh
        header = self.query_one(TicketHeader)
        header.show(fresh)
