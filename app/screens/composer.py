"""The composer: a reply to the customer or an internal note, with a draft on disk that outlives the app.

The mode banner is loud on purpose (a colour *and* words): an internal remark sent to a customer by
mistake is the worst thing this screen could do. The draft is written as the agent types (debounced),
on every mode switch and on leaving; it is deleted only once the server has confirmed the message.
Before a send goes out its Idempotency-Key is written into the draft, so a retry after a lost answer,
or after the app was killed mid-send, replays the first request instead of posting twice.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static, TextArea

from api.errors import ApiError
from api.models import Message, MessageCreate, Ticket
from app.autosave import SAVE_MAX_WAIT, SAVE_PAUSE, SaveThrottle
from app.canned import Canned, apply_after_send, canned_for, fill, placeholder_values
from app.drafts import Draft, DraftStore, Mode, drafts_for
from app.outbox import already_sent, is_transient, outbox_for, without_key
from app.screens.collision import CollisionDialog, new_messages
from widgets.key_bar import KeyBar
from widgets.safe_input import SafeTextArea
from widgets.safe_text import one_line, safe_content

if TYPE_CHECKING:
    from app.tui import CStarApp

SAVE_DELAY = SAVE_PAUSE
"""Seconds of quiet typing before the draft is written (and it is always written on leaving); steady
typing is written every SAVE_MAX_WAIT seconds all the same (see app.autosave)."""


def banner(mode: Mode, customer: str | None) -> Content:
    if mode == "internal":
        return Content.assemble((" INTERNAL ", "bold reverse"), "  Internal note — not visible to the customer")
    who = one_line(customer, 60) or "the customer"
    return Content.assemble((" PUBLIC ", "bold reverse"), f"  Reply to {who} — the customer will see this")


class ComposerScreen(Screen[Message | None]):
    """Dismisses with the created Message once the server confirmed it, or None when the agent leaves."""

    DEFAULT_CSS = """
    ComposerScreen #composer-banner { height: 3; padding: 1 1; text-style: bold; }
    ComposerScreen.-internal #composer-banner { background: $warning; color: auto; }
    ComposerScreen.-public #composer-banner { background: $primary; color: auto; }
    ComposerScreen.-internal #composer-text { border: thick $warning; }
    ComposerScreen.-public #composer-text { border: thick $primary; }
    ComposerScreen #composer-context { height: 1; padding: 0 1; color: $text-muted; }
    ComposerScreen #composer-text { height: 1fr; }
    ComposerScreen #composer-status { height: auto; min-height: 1; padding: 0 1; }
    ComposerScreen #composer-status.-error { color: $error; text-style: bold; }
    """
    # priority: TextArea binds ctrl+e (line end) and ctrl+k (kill line) itself, and has the focus.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send", priority=True, id="composer.send"),
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
        self._restored = False
        self._save_timer: Timer | None = None
        self._throttle = SaveThrottle(SAVE_DELAY, SAVE_MAX_WAIT)
        self._sending = False
        self._finished = False
        self._macro: Canned | None = None  # its ticket changes are made once the message is sent

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
        yield self._area
        yield Static(id="composer-status")
        yield KeyBar()

    def on_mount(self) -> None:
        saved = self.drafts.load(self.ticket_id)
        if saved is not None and (saved.text or saved.idempotency_key):
            # The saved mode wins over the key that opened the composer: the text was written for that
            # audience, and the banner says which one it is.
            self._draft = saved
            self._restored = True
        area = self.text_area
        area.load_text(self._draft.text)
        area.move_cursor(area.document.end)
        self._show_mode()
        if self._draft.pending is not None:
            outbox_for(self.app).hold(self.ticket_id)
            self._say(f"Restored your {self._what}: the service has not confirmed it yet. It is sent again when "
                      "the service answers — ctrl+s to try now.", error=True)
        elif self._restored:
            self._say(f"Restored your unsent {self._what}.")
        self.set_focus(area)  # now, not deferred: the next keys must land in the text

    def on_key(self, event: events.Key) -> None:
        """Keys typed right after `r` or `i`, before the text area had focus, came to the screen: keep them."""
        area = self.text_area
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
        if self._sending:
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
        elif not self._sending:
            # The note about the send in doubt stays, saying what the edit changes (and what it doesn't).
            self._say(f"Edited since ctrl+s: the {self._what} as sent then still goes out when the service "
                      "answers; ctrl+s sends this version in its place.", error=True)
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(self._throttle.typed(), self._save_now)

    def _save_now(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self._throttle.saved()
        if self._finished:
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
        # Quitting the app with the composer open still keeps what was typed.
        self._save_now()
        self._hand_over()

    def action_leave(self) -> None:
        self._save_now()
        self._hand_over()
        self._finished = True
        self.dismiss(None)

    def _hand_over(self) -> None:
        # Leaving cancels a send in flight; the outbox sends it again (same key) once the service answers.
        if not self._finished and self._draft.pending is not None:
            outbox_for(self.app).hold(self.ticket_id)

    # --- sending --------------------------------------------------------------------------------

    def _say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#composer-status", Static)
        status.set_class(error, "-error")
        status.update(safe_content(text, max_chars=1_000))  # it quotes server errors: untrusted text

    def body(self) -> MessageCreate:
        settings = self.cstar.settings
        return MessageCreate(content=self.text_area.text, sender="agent", sender_id=settings.agent_id,
                             sender_name=settings.agent_name, message_type=self.mode)

    def action_send(self) -> None:
        if self._sending:
            return
        if not self.text_area.text.strip():
            self._say("Nothing to send: the message is empty.", error=True)
            return
        if self._draft.pending is None and self.ticket is not None and self.ticket.messages is not None:
            # A first attempt: re-read the ticket, so an answer a teammate (or the customer) sent meanwhile
            # is seen before this one goes out. A retry of a pending send skips this: its own message,
            # already stored, would look new.
            self._sending = True
            self._say("Checking for new messages…")
            self._check_then_send()
            return
        self._go()

    @work(exclusive=True, group="composer-check")
    async def _check_then_send(self) -> None:
        assert self.ticket is not None
        try:
            fresh = await self.cstar.client.get_ticket(self.ticket_id)
        except ApiError:
            fresh = None  # can't look now: the send goes on, and waits in the outbox if the service is away
        self._sending = False
        arrived = new_messages(self.ticket.messages, fresh.messages if fresh else None,
                               me=self.cstar.settings.agent_id)
        if fresh is None or not arrived:
            self._go()
            return

        def answered(send_anyway: bool | None) -> None:
            # What was just shown is now seen: the next ctrl+s only stops for messages newer than these.
            self.ticket = (self.ticket or fresh).model_copy(update={"messages": fresh.messages})
            if send_anyway:
                self._go()
                return
            self._say(f"Not sent. Your {self._what} is kept as a draft; the ticket behind shows the new "
                      f"message{'s' if len(arrived) != 1 else ''}. ctrl+s sends it.")
            getattr(self._below(), "action_refresh", lambda: None)()

        self.app.push_screen(CollisionDialog(arrived, self._what), answered)

    def _go(self) -> None:
        body = self.body()
        self._draft = replace(self._draft, text=self.text_area.text).to_send(body.to_wire())
        # The key must be on disk before the request leaves: if the answer is lost and the app dies, the
        # next attempt (after a restart) has to present the same key to be recognised as a retry.
        try:
            self.drafts.save(self._draft)
        except OSError as exc:
            self.notify(f"The draft could not be saved, sending anyway: {exc}", severity="warning", markup=False)
        # The text stays editable: what is typed from here on is kept, and is not part of this send.
        self._sending = True
        self._say("Sending…")
        self._send(self._draft)

    @property
    def _what(self) -> str:
        return "internal note" if self.mode == "internal" else "reply"

    def _below(self) -> object | None:
        """The screen this composer was opened from (the ticket's detail view)."""
        stack = self.app.screen_stack
        index = stack.index(self) if self in stack else 0
        return stack[index - 1] if index > 0 else None

    @work(exclusive=True, group="composer-send")
    async def _send(self, draft: Draft) -> None:
        try:
            message = await outbox_for(self.app).send(self.ticket_id, draft)
        except ApiError as exc:
            self.not_sent(exc)
            return
        assert draft.pending is not None
        self.delivered(message, draft.pending)

    def not_sent(self, exc: ApiError) -> None:
        """The send failed: no answer (it stays pending, for the outbox), or the service said no."""
        if self._finished:
            return
        self._sending = False
        self.notify(str(exc), title="Message not sent", severity="error", markup=False)
        if is_transient(exc):
            outbox_for(self.app).hold(self.ticket_id)
            self._say(f"Not sent: the service is unreachable. Your {self._what} is saved as a draft and will be "
                      f"sent when the service answers — ctrl+s to try now.\n{exc}", error=True)
            return
        if already_sent(exc):
            # The service holds an earlier version under this key (its answer had been lost): this edit
            # was not posted, and needs a key of its own to go out as a message of its own.
            self._draft = without_key(self._draft)
            self._say(f"An earlier version of this {self._what} was already sent (only its answer had been lost), "
                      "so this edit was not. ctrl+s sends it as a new message.", error=True)
            getattr(self._below(), "action_refresh", lambda: None)()
        else:
            self._draft = self._draft.settled()  # a refusal is stored by no one: the key is free again
            self._say(f"Not sent (the draft is kept; ctrl+s tries again): {exc}", error=True)
        self._save_now()

    def delivered(self, message: Message, sent: dict[str, object]) -> None:
        """The service confirmed `sent` (this screen's send, or the outbox's)."""
        if self._finished or self._draft.pending != sent:
            return  # already handled: both senders were waiting for the same answer
        outbox_for(self.app).forget(self.ticket_id)
        self._sending = False
        if self.ticket is not None and self.ticket.messages is not None:
            # Our own message is no news: the collision check must not stop the next send for it.
            self.ticket = self.ticket.model_copy(update={"messages": [*self.ticket.messages, message]})
        rest = replace(self._draft, text=self.text_area.text).after_sent(str(sent.get("content", "")))
        if rest is None and self.app.screen is not self:
            # Something is open over this screen (a picker), and dismissing would close that instead.
            rest = Draft(self.ticket_id, mode=self.mode)
        if rest is not None:
            # Typed while it was sending: the composer stays, with only the new text, and the thread
            # below shows what went out.
            self._draft = rest
            if self.text_area.text != rest.text:
                self.text_area.load_text(rest.text)
                self.text_area.move_cursor(self.text_area.document.end)
            self._save_now()
            self._say(f"Sent the {self._what} as it was when you pressed ctrl+s; what you typed since is kept "
                      "here." if rest.text else f"Your {self._what} was sent.")
            getattr(self._below(), "action_refresh", lambda: None)()
            return
        self._finished = True
        if self._save_timer is not None:
            self._save_timer.stop()
        try:
            self.drafts.delete(self.ticket_id)
        except OSError as exc:
            self.notify(f"Sent, but the draft could not be removed: {exc}", severity="warning", markup=False)
        below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
        self.dismiss(message)
        if self._macro is not None:
            apply_after_send(self.app, below, self.ticket_id, self.ticket, self._macro)

    # --- helpers: $EDITOR and canned responses --------------------------------------------------

    def action_external_editor(self) -> None:
        if self._sending:
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
        if self._sending:
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
