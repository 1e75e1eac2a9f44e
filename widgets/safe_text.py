"""The single choke point for untrusted text (anything that came from the API).

Textual and Rich parse markup in plain `str` almost everywhere, and no Textual path strips terminal
escape sequences, so every title, name, tag and message body goes through `clean()` (or one of the
helpers built on it) before it reaches a widget. Dangerous or invisible characters are replaced by
*visible* stand-ins rather than silently dropped: an agent should see that a customer sent an ESC or a
right-to-left override, not be fooled by it.

What `clean()` guarantees is listed in `api.clean_text`, where it lives so that code without
Textual (the command line) cleans by the same rules.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.content import Content, Span

from api.clean_text import MAX_COMBINING, MAX_ZERO_WIDTH, clean, one_line

__all__ = [
    "MAX_COMBINING",
    "MAX_ZERO_WIDTH",
    "clean",
    "one_line",
    "safe_content",
    "safe_text",
]


def safe_content(
    text: str | None,
    style: Style | str = "",
    *,
    max_chars: int | None = None,
    single_line: bool = False,
) -> Content:
    """A Textual `Content` of untrusted text, never parsed as markup.

    `style` is a Textual style string ("bold $accent") or a Rich Style applied to the whole text.
    """
    if not text:
        return Content("")
    cleaned = one_line(text, max_chars) if single_line else clean(text, max_chars=max_chars)
    return Content(cleaned, [Span(0, len(cleaned), style)] if style else None, strip_control_codes=False)


def safe_text(
    text: str | None,
    style: Style | str = "",
    *,
    max_chars: int | None = None,
    single_line: bool = False,
) -> Text:
    """A Rich `Text` of untrusted text, never parsed as markup (and no emoji-code substitution)."""
    if not text:
        return Text("", style=style, end="")
    cleaned = one_line(text, max_chars) if single_line else clean(text, max_chars=max_chars)
    return Text(cleaned, style=style, end="", no_wrap=single_line)
