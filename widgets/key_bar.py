"""A one-line key bar: the keys that work here, painted as one line of text.

Textual's Footer builds a widget per key and restyles each on every screen switch; with the dozen keys
of the detail view that cost hundreds of milliseconds per open. This bar renders the same bindings as a
single Text, so switching screens costs one line of painting.
"""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { height: 1; dock: bottom; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            if line:
                line.append("  ")
            line.append(self.app.get_key_display(binding), style="bold" if active.enabled else "dim")
            line.append(" ")
            line.append(binding.description, style="" if active.enabled else "dim")
        if self.app.ENABLE_COMMAND_PALETTE:
            line.append("  ")
            line.append("^p", style="bold")
            line.append(" palette")
        return line
