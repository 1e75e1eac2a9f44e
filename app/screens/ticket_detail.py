"""Work one ticket: its fields and thread, and one key per action, each action one request.

The screen keeps the last ticket the server sent and shows only that: an action updates the header
(and the list row it came from) from the response, and a failed action changes nothing on screen and
says why. `]`/`[` walk the list the screen was opened from, fetching the list's next page when needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from api.errors import ApiError, UnreadableTicketError
from api.models import PRIORITIES, STATUSES, Message, Ticket, TicketUpdate
from app.desk import actions
from app.desk.customers import count_tickets
from app.drafts import Mode
from app.screens.detail_live import LiveTicket
from app.screens.edit_ticket import (
    ADD_KEY,
    EditTicketScreen,
    editable_line,
    metadata_entry_problem,
    metadata_options,
    parse_metadata_entry,
    restore,
)
from app.screens.new_ticket import check_tags, split_tags
from widgets.agent_picker import UNASSIGN, AgentPicker
from widgets.badges import priority_badge, status_badge
from widgets.key_bar import KeyBar
from widgets.pickers import ConfirmDialog, OptionPicker, TextPrompt
from widgets.safe_text import one_line
from widgets.thread import MessageThread
from widgets.ticket_header import TicketHeader
from widgets.unreadable_notice import UnreadableNotice

if TYPE_CHECKING:
    from app.tui import CStarApp


def _picker_title(title: str, current: str, known: tuple[str, ...]) -> str:
    """A value this version does not know is not among the choices: the title says what it is now."""
    return title if current in known else f"{title} (now {one_line(current, 40)})"


class TicketSource(Protocol):
    """What the detail view needs from the list it was opened from (TicketListScreen)."""

    def neighbour_id(self, ticket_id: str, step: int) -> str | None: ...
    async def load_next_page(self) -> bool: ...
    def replace_ticket(self, ticket: Ticket) -> None: ...


class DetailCommands(Provider):
    """Palette entries with no key of their own."""

    def _commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        screen = self.screen
        if not isinstance(screen, TicketDetailScreen):
            return []
        return [("Unassign ticket", screen.action_unassign, "remove the assignee (also in the A picker)")]

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class TicketDetailScreen(LiveTicket, Screen[None]):
    COMMANDS: ClassVar = {DetailCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the app opens the composer before it hands on the keys typed after `r` or `i`, so a
        # fast typist's first words land in the composer instead of being taken as commands here.
        Binding("r", "compose('public')", "Reply", priority=True, id="detail.reply"),
        Binding("i", "compose('internal')", "Internal note", priority=True, id="detail.note"),
        Binding("s", "status", "Status", id="detail.status"),
        Binding("p", "priority", "Priority", id="detail.priority"),
        Binding("a", "assign_me", "Assign to me", id="detail.assign_me"),
        Binding("A", "assign", "Assign…", id="detail.assign"),
        Binding("t", "tags", "Tags", id="detail.tags"),
        Binding("e", "edit", "Edit", id="detail.edit"),
        Binding("m", "metadata", "Metadata", id="detail.metadata"),
        Binding("d", "delete", "Delete", id="detail.delete"),
        Binding("c", "customer_tickets", "Customer's tickets", show=False, id="detail.customer_tickets"),
        Binding("y", "copy('id')", "Copy ID", show=False, id="detail.copy_id"),
        Binding("Y", "copy('url')", "Copy link", show=False, id="detail.copy_url"),
        Binding("right_square_bracket", "step(1)", "Next ticket", id="detail.next"),
        Binding("left_square_bracket", "step(-1)", "Previous ticket", id="detail.previous"),
        Binding("ctrl+r", "refresh", "Refresh", id="detail.refresh"),
        Binding("escape", "back", "Back", id="detail.back"),
    ]

    def __init__(self, ticket_id: str, source: TicketSource | Any | None = None) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.ticket: Ticket | None = None
        self._source = source

    @property
    def cstar(self) -> CStarApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app = self.cstar
        self.status_header = app.new_status_header()
        yield self.status_header
        yield TicketHeader(now=app.clock, agent_names=app.agent_names, id="ticket-header")
        yield UnreadableNotice(" of this ticket", id="thread-unreadable")
        yield MessageThread(now=app.clock, id="thread")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(MessageThread).focus()
        self._load(self.ticket_id)
        self._schedule_poll()

    # --- loading and showing ------------------------------------------------------------------

    @work(exclusive=True, group="detail-load")
    async def _load(self, ticket_id: str) -> None:
        try:
            ticket = await self.cstar.client.get_ticket(ticket_id, expand=("customer",))
        except ApiError as exc:
            if ticket_id == self.ticket_id:
                header = self.query_one(TicketHeader)
                header.loading = False
                if isinstance(exc, UnreadableTicketError):
                    # In words where the ticket would be, not only in a toast that goes away; and no thread
                    # of the ticket shown before it (walking with ] or [) stays under that header.
                    header.show_unreadable(exc.ticket_id or ticket_id, exc.message)
                    self.ticket = None
                    self.query_one(MessageThread).set_messages([])
                    self.query_one(UnreadableNotice).show_items(())
                self._failed(exc, "Could not load the ticket")
            return
        if ticket_id != self.ticket_id:
            return  # the agent walked on with ] or [ meanwhile
        self.status_header.set_state("online")
        self._show(ticket)
        self._to_list(ticket)
        self._count_customer_tickets(ticket)

    def _show(self, ticket: Ticket) -> None:
        """Show a ticket the server sent. A write's response has no messages and no expanded customer;
        those stay as last loaded."""
        previous = self.ticket
        if previous is not None and previous.id == ticket.id:
            keep: dict[str, Any] = {}
            if ticket.messages is None:
                keep["messages"] = previous.messages
            if ticket.customer is None and ticket.customer_id == previous.customer_id:
                keep["customer"] = previous.customer
            ticket = ticket.model_copy(update=keep) if keep else ticket
        elif ticket.messages is None:
            ticket = ticket.model_copy(update={"messages": []})
        self.ticket = ticket
        self.ticket_id = ticket.id
        if previous is None or previous.messages is not ticket.messages:
            messages = ticket.messages or []
            self.cstar.agents.learn_messages(messages)
            self.query_one(MessageThread).set_messages(messages)
            self.query_one(UnreadableNotice).show_items(ticket.unreadable_messages)
        self.cstar.customers.learn_tickets([ticket])
        self.cstar.save_people()
        header = self.query_one(TicketHeader)
        header.loading = False
        header.show(ticket)

    def _count_customer_tickets(self, ticket: Ticket) -> None:
        """"3 open · 10 in all" for the ticket's customer: as last counted at once, then counted again."""
        customer_id = ticket.customer_id
        if not customer_id:
            return  # no customer, no request
        known = self.cstar.store.customer_counts(customer_id)
        if known is not None:
            self.query_one(TicketHeader).show_customer_tickets(customer_id, str(known))
        self._recount(customer_id)

    @work(exclusive=True, group="detail-customer")
    async def _recount(self, customer_id: str) -> None:
        try:
            counts = await count_tickets(self.cstar.client, customer_id)
        except ApiError:
            return  # a nicety: the header keeps what it showed, the ticket itself is what matters
        self.cstar.store.set_customer_counts(customer_id, counts)
        self.query_one(TicketHeader).show_customer_tickets(customer_id, str(counts))

    def action_customer_tickets(self) -> None:
        """`c`: the customer's tickets as a view of the list."""
        ticket = self._ready()
        if ticket is None:
            return
        if not ticket.customer_id:
            self.notify("This ticket has no customer ID to list tickets by.", severity="warning", markup=False)
            return
        name = (ticket.customer.name if ticket.customer else None) or ticket.customer_name or ticket.customer_id
        lists = [self._source, *reversed(self.app.screen_stack)]
        show = next((found for screen in lists if (found := getattr(screen, "show_customer", None)) is not None),
                    None)
        if show is None:
            return
        self.dismiss()
        show(ticket.customer_id, name)

    def _to_list(self, ticket: Ticket) -> None:
        replace = getattr(self._source, "replace_ticket", None)
        if replace is not None:
            # A list row needs no thread: don't keep a thousand messages alive in the table.
            replace(ticket.model_copy(update={"messages": None}) if ticket.messages else ticket)

    def _failed(self, exc: ApiError, title: str) -> None:
        self.notify(str(exc), title=title, severity="error", markup=False)

    def _ready(self) -> Ticket | None:
        if self.ticket is None or self.ticket.id != self.ticket_id:
            self.notify("The ticket is still loading.", severity="warning")
            return None
        return self.ticket

    def action_refresh(self) -> None:
        self._load(self.ticket_id)

    def action_copy(self, what: str) -> None:
        self.cstar.copy_ticket(self.ticket_id, what)

    def action_back(self) -> None:
        self.dismiss()

    # --- one PATCH per action -----------------------------------------------------------------

    def update(self, changes: TicketUpdate, done: str) -> None:
        ticket = self._ready()
        if ticket is None or changes.is_empty():
            return
        self._patch(ticket.id, changes, done)

    @work(group="detail-write")
    async def _patch(self, ticket_id: str, changes: TicketUpdate, done: str) -> None:
        try:
            fresh = await actions.update_ticket(self.cstar.client, self.cstar.store, ticket_id, changes)
        except UnreadableTicketError as exc:
            # The service made the change; only its answer could not be read. Saying "not changed" would
            # invite a second try of something already done.
            self._failed(exc, f"{done}, but the updated ticket could not be read")
            if ticket_id == self.ticket_id:
                self._load(ticket_id)
            return
        except ApiError as exc:
            self._failed(exc, "Not changed")
            return
        if fresh.id == self.ticket_id:
            self._show(fresh)
            fresh = self.ticket or fresh
        after = self._neighbours(fresh.id)
        self._to_list(fresh)
        self.notify(done, markup=False, timeout=3)
        if fresh.id == self.ticket_id and self._advance_after(fresh, after):
            return

    def _neighbours(self, ticket_id: str) -> tuple[str | None, str | None]:
        """The tickets after and before this one in the list it was opened from (None: none, or no list)."""
        neighbour = getattr(self._source, "neighbour_id", None)
        if neighbour is None:
            return None, None
        return neighbour(ticket_id, 1), neighbour(ticket_id, -1)

    def _advance_after(self, ticket: Ticket, neighbours: tuple[str | None, str | None]) -> bool:
        """The change took the ticket out of the view (resolved, assigned away): on to the next ticket of the
        view, or back to the list at its end (`auto_advance = false` in the config stays)."""
        config = getattr(self.app, "config", None)
        if config is not None and not config.file.auto_advance:
            return False
        left_view = getattr(self._source, "left_view", None)
        if left_view is None or not left_view(ticket):
            return False
        following = neighbours[0]
        if following is None:
            self.notify("That was the last ticket of this view.", markup=False, timeout=4)
            self.dismiss()
            return True
        self.ticket_id = following
        self.query_one(TicketHeader).loading = True
        getattr(self._source, "focus_ticket", lambda _id: None)(following)
        self._load(following)
        return True

    def _pick(self, title: str, options: list[Any], current: object, chosen: Callable[[Any], None]) -> None:
        def picked(value: Any) -> None:
            if value is not None:
                chosen(value)

        self.app.push_screen(OptionPicker(title, options, current), picked)

    def action_status(self) -> None:
        ticket = self._ready()
        if ticket is not None:
            self._pick(_picker_title("Status", ticket.status, STATUSES), [(s, status_badge(s)) for s in STATUSES],
                       ticket.status,
                       lambda value: self._set_field(ticket, "status", value))

    def ask_status_after_send(self, fallback: str | None) -> None:
        """ctrl+g in the composer: the message is confirmed, the agent picks the status now; `fallback`
        (a first reply opening a new ticket) is what a cancelled picker leaves."""
        ticket = self._ready()
        if ticket is None:
            return

        def picked(value: str | None) -> None:
            if value is not None:
                self._set_field(ticket, "status", value)
            elif fallback is not None:
                self._set_field(ticket, "status", fallback)

        title = _picker_title("Sent. Status now?", ticket.status, STATUSES)
        self.app.push_screen(OptionPicker(title, [(s, status_badge(s)) for s in STATUSES], ticket.status), picked)

    def action_priority(self) -> None:
        ticket = self._ready()
        if ticket is not None:
            self._pick(_picker_title("Priority", ticket.priority, PRIORITIES),
                       [(p, priority_badge(p)) for p in PRIORITIES], ticket.priority,
                       lambda value: self._set_field(ticket, "priority", value))

    def _set_field(self, ticket: Ticket, name: str, value: str) -> None:
        if getattr(ticket, name) == value:
            return  # nothing to change: no request
        self.update(TicketUpdate(**{name: value}), f"{name.capitalize()}: {value}")

    def action_assign_me(self) -> None:
        me = self.cstar.settings.agent_id
        if not me:
            self.notify("No agent ID is configured (--agent-id or CSTAR_AGENT_ID).", severity="error")
            return
        self.assign(me)

    def assign(self, agent_id: str | None) -> None:
        ticket = self._ready()
        if ticket is None:
            return
        if ticket.assigned_to == agent_id:
            self.notify("Already unassigned." if agent_id is None else "Already assigned to them.")
            return
        name = self.cstar.agent_names.get(agent_id or "", agent_id)
        self.update(TicketUpdate(assigned_to=agent_id), f"Assigned to {one_line(name, 60)}" if agent_id
                    else "Unassigned")

    def action_unassign(self) -> None:
        self.assign(None)

    def action_assign(self) -> None:
        ticket = self._ready()
        if ticket is None:
            return

        def chosen(value: Any) -> None:
            if value == UNASSIGN:
                self.assign(None)
            elif isinstance(value, str):
                self.assign(value)

        self.app.push_screen(AgentPicker(self.cstar.agents.search, me=self.cstar.settings.agent_id,
                                         current=ticket.assigned_to), chosen)

    def action_tags(self) -> None:
        ticket = self._ready()
        if ticket is None:
            return

        def typed(text: str | None) -> None:
            if text is None:
                return
            # A tag typed back as it was shown is the original (its escapes were only shown as stand-ins).
            tags = list(dict.fromkeys(restore(tag, ticket.tags) for tag in split_tags(text)))
            if tags != ticket.tags:
                self.update(TicketUpdate(tags=tags), f"Tags: {', '.join(tags) or 'none'}")

        shown = ", ".join(editable_line(tag) for tag in ticket.tags)
        self.app.push_screen(TextPrompt("Tags, separated by commas (empty removes all)", shown, validator=check_tags,
                                        placeholder="billing, login"), typed)

    def action_edit(self) -> None:
        ticket = self._ready()
        if ticket is not None:
            self.app.push_screen(EditTicketScreen(ticket),
                                 lambda changes: changes is not None and self.update(changes, "Saved"))

    def action_metadata(self) -> None:
        ticket = self._ready()
        if ticket is None:
            return

        def entry_typed(text: str | None) -> None:
            if text is None:
                return
            key, value = parse_metadata_entry(text)
            key = restore(key, ticket.metadata)
            if value is None and key not in ticket.metadata:
                return
            if value is not None and key in ticket.metadata:
                value = restore(value, [ticket.metadata[key]])
                if value == ticket.metadata[key]:
                    return  # typed back as shown: nothing to change
            self.update(TicketUpdate(metadata={key: value}),
                        f"Metadata {key} removed" if value is None else f"Metadata {key} = {value}")

        def valid(text: str) -> str | None:
            return metadata_entry_problem(text, ticket.metadata)

        def chosen(key: Any) -> None:
            if key == ADD_KEY:
                self.app.push_screen(TextPrompt("Add metadata: key=value (the value is kept as text)",
                                                validator=valid, placeholder="plan=pro"), entry_typed)
            else:
                self.app.push_screen(TextPrompt(f"Change {one_line(key, 40)}: key=value (key= removes it)",
                                                f"{editable_line(key)}={editable_line(ticket.metadata.get(key))}",
                                                validator=valid), entry_typed)

        self._pick("Metadata", metadata_options(ticket.metadata), None, chosen)

    # --- delete -------------------------------------------------------------------------------

    def action_delete(self) -> None:
        ticket = self._ready()
        if ticket is None:
            return
        question = f"Delete {ticket.id} “{one_line(ticket.title, 60)}” and all its messages? This cannot be undone."

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(ticket.id)

        self.app.push_screen(ConfirmDialog(question, "Delete", danger=True), answered)

    @work(group="detail-write")
    async def _delete(self, ticket_id: str) -> None:
        try:
            await actions.delete_ticket(self.cstar.client, self.cstar.store, ticket_id)
        except ApiError as exc:
            self._failed(exc, "Not deleted")
            return
        self.notify(f"Deleted {ticket_id}", markup=False)
        if ticket_id == self.ticket_id and self.is_current:
            self.dismiss()

    # --- messages -----------------------------------------------------------------------------

    def action_compose(self, mode: Mode) -> None:
        ticket = self._ready()
        if ticket is None:
            return
        from app.screens.composer import ComposerScreen

        self.app.push_screen(ComposerScreen(ticket.id, mode, ticket), self._message_sent)

    def _message_sent(self, message: Message | None) -> None:
        if message is None or self.ticket is None or message.ticket_id != self.ticket.id:
            return
        # POST /messages answers with the message only; the ticket changes it implies are the documented
        # ones (count, updatedAt, and the first public agent reply stamps firstResponseAt).
        ticket = self.ticket
        first_response = ticket.first_response_at
        if first_response is None and message.sender == "agent" and not message.is_internal:
            first_response = message.created_at
        updated = ticket.model_copy(update={
            "messages": [*(ticket.messages or []), message],
            "message_count": ticket.message_count + 1,
            "updated_at": message.created_at,
            "first_response_at": first_response,
        })
        self.ticket = updated
        self.query_one(MessageThread).append_message(message)
        self.query_one(TicketHeader).show(updated)
        self._to_list(updated)
        self.notify("Internal note added" if message.is_internal else "Reply sent", timeout=3)

    # --- walking the list ---------------------------------------------------------------------

    def action_step(self, step: int) -> None:
        if self._source is None or not hasattr(self._source, "neighbour_id"):
            self.notify("Opened by ID: there is no list to walk.", severity="warning")
            return
        self._step(step)

    @work(exclusive=True, group="detail-step")
    async def _step(self, step: int) -> None:
        source = self._source
        next_id = source.neighbour_id(self.ticket_id, step)
        if next_id is None and step > 0 and await source.load_next_page():
            next_id = source.neighbour_id(self.ticket_id, step)
        if next_id is None:
            self.notify("This is the last ticket of the list." if step > 0 else "This is the first ticket.")
            return
        self.ticket_id = next_id
        self.query_one(TicketHeader).loading = True
        follow = getattr(source, "focus_ticket", None)
        if follow is not None:
            follow(next_id)  # the list's cursor walks along, so `esc` returns to where the agent is
        self._load(next_id)
