"""The config in the running app (Pilot against the sandbox): key overrides, views, macros, theme, profiles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.widgets import Tabs

from api.sandbox import Sandbox
from app.config import LoadedConfig, parse_config
from app.config_cli import toml_value
from app.drafts import DraftStore
from app.screens.composer import ComposerScreen
from app.screens.help import HelpScreen
from app.screens.ticket_detail import TicketDetailScreen
from app.screens.ticket_list import TicketListScreen
from app.startup_checks import startup_problems
from tests.detail_support import (
    SIZE,
    app_with_drafts,
    create_ticket,
    list_screen,
    open_row,
    stored,
    stored_messages,
    table,
)
from tests.helpers import RecordingTransport, make_app, settle
from widgets.filter_bar import FilterBar
from widgets.ticket_table import TicketTable


def loaded(tmp_path: Path, text: str) -> LoadedConfig:
    path = tmp_path / "config.toml"
    return LoadedConfig(path=path, file=parse_config(text, path), exists=True, state_path=tmp_path / "state.json")


def notifications(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def palette_pick(pilot: Any, query: str) -> None:
    """Type into an open command palette and take the first hit once it is listed."""
    app = pilot.app
    await settle(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*query)
    await settle(pilot, lambda: app.screen.query_one("CommandList").option_count > 0
                 and app.screen.query_one("CommandList").highlighted is not None)
    await pilot.press("enter")


async def test_a_keymap_override_changes_what_a_key_does(sandbox: Sandbox, tmp_path: Path) -> None:
    config = loaded(tmp_path, '[keymap]\n"list.filter" = "f"\n')
    app = make_app(sandbox, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(table(app).ticket_ids))
        bar = app.screen.query_one(FilterBar)
        await pilot.press("slash")
        assert isinstance(app.focused, TicketTable), "/ no longer focuses the filter"
        await pilot.press("f")
        assert app.focused is not None and (app.focused is bar or bar in app.focused.ancestors)
        await pilot.press("escape", "escape")
        app.screen.query_one(TicketTable).focus()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        # The help screen is generated from the bindings in force, so it shows the new key.
        keys = {active.binding.id: key for key, active in app.screen._shown.items()}
        assert keys["list.filter"] == "f" and "slash" not in app.screen._shown


async def test_keymap_problems_are_notified_at_start(sandbox: Sandbox, tmp_path: Path) -> None:
    config = loaded(tmp_path, '[keymap]\n"list.fliter" = "f"\n"list.refresh" = "n"\n')
    problems = startup_problems(config)
    assert any("unknown binding id 'list.fliter'" in p for p in problems)
    assert any("'list.refresh' and 'list.new_ticket' are both on the key 'n' in the ticket list" in p
               for p in problems)
    app = make_app(sandbox, config=config, problems=problems)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, lambda: bool(table(app).ticket_ids))
        assert problems and all(p in notifications(app) for p in problems)


async def test_views_from_the_config_replace_the_default_tabs(sandbox: Sandbox, tmp_path: Path) -> None:
    config = loaded(tmp_path, '[[views]]\nname = "My open"\nquery = "assignee:me status:open"\n'
                              '[[views]]\nname = "Everything"\nquery = ""\n')
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(table(app).ticket_ids))
        tabs = app.screen.query_one(Tabs)
        labels = [str(tab.label.plain) for tab in tabs.query("Tab")]
        assert [label.rsplit(" ", 1)[0] for label in labels] == ["My open", "Everything"]
        first = rec.lists()[0]
        assert first["status"] == "open" and first["assignedTo"] == sandbox.agent_id
        await pilot.press("tab")
        await settle(pilot, lambda: len(rec.lists()) >= 2)
        assert "status" not in rec.lists()[-1]


MACRO = """
[[macros]]
name = "Resolved — thanks"
body = "Hi {customer_name}, {title} ({ticket_id}) is fixed. {agent_name}"
status = "resolved"
priority = "low"
add_tags = ["solved"]
assign_to_me = true
"""


async def test_a_macro_fills_placeholders_and_changes_the_ticket_after_sending(sandbox: Sandbox,
                                                                              tmp_path: Path) -> None:
    ticket = create_ticket(sandbox, customerName="Jane Doe", title="VPN drops", tags=["vpn"], priority="high")
    config = loaded(tmp_path, MACRO)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path / "drafts", config=config)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        detail = await open_row(pilot, ticket["id"])
        await pilot.press("r", "ctrl+k")
        # Fuzzy: a word from the middle of the name finds it ("t" starts no name, so it searches).
        await palette_pick(pilot, "thanks")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen) and bool(app.screen.text_area.text))
        text = app.screen.text_area.text
        assert text == f"Hi Jane Doe, VPN drops ({ticket['id']}) is fixed. {sandbox.agent_name}"
        assert stored(sandbox, ticket["id"])["status"] != "resolved", "nothing changes before the send"
        rec.seen.clear()
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: app.screen is detail and detail.ticket is not None
                     and detail.ticket.status == "resolved")
        # The message first, then one PATCH with every change.
        writes = [(s.method, s.path.rsplit("/", 1)[-1]) for s in rec.seen if s.method != "GET"]
        assert writes == [("POST", "messages"), ("PATCH", ticket["id"])]
        row = stored(sandbox, ticket["id"])
        assert (row["status"], row["priority"], row["assigned_to"]) == ("resolved", "low", sandbox.agent_id)
        assert row["tags"] == ["vpn", "solved"], "tags are added, never replaced"
        messages = stored_messages(sandbox, ticket["id"])
        assert [m["content"] for m in messages] == [text] and not messages[0]["is_internal"]
        assert detail.ticket.tags == ["vpn", "solved"] and len(detail.ticket.messages or []) == 1


async def test_built_in_responses_change_nothing_and_stay_listed(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox, customerName="Jane Doe", title="VPN drops", status="open")
    config = loaded(tmp_path, MACRO)
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, tmp_path / "drafts", config=config)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_row(pilot, ticket["id"])
        await pilot.press("r", "ctrl+k")
        await settle(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press("n")  # only "Need more details" starts with n: picked at once, as in every picker
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen) and bool(app.screen.text_area.text))
        assert app.screen.text_area.text.startswith("Hi Jane Doe,\n\nCould you send a few more details")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: app.screen is detail and len(stored_messages(sandbox, ticket["id"])) == 1)
        assert [s.method for s in rec.seen if s.method != "GET"] == ["POST"]


async def test_the_theme_comes_from_the_config_and_a_palette_choice_is_remembered(sandbox: Sandbox,
                                                                                 tmp_path: Path) -> None:
    config = loaded(tmp_path, 'theme = "nord"\n')
    app = make_app(sandbox, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(table(app).ticket_ids))
        assert app.theme == "nord"
        await pilot.press("ctrl+p")
        await palette_pick(pilot, "theme")
        await palette_pick(pilot, "dracula")
        await settle(pilot, lambda: app.theme == "dracula" and not isinstance(app.screen, CommandPalette))
        await settle(pilot, lambda: json.loads((tmp_path / "state.json").read_text()).get("theme") == "dracula")
    state = json.loads((tmp_path / "state.json").read_text())
    assert state == {"theme": "dracula", "config_theme": "nord"}
    app = make_app(sandbox, config=loaded(tmp_path, 'theme = "nord"\n'))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(table(app).ticket_ids))
        assert app.theme == "dracula", "remembered across a restart"
    # The user edits the config's theme: the edit wins over the remembered choice.
    app = make_app(sandbox, config=loaded(tmp_path, 'theme = "gruvbox"\n'))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(table(app).ticket_ids))
        assert app.theme == "gruvbox"


async def test_switching_profile_from_the_palette_reconnects_without_a_restart(
        sandbox: Sandbox, served_sandbox: Sandbox, tmp_path: Path) -> None:
    served = served_sandbox
    only_there = served.api.service.create(served.team_id, {"title": "Only on the served sandbox"})
    config = loaded(tmp_path, f"""
