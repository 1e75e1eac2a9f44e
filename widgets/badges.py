"""Status and priority badges that read without colour: a symbol, the word, then a colour.

Agents on monochrome terminals, colour-blind agents and screenshots in a bug report all need to tell
`pending` from `open` at a glance, so the symbol and the word carry the meaning and colour only helps.
Every badge of a kind has the same width so table columns line up.

Styles are Textual style strings with theme variables (`$success`…); they resolve wherever Textual
renders `Content` (Static, Label, or a Line-API widget passing `parse_style=widget._get_style`).
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual.content import Content, Span

from widgets.safe_text import one_line

__all__ = [
    "PRIORITY_BADGES",
    "PRIORITY_WIDTH",
    "STATUS_BADGES",
    "STATUS_WIDTH",
    "Badge",
    "priority_badge",
    "priority_of",
    "priority_text",
    "status_badge",
    "status_of",
    "status_text",
]


class Badge(NamedTuple):
    symbol: str
    label: str
    style: str
    """A Textual style string; may use theme variables."""
    rich_style: str
    """The same idea as a plain Rich style, for Rich `Text` (which knows no theme variables)."""

    @property
    def plain(self) -> str:
        return f"{self.symbol} {self.label}" if self.symbol else self.label


# Symbols are all East-Asian-width "neutral" (one cell in every terminal, CJK locales included;
# ●, ▲ and ■ are "ambiguous" and take two cells there). A sparkle for new, a pointer for in progress,
# a hollow circle for waiting on someone, a check for done, a small square for shut.
STATUS_BADGES: dict[str, Badge] = {
    "new": Badge("◉", "new", "bold $accent", "bold cyan"),
    "open": Badge("▸", "open", "$warning", "yellow"),
    "pending": Badge("◌", "pending", "$secondary", "magenta"),
    "resolved": Badge("✓", "resolved", "$success", "green"),
    "closed": Badge("▪", "closed", "$text-muted", "dim"),
}

# A two-cell symbol field so the words line up.
PRIORITY_BADGES: dict[str, Badge] = {
    "urgent": Badge("▴▴", "urgent", "bold $error", "bold red"),
    "high": Badge(" ▴", "high", "$warning", "yellow"),
    "normal": Badge(" ∙", "normal", "$text", ""),
    "low": Badge(" ▾", "low", "$text-muted", "dim"),
}

STATUS_WIDTH = max(len(badge.plain) for badge in STATUS_BADGES.values())
PRIORITY_WIDTH = max(len(badge.plain) for badge in PRIORITY_BADGES.values())


#: How much of a value this version does not know is shown (a table cell cuts it further).
UNKNOWN_MAX = 40


def _unknown(value: str) -> Badge:
    # A server newer than this client may add a status or priority: show it as sent (cleaned: it is
    # untrusted text), in a neutral style and without a symbol, so the whole cell is left for the word.
    return Badge("", one_line(value, UNKNOWN_MAX) or "?", "italic", "italic")


def status_of(status: str) -> Badge:
    """The badge for a status, known or not."""
    return STATUS_BADGES.get(status) or _unknown(status)


def priority_of(priority: str) -> Badge:
    """The badge for a priority, known or not."""
    return PRIORITY_BADGES.get(priority) or _unknown(priority)


def _content(badge: Badge, width: int, pad: bool) -> Content:
    text = badge.plain
    if pad and len(text) < width:
        text = text.ljust(width)
    return Content(text, [Span(0, len(badge.plain), badge.style)], strip_control_codes=False)


def status_badge(status: str, *, pad: bool = False) -> Content:
    """`◉ new`, `▸ open`, `◌ pending`, `✓ resolved`, `▪ closed` (pad=True: all STATUS_WIDTH wide)."""
    return _content(status_of(status), STATUS_WIDTH, pad)


def priority_badge(priority: str, *, pad: bool = False) -> Content:
    """`▴▴ urgent`, ` ▴ high`, ` ∙ normal`, ` ▾ low` (pad=True: all PRIORITY_WIDTH wide)."""
    return _content(priority_of(priority), PRIORITY_WIDTH, pad)


def status_text(status: str) -> Text:
    badge = status_of(status)
    return Text(badge.plain, style=badge.rich_style, end="")


def priority_text(priority: str) -> Text:
    badge = priority_of(priority)
    return Text(badge.plain, style=badge.rich_style, end="")
