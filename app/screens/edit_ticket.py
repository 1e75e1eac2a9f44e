"""`e` in the detail view: edit a ticket's title and internal notes; also the option lists for `A` and `m`.

The form dismisses with a `TicketUpdate` holding only what changed (or None), and the detail screen
sends it as one PATCH: the form never talks to the server itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from api.models import METADATA_KEY_MAX, METADATA_VALUE_MAX, Ticket, TicketUpdate
from widgets.safe_text import one_line

__all__ = ["ADD_KEY", "TYPE_ID", "UNASSIGN", "EditTicketScreen", "assign_options", "check_metadata_entry",
           "metadata_options", "parse_metadata_entry"]

# Values of the special rows in the pickers; real values are agent IDs and metadata keys.
UNASSIGN = ("special", "unassign")
TYPE_ID = ("special", "type-id")
ADD_KEY = ("special", "add-key")


def assign_options(names: Mapping[str, str], me: str | None) -> list[tuple[object, str]]:
    """Known agents (me first, then by name), then "Unassign" and "Type an agent ID…"."""
    agents = sorted(names.items(), key=lambda item: (item[0] != me, item[1].casefold(), item[0]))
    options: list[tuple[object, str]] = [
        (agent_id, f"{one_line(name, 40)} ({agent_id}){'  — me' if agent_id == me else ''}")
        for agent_id, name in agents
    ]
    options.append((UNASSIGN, "Unassign"))
    options.append((TYPE_ID, "Type an agent ID…"))
    return options


def metadata_options(metadata: Mapping[str, str]) -> list[tuple[object, str]]:
    options: list[tuple[object, str]] = [(key, f"{key} = {value}") for key, value in sorted(metadata.items())]
    options.append((ADD_KEY, "+ Add a key…"))
    return options


def parse_metadata_entry(text: str) -> tuple[str, str | None]:
    """`key=value` sets a key, `key=` (or a bare `key`) removes it."""
    key, _, value = text.partition("=")
    return key.strip(), (value.strip() or None)


def check_metadata_entry(text: str) -> str | None:
    key, value = parse_metadata_entry(text)
    if not key:
        return "Type key=value (key= removes the key)."
    if len(key) > METADATA_KEY_MAX:
        return f"Keys are at most {METADATA_KEY_MAX} characters."
    if value is not None and len(value) > METADATA_VALUE_MAX:
        return f"Values are at most {METADATA_VALUE_MAX} characters."
    return None


class EditTicketScreen(ModalScreen[TicketUpdate | None]):
    DEFAULT_CSS = """
    EditTicketScreen { align: center middle; background: $background 60%; }
    EditTicketScreen > Vertical { width: 90; max-width: 95%; height: auto; max-height: 90%;
                                  border: round $accent; background: $surface; padding: 0 1; }
    EditTicketScreen Label { color: $text-muted; margin-top: 1; }
    EditTicketScreen #edit-notes { height: 8; }
    EditTicketScreen #edit-error { color: $error; height: auto; }
    EditTicketScreen .hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="edit.save"),
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, ticket: Ticket) -> None:
        super().__init__()
        self.ticket = ticket

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content.assemble(("Edit ", "bold"), (one_line(self.ticket.id, 60), "bold $accent")))
            yield Label("Title")
            yield Input(self.ticket.title, id="edit-title")
            yield Label("Internal notes (not visible to the customer)")
            yield TextArea(self.ticket.notes or "", id="edit-notes", soft_wrap=True)
            yield Static(id="edit-error")
            yield Static("tab next field · ctrl+s save · esc cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#edit-title", Input).focus()

    def changes(self) -> TicketUpdate:
        title = self.query_one("#edit-title", Input).value.strip()
        notes = self.query_one("#edit-notes", TextArea).text
        update = TicketUpdate()
        if title != self.ticket.title:
            update.title = title
        if notes != (self.ticket.notes or ""):
            # Emptying the notes clears them (null) rather than storing an empty string.
            update.notes = notes if notes.strip() else None
        return update

    def action_save(self) -> None:
        if not self.query_one("#edit-title", Input).value.strip():
            self.query_one("#edit-error", Static).update(Content("The title cannot be empty."))
            return
        update = self.changes()
        self.dismiss(None if update.is_empty() else update)

    def action_cancel(self) -> None:
        self.dismiss(None)
