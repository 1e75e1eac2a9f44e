"""Bad input everywhere an agent can type (issue 8): each is refused with a sentence at the field, and
nothing is sent (RecordingTransport sees no request). Pilot against the real sandbox.

Fields are filled by setting their value (typing costs ~80 ms a key) and submitted with the real key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, Static

from api.models import METADATA_MAX_KEYS
from api.sandbox import Sandbox, create_sandbox
from app.screens.composer import ComposerScreen
from app.screens.edit_ticket import (
    ADD_KEY,
    EditTicketScreen,
    metadata_entry_problem,
    parse_metadata_entry,
    ticket_id_problem,
)
from app.screens.new_ticket import NewTicketScreen, split_tags, tags_problem
from app.screens.ticket_detail import TicketDetailScreen
from app.screens.ticket_list import TicketListScreen
from tests.conftest import FIXED_NOW
from tests.detail_support import app_with_drafts, create_ticket, open_row, stored, wait_for_list
from tests.helpers import RecordingTransport, settle
from widgets.filter_bar import FilterBar
from widgets.pickers import TextPrompt

SIZE = (120, 40)
LONG_TAG = "t" * 51
TOO_MANY_TAGS = ", ".join(f"tag{i}" for i in range(21))


@pytest.fixture
def fixed_sandbox() -> Iterator[Sandbox]:
    """Agents and customers but no demo tickets: a short list loads faster, and the tests make their own."""
    sb = create_sandbox(clock=lambda: FIXED_NOW, rate_limit=0, empty=True)
    yield sb
    sb.close()


async def _submit(pilot: Any, value: str) -> TextPrompt:
    """Put `value` in the open prompt and press enter; returns the prompt (still open when refused)."""
    prompt = pilot.app.screen
    assert isinstance(prompt, TextPrompt)
    prompt.query_one(Input).value = value
    await pilot.press("enter")
    return prompt


@pytest.mark.parametrize("typed", ["", "   ", "123", "tkt_", "tkt_bad id", "TKT_abc", "tkt_abc/../x", "[/] x",
                                   "tkt_abc\x1b[31m", "1234-5678", "00000000-0000-4000-8000-00000000000g"])
def test_ticket_id_shapes_refused(typed: str) -> None:
    problem = ticket_id_problem(typed)
    assert problem and "ticket ID" in problem and "\x1b" not in problem


@pytest.mark.parametrize("typed", ["tkt_AbC123xyz789", " tkt_a ", "00000000-0000-4000-8000-00000000cafe",
                                   "00000000-0000-4000-8000-00000000CAFE"])
def test_ticket_id_shapes_accepted(typed: str) -> None:
    assert ticket_id_problem(typed) is None


def test_metadata_entries() -> None:
    full = {f"k{i:02d}": "v" for i in range(METADATA_MAX_KEYS)}
    assert "at most 50 metadata keys" in (metadata_entry_problem("new=v", full) or "")
    assert metadata_entry_problem("k07=changed", full) is None  # not a new key
    assert metadata_entry_problem("k07=", full) is None  # removing one
    assert "at most 40 characters" in (metadata_entry_problem("k" * 41 + "=v", {}) or "")
    assert metadata_entry_problem("k" * 40 + "=" + "v" * 500, {}) is None
    assert "at most 500 characters" in (metadata_entry_problem("k=" + "v" * 501, {}) or "")
    for typed in ("", "=v", "  = v", "="):
        assert "Type key=value" in (metadata_entry_problem(typed, {}) or ""), typed
    # The value is text as typed, never parsed: JSON-looking input is stored as that string.
    for typed, value in (('j={"a": 1}', '{"a": 1}'), ("n=null", "null"), ("l=[1, 2]", "[1, 2]"), ("i=42", "42"),
                         ("b=true", "true"), ("e=a=b", "a=b")):
        assert parse_metadata_entry(typed) == (typed.split("=", 1)[0], value)
        assert isinstance(parse_metadata_entry(typed)[1], str)
    assert parse_metadata_entry("gone=") == ("gone", None)


def test_tags_limits() -> None:
    assert tags_problem([f"t{i}" for i in range(20)]) is None
    assert "At most 20 tags" in (tags_problem([f"t{i}" for i in range(21)]) or "")
    assert tags_problem(["t" * 50]) is None
    assert "at most 50 characters" in (tags_problem(["ok", "t" * 51]) or "")
    assert tags_problem(split_tags(" a , a ,, b ")) is None and split_tags(" a , a ,, b ") == ["a", "b"]


async def test_list_level_inputs_refuse_bad_values_unsent(fixed_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = fixed_sandbox
    ticket_id = create_ticket(sb)["id"]
    rec = RecordingTransport(sb.transport())
    app = app_with_drafts(sb, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        await settle(pilot)
        rec.seen.clear()

        # The filter query: each mistake is explained under the bar, naming what is wrong; no list request.
        bar = app.screen.query_one(FilterBar)
        for query, said in (("status:bogus", "bogus"), ("prio:", "prio"), ('"unterminated', "unterminated quote"),
                            ("status:open status:new", "given twice"), ("assignee: me", "assignee")):
            bar.input.value = query
            await settle(pilot)  # the debounce fires and the screen has parsed the query
            assert bar.error and said in bar.error, (query, bar.error)
            assert said in app.screen.query_one(".filter-bar--error", Static).render().plain
        assert rec.seen == []
        bar.input.value = ""
        await settle(pilot)
        rec.seen.clear()

        # "Open ticket by ID…" from the palette: anything that isn't tkt_… or a UUID is refused at the field.
        await pilot.press("ctrl+p")
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        palette.query_one(Input).value = "open ticket by"
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        for typed in ("", "   ", "tkt_bad id", "[/] x"):  # every shape is in test_ticket_id_shapes
            prompt = await _submit(pilot, typed)
            assert app.screen is prompt and prompt.error, typed
            assert "ticket ID" in prompt.query_one(".picker--error", Static).render().plain
        assert rec.seen == []
        await _submit(pilot, f"  {ticket_id} ")  # spaces around a good ID are forgiven
        await settle(pilot, lambda: isinstance(app.screen, TicketDetailScreen) and app.screen.ticket is not None)
        assert [(s.method, s.path.rsplit("/", 1)[-1]) for s in rec.seen] == [("GET", ticket_id)]
        await pilot.press("escape")
        assert isinstance(app.screen, TicketListScreen)

        # The new-ticket form: an empty or blank title, too many tags, a tag too long: each said under its
        # field (and summed up at the bottom), the focus on the field to fix, nothing sent.
        rec.seen.clear()
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, NewTicketScreen)
        title, tags = form.query_one("#new-title", Input), form.query_one("#new-tags", Input)
        for title_value, tags_value, field, said in (
                ("   ", "billing", "title", "title is required"),
                ("Printer", f"ok, {LONG_TAG}", "tags", "at most 50 characters")):
            title.value, tags.value = title_value, tags_value
            await pilot.press("ctrl+s")
            error = form.query_one(f"#new-{field}-error", Static)
            assert error.display and said in error.render().plain, (field, error.render().plain)
            assert form.focused is form.query_one(f"#new-{field}")
            assert said in form.query_one("#new-error", Static).render().plain
        assert rec.seen == [] and app.screen is form


async def test_detail_level_inputs_refuse_bad_values_unsent(fixed_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = fixed_sandbox
    full = {f"k{i:02d}": "v" for i in range(METADATA_MAX_KEYS)}
    ticket = create_ticket(sb, title="Fifty keys", metadata=full, tags=["billing"])
    rec = RecordingTransport(sb.transport())
    app = app_with_drafts(sb, rec, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_row(pilot, ticket["id"])
        rec.seen.clear()

        # Metadata: a 51st key, a key over 40 or a value over 500 characters, no key at all.
        screen.action_metadata()
        await pilot.pause()
        app.screen.dismiss(ADD_KEY)  # "+ Add a key…"
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        for typed, said in (("k50=v", "at most 50 metadata keys"), ("k" * 41 + "=v", "at most 40 characters"),
                            ("k00=" + "v" * 501, "at most 500 characters"), ("   =v", "Type key=value")):
            prompt = await _submit(pilot, typed)
            assert app.screen is prompt and said in (prompt.error or ""), (typed, prompt.error)
        assert rec.seen == []
        # Changing a key that exists is fine at 50 keys; JSON-looking text is kept as text, not parsed (every
        # shape in test_metadata_entries).
        await _submit(pilot, 'k00={"a": 1}')
        await settle(pilot, lambda: screen.ticket.metadata.get("k00") == '{"a": 1}')
        assert stored(sb, ticket["id"])["metadata"]["k00"] == '{"a": 1}'
        assert len(stored(sb, ticket["id"])["metadata"]) == METADATA_MAX_KEYS
        rec.seen.clear()

        # Tags: more than 20, or one over 50 characters.
        screen.action_tags()
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        for typed, said in ((TOO_MANY_TAGS, "At most 20 tags"), (f"billing, {LONG_TAG}", "at most 50 characters")):
            prompt = await _submit(pilot, typed)
            assert app.screen is prompt and said in (prompt.error or ""), (typed, prompt.error)
        prompt.action_cancel()
        await pilot.pause()

        # The edit form: an empty or blank title is refused under the title.
        screen.action_edit()
        await settle(pilot, lambda: isinstance(app.screen, EditTicketScreen))
        form = app.screen
        for blank in ("", "    "):
            form.query_one("#edit-title", Input).value = blank
            await pilot.press("ctrl+s")
            error = form.query_one("#edit-error", Static)
            assert app.screen is form and error.display and "title cannot be empty" in error.render().plain
        form.action_cancel()
        await pilot.pause()

        # The composer: an empty or blank reply says so and sends nothing.
        await pilot.press("r")
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        for blank in ("", "  \n\t  \n"):
            composer.text_area.load_text(blank)
            await pilot.press("ctrl+s")
            assert app.screen is composer
            assert "Nothing to send" in composer.query_one("#composer-status", Static).render().plain
        assert rec.seen == []
        assert stored(sb, ticket["id"])["title"] == "Fifty keys" and stored(sb, ticket["id"])["tags"] == ["billing"]
