"""FilterBar: the input for the filter query language, debounced, with an inline error line.

Typing posts `FilterBar.Changed` once the keys stop for `debounce` seconds (one request per pause,
not per keystroke); Enter posts any pending change and then `FilterBar.Submitted` at once; `?` typed into the empty bar
posts `FilterBar.HelpRequested` (and is not kept); Esc clears
the query (posting `Changed("")` and `Cleared` immediately) or, when it is already empty, lets the
key through to the screen. The screen parses the query and calls `show_error()` / `clear_error()`.
"""

from __future__ import annotations

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from widgets.safe_input import SafeInput
from widgets.safe_text import safe_content

__all__ = ["DEFAULT_PLACEHOLDER", "FilterBar"]

# Says what to press before any example, in italics: it must not read as a filter already applied.
DEFAULT_PLACEHOLDER = "press / to filter, for example  status:open prio:high assignee:me refund"


class FilterBar(Widget):
    """A one-line query input plus an error line that only shows when there is an error."""

    BINDINGS: list[BindingType] = [
        Binding("escape", "clear", "Clear filter", show=False, id="filter.clear"),
    ]

    DEFAULT_CSS = """
    FilterBar {
        height: auto;
        & > Input { border: none; height: 1; padding: 0 1; background: $boost; }
        /* Input:focus outranks the rule above and brings back a border, which on a one-row input leaves
           no row for the text: a focused bar hid the query being typed. */
        & > Input:focus { border: none; background: $accent 20%; }
        & > Input > .input--placeholder { text-style: italic; }
        & > .filter-bar--error { height: auto; max-height: 7; padding: 0 1; color: $error; display: none; }
        &.-error > .filter-bar--error { display: block; }
        &.-error > Input { background: $error 15%; }
    }
    """

    class Changed(Message):
        """The query changed and the typing paused (or Enter/Esc forced it)."""

        def __init__(self, filter_bar: FilterBar, query: str) -> None:
            super().__init__()
            self.filter_bar = filter_bar
            self.query = query

        @property
        def control(self) -> FilterBar:
            return self.filter_bar

    class Submitted(Message):
        """Enter in the filter input."""

        def __init__(self, filter_bar: FilterBar, query: str) -> None:
            super().__init__()
            self.filter_bar = filter_bar
            self.query = query

        @property
        def control(self) -> FilterBar:
            return self.filter_bar

    class HelpRequested(Message):
        """`?` typed into the empty bar: the screen explains the language (the `?` is not kept)."""

        def __init__(self, filter_bar: FilterBar) -> None:
            super().__init__()
            self.filter_bar = filter_bar

        @property
        def control(self) -> FilterBar:
            return self.filter_bar

    class Cleared(Message):
        """Esc emptied the query (a `Changed("")` is posted too)."""

        def __init__(self, filter_bar: FilterBar) -> None:
            super().__init__()
            self.filter_bar = filter_bar

        @property
        def control(self) -> FilterBar:
            return self.filter_bar

    def __init__(
        self,
        value: str = "",
        *,
        placeholder: str = DEFAULT_PLACEHOLDER,
        debounce: float = 0.15,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.debounce = debounce
        self._initial = value
        self._placeholder = placeholder
        self._timer: Timer | None = None
        self._posted = value
        # Input.Changed for a value we set ourselves arrives later; remember it so we don't echo it.
        self._programmatic: str | None = None
        self._error: str | None = None

    def compose(self) -> ComposeResult:
        yield SafeInput(self._initial, placeholder=self._placeholder, id="filter-input")
        yield Static("", classes="filter-bar--error", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value if self.is_mounted else self._initial

    @property
    def pending(self) -> bool:
        """A typed change is waiting out the debounce (tests wait for this instead of a fixed time)."""
        return self._timer is not None

    @property
    def error(self) -> str | None:
        return self._error

    def set_query(self, query: str) -> None:
        """Replace the text without posting Changed (the caller applies the query itself)."""
        self._cancel_timer()
        self._posted = query
        if not self.is_mounted:
            self._initial = query
            return
        if self.input.value != query:
            self._programmatic = query
            self.input.value = query
            self.input.cursor_position = len(query)

    def show_error(self, message: str) -> None:
        """Show a (syntax) error under the input; the text is rendered literally."""
        self._error = message
        self.query_one(".filter-bar--error", Static).update(safe_content(message, max_chars=500, single_line=False))
        self.add_class("-error")

    def clear_error(self) -> None:
        self._error = None
        self.query_one(".filter-bar--error", Static).update("")
        self.remove_class("-error")

    def flush(self) -> None:
        """Post a change still waiting out the debounce now, as its timer would (tests use this as their clock)."""
        if self._timer is not None:
            self._cancel_timer()
            self._flush()

    def focus(self, scroll_visible: bool = True) -> FilterBar:
        self.input.focus(scroll_visible)
        return self

    # --- events ---------------------------------------------------------------------------------

    @on(Input.Changed, "#filter-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._programmatic is not None and event.value == self._programmatic:
            self._programmatic = None
            return
        self._programmatic = None
        if event.value == "?":  # a query of one `?` means nothing else: it asks what to type
            self._programmatic = ""
            self.input.value = ""
            self.post_message(self.HelpRequested(self))
            return
        self._cancel_timer()
        if self.debounce <= 0:
            self._flush()
        else:
            self._timer = self.set_timer(self.debounce, self._flush)

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._flush()
        self.post_message(self.Submitted(self, self.input.value))

    def action_clear(self) -> None:
        if not self.input.value:
            raise SkipAction()  # nothing to clear: let the screen have Esc (e.g. back to the list)
        self._cancel_timer()
        self._programmatic = ""
        self.input.value = ""
        self._post_changed("")
        self.post_message(self.Cleared(self))

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _flush(self) -> None:
        self._timer = None
        self._post_changed(self.input.value)

    def _post_changed(self, query: str) -> None:
        if query != self._posted:
            self._posted = query
            self.post_message(self.Changed(self, query))
