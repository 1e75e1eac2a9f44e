"""Drafts are written while the agent types: after a pause, and at most a second behind steady typing.

The rule itself runs on a controllable clock; the composer test types through Pilot without ever pausing
long enough for the pause rule, so only the max-wait can have written the draft."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.sandbox import Sandbox
from app.autosave import SaveThrottle
from app.drafts import DraftStore
from app.screens.composer import ComposerScreen
from tests.detail_support import SIZE, app_with_drafts, create_ticket, open_row


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def simulate(keys_at: list[float], throttle: SaveThrottle, clock: Clock) -> list[float]:
    """When the composer's timer would write the draft for keys pressed at these times (the timer is
    restarted on every key with the delay the throttle gives; it fires if no key comes first)."""
    saves: list[float] = []
    deadline: float | None = None
    for at in keys_at:
        if deadline is not None and deadline <= at:
            saves.append(deadline)
            clock.now = deadline
            throttle.saved()
        clock.now = at
        deadline = at + throttle.typed()
    if deadline is not None:
        saves.append(deadline)
    return saves


def test_a_pause_writes_the_draft_after_the_pause() -> None:
    clock = Clock()
    throttle = SaveThrottle(pause=0.3, max_wait=1.0, clock=clock)
    assert throttle.typed() == pytest.approx(0.3)
    clock.now += 0.2
    assert throttle.typed() == pytest.approx(0.3)  # another key: the pause starts again
    throttle.saved()
    assert throttle.unsaved_since is None


def test_steady_typing_is_written_at_least_every_second() -> None:
    clock = Clock()
    throttle = SaveThrottle(pause=0.3, max_wait=1.0, clock=clock)
    keys = [100.0 + i * 0.1 for i in range(60)]  # six seconds, a key every 0.1 s: never a 0.3 s pause
    saves = simulate(keys, throttle, clock)
    gaps = [b - a for a, b in zip([keys[0], *saves], saves, strict=False)]
    assert len(saves) >= 6
    assert all(gap <= 1.0 + 1e-9 for gap in gaps), gaps
    # The last write comes after the last key (it holds everything), at most a pause later.
    assert keys[-1] < saves[-1] <= keys[-1] + 0.3 + 1e-9


def test_the_max_wait_counts_from_the_first_unsaved_key() -> None:
    clock = Clock()
    throttle = SaveThrottle(pause=0.3, max_wait=1.0, clock=clock)
    throttle.typed()
    clock.now += 0.8
    assert throttle.typed() == pytest.approx(0.2)
    clock.now += 0.5  # the timer was late (a busy loop): save at once
    assert throttle.typed() == 0.0
    throttle.saved()
    clock.now += 0.1
    assert throttle.typed() == pytest.approx(0.3)


async def test_the_composer_writes_the_draft_while_the_agent_keeps_typing(
        sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A pause long enough never to happen in this test: whatever is on disk was written by the max-wait.
    monkeypatch.setattr("app.screens.composer.SAVE_DELAY", 60.0)
    ticket = create_ticket(sandbox)
    app = app_with_drafts(sandbox, sandbox.transport(), tmp_path)
    store = DraftStore(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        await pilot.press("r")
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        typed = 0
        while not store.path(ticket["id"]).exists():
            assert typed < 150, "steady typing never wrote the draft"
            await pilot.press("abcdefghij"[typed % 10])
            typed += 1
        saved = store.load(ticket["id"])
        assert saved is not None and saved.text
        assert composer.text_area.text.startswith(saved.text)


async def test_a_save_already_due_is_written_at_once(sandbox: Sandbox, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """On a loop so busy that the max-wait has passed by the next key, the save is due now: it is written
    then (a 0-second Textual timer that fires late divides by zero and takes the app down)."""
    monkeypatch.setattr("app.screens.composer.SAVE_MAX_WAIT", 0.0)
    ticket = create_ticket(sandbox)
    app = app_with_drafts(sandbox, sandbox.transport(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        await pilot.press("r", *"now")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ComposerScreen)
        assert DraftStore(tmp_path).load(ticket["id"]).text == "now"
