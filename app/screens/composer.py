"""The composer: a reply to the customer or an internal note, with a draft on disk that outlives the app.

The mode banner is loud on purpose (a colour *and* words): an internal remark sent to a customer by
mistake is the worst thing this screen could do. The draft is written as the agent types (after a pause,
and at most a second behind steady typing: app.autosave), on every mode switch and on leaving; it is
deleted only once the server has confirmed the message. Before a send goes out its Idempotency-Key is
written into the draft, so a retry after a lost answer, or after the app was killed mid-send, replays the
first request instead of posting twice. Sending lives in app.screens.composer_send.

Only the window that holds the ticket's draft lock writes it (app.draft_lock); a second window on the same
ticket shows the draft read-only, follows it, and takes it over once the first one lets it go.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static, TextArea

from api.models import Message, Ticket
from app.autosave import SAVE_MAX_WAIT, SAVE_PAUSE, SaveThrottle
from app.canned import Canned, canned_for, fill, placeholder_values
from app.drafts import Draft, DraftStore, Mode, drafts_for
from app.outbox import outbox_for
from app.resend_window import past_window
from app.screens.composer_live import ComposerLive
from app.screens.composer_send import ComposerSending
from widgets.key_bar import KeyBar
from widgets.safe_text import clean, one_line, safe_content
from widgets.safe_text_area import SafeTextArea
from widgets.sla import relative_time

if TYPE_CHECKING:
    from app.tui import CStarApp

SAVE_DELAY = SAVE_PAUSE
"""Seconds of quiet typing before the draft is written (and it is always written on leaving); steady
typing is written every SAVE_MAX_WAIT seconds all the same (see app.autosave)."""
LOCK_POLL = 1.0
"""Seconds between looks at a draft another window holds: its text is followed, and it is taken over as
soon as that window lets it go (see app.draft_lock)."""


QUOTE_LINES = 6


def last_customer_message(ticket: Ticket | None) -> Message | None:
    for message in reversed((ticket.messages or []) if ticket is not None else []):
        if message.sender == "customer" and not message.is_internal:
            return message
    return None


def quote_content(message: Message, now: datetime) -> Content:
    lines = clean(message.content).strip().splitlines() or [""]
    shown = [one_line(line, 400) for line in lines[:QUOTE_LINES]]
    if len(lines) > QUOTE_LINES:
        shown.append(f"… {len(lines) - QUOTE_LINES} more lines in the thread")
    who = one_line(message.sender_name or "The customer", 60)
    return Content.assemble((f"{who} wrote {relative_time(message.created_at, now)}:", "bold"), "\n",
                            "\n".join(shown))


def banner(mode: Mode, customer: str | None) -> Content:
    if mode == "internal":
        return Content.assemble((" INTERNAL ", "bold reverse"), "  Internal note — not visible to the customer")
    who = one_line(customer, 60) or "the customer"
    return Content.assemble((" PUBLIC ", "bold reverse"), f"  Reply to {who} — the customer will see this")


class ComposerScreen(ComposerLive, ComposerSending, Screen[Message | None]):
    """Dismisses with the created Message once the server confirmed it, or None when the agent leaves."""

    DEFAULT_CSS = """
    ComposerScreen #composer-banner { height: 3; padding: 1 1; text-style: bold; }
    ComposerScreen.-internal #composer-banner { background: $warning; color: auto; }
    ComposerScreen.-public #composer-banner { background: $primary; color: auto; }
    ComposerScreen.-internal #composer-text { border: thick $warning; }
    ComposerScreen.-public #composer-text { border: thick $primary; }
    ComposerScreen #composer-context { height: 1; padding: 0 1; color: $text-muted; }
    ComposerScreen #composer-text { height: 1fr; }
    ComposerScreen #composer-quote { height: auto; max-height: 8; padding: 0 1; color: $text-muted;
                                     border-left: thick $primary; margin: 0 1; }
    ComposerScreen #composer-arrivals { height: auto; max-height: 5; padding: 0 1; background: $warning 15%;
                                        display: none; }
    ComposerScreen #composer-status { height: auto; min-height: 1; padding: 0 1; }
    ComposerScreen #composer-status.-error { color: $error; text-style: bold; }
    """
    # priority: TextArea binds ctrl+e (line end) and ctrl+k (kill line) itself, and has the focus.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send", priority=True, id="composer.send"),
        Binding("ctrl+g", "send_and_status", "Send, then status", priority=True, id="composer.send_status"),
        Binding("ctrl+t", "toggle_mode", "Public/internal", priority=True, id="composer.toggle"),
        Binding("ctrl+e", "external_editor", "$EDITOR", priority=True, id="composer.editor"),
        Binding("ctrl+k", "canned", "Canned response", priority=True, id="composer.canned"),
        Binding("escape", "leave", "Leave (keep draft)", id="composer.leave"),
    ]

    def __init__(self, ticket_id: str, mode: Mode = "public", ticket: Ticket | None = None,
                 drafts: DraftStore | None = None) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.ticket = ticket
        self._drafts = drafts
        self._draft = Draft(ticket_id, mode=mode)
        self._opened_as: Mode = mode
        self._restored = False
        # Whether this window holds the ticket's draft (app.draft_lock): only then is it written or sent.
        self._owner = False
        self._lock_timer: Timer | None = None
        self._save_timer: Timer | None = None
        self._throttle = SaveThrottle(SAVE_DELAY, SAVE_MAX_WAIT)
        self._sending = False
        self._finished = False
        self._macro: Canned | None = None  # its ticket changes are made once the message is sent
        self._unwatch: Callable[[], None] = lambda: None
        self._then_status = False  # ctrl+g: the status is set once the send is confirmed

    @property
    def cstar(self) -> CStarApp:
        return self.app  # type: ignore[return-value]

    @property
    def mode(self) -> Mode:
        return self._draft.mode

    @property
    def drafts(self) -> DraftStore:
        if self._drafts is None:
            self._drafts = drafts_for(self.app)
        return self._drafts

    @property
    def text_area(self) -> TextArea:
        # Held rather than queried: on_unmount (app quitting) still needs the text after the
        # children are gone.
        return self._area

    def compose(self) -> ComposeResult:
        yield Static(id="composer-banner")
        title = one_line(self.ticket.title, 100) if self.ticket else ""
        yield Static(Content.assemble((one_line(self.ticket_id, 60), "$accent"), "  ", title), id="composer-context")
        # Safe: a paste (a customer's text copied from a ticket) can't put a control character on screen.
        self._area = SafeTextArea(id="composer-text", soft_wrap=True, show_line_numbers=False)
        quote = last_customer_message(self.ticket)
        if quote is not None:
            # What the agent is answering, in view while they write (the composer fills the screen).
            yield Static(quote_content(quote, self.cstar.clock()), id="composer-quote")
        yield Static(id="composer-arrivals", markup=False)
        yield self._area
        yield Static(id="composer-status")
        yield KeyBar()

    def on_mount(self) -> None:
        # What becomes of this ticket's sends (ours, or the outbox's resend) is told to this screen.
        self._unwatch = outbox_for(self.app).watch(self.ticket_id, self)
        self._owner = self.drafts.claim(self.ticket_id, self)
        if self._owner:
            self._take_draft()
        else:
            self._wait_for_draft()
        self.set_focus(self.text_area)  # now, not deferred: the next keys must land in the text
        self._listen_for_arrivals()

    def _take_draft(self, *, taken_over: bool = False) -> None:
        saved = self.drafts.load(self.ticket_id)
        self._restored = saved is not None and bool(saved.text or saved.idempotency_key)
        # The saved mode wins over the key that opened the composer: the text was written for that
        # audience, and the banner says which one it is.
        self._draft = saved if saved is not None and self._restored else Draft(self.ticket_id, mode=self._opened_as)
        area = self.text_area
        area.read_only = False
        area.load_text(self._draft.text)
        area.move_cursor(area.document.end)
        self._show_mode()
        first = "The other window let go of this draft: you can write here now. " if taken_over else ""
        if self._draft.pending is not None:
            outbox_for(self.app).hold(self.ticket_id)
            if past_window(self._draft, self.cstar.clock()):
                self._say(f"{first}Restored. {self.too_old_text()}", error=True)
            else:
                self._say(f"{first}Restored your {self._what}: the service has not confirmed it yet. It is sent "
                          "again when the service answers — ctrl+s to try now.", error=True)
        elif self._restored:
            self._say(f"{first}Restored your unsent {self._what}.")
        else:
            self._say(first)

    def _wait_for_draft(self) -> None:
        """Another window holds this ticket's draft: show it read-only, follow it, and take it once let go."""
        self.text_area.read_only = True
        self._follow()
        self._lock_timer = self.set_interval(LOCK_POLL, self._poll_lock)

    def _follow(self) -> None:
        draft = self.drafts.load(self.ticket_id) or Draft(self.ticket_id, mode=self._opened_as)
        if draft != self._draft or self.text_area.text != draft.text:
            self._draft = draft
            self.text_area.load_text(draft.text)
            self.text_area.move_cursor(self.text_area.document.end)
            self._show_mode()
        waiting = (f", with a {self._what} waiting there to be sent when the service answers"
                   if draft.pending is not None else "")
        self._say(f"This ticket's draft is open in another cstar-tui window{waiting}. One window writes it at a "
                  "time: it is shown here read-only, and opens for writing here once that window leaves it.",
                  error=True)

    def _poll_lock(self) -> None:
        if self._owner or self._finished:
            return
        if not self.drafts.claim(self.ticket_id, self):
            self._follow()
            return
        if self._lock_timer is not None:
            self._lock_timer.stop()
        self._owner = True
        self._take_draft(taken_over=True)

    def _not_owner(self) -> bool:
        """True (and the agent told so) when another window holds the draft and nothing may change it."""
        if self._owner:
            return False
        self.app.bell()
        return True

    def on_key(self, event: events.Key) -> None:
        """Keys typed right after `r` or `i`, before the text area had focus, came to the screen: keep them."""
        area = self.text_area
        if not self._owner:
            if event.is_printable or event.key == "enter":
                # The text area is read-only and lets keys through: they must not reach the app's
                # bindings (`q` quits, `?` opens help) while the agent types into the wrong window.
                event.stop()
            return
        if self.focused is area:
            return
        text = "\n" if event.key == "enter" else event.character if event.is_printable else None
        if text is None:
            return
        event.stop()
        area.insert(text)
        self.set_focus(area)

    # --- the mode -------------------------------------------------------------------------------

    def _customer_name(self) -> str | None:
        if self.ticket is None:
            return None
        return (self.ticket.customer.name if self.ticket.customer else None) or self.ticket.customer_name

    def _show_mode(self) -> None:
        self.set_class(self.mode == "internal", "-internal")
        self.set_class(self.mode == "public", "-public")
        self.query_one("#composer-banner", Static).update(banner(self.mode, self._customer_name()))

    def action_toggle_mode(self) -> None:
        if self._sending or self._not_owner():
            return
        self._draft = replace(self._draft, mode="public" if self.mode == "internal" else "internal")
        self._show_mode()
        self._save_now()

    # --- the draft ------------------------------------------------------------------------------

    @on(TextArea.Changed, "#composer-text")
    def _typed(self) -> None:
        if self.text_area.text == self._draft.text:
            return  # the echo of loading the draft, not typing
        if self._draft.pending is None:
            self._say("")
        elif past_window(self._draft, self.cstar.clock()):
            pass  # the note that it is too old to resend on its own stays as it is
        elif not self._sending:
            # The note about the send in doubt stays, saying what the edit changes (and what it doesn't).
            self._say(f"Edited since ctrl+s: the {self._what} as sent then still goes out when the service "
                      "answers; ctrl+s sends this version in its place.", error=True)
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        delay = self._throttle.typed()
        if delay <= 0:
            self._save_now()  # behind by the max-wait already (a busy loop); a 0 s Textual timer divides by 0
            return
        self._save_timer = self.set_timer(delay, self._save_now)

    def _save_now(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self._throttle.saved()
        if self._finished or not self._owner:
            return
        self._draft = replace(self._draft, text=self.text_area.text)
        try:
            if self._draft.text.strip() or self._draft.idempotency_key:
                self.drafts.save(self._draft)
            else:
                self.drafts.delete(self.ticket_id)
        except OSError as exc:
            self.notify(f"The draft could not be saved: {exc}", severity="warning", markup=False)

    def on_unmount(self) -> None:
        self._unwatch()
        self._stop_arrivals()
        # Quitting the app with the composer open still keeps what was typed.
        self._save_now()
        self._hand_over()
        self.drafts.release(self.ticket_id, self)  # the outbox keeps its own hold on a pending send

    def action_leave(self) -> None:
        self._save_now()
        self._hand_over()
        self._finished = True
        self.dismiss(None)

    def _hand_over(self) -> None:
        # Leaving cancels a send in flight; the outbox sends it again (same key) once the service answers.
        if not self._finished and self._owner and self._draft.pending is not None:
            outbox_for(self.app).hold(self.ticket_id)

    # --- sending --------------------------------------------------------------------------------

    def _say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#composer-status", Static)
        status.set_class(error, "-error")
        status.update(safe_content(text, max_chars=1_000))  # it quotes server errors: untrusted text

    # --- helpers: $EDITOR and canned responses --------------------------------------------------

    def action_external_editor(self) -> None:
        if self._sending or self._not_owner():
            return
        command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        fd, name = tempfile.mkstemp(prefix="cstar-draft-", suffix=".txt")
        path = Path(name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(self.text_area.text)
            try:
                with self.app.suspend():
                    subprocess.run([*shlex.split(command), str(path)], check=False)
            except SuspendNotSupported:
                self.notify("An external editor cannot run here (no terminal to hand over).", severity="warning")
                return
            except OSError as exc:
                self.notify(f"Could not start the editor {command!r}: {exc}", severity="error", markup=False)
                return
            text = path.read_text(encoding="utf-8", errors="replace")
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
        self.text_area.load_text(text)
        self.text_area.move_cursor(self.text_area.document.end)
        self._save_now()

    def action_canned(self) -> None:
        if self._sending or self._not_owner():
            return
        values = placeholder_values(self.ticket, self.ticket_id, self.cstar.settings.agent_name)

        def chosen(canned: Canned) -> None:
            self.text_area.insert(fill(canned.body, values))
            self.text_area.focus()
            self._save_now()
            if canned.has_changes:
                self._macro = canned
                self.notify(f"When sent: {canned.describe_changes()}", title=canned.name, markup=False)

        from app.config_app import open_macro_search

        open_macro_search(self.app, canned_for(self.app), chosen)
