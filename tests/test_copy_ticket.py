"""`y` copies the ticket ID and `Y` its web address (OSC 52 through the terminal), from the list and the ticket."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.sandbox import Sandbox
from app.config import ConfigError, LoadedConfig, parse_config
from tests.detail_support import open_row, table, wait_for_list
from tests.helpers import make_app, settle

SIZE = (130, 36)
WEB = 'web_url = "https://app.example/tickets/{id}"\n'


def _config(text: str) -> LoadedConfig:
    path = Path("config.toml")
    return LoadedConfig(path=path, file=parse_config(text, path))


async def test_y_copies_the_id_and_shift_y_the_link(sandbox: Sandbox) -> None:
    app = make_app(sandbox, config=_config(WEB))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_list(pilot)
        await pilot.press("j", "y")
        second = table(app).ticket_ids[1]
        assert app.clipboard == second
        await pilot.press("Y")
        assert app.clipboard == f"https://app.example/tickets/{second}"
        await open_row(pilot, second)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == second
        assert any(f"Copied {second}" in str(n.message) for n in app._notifications)


async def test_without_a_web_url_shift_y_says_how_to_set_one(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_list(pilot)
        await pilot.press("Y")
        await settle(pilot)
        assert app.clipboard == ""
        assert any("Set web_url" in str(n.message) for n in app._notifications)


async def test_an_id_with_odd_characters_is_not_copied(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_list(pilot)
        app.copy_ticket("tkt_x\nrm -rf ~\n")
        await settle(pilot)
        assert app.clipboard == ""
        assert any("not copied" in str(n.message) for n in app._notifications)


def test_web_url_must_say_where_the_id_goes() -> None:
    with pytest.raises(ConfigError, match="web_url"):
        parse_config('web_url = "https://app.example/tickets"\n', Path("config.toml"))
    assert parse_config(WEB, Path("config.toml")).web_url == "https://app.example/tickets/{id}"
