"""The agent directory: agents' names by id, learned from what the app reads, kept per profile.

The cStar API has no agents endpoint and a ticket's `assignedTo` is a bare id; the names come from the
messages agents wrote (`senderId` + `senderName`) and from the configured agent's own name. So the list,
the detail header and the assign picker show "Dana Scully" where they can, and `assignee:dana` finds her
(`ids_named`, which the filter language asks through its agent lookup).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from app.desk.directory import Directory, clean_name, is_id, profile_file, words_match

if TYPE_CHECKING:
    from app.settings import Settings

__all__ = ["MAX_AGENTS", "AgentDirectory", "agents_for"]

MAX_AGENTS = 1000
"""Agents remembered per profile; the ones learned longest ago are forgotten first."""


class _Message(Protocol):
    @property
    def sender(self) -> str: ...

    @property
    def sender_id(self) -> str | None: ...

    @property
    def sender_name(self) -> str | None: ...


class AgentDirectory(Mapping[str, str]):
    """Agent id -> cleaned name (a read-only mapping for the widgets), learned with `learn`."""

    def __init__(self, path: Path | None = None, limit: int = MAX_AGENTS) -> None:
        self._names = Directory(path, limit)

    @property
    def path(self) -> Path | None:
        return self._names.path

    def __getitem__(self, agent_id: str) -> str:
        entry = self._names.entry(agent_id)
        if entry is None:
            raise KeyError(agent_id)
        return entry[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self._names

    def learn(self, agent_id: str | None, name: str | None) -> bool:
        """Remember the agent's name (the newest wins); True when something changed."""
        cleaned = clean_name(name)
        if not is_id(agent_id) or not cleaned:
            return False
        assert agent_id is not None
        return self._names.put(agent_id, (cleaned,))

    def learn_messages(self, messages: Iterable[_Message]) -> bool:
        """The authors of agent messages (public replies and internal notes alike)."""
        changed = False
        for message in messages:
            if message.sender == "agent":
                changed = self.learn(message.sender_id, message.sender_name) or changed
        return changed

    def ids_named(self, name: str) -> list[str]:
        """Ids of the agents whose name matches `name` (case- and accent-insensitive, a word's start)."""
        return [agent_id for agent_id, _ in self.search(name, ids=False)]

    def search(self, text: str, *, ids: bool = True) -> list[tuple[str, str]]:
        """(id, name) of the agents `text` names, by name; with `ids`, an id it starts matches too."""
        text = text.strip()
        # An id is matched by its start once what is typed looks like one (`agt_`, digits): "a" alone is a
        # name being typed, not the start of every `agt_…`.
        by_id = ids and (not text or any(char.isdigit() or char in "_-" for char in text))
        found = [(agent_id, entry) for agent_id in self._names
                 if (entry := self[agent_id]) and (words_match(text, entry)
                                                   or (by_id and agent_id.casefold().startswith(text.casefold())))]
        return sorted(found, key=lambda item: (item[1].casefold(), item[0]))

    def save(self) -> None:
        self._names.save()


def agents_for(settings: Settings, root: Path | None = None) -> AgentDirectory:
    """The directory of this connection's profile, in the user data dir; the configured agent is in it."""
    directory = AgentDirectory(profile_file(settings, "agents", root))
    directory.learn(settings.agent_id, settings.agent_name)
    return directory
