"""`?` in an empty filter bar: the filter language, with examples."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from api.query_help import LANGUAGE_HELP


class FilterHelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    FilterHelpScreen { align: center middle; }
    FilterHelpScreen > VerticalScroll { width: 100; max-height: 90%; border: round $accent;
                                        background: $surface; padding: 0 1; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q,enter", "dismiss", "Close", id="filter_help.close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("The filter language", style="bold"))
            yield Static(Text(LANGUAGE_HELP))
            yield Static(Text("esc closes; the query you were typing is kept.", style="dim"))
