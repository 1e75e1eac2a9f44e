"""FilterBar: debounce, Enter, Esc, programmatic queries and the inline error line."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from tests.helpers import until
from widgets.filter_bar import FilterBar

LONG = 60.0
"""A debounce no gap between two Pilot keystrokes reaches, however loaded the machine: only `flush()` ends it."""


async def _debounced(pilot, bar: FilterBar) -> None:
    """Wait until the debounce has fired (a short one, really waited out) and its change was handled."""
    await until(pilot, lambda: not bar.pending, "the debounce to fire")


class BarApp(App[None]):
    BINDINGS = [Binding("escape", "screen_escape", "Back")]

    def __init__(self, debounce: float = 0.15) -> None:
        super().__init__()
        self.debounce = debounce
        self.events: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield FilterBar(debounce=self.debounce)

    def on_mount(self) -> None:
        self.query_one(FilterBar).focus()

    @on(FilterBar.Changed)
    def _changed(self, event: FilterBar.Changed) -> None:
        self.events.append(("changed", event.query))

    @on(FilterBar.Submitted)
    def _submitted(self, event: FilterBar.Submitted) -> None:
        self.events.append(("submitted", event.query))

    @on(FilterBar.Cleared)
    def _cleared(self) -> None:
        self.events.append(("cleared", ""))

    def action_screen_escape(self) -> None:
        self.events.append(("screen_escape", ""))


async def test_quick_keystrokes_collapse_into_one_change() -> None:
    app = BarApp(debounce=LONG)
    async with app.run_test(size=(120, 35)) as pilot:
        bar = app.query_one(FilterBar)
        for key in "open":
            await pilot.press(key)
        await pilot.press("s")
        assert app.events == [] and bar.pending
        bar.flush()  # the pause after the last key ends: the debounce fires
        await pilot.pause()
        assert app.events == [("changed", "opens")]


async def test_enter_posts_pending_change_and_submitted_at_once() -> None:
    app = BarApp(debounce=LONG)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("p", "r", "i", "o", ":", "h")
        await pilot.press("enter")
        await pilot.pause()
        assert app.events == [("changed", "prio:h"), ("submitted", "prio:h")]


async def test_escape_clears_then_lets_the_screen_have_it() -> None:
    app = BarApp(debounce=0.05)
    async with app.run_test(size=(120, 35)) as pilot:
        bar = app.query_one(FilterBar)
        await pilot.press("r", "e", "f")
        await _debounced(pilot, bar)
        await pilot.press("escape")
        await pilot.pause()
        assert bar.value == ""
        assert app.events[-3:] == [("changed", "ref"), ("changed", ""), ("cleared", "")]
        await pilot.press("escape")
        await pilot.pause()
        assert app.events[-1] == ("screen_escape", "")


async def test_escape_before_the_debounce_fires_changes_nothing() -> None:
    app = BarApp(debounce=LONG)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("r", "e", "f", "escape")
        await pilot.pause()
        # The applied query never stopped being "": only Cleared, no Changed.
        assert app.events == [("cleared", "")]


async def test_set_query_does_not_echo_a_change() -> None:
    app = BarApp(debounce=0.05)
    async with app.run_test(size=(120, 35)) as pilot:
        bar = app.query_one(FilterBar)
        bar.set_query("status:open")
        await pilot.pause()  # the input's own Changed for it is handled: it started no debounce
        assert bar.value == "status:open" and not bar.pending
        assert app.events == []
        await pilot.press("x")
        await _debounced(pilot, bar)
        assert app.events == [("changed", "status:openx")]


async def test_error_line_is_literal_and_clears() -> None:
    app = BarApp()
    async with app.run_test(size=(120, 35)) as pilot:
        bar = app.query_one(FilterBar)
        error = bar.query_one(".filter-bar--error", Static)
        assert not error.display
        bar.show_error("unknown field [@click=app.quit]x[/] at \x1b[31m col 3")
        await pilot.pause()
        assert error.display
        assert bar.error.startswith("unknown field")
        rendered = error.render_line(0).text
        assert "[@click=app.quit]x[/]" in rendered and "␛[31m" in rendered
        await pilot.click(".filter-bar--error")
        assert app.is_running
        bar.clear_error()
        await pilot.pause()
        assert not error.display and bar.error is None


async def test_placeholder_and_focus() -> None:
    app = BarApp()
    async with app.run_test(size=(120, 35)):
        bar = app.query_one(FilterBar)
        assert "status:open" in bar.input.placeholder
        assert isinstance(app.focused, Input)
