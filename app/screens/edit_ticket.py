"""`e` in the detail view: edit a ticket's title and internal notes; also the option lists for `A` and `m`
and the checks of what is typed into their prompts (and into "Open ticket by ID").

The form dismisses with a `TicketUpdate` holding only what changed (or None), and the detail screen
sends it as one PATCH: the form never talks to the server itself.

Values from the API are shown in the fields *cleaned* (no control character may reach the terminal from
an editable field either) and, when huge, cut. A field left as it was shown is not sent, so the original
(escape sequences, a 1 MB title) stays as the server has it; a field the agent changed is sent as typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from api.models import METADATA_KEY_MAX, METADATA_MAX_KEYS, METADATA_VALUE_MAX, Ticket, TicketUpdate
from widgets.safe_input import SafeInput
from widgets.safe_text import clean, one_line
from widgets.safe_text_area import SafeTextArea

__all__ = ["ADD_KEY", "EditTicketScreen", "check_metadata_entry",
           "editable_line", "metadata_entry_problem", "metadata_options", "parse_metadata_entry", "restore",
           "ticket_id_problem"]

# How much of a value from the API goes into an editable field: Textual's Input re-measures its whole
# value on every key (a 1 MB title costs ~0.4 s a key) and a TextArea of 100,000 lines takes ~12 s to open.
TITLE_SHOWN_MAX = 1_000
NOTES_SHOWN_MAX = 20_000
NOTES_SHOWN_LINES = 500
LINE_SHOWN_MAX = 1_000
"""A tag, a metadata key or value in a one-line prompt."""


def editable_line(text: str | None, max_chars: int = LINE_SHOWN_MAX) -> str:
    """A value from the API as a one-line field shows it: clean, cut without a marker (a marker would
    be saved as part of the value)."""
    return one_line(text or "")[:max_chars]


def _editable_notes(notes: str | None) -> tuple[str, bool]:
    """The notes as the form shows them, and whether that is only their start."""
    cleaned = clean(notes or "")
    lines = cleaned[:NOTES_SHOWN_MAX].split("\n")[:NOTES_SHOWN_LINES]
    shown = "\n".join(lines)
    return shown, len(shown) < len(cleaned)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from the server's JSON: it could never be sent back
        return False
    return True


def restore(typed: str, originals: Iterable[str], max_chars: int = LINE_SHOWN_MAX) -> str:
    """The original value when `typed` is exactly how a field showed it, else `typed`: an untouched tag or
    key keeps the characters the field could only show as stand-ins."""
    for original in originals:
        if typed == editable_line(original, max_chars).strip() and _encodable(original):
            return original
    return typed


# The value of the special row in the metadata picker; the real values are metadata keys.
ADD_KEY = ("special", "add-key")


# The shapes the client accepts (see api.client): checked as the agent types, so nothing malformed is sent.
_TICKET_ID = re.compile(r"tkt_[A-Za-z0-9]+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def ticket_id_problem(text: str) -> str | None:
    """Why `text` can't be a ticket ID (shown under the field), or None. Surrounding spaces are forgiven."""
    typed = text.strip()
    if not typed:
        return "Type a ticket ID: tkt_ followed by letters and digits, or a UUID."
    if not _TICKET_ID.fullmatch(typed):
        return f"“{one_line(typed, 40)}” is not a ticket ID (tkt_ then letters and digits, or a UUID)."
    return None


def metadata_options(metadata: Mapping[str, str]) -> list[tuple[object, str]]:
    options: list[tuple[object, str]] = [(key, f"{one_line(key, 60)} = {one_line(value, 120)}")
                                         for key, value in sorted(metadata.items())]
    options.append((ADD_KEY, "+ Add a key…"))
    return options


def parse_metadata_entry(text: str) -> tuple[str, str | None]:
    """`key=value` sets a key, `key=` (or a bare `key`) removes it. The value is always a string, taken
    as typed: `plan={"a": 1}` stores the text `{"a": 1}` and `flag=null` the text `null`."""
    key, _, value = text.partition("=")
    return key.strip(), (value.strip() or None)


