"""A line that says, in words, which items of a response the app could not read and left out.

The rest of a page or thread is shown as usual; this line keeps the gap from going unnoticed. IDs come
from the server, so they are cleaned like any other untrusted text.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from api.models import Unreadable
from widgets.safe_text import one_line

__all__ = ["UnreadableNotice", "unreadable_sentence"]

IDS_SHOWN = 5


def unreadable_sentence(items: Sequence[Unreadable], where: str = "") -> str:
    """`⚠ 2 tickets could not be read and are not shown: tkt_a, tkt_b. …`; "" for none.

    `where` narrows the noun: " of this ticket" gives "2 messages of this ticket could not be read".
    """
    if not items:
        return ""
    count = len(items)
    noun = items[0].kind if count == 1 else f"{items[0].kind}s"
    text = f"⚠ {count} {noun}{where} could not be read and {'is' if count == 1 else 'are'} not shown"
    ids = [one_line(item.id, 40) for item in items if item.id]
    if ids:
        text += ": " + ", ".join(ids[:IDS_SHOWN])
        if len(ids) > IDS_SHOWN:
            text += f" and {len(ids) - IDS_SHOWN} more"
    if len(ids) < count:
        text += f" ({count - len(ids)} without an ID)" if ids else " (no ID given)"
    return text + ". The service sent something this version of the app cannot read."


class UnreadableNotice(Static):
    """Hidden until `show_items()` is given something; `show_items(())` hides it again."""

    DEFAULT_CSS = """
    UnreadableNotice { display: none; height: auto; padding: 0 1; color: $warning; background: $warning 12%; }
    UnreadableNotice.-shown { display: block; }
    """

    def __init__(self, where: str = "", *, id: str | None = None) -> None:
        super().__init__(Content(""), id=id)
        self._where = where
        self.items: tuple[Unreadable, ...] = ()

    def show_items(self, items: Sequence[Unreadable]) -> None:
        if tuple(items) == self.items:
            return  # unchanged: an update would ask for a new layout of the whole screen (each page)
        self.items = tuple(items)
        self.update(Content(unreadable_sentence(self.items, self._where)))
        self.set_class(bool(self.items), "-shown")
