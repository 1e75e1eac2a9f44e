"""Marked tickets, per list view: what a bulk action applies to.

No Textual: the table only gets the ids to draw a ✓ for. Marks belong to a view (its store key) so a
filter typed on top of a view starts with no marks, and going back finds the marks where they were.
A ticket that leaves the view (deleted, or no longer matching) loses its mark: a bulk must never reach
a ticket the agent can no longer see.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["Marks"]


class Marks:
    def __init__(self) -> None:
        # dicts, not sets: the order of marking is the order a bulk goes in.
        self._by_view: dict[str, dict[str, None]] = {}

    def of(self, view: str) -> list[str]:
        return list(self._by_view.get(view, ()))

    def count(self, view: str) -> int:
        return len(self._by_view.get(view, ()))

    def toggle(self, view: str, ticket_id: str) -> bool:
        """Mark or unmark one ticket; True when it is marked now."""
        marked = self._by_view.setdefault(view, {})
        if ticket_id in marked:
            del marked[ticket_id]
            return False
        marked[ticket_id] = None
        return True

    def mark_all(self, view: str, ticket_ids: Iterable[str]) -> int:
        """Mark every one of `ticket_ids` (those marked stay marked); how many are marked now."""
        marked = self._by_view.setdefault(view, {})
        marked.update(dict.fromkeys(ticket_ids))
        return len(marked)

    def clear(self, view: str) -> int:
        """Unmark every ticket of the view; how many were marked."""
        return len(self._by_view.pop(view, {}))

    def keep_only(self, view: str, ticket_ids: Iterable[str]) -> bool:
        """The view's rows changed: marks on tickets no longer in it go. True when any went."""
        marked = self._by_view.get(view)
        if not marked:
            return False
        present = set(ticket_ids)
        gone = [i for i in marked if i not in present]
        for ticket_id in gone:
            del marked[ticket_id]
        return bool(gone)

    def forget(self) -> None:
        """Another connection (profile): its tickets are not these."""
        self._by_view.clear()
