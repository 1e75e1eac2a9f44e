"""Reusable modal pickers: choose one option, confirm, or type a line of text.

Every label is rendered as `Content` built without markup (labels can come from the API: agent
names, canned-response titles, tags).

- `OptionPicker(title, options, current=None)` dismisses with the chosen value or None. Arrows and
  Enter choose; typing the first letter of an option chooses it at once when that letter is unique
  (statuses and priorities all are), or moves to the next option with that letter when it isn't.
- `ConfirmDialog(question, confirm_label)` dismisses with True (y / Enter) or False (n / Esc).
- `TextPrompt(title, value="", validator=None, placeholder="")` dismisses with the text or None;
  the validator returns an error sentence (shown inline, the prompt stays) or None.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content, Span
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from widgets.safe_input import SafeInput
from widgets.safe_text import one_line, safe_content

__all__ = ["ConfirmDialog", "OptionPicker", "TextPrompt"]

OptionSpec = tuple[Any, "str | Content"] | str

_MODAL_CSS = """
    align: center middle;
    background: $background 60%;
    & > Vertical {
        width: 56;
        max-width: 90%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    & .picker--title { text-style: bold; width: 100%; padding: 0 0 1 0; }
    & .picker--hint { color: $text-muted; width: 100%; padding: 1 0 0 0; }
    & .picker--error { color: $error; display: none; width: 100%; }
    & .picker--error.-shown { display: block; }
"""


def _label_plain(label: str | Content) -> str:
    return label.plain if isinstance(label, Content) else label


def _first_letter(label: str | Content) -> str:
    for char in _label_plain(label):
        if char.isalnum():
            return char.lower()
    return ""


def _label_content(label: str | Content, letter_unique: bool, is_current: bool) -> Content:
    # A str label is untrusted text; a Content label was built by the caller (e.g. a badge).
    content = label if isinstance(label, Content) else safe_content(one_line(label, 200))
    if letter_unique:
        plain = content.plain
        for index, char in enumerate(plain):
            if char.isalnum():
                content = content.stylize("bold underline", index, index + 1)
                break
    if is_current:
        content = content + Content("  (current)", [Span(0, 11, "$text-muted")])
    return content


class OptionPicker(ModalScreen[Any]):
    """Pick one of `options`: (value, label) pairs, or plain labels whose value is their index."""

    BINDINGS: list[BindingType] = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
    ]

    DEFAULT_CSS = (
        "OptionPicker {"
        + _MODAL_CSS
        + "& OptionList, & OptionList:focus { height: auto; max-height: 20; border: none; padding: 0; }}"
    )

    def __init__(
        self,
        title: str,
        options: Sequence[OptionSpec],
        current: Hashable | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._title = title
        self._values: list[Any] = []
        self._labels: list[str | Content] = []
        for index, option in enumerate(options):
            if isinstance(option, tuple):
                value, label = option
            else:
                value, label = index, option
            self._values.append(value)
            self._labels.append(label)
        self._current = current
        self._letters = [_first_letter(label) for label in self._labels]

    def compose(self) -> ComposeResult:
        options = []
        for index, label in enumerate(self._labels):
            letter = self._letters[index]
            unique = bool(letter) and self._letters.count(letter) == 1
            is_current = self._current is not None and self._values[index] == self._current
            options.append(Option(_label_content(label, unique, is_current)))
        with Vertical():
            yield Static(safe_content(self._title), classes="picker--title")
            yield OptionList(*options, id="picker-options")
            yield Static("↑↓ move · enter choose · letter picks · esc cancel", classes="picker--hint")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        if self._current is not None and self._current in self._values:
            option_list.highlighted = self._values.index(self._current)
        elif self._values:
            option_list.highlighted = 0
        option_list.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._values[event.option_index])

    def on_key(self, event: events.Key) -> None:
        char = event.character
        if not char or not char.isalnum() or len(char) != 1:
            return
        matches = [index for index, letter in enumerate(self._letters) if letter == char.lower()]
        if not matches:
            return
        event.stop()
        event.prevent_default()
        if len(matches) == 1:
            self.dismiss(self._values[matches[0]])
            return
        option_list = self.query_one(OptionList)
        highlighted = option_list.highlighted if option_list.highlighted is not None else -1
        later = [index for index in matches if index > highlighted]
        option_list.highlighted = later[0] if later else matches[0]

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: y or Enter confirms, n or Esc cancels."""

    BINDINGS: list[BindingType] = [
        Binding("y", "confirm", "Yes", id="confirm.yes"),
        Binding("enter", "enter", "Yes", show=False, id="confirm.enter"),
        Binding("n,escape", "cancel", "No", id="confirm.no"),
    ]

    DEFAULT_CSS = (
        "ConfirmDialog {" + _MODAL_CSS + "& Horizontal { height: auto; width: auto; padding: 1 0 0 0; }"
        "& > Vertical { width: auto; min-width: 40; } & Button { margin: 0 1 0 0; min-width: 10; }}"
    )

    def __init__(
        self,
        question: str,
        confirm_label: str = "Confirm",
        *,
        cancel_label: str = "Cancel",
        danger: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._question = question
        self._confirm_label = confirm_label
        self._cancel_label = cancel_label
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_content(self._question), classes="picker--title")
            with Horizontal():
                yield Button(
                    safe_content(f"{one_line(self._confirm_label, 40)} (y)"),
                    variant="error" if self._danger else "primary",
                    id="confirm-yes",
                )
                yield Button(safe_content(f"{one_line(self._cancel_label, 40)} (n)"), id="confirm-no")

    def on_mount(self) -> None:
        # Focus on the safe choice for destructive questions: a stray Enter must not delete.
        self.query_one("#confirm-no" if self._danger else "#confirm-yes", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_enter(self) -> None:
        # Enter answers with the focused button ("No" first on a destructive question).
        focused = self.focused
        self.dismiss(not (isinstance(focused, Button) and focused.id == "confirm-no"))

    def action_cancel(self) -> None:
        self.dismiss(False)


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text; Enter validates and returns it, Esc returns None."""

    BINDINGS: list[BindingType] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    DEFAULT_CSS = "TextPrompt {" + _MODAL_CSS + "& > Vertical { width: 72; } & Input { width: 100%; }}"

    def __init__(
        self,
        title: str,
        value: str = "",
        validator: Callable[[str], str | None] | None = None,
        *,
        placeholder: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._title = title
        self._value = value
        self._validator = validator
        self._placeholder = placeholder
        self._error: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_content(self._title), classes="picker--title")
            # A prefilled value may come from the API (a tag, a metadata value): never a control character.
            yield SafeInput(one_line(self._value), placeholder=self._placeholder, id="prompt-input")
            yield Static("", classes="picker--error", markup=False)
            yield Static("enter ok · esc cancel", classes="picker--hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @property
    def error(self) -> str | None:
        """The error shown under the input (as given), or None."""
        return self._error

    def show_error(self, message: str) -> None:
        self._error = message
        error = self.query_one(".picker--error", Static)
        error.update(safe_content(message, max_chars=500))
        error.add_class("-shown")

    def clear_error(self) -> None:
        self._error = None
        error = self.query_one(".picker--error", Static)
        error.update("")
        error.remove_class("-shown")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.clear_error()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value
        if self._validator is not None:
            problem = self._validator(value)
            if problem:
                self.show_error(problem)
                return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
