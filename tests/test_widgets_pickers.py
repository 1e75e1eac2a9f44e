"""OptionPicker, ConfirmDialog and TextPrompt driven by keys in a host app."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import OptionList, Static

from widgets.pickers import ConfirmDialog, OptionPicker, TextPrompt

STATUSES = [(s, s) for s in ("new", "open", "pending", "resolved", "closed")]
PRIORITIES = [(p, p) for p in ("low", "normal", "high", "urgent")]


class HostApp(App[None]):
    # App-wide single-letter keys, as the real app has: the picker must still get its letters.
    BINDINGS = [("n", "bell", "New"), ("o", "bell", "Open"), ("q", "quit", "Quit")]

    def __init__(self) -> None:
        super().__init__()
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("host")

    def ask(self, screen: Screen[Any]) -> None:
        self.push_screen(screen, self.results.append)


async def test_first_letter_picks_immediately() -> None:
    for key, expected in [("n", "new"), ("o", "open"), ("p", "pending"), ("r", "resolved"), ("c", "closed")]:
        app = HostApp()
        async with app.run_test(size=(120, 35)) as pilot:
            app.ask(OptionPicker("Status", STATUSES, current="open"))
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
            assert app.results == [expected]
    app = HostApp()
    async with app.run_test(size=(120, 35)) as pilot:
        app.ask(OptionPicker("Priority", PRIORITIES))
        await pilot.pause()
        await pilot.press("U")
        await pilot.pause()
        assert app.results == ["urgent"]


async def test_arrows_enter_and_escape() -> None:
    app = HostApp()
    async with app.run_test(size=(120, 35)) as pilot:
        app.ask(OptionPicker("Priority", PRIORITIES, current="normal"))
        await pilot.pause()
        assert app.screen.query_one(OptionList).highlighted == 1
        await pilot.press("down", "enter")
        await pilot.pause()
        app.ask(OptionPicker("Priority", PRIORITIES))
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == ["high", None]
        assert app.is_running


async def test_shared_first_letters_cycle_and_plain_labels_give_indexes() -> None:
    app = HostApp()
    async with app.run_test(size=(120, 35)) as pilot:
        app.ask(OptionPicker("Canned response", ["Thanks", "Refund issued", "Reset password", "Other"]))
        await pilot.pause()
        option_list = app.screen.query_one(OptionList)
        await pilot.press("r")
        assert option_list.highlighted == 1
        await pilot.press("r")
        assert option_list.highlighted == 2
        await pilot.press("r")
        assert option_list.highlighted == 1
        await pilot.press("enter")
        await pilot.pause()
        app.ask(OptionPicker("Canned response", ["Thanks", "Refund issued", "Reset password", "Other"]))
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert app.results == [1, 0]


async def test_hostile_labels_are_literal() -> None:
    app = HostApp()
    async with app.run_test(size=(120, 35)) as pilot:
        app.ask(OptionPicker("Assign to [b]?", [("a", "[@click=app.quit]Mallory[/]"), ("b", "\x1b]0;x\x07 Bob")]))
        await pilot.pause()
        text = "\n".join(app.screen.query_one(OptionList).render_line(y).text for y in range(2))
        assert "[@click=app.quit]Mallory[/]" in text and "␛]0;x␇ Bob" in text
        await pilot.click(OptionList, offset=(3, 0))
        await pilot.pause()
        assert app.is_running
        assert app.results == ["a"]


async def test_confirm_dialog_keys() -> None:
    for keys, expected in [(["y"], True), (["enter"], True), (["n"], False), (["escape"], False)]:
        app = HostApp()
        async with app.run_test(size=(120, 35)) as pilot:
            app.ask(ConfirmDialog("Delete ticket tkt_1?", "Delete"))
            await pilot.pause()
            await pilot.press(*keys)
            await pilot.pause()
            assert app.results == [expected], keys
    app = HostApp()
    async with app.run_test(size=(120, 35)) as pilot:
        app.ask(ConfirmDialog("Delete?", "Delete", danger=True))
        await pilot.pause()
        await pilot.press("enter")  # a destructive dialog focuses "No": a stray Enter is safe
        await pilot.pause()
        app.ask(ConfirmDialog("Delete?", "Delete", danger=True))
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.results == [False, True]


async def test_text_prompt_validates_inline() -> None:
    def must_be_id(value: str) -> str | None:
        return None if value.startswith("tkt_") else f"not a ticket id: {value}"

    app = HostApp()
    async with app.run_test(size=(120, 35)) as pilot:
        app.ask(TextPrompt("Open ticket", validator=must_be_id, placeholder="tkt_…"))
        await pilot.pause()
        await pilot.press("[", "/", "]", "enter")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        assert prompt.error == "not a ticket id: [/]"
        assert app.results == []
        await pilot.press("backspace", "backspace", "backspace", *"tkt_1", "enter")
        await pilot.pause()
        app.ask(TextPrompt("Title", value="old"))
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == ["tkt_1", None]