def check_metadata_entry(text: str) -> str | None:
    key, value = parse_metadata_entry(text)
    if not key:
        return "Type key=value (key= removes the key)."
    if len(key) > METADATA_KEY_MAX:
        return f"Keys are at most {METADATA_KEY_MAX} characters (this one has {len(key)})."
    if value is not None and len(value) > METADATA_VALUE_MAX:
        return f"Values are at most {METADATA_VALUE_MAX} characters (this one has {len(value)})."
    return None


def metadata_entry_problem(text: str, current: Mapping[str, str]) -> str | None:
    """`check_metadata_entry`, and no 51st key: the limit is refused here, before anything is sent."""
    problem = check_metadata_entry(text)
    if problem:
        return problem
    key, value = parse_metadata_entry(text)
    key = restore(key, current)
    if value is not None and key not in current and len(current) >= METADATA_MAX_KEYS:
        return (f"A ticket has at most {METADATA_MAX_KEYS} metadata keys and this one has {len(current)}: "
                "remove one first (key=).")
    return None


class EditTicketScreen(ModalScreen[TicketUpdate | None]):
    DEFAULT_CSS = """
    EditTicketScreen { align: center middle; background: $background 60%; }
    EditTicketScreen > Vertical { width: 90; max-width: 95%; height: auto; max-height: 90%;
                                  border: round $accent; background: $surface; padding: 0 1; }
    EditTicketScreen Label { color: $text-muted; margin-top: 1; }
    EditTicketScreen #edit-notes { height: 8; }
    EditTicketScreen #edit-error { color: $error; height: auto; display: none; }
    EditTicketScreen #edit-error.-shown { display: block; }
    EditTicketScreen .cut { color: $warning; height: auto; }
    EditTicketScreen .hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="edit.save"),
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, ticket: Ticket) -> None:
        super().__init__()
        self.ticket = ticket
        self._title_shown = editable_line(ticket.title, TITLE_SHOWN_MAX)
        self._notes_shown, self._notes_cut = _editable_notes(ticket.notes)

    def compose(self) -> ComposeResult:
        title = self.ticket.title
        with Vertical():
            yield Static(Content.assemble(("Edit ", "bold"), (one_line(self.ticket.id, 60), "bold $accent")))
            yield Label("Title")
            yield SafeInput(self._title_shown, id="edit-title")
            yield Static(id="edit-error")
            if len(title) > TITLE_SHOWN_MAX:
                yield Static(Content(f"The title has {len(title):,} characters; the first {TITLE_SHOWN_MAX:,} "
                                     "are shown. Saving a changed title replaces all of it."), classes="cut")
            yield Label("Internal notes (not visible to the customer)")
            yield SafeTextArea(self._notes_shown, id="edit-notes", soft_wrap=True)
            if self._notes_cut:
                yield Static(Content(f"The notes have {len(self.ticket.notes or ''):,} characters; only the start "
                                     "is shown. Saving changed notes replaces all of them."), classes="cut")
            yield Static("tab next field · ctrl+s save · esc cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#edit-title", SafeInput).focus()

    def changes(self) -> TicketUpdate:
        """What the agent changed: a field still as it was shown is left out, whatever the original held."""
        title = self.query_one("#edit-title", SafeInput).value.strip()
        notes = self.query_one("#edit-notes", SafeTextArea).text
        update = TicketUpdate()
        if title != self._title_shown.strip():
            update.title = title
        if notes != self._notes_shown:
            # Emptying the notes clears them (null) rather than storing an empty string.
            update.notes = notes if notes.strip() else None
        return update

    def action_save(self) -> None:
        if not self.query_one("#edit-title", SafeInput).value.strip():
            error = self.query_one("#edit-error", Static)
            error.update(Content("The title cannot be empty (or only spaces): nothing was saved."))
            error.add_class("-shown")
            self.query_one("#edit-title", SafeInput).focus()
            return
        update = self.changes()
        self.dismiss(None if update.is_empty() else update)

    def action_cancel(self) -> None:
        self.dismiss(None)
