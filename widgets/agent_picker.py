"""Assign to…: agents by name with type-to-search, "me" first, "Unassign", and any agent ID typed whole.

The picker knows no directory: `search(text)` gives the (id, name) pairs that `text` names, best first
(all of them for ""). What the agent types stays visible in the field above the list; ↑/↓ move in the list,
enter chooses the highlighted row. It dismisses with an agent id, `UNASSIGN`, or None (esc).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from widgets.pickers import _MODAL_CSS
from widgets.safe_input import SafeInput
from widgets.safe_text import one_line, safe_content

__all__ = ["UNASSIGN", "AgentPicker"]

UNASSIGN = ("special", "unassign")
_TYPED = re.compile(r"[A-Za-z0-9_-]{1,100}")
_MUTED = "$text-muted"

def _looks_like_id(text: str) -> bool:
    """`agt_…`, a UUID: an id's characters only, and one a name has not (a digit, `_` or `-`)."""
    return _TYPED.fullmatch(text) is not None and any(char.isdigit() or char in "_-" for char in text)


Search = Callable[[str], Sequence[tuple[str, str]]]


class AgentPicker(ModalScreen[Any]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="agent_picker.cancel"),
        Binding("down", "move(1)", "Down", show=False, id="agent_picker.down"),
        Binding("up", "move(-1)", "Up", show=False, id="agent_picker.up"),
    ]

    DEFAULT_CSS = (
        "AgentPicker {" + _MODAL_CSS
        + "& > Vertical { width: 64; } & Input { width: 100%; margin: 0 0 1 0; }"
        "& OptionList, & OptionList:focus { height: auto; max-height: 14; border: none; padding: 0; }}"
    )

    def __init__(self, search: Search, *, me: str | None = None, current: str | None = None,
                 title: str = "Assign to") -> None:
        super().__init__()
        self._search = search
        self._me = me
        self._current = current
        self._title = title
        self._values: list[Any] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_content(self._title), classes="picker--title")
            yield SafeInput(placeholder="type a name, or an agent ID", id="agent-search")
            yield OptionList(id="agent-options")
            yield Static("type to search · ↑↓ move · enter choose · esc cancel", classes="picker--hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).can_focus = False  # the keys stay in the search field
        self._show("")
        self.query_one(Input).focus()

    @property
    def values(self) -> list[Any]:
        """What each row chooses, in order (an agent id, or UNASSIGN)."""
        return list(self._values)

    def _show(self, text: str) -> None:
        typed = text.strip()
        found = list(self._search(typed))
        if self._me is not None:
            # Me first: the most common choice of all.
            found.sort(key=lambda item: item[0] != self._me)
        rows: list[tuple[Any, Content]] = [(agent_id, self._label(agent_id, name)) for agent_id, name in found]
        if not typed or "unassign".startswith(typed.casefold()):
            rows.append((UNASSIGN, Content("Unassign") + (Content.styled("  (current)", _MUTED)
                                                          if self._current is None else Content(""))))
        if _looks_like_id(typed) and all(agent_id != typed for agent_id, _ in found):
            # An agent this app has not met yet: any ID the service knows can be assigned.
            rows.append((typed, Content.assemble("Assign to ", (typed, "bold"), ("  (an agent ID)", _MUTED))))
        self._values = [value for value, _ in rows]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(label) for _, label in rows])
        if rows:
            options.highlighted = 0

    def _label(self, agent_id: str, name: str) -> Content:
        label = safe_content(one_line(name, 40)) + Content.styled(f"  {one_line(agent_id, 40)}", _MUTED)
        if agent_id == self._me:
            label += Content.styled("  — me", "$accent")
        if agent_id == self._current:
            label += Content.styled("  (current)", _MUTED)
        return label

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._show(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None and 0 <= highlighted < len(self._values):
            self.dismiss(self._values[highlighted])

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._values[event.option_index])

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if not self._values:
            return
        at = options.highlighted if options.highlighted is not None else -1
        options.highlighted = max(0, min(len(self._values) - 1, at + step))

    def action_cancel(self) -> None:
        self.dismiss(None)
