"""`?`: every key that works here, generated from the active bindings themselves."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 80; max-height: 90%; border: round $accent; background: $surface;
                                  padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, bindings: dict[str, ActiveBinding]) -> None:
        super().__init__()
        self._shown = bindings

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("key", no_wrap=True, style="bold cyan")
        table.add_column("action")
        table.add_column("id", style="dim", no_wrap=True)
        by_action: dict[tuple[int, str], list[str]] = {}
        described: dict[tuple[int, str], Binding] = {}
        for key, active in self._shown.items():
            binding = active.binding
            if not binding.description:
                continue
            ident = (id(active.node), binding.action)
            by_action.setdefault(ident, []).append(self.app.get_key_display(binding) or key)
            described[ident] = binding
        for ident, keys in by_action.items():
            binding = described[ident]
            table.add_row(Text(" ".join(dict.fromkeys(keys))), Text(binding.description), Text(binding.id or ""))
        with VerticalScroll():
            yield Static(Text("Keys", style="bold"))
            yield Static(table)
            yield Static(Text("ctrl+p opens the command palette: every action, and open ticket by ID.", style="dim"))
            if "list.filter" in {active.binding.id for active in self._shown.values()}:
                from api.query_help import LANGUAGE_HELP

                yield Static(Text("\nThe filter language (/, or ? in the empty filter bar)", style="bold"))
                yield Static(Text(LANGUAGE_HELP))
