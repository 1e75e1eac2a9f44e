"""`[keymap]`: binding ids mapped to keys, checked before Textual's `App.set_keymap` applies them.

Textual applies a keymap silently: an unknown id does nothing, and a key taken twice in one screen
quietly drops one of the bindings. So the ids are checked against the bindings the app really has, and
two ids on one key within a screen are reported, but only when the config caused it (the built-in
bindings shadow each other on purpose: `q` closes the help screen instead of quitting).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from textual.app import App
from textual.dom import DOMNode

__all__ = ["KeymapProblem", "check_keymap", "known_binding_ids", "scopes"]


@dataclass(frozen=True)
class KeymapProblem:
    message: str

    def __str__(self) -> str:
        return self.message


def scopes() -> dict[str, list[type[DOMNode]]]:
    """What is active together: the app's bindings, a screen's, and the widget that has the focus there."""
    from app.screens.composer import ComposerScreen
    from app.screens.connection_error import ConnectionErrorScreen
    from app.screens.edit_ticket import EditTicketScreen
    from app.screens.help import HelpScreen
    from app.screens.list_bulk import BulkSummaryScreen, InterruptedBulkQuestion
    from app.screens.new_ticket import NewTicketScreen
    from app.screens.ticket_detail import TicketDetailScreen
    from app.screens.ticket_list import TicketListScreen
    from app.tui import CStarApp
    from widgets.agent_picker import AgentPicker
    from widgets.filter_bar import FilterBar
    from widgets.pickers import ConfirmDialog, OptionPicker, TextPrompt
    from widgets.thread import MessageThread
    from widgets.ticket_table import TicketTable

    return {
        "ticket list": [CStarApp, TicketListScreen, TicketTable],
        "filter bar": [CStarApp, TicketListScreen, FilterBar],
        "ticket": [CStarApp, TicketDetailScreen, MessageThread],
        "composer": [CStarApp, ComposerScreen],
        "new ticket": [CStarApp, NewTicketScreen],
        "edit ticket": [CStarApp, EditTicketScreen],
        "help": [CStarApp, HelpScreen],
        "connection error": [CStarApp, ConnectionErrorScreen],
        "bulk summary": [CStarApp, BulkSummaryScreen],
        "interrupted bulk": [CStarApp, InterruptedBulkQuestion],
        "picker": [CStarApp, OptionPicker],
        "assign picker": [CStarApp, AgentPicker],
        "confirm": [CStarApp, ConfirmDialog],
        "prompt": [CStarApp, TextPrompt],
    }


def _bindings(cls: type[DOMNode]) -> dict[str, str]:
    """Binding id -> normalized keys, for a class and its bases (`_merged_bindings` is how Textual does it)."""
    merged = cls._merged_bindings or cls._merge_bindings()
    found: dict[str, list[str]] = {}
    for key, bindings in merged.key_to_bindings.items():
        for binding in bindings:
            if binding.id:
                found.setdefault(binding.id, []).append(key)
    return {binding_id: ",".join(keys) for binding_id, keys in found.items()}


def known_binding_ids(scope_map: Mapping[str, list[type[DOMNode]]] | None = None) -> dict[str, str]:
    """Every configurable id with its default keys."""
    ids: dict[str, str] = {}
    for classes in (scope_map or scopes()).values():
        for cls in classes:
            ids.update(_bindings(cls))
    return ids


def check_keymap(keymap: Mapping[str, str],
                 scope_map: Mapping[str, list[type[DOMNode]]] | None = None) -> list[KeymapProblem]:
    scope_map = scope_map or scopes()
    known = known_binding_ids(scope_map)
    problems: list[KeymapProblem] = []
    for binding_id in keymap:
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(KeymapProblem(f"keymap: unknown binding id {binding_id!r}{hint}"))
    normalized = App._normalize_keymap(dict(keymap))
    reported: set[tuple[str, frozenset[str]]] = set()
    for scope, classes in scope_map.items():
        by_key: dict[str, list[str]] = {}
        for cls in classes:
            for binding_id, default_keys in _bindings(cls).items():
                keys = normalized.get(binding_id, default_keys)
                for key in keys.split(","):
                    owners = by_key.setdefault(key.strip(), [])
                    if binding_id not in owners:
                        owners.append(binding_id)
        for key, owners in by_key.items():
            if len(owners) < 2 or not any(owner in normalized for owner in owners):
                continue
            signature = (key, frozenset(owners))
            if signature in reported:
                continue
            reported.add(signature)
            problems.append(KeymapProblem(f"keymap: {' and '.join(repr(o) for o in owners)} are both on the "
                                          f"key {key!r} in the {scope} (only one of them will work there)"))
    return problems
