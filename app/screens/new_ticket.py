"""`n` from the list: a form for a new ticket; `ctrl+s` creates it (once, even when retried) and opens it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from api.errors import ApiError
from api.models import PRIORITIES, STATUSES, TicketCreate
from app.desk.customers import KnownCustomer
from app.drafts import body_fingerprint, new_idempotency_key
from widgets.key_bar import KeyBar
from widgets.safe_input import SafeInput
from widgets.safe_text import one_line, safe_content
from widgets.safe_text_area import SafeTextArea

if TYPE_CHECKING:
    from app.tui import CStarApp

CUSTOMER_ID_PREFIX = "cus_"
# The sandbox's limits (the API reference sets none); refused here, before anything is sent.
TAGS_MAX = 20
TAG_MAX_CHARS = 50


def split_tags(text: str) -> list[str]:
    """`billing, login ,, billing` -> `["billing", "login"]`: trimmed, no blanks, no repeats, order kept."""
    return list(dict.fromkeys(tag.strip() for tag in text.split(",") if tag.strip()))


def tags_problem(tags: list[str]) -> str | None:
    """Why these tags can't be sent, naming the tag at fault; None when they can."""
    if len(tags) > TAGS_MAX:
        return f"At most {TAGS_MAX} tags (there are {len(tags)}): remove {len(tags) - TAGS_MAX}."
    for tag in tags:
        if len(tag) > TAG_MAX_CHARS:
            return f"Tags are at most {TAG_MAX_CHARS} characters; “{one_line(tag, 24)}” has {len(tag)}."
    return None


def check_tags(text: str) -> str | None:
    """A validator for a comma-separated tags field (`TextPrompt`)."""
    return tags_problem(split_tags(text))


def _customer_label(known: KnownCustomer) -> Content:
    label = safe_content(one_line(known.name, 40))
    if known.email:
        label += Content.styled(f" <{one_line(known.email, 40)}>", "$text-muted")
    return label + Content.styled(f"  {one_line(known.id, 30)}", "$text-muted")


