"""The composer's sending: ctrl+s, the collision check, the send with its key, and what the answer means.

A mixin of ComposerScreen (app.screens.composer), kept apart so that screen stays about the text and
its draft. The composer watches its ticket's sends (app.desk.sending.Outbox.watch): the outbox calls
`delivered`, `not_sent` and `expired` on it when a send for that ticket is answered.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import work

from api.errors import ApiError
from api.models import Message, MessageCreate, Ticket, TicketUpdate
from app.canned import Canned, apply_after_send
from app.drafts import Draft, DraftStore, Mode
from app.outbox import already_sent, is_transient, outbox_for, without_key
from app.resend_window import delivered_in, past_window
from app.screens.collision import CollisionDialog, new_messages
from app.screens.resend_question import ResendQuestion

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.widgets import TextArea

    from app.tui import CStarApp


class ComposerSending:
    """Needs, from the screen: the text area, the draft and its store, `_say` and `_save_now`."""

    ticket_id: str
    ticket: Ticket | None
    _draft: Draft
    _sending: bool
    _finished: bool
    _save_timer: Timer | None
    _macro: Canned | None
    _then_status: bool
    app: Any

    if TYPE_CHECKING:
        @property
        def cstar(self) -> CStarApp: ...
        @property
        def mode(self) -> Mode: ...
        @property
        def drafts(self) -> DraftStore: ...
        @property
        def text_area(self) -> TextArea: ...
        def _say(self, text: str, *, error: bool = False) -> None: ...
        def _save_now(self) -> None: ...
        def _not_owner(self) -> bool: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def dismiss(self, result: Any = None) -> Any: ...

    def body(self) -> MessageCreate:
        settings = self.cstar.settings
        return MessageCreate(content=self.text_area.text, sender="agent", sender_id=settings.agent_id,
                             sender_name=settings.agent_name, message_type=self.mode)

    def action_send(self) -> None:
        if self._sending or self._not_owner():
            return
        self._then_status = False
        self._start_send()

    def _start_send(self) -> None:
        if not self.text_area.text.strip():
            self._say("Nothing to send: the message is empty.", error=True)
            return
        if past_window(self._draft, self.cstar.clock()):
            # Its key is forgotten by now: a resend would be a new message. Look, then ask.
            self._sending = True
            self._say(f"Checking the ticket's thread for your {self._what}…")
            self._check_old_send(self._draft)
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

    @work(exclusive=True, group="composer-check")
    async def _check_old_send(self, draft: Draft) -> None:
        try:
            messages = await self.cstar.client.list_messages(self.ticket_id)
        except ApiError as exc:
            self._sending = False
            self._say(f"Nothing was sent: the thread could not be read to see whether your {self._what} arrived. "
                      f"ctrl+s tries again.\n{exc}", error=True)
            return
        self._sending = False
        found = delivered_in(messages, draft)
        if found is not None and draft.pending is not None:
            self.delivered(found, draft.pending, found=True)
            return

        def answered(send: bool | None) -> None:
            # Either way it no longer waits to be sent: now it is a new message, or a draft.
            self._draft = without_key(replace(self._draft, text=self.text_area.text))
            outbox_for(self.app).forget(self.ticket_id)
            if send:
                self._go()
                return
            self._save_now()
            self._say(f"Not sent. Your {self._what} is kept as a draft and no longer waits to be sent; ctrl+s "
                      "sends it as a new message.")

        self.app.push_screen(ResendQuestion(self._what, draft.first_attempt_at), answered)

    def expired(self) -> None:
        """The outbox found this screen's pending send too old to resend, and not in the thread."""
        if not self._finished and not self._sending:
            self._say(self.too_old_text(), error=True)

    def too_old_text(self) -> str:
        first = self._draft.first_attempt_at
        when = f" from {first:%Y-%m-%d %H:%M} UTC" if first else ""
        return (f"Your {self._what}{when} was never confirmed, and it is too old to be sent again safely on its own "
                "(the service forgets a send's key after 24 hours). ctrl+s reads the thread, and asks before "
                "sending it again.")

    def _go(self) -> None:
        body = self.body()
        self._draft = replace(self._draft, text=self.text_area.text).to_send(body.to_wire(), self.cstar.clock())
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

    def delivered(self, message: Message, sent: dict[str, object], *, found: bool = False) -> None:
        """The service confirmed `sent` (this screen's send, or the outbox's), or, `found`, the reply was
        found in the thread past the idempotency window (the thread below shows it already)."""
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
            if found:
                self._say(f"Your {self._what} had been delivered (it is in the ticket's thread) and was not sent "
                          "again." + (" What you typed since is kept here." if rest.text else ""))
            else:
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
        if found:
            # The thread below has it already: handing it down would show it twice.
            self.notify(f"Your {self._what} had been delivered (it is in the ticket's thread); it was not sent "
                        "again.", markup=False)
            self.dismiss(None)
            getattr(below, "action_refresh", lambda: None)()
            return
        self.dismiss(message)
        macro = self._macro
        if macro is not None and self._then_status and macro.status is not None:
            macro = replace(macro, status=None)  # the status the agent asked for with ctrl+g wins
        if macro is not None and macro.has_changes:
            apply_after_send(self.app, below, self.ticket_id, self.ticket, macro)
        opens = self._opens_the_ticket(message)
        if getattr(below, "ticket_id", None) != self.ticket_id:
            return
        if self._then_status:
            # The status follows the confirmed send: the configured one, or the agent picks it now.
            status = self._send_and_status_default()
            if status:
                below.update(TicketUpdate(status=status), f"Status: {status}")
            else:
                below.ask_status_after_send("open" if opens else None)
        elif opens:
            below.update(TicketUpdate(status="open"), "Status: open (your first reply)")

    def action_send_and_status(self) -> None:
        """Send, and once the service confirmed it, set the ticket's status (`send_and_status` in the config,
        else a picker)."""
        if self._sending or self._not_owner():
            return
        self._then_status = True
        self._start_send()

    def _send_and_status_default(self) -> str | None:
        config = getattr(self.app, "config", None)
        return config.file.send_and_status if config is not None else None

    def _opens_the_ticket(self, message: Message) -> bool:
        """A first public reply to a `new` ticket makes it `open`, unless a macro sets the status itself or
        the config says not to (`first_reply_opens = false`)."""
        config = getattr(self.app, "config", None)
        if config is not None and not config.file.first_reply_opens:
            return False
        if message.is_internal or self.ticket is None or self.ticket.status != "new":
            return False
        return self._macro is None or self._macro.status is None
