"""Status and priority values the server has sent beyond the ones this version knows (filter words)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .models import PRIORITIES, STATUSES

if TYPE_CHECKING:
    from .models import Ticket

__all__ = ["Vocabulary"]

# What a server-sent status or priority must look like to be offered as a bare filter word: anything
# else (huge, spaced, escape sequences) is still shown, cleaned, but never learnt.
_LEARNABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}")
_LEARN_MAX = 50


class Vocabulary:
    """Status and priority values the server has sent beyond the ones this version knows.

    Bounded (at most 50 of each, each a short word) so that a hostile server cannot grow it.
    """

    def __init__(self) -> None:
        self._statuses: dict[str, str] = {}
        self._priorities: dict[str, str] = {}

    def learn(self, tickets: Iterable[Ticket]) -> None:
        for ticket in tickets:
            self._add(self._statuses, ticket.status, STATUSES)
            self._add(self._priorities, ticket.priority, PRIORITIES)

    @staticmethod
    def _add(seen: dict[str, str], value: str, known: tuple[str, ...]) -> None:
        folded = value.lower()
        if folded in known or folded in seen or len(seen) >= _LEARN_MAX or not _LEARNABLE.fullmatch(value):
            return
        seen[folded] = value

    @property
    def statuses(self) -> dict[str, str]:
        """Lower-cased value -> the server's spelling."""
        return dict(self._statuses)

    @property
    def priorities(self) -> dict[str, str]:
        return dict(self._priorities)
