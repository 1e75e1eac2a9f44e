"""A one-line status text that repaints without asking for a new layout.

`Static.update` refreshes the layout (its content may change size), which reflows the whole screen; the
list's "50 of 342" line changes on every page, so it only repaints itself.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()

    def set_text(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    def render(self) -> Text:
        return self._text