[profiles.served]
base_url = {toml_value(served.base_url)}
team_id = {toml_value(served.team_id)}
api_key = {toml_value(served.keys.secret)}
agent_id = {toml_value(served.agent_id)}
agent_name = "Served Me"
""")
    drafts = tmp_path / "drafts"
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), drafts, config=config)
    ticket = create_ticket(sandbox)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_row(pilot, ticket["id"])
        assert only_there["id"] not in table(app).ticket_ids
        old_list = list_screen(app)
        await pilot.press("r", *"half")
        old_client = app.client
        await pilot.press("ctrl+p")
        await palette_pick(pilot, "switch profile served")
        await settle(pilot, lambda: app.client is not old_client and isinstance(app.screen, TicketListScreen)
                     and app.screen is not old_list and bool(table(app).ticket_ids))
        assert old_client.is_closed and not app.client.is_closed
        assert app.settings.profile == "served" and app.settings.base_url == served.base_url
        assert table(app).ticket_ids[0] == only_there["id"]
        assert "Switched to profile served" in notifications(app)
        assert served.keys.secret not in repr(app.settings)
        assert isinstance(app.screen_stack[-1], TicketListScreen) and len(app.screen_stack) == 2
        assert not any(isinstance(s, TicketDetailScreen) for s in app.screen_stack)
        # The open composer's draft was kept, with the connection it was written for.
        assert DraftStore(drafts).load(ticket["id"]).text == "half"


async def test_a_first_letter_shared_by_several_names_searches_instead_of_picking(sandbox: Sandbox,
                                                                                  tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)
    app = app_with_drafts(sandbox, RecordingTransport(sandbox.transport()), tmp_path / "drafts",
                          config=loaded(tmp_path, MACRO))
    async with app.run_test(size=SIZE) as pilot:
        await open_row(pilot, ticket["id"])
        await pilot.press("r", "ctrl+k")
        await settle(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press("r")  # "Resolved — thanks" and the built-in "Resolved"
        await settle(pilot, lambda: app.screen.query_one("CommandList").option_count >= 2)
        assert isinstance(app.screen, CommandPalette), "still searching: nothing was picked"
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        assert app.screen.text_area.text == "" and app.screen._macro is None