def validation_sentence(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "form"
    return f"{field}: {first['msg']}"


class NewTicketScreen(Screen[None]):
    DEFAULT_CSS = """
    NewTicketScreen VerticalScroll { padding: 0 2; }
    NewTicketScreen #new-banner { height: 1; padding: 0 1; background: $primary; color: $text; text-style: bold; }
    NewTicketScreen Label { margin-top: 1; color: $text-muted; }
    NewTicketScreen Horizontal { height: auto; }
    NewTicketScreen Horizontal > Select { width: 1fr; margin-right: 2; }
    NewTicketScreen #new-notes { height: 6; }
    NewTicketScreen #new-error { color: $error; height: auto; margin-top: 1; }
    NewTicketScreen .field-error { color: $error; height: auto; display: none; }
    NewTicketScreen .field-error.-shown { display: block; }
    NewTicketScreen #new-customer-matches { height: auto; max-height: 6; border: none; padding: 0 1; display: none; }
    NewTicketScreen #new-customer-matches.-shown { display: block; }
    NewTicketScreen #new-customer-linked { color: $success; height: auto; padding: 0 1; display: none; }
    NewTicketScreen #new-customer-linked.-shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "create", "Create", priority=True, id="new.create"),
        Binding("escape", "cancel", "Cancel", id="new.cancel"),
        Binding("down", "customer_match(1)", "Next customer", show=False, id="new.customer_next"),
        Binding("up", "customer_match(-1)", "Previous customer", show=False, id="new.customer_previous"),
    ]

    def __init__(self, source: object | None = None) -> None:
        super().__init__()
        self._source = source
        self._key: str | None = None
        self._key_for: str | None = None
        self._sending = False
        # The known customer the agent chose for this ticket (sent as customerId while the field shows them).
        self._linked: KnownCustomer | None = None
        self._matches: list[KnownCustomer] = []

    @property
    def cstar(self) -> CStarApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(Content("New ticket  ·  tab moves between fields  ·  ctrl+s creates  ·  esc cancels"),
                     id="new-banner")
        with VerticalScroll():
            yield Label("Title (required)")
            yield SafeInput(id="new-title", placeholder="What is the problem?")
            yield Static(id="new-title-error", classes="field-error")
            yield Label("Customer: a name, or an ID starting with cus_")
            yield SafeInput(id="new-customer", placeholder="Jane Doe  or  cus_…  (customers met before are offered)")
            yield OptionList(id="new-customer-matches")
            yield Static(id="new-customer-linked")
            yield Label("Priority and status")
            with Horizontal():
                yield Select([(p, p) for p in PRIORITIES], value="normal", allow_blank=False, id="new-priority")
                yield Select([(s, s) for s in STATUSES], value="new", allow_blank=False, id="new-status")
            yield Label(f"Tags, separated by commas (at most {TAGS_MAX}, each up to {TAG_MAX_CHARS} characters)")
            yield SafeInput(id="new-tags", placeholder="billing, login")
            yield Static(id="new-tags-error", classes="field-error")
            yield Label("Internal notes (not visible to the customer)")
            yield SafeTextArea(id="new-notes", soft_wrap=True)
            yield Static(id="new-error")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#new-customer-matches", OptionList).can_focus = False  # the keys stay in the field
        self.query_one("#new-title", Input).focus()

    # --- linking a known customer ---------------------------------------------------------------

    @on(Input.Changed, "#new-customer")
    def _customer_typed(self, event: Input.Changed) -> None:
        typed = event.value.strip()
        if self._linked is not None and typed != self._linked.name:
            self._link(None)  # edited away from the chosen customer: a name again, or another ID
        offered = [] if self._linked is not None else self.cstar.customers.search(typed)
        self._matches = offered
        matches = self.query_one("#new-customer-matches", OptionList)
        matches.clear_options()
        matches.add_options([Option(_customer_label(known)) for known in offered])
        matches.set_class(bool(offered), "-shown")
        if offered:
            matches.highlighted = 0

    @on(Input.Submitted, "#new-customer")
    def _customer_chosen(self, event: Input.Submitted) -> None:
        highlighted = self.query_one("#new-customer-matches", OptionList).highlighted
        if self._matches and highlighted is not None and 0 <= highlighted < len(self._matches):
            event.stop()
            self._link(self._matches[highlighted])

    @on(OptionList.OptionSelected, "#new-customer-matches")
    def _customer_clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._link(self._matches[event.option_index])

    def action_customer_match(self, step: int) -> None:
        matches = self.query_one("#new-customer-matches", OptionList)
        if self.focused is not self.query_one("#new-customer", Input) or not self._matches:
            return
        at = matches.highlighted if matches.highlighted is not None else -1
        matches.highlighted = max(0, min(len(self._matches) - 1, at + step))

    def _link(self, known: KnownCustomer | None) -> None:
        self._linked = known
        linked = self.query_one("#new-customer-linked", Static)
        linked.set_class(known is not None, "-shown")
        if known is None:
            linked.update("")
            return
        self._matches = []
        self.query_one("#new-customer-matches", OptionList).remove_class("-shown")
        field = self.query_one("#new-customer", Input)
        field.value = known.name  # the Changed this posts keeps the link: the field shows the customer
        field.cursor_position = len(known.name)
        linked.update(Content.assemble("✓ linked to ", _customer_label(known),
                                       ("  (edit the field to unlink)", "$text-muted")))

    def body(self) -> TicketCreate:
        """The form as a request body; raises ValidationError with what to fix."""
        values: dict[str, Any] = {
            "title": self.query_one("#new-title", Input).value.strip(),
            "priority": self.query_one("#new-priority", Select).value,
            "status": self.query_one("#new-status", Select).value,
        }
        customer = self.query_one("#new-customer", Input).value.strip()
        if self._linked is not None and customer == self._linked.name:
            values["customer_id"] = self._linked.id  # the service fills in their name
        elif customer.startswith(CUSTOMER_ID_PREFIX):
            values["customer_id"] = customer
        elif customer:
            values["customer_name"] = customer
        tags = split_tags(self.query_one("#new-tags", Input).value)
        if tags:
            values["tags"] = tags
        notes = self.query_one("#new-notes", TextArea).text
        if notes.strip():
            values["notes"] = notes
        return TicketCreate(**values)

    def _say(self, text: str) -> None:
        # Server errors echo what was sent and what the server chose to say: untrusted text.
        self.query_one("#new-error", Static).update(safe_content(text, max_chars=1_000))

    def _field_error(self, field: str, problem: str | None) -> bool:
        """Show (or clear) the message under a field; True when there is one (and the field has focus)."""
        error = self.query_one(f"#new-{field}-error", Static)
        error.update(safe_content(problem or ""))
        error.set_class(bool(problem), "-shown")
        if problem:
            self.query_one(f"#new-{field}", Input).focus()
        return bool(problem)

    def action_create(self) -> None:
        if self._sending:
            return
        title_problem = None
        if not self.query_one("#new-title", Input).value.strip():
            title_problem = "A title is required (spaces alone don't count)."
        tags_error = tags_problem(split_tags(self.query_one("#new-tags", Input).value))
        # Both fields are marked at once; the focus goes to the first one to fix.
        tags_bad = self._field_error("tags", tags_error)
        if self._field_error("title", title_problem) or tags_bad:
            self._say(f"Not sent: {title_problem or tags_error}")
            return
        try:
            body = self.body()
        except ValidationError as exc:
            self._say(validation_sentence(exc))
            return
        # One key per submission of this content: a retry after a lost answer replays the first
        # create; the agent changing the form in between makes it a new submission.
        fingerprint = body_fingerprint(body.to_wire())
        if self._key is None or fingerprint != self._key_for:
            self._key, self._key_for = new_idempotency_key(), fingerprint
        self._sending = True
        self._say("Creating…")
        self._create(body, self._key)

    @work(exclusive=True, group="new-ticket")
    async def _create(self, body: TicketCreate, key: str) -> None:
        try:
            ticket = await self.cstar.client.create_ticket(body, idempotency_key=key)
        except ApiError as exc:
            self._sending = False
            self._say(str(exc))
            self.notify(str(exc), title="Ticket not created", severity="error", markup=False)
            return
        self.dismiss()
        self.cstar.open_ticket(ticket.id, source=self._source)

    def action_cancel(self) -> None:
        self.dismiss()
