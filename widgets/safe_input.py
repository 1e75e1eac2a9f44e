"""Input and TextArea that never hold a control character: what an agent pastes is cleaned on the way in.

Textual's Input and TextArea paint their text as it is, so an ESC pasted from a customer's message (or
an OSC 52 sequence copied out of a web page) would reach the agent's terminal from the very field they
type in. Typed keys can't carry one (the terminal turns ESC into a key), so pasting is the only way in
besides a programmatic value, which callers clean themselves (`widgets.safe_text.one_line`/`clean`).
The visible stand-ins (␛, ⟨RLO⟩…) are what gets sent, which is what the agent saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.widgets import Input

from widgets.safe_text import clean

if TYPE_CHECKING:
    from widgets.safe_text_area import SafeTextArea

__all__ = ["SafeInput", "SafeTextArea"]


def __getattr__(name: str) -> Any:
    # SafeTextArea lives in its own module: TextArea costs ~14 ms to import, and the list (whose filter bar
    # is a SafeInput) does not need it.
    if name == "SafeTextArea":
        from widgets.safe_text_area import SafeTextArea

        return SafeTextArea
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SafeInput(Input):
    def _on_paste(self, event: events.Paste) -> None:
        # Input keeps the first line of a paste; clean first, so a lone CR or a form feed becomes a
        # visible stand-in instead of silently ending the line there.
        event.prevent_default()  # Input's own handler would insert the raw text
        super()._on_paste(events.Paste(clean(event.text).split("\n")[0]))
        event.stop()
