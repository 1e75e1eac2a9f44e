"""Snapshot tests (pytest-textual-snapshot) of the widgets with a fixed clock.

Update after an intended visual change with `pytest tests/test_widgets_snapshots.py --snapshot-update`
and look at the SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from widgets.filter_bar import FilterBar
from widgets.pickers import ConfirmDialog, OptionPicker, TextPrompt
from widgets.samples import HOSTILE_TEXTS, NOW, make_message, make_ticket, make_tickets
from widgets.thread import MessageThread
from widgets.ticket_table import TicketTable

SIZE = (120, 35)


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FilterBar("status:open [/] assignee:me")
        tickets = [make_ticket(100 + i, title=text) for i, text in enumerate(HOSTILE_TEXTS)]
        tickets += make_tickets(20)
        yield TicketTable(tickets, now=lambda: NOW, agent_names={"agt_000000000001": "Alex Agent"}, clock_interval=None)

    def on_mount(self) -> None:
        table = self.query_one(TicketTable)
        table.focus()
        table.set_marked({"tkt_000000000003"})
        self.query_one(FilterBar).show_error("unknown field '[/]' (try status:, prio:, assignee:, tag:)")


class ThreadApp(App[None]):
    def compose(self) -> ComposeResult:
        yield MessageThread(now=lambda: NOW)

    def on_mount(self) -> None:
        messages = [
            make_message(0, content="Hi, I was charged twice for invoice INV-2041.\nCan you refund one?"),
            make_message(1, sender="agent", content="Sorry about that! Looking into it now."),
            make_message(
                2,
                sender="agent",
                is_internal=True,
                content="Finance confirmed the double charge. Refund approved — [b]do not[/b] promise a date.",
            ),
            make_message(3, sender="system", content="Status changed from open to pending"),
            make_message(4, content="\x1b]0;PWNED\x07 Any news? \u202etxt.exe [@click=app.quit]x[/]"),
            make_message(5, content="\n".join(f"stack frame {i}" for i in range(400))),
        ]
        thread = self.query_one(MessageThread)
        thread.set_messages(messages)
        thread.focus()


class HostApp(App[None]):
    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.modal = screen

    def compose(self) -> ComposeResult:
        yield Static("host screen")

    def on_mount(self) -> None:
        self.push_screen(self.modal)


def test_ticket_table_with_hostile_titles(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(TableApp(), terminal_size=SIZE, press=["j", "j"])


def test_message_thread_with_internal_note(snap_compare) -> None:  # noqa: ANN001
    async def to_top(pilot: Pilot) -> None:
        await pilot.pause()
        pilot.app.query_one(MessageThread).scroll_home(animate=False, immediate=True)
        await pilot.pause()

    assert snap_compare(ThreadApp(), terminal_size=SIZE, run_before=to_top)


def test_message_thread_truncated_end(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(ThreadApp(), terminal_size=SIZE)


def test_option_picker(snap_compare) -> None:  # noqa: ANN001
    statuses = [(s, s) for s in ("new", "open", "pending", "resolved", "closed")]
    assert snap_compare(HostApp(OptionPicker("Set status", statuses, current="open")), terminal_size=SIZE)


def test_confirm_dialog(snap_compare) -> None:  # noqa: ANN001
    dialog = ConfirmDialog("Delete ticket tkt_000000000007 «[/] refund»? This cannot be undone.", "Delete")
    assert snap_compare(HostApp(dialog), terminal_size=SIZE)


def test_text_prompt_with_error(snap_compare) -> None:  # noqa: ANN001
    def validate(value: str) -> str | None:
        return None if value.startswith("tkt_") else f"{value!r} is not a ticket ID (tkt_… or a UUID)"

    prompt = TextPrompt("Open ticket by ID", "[red]x", validate, placeholder="tkt_… or a UUID")
    assert snap_compare(HostApp(prompt), terminal_size=SIZE, press=["enter"])
