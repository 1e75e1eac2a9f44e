"""The TextArea twin of `widgets.safe_input.SafeInput`: a paste is cleaned on the way in (see there why).

A module of its own so that importing SafeInput (the list's filter bar) does not import TextArea.
"""

from __future__ import annotations

from textual import events
from textual.widgets import TextArea

from widgets.safe_text import clean

__all__ = ["SafeTextArea"]


class SafeTextArea(TextArea):
    async def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()
        await super()._on_paste(events.Paste(clean(event.text)))
        event.stop()
