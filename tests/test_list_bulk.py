"""Marks and bulk actions on the list, by keys through Pilot, against the sandbox; requests observed on the wire."""

from __future__ import annotations

from pathlib import Path

from api.client import HelpdeskClient
from api.models import TicketUpdate
from api.sandbox import Sandbox
from app.desk.bulk import BulkChange, BulkJournals, Outcome
from app.screens.list_bulk import BulkSummaryScreen, InterruptedBulkQuestion
from app.screens.ticket_list import TicketListScreen
from app.views import View
from tests.helpers import RecordingTransport, make_app, settle, until
from widgets.agent_picker import AgentPicker
from widgets.bulk_progress import BulkProgress
from widgets.pickers import ConfirmDialog, OptionPicker, TextPrompt
from widgets.ticket_table import TicketTable

SIZE = (130, 36)
ALL = [View("All", "")]


def the_list(app) -> TicketListScreen:
    return next(s for s in app.screen_stack if isinstance(s, TicketListScreen))


def table(app) -> TicketTable:
    return the_list(app).query_one(TicketTable)


def status_line(app) -> str:
    return str(the_list(app).query_one("#list-status").render())


def ticket(sandbox: Sandbox, ticket_id: str) -> dict:
    row = sandbox.store.get_ticket(sandbox.team_id, ticket_id)
    assert row is not None
    return dict(row)


def patch_keys(rec: RecordingTransport) -> list[str | None]:
    return [s.key for s in rec.seen if s.method == "PATCH"]


async def loaded(pilot) -> None:
    await settle(pilot, lambda: isinstance(pilot.app.screen, TicketListScreen) and bool(table(pilot.app).ticket_ids))


async def test_space_and_x_mark_and_move_down_star_marks_all_esc_clears(sandbox: Sandbox) -> None:
    app = make_app(sandbox, views=ALL)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        ids = table(app).ticket_ids
        await pilot.press("space", "x")
        assert table(app).marked_ids == {ids[0], ids[1]}
        assert table(app).cursor_row == 2  # each mark moves on, so a run is marked by holding the key
        assert "2 marked" in status_line(app)
        await pilot.press("up", "x")  # x on a marked ticket unmarks it
        assert table(app).marked_ids == {ids[0]} and "1 marked" in status_line(app)
        await pilot.press("asterisk")
        assert table(app).marked_ids == set(ids) and f"{len(ids)} marked" in status_line(app)
        await pilot.press("escape")
        assert table(app).marked_ids == set() and "marked" not in status_line(app)


async def test_without_marks_the_bulk_keys_do_nothing(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, views=ALL)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("s", "p", "a", "t", "d")
        await settle(pilot)
        assert isinstance(app.screen, TicketListScreen)
        assert patch_keys(rec) == []


async def test_marked_tickets_get_one_status_with_one_confirmation_and_a_summary(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, views=ALL)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("j", "space", "space", "space")
        marked = [i for i in table(app).ticket_ids if i in table(app).marked_ids]
        assert len(marked) == 3
        await pilot.press("s")
        assert isinstance(app.screen, OptionPicker)
        await pilot.press("p")  # the picker's letter for "pending"
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
        assert "Set 3 tickets to pending?" in str(app.screen.query_one(".picker--title").render())
        assert patch_keys(rec) == []  # nothing is sent before the agent says yes
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, BulkSummaryScreen), "the summary")
        summary = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "Set 3 tickets to pending" in summary and "3 changed · 0 failed" in summary
        keys = patch_keys(rec)
        assert len(keys) == 3 and len(set(keys)) == 3 and None not in keys
        assert all(ticket(sandbox, i)["status"] == "pending" for i in marked)
        # The marks stay for the next change (esc clears them); the tickets are still in this view.
        assert table(app).marked_ids == set(marked) and "3 marked" in status_line(app)
        journals = list(app.bulk_journals.directory.glob("bulk-*.jsonl"))
        assert len(journals) == 1  # kept until the agent has seen the summary
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketListScreen)
        assert not list(app.bulk_journals.directory.glob("bulk-*.jsonl"))
        for i in marked:  # every view shows the change: the rows follow the store
            row = table(app).get_ticket(i)
            assert row is not None and row.status == "pending"


async def test_the_summary_names_each_failure_and_why(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, views=ALL)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("space", "space", "space")
        gone = table(app).ticket_ids[1]
        title = table(app).get_ticket(gone).title  # type: ignore[union-attr]
        sandbox.store.delete_ticket(gone)  # someone else deletes one behind the agent's back
        await pilot.press("p", "h")  # priority: high
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, BulkSummaryScreen), "the summary")
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "2 changed · 1 failed" in text
        assert gone in text and title[:20] in text and "no longer exists" in text


async def test_assign_to_me_assign_to_someone_and_tags_apply_to_all_marked(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, views=ALL)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        ids = table(app).ticket_ids[:2]

        async def bulk(*keys: str) -> None:
            await pilot.press(*keys)
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
            await pilot.press("y")
            await until(pilot, lambda: isinstance(app.screen, BulkSummaryScreen), "the summary")
            await pilot.press("enter")
            await settle(pilot)

        await bulk("g", "space", "space", "a")
        assert [ticket(sandbox, i)["assigned_to"] for i in ids] == [sandbox.agent_id] * 2
        assert table(app).marked_ids == set(ids), "the same two stay marked for the next change"
        other = sandbox.store.agents(sandbox.team_id)[1]["id"]
        await pilot.press("A")  # the marks outlive the last change
        assert isinstance(app.screen, AgentPicker)
        await pilot.press(*other, "enter")  # an agent ID typed whole (names: tests/test_agent_directory_app.py)
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, BulkSummaryScreen), "the summary")
        await pilot.press("enter")
        assert [ticket(sandbox, i)["assigned_to"] for i in ids] == [other] * 2
        before = [set(tags_of(sandbox, i)) for i in ids]
        await pilot.press("t")
        assert isinstance(app.screen, TextPrompt)
        removed = sorted(before[0])[0] if before[0] else "nothing-here"
        await pilot.press(*f"bulk-tag, -{removed}", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
        assert "Add tag bulk-tag and remove tag" in str(app.screen.query_one(".picker--title").render())
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, BulkSummaryScreen), "the summary")
        for i, had in zip(ids, before, strict=True):
            assert set(tags_of(sandbox, i)) == (had - {removed}) | {"bulk-tag"}  # the others are kept


def tags_of(sandbox: Sandbox, ticket_id: str) -> list[str]:
    import json

    tags = ticket(sandbox, ticket_id)["tags"]
    return json.loads(tags) if isinstance(tags, str) else list(tags)


async def test_delete_asks_for_the_count_to_be_typed(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, views=ALL)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        ids = table(app).ticket_ids[:2]
        total = app.store.view(app.screen._view.key).total
        await pilot.press("space", "space", "d")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("y", "enter")  # a stray "yes" is not the count
        assert isinstance(app.screen, TextPrompt)
        assert [s for s in rec.seen if s.method == "DELETE"] == []
        await pilot.press("backspace", "2", "enter")
        await until(pilot, lambda: isinstance(app.screen, BulkSummaryScreen), "the summary")
        assert sorted(s.path.rsplit("/", 1)[1] for s in rec.seen if s.method == "DELETE") == sorted(ids)
        assert all(sandbox.store.get_ticket(sandbox.team_id, i) is None for i in ids)
        await pilot.press("enter")
        await settle(pilot)
        assert not set(ids) & set(table(app).ticket_ids)
        assert app.store.view(app.screen._view.key).total == total - 2


async def test_a_status_that_takes_tickets_out_of_the_view_removes_their_rows(sandbox: Sandbox) -> None:
    app = make_app(sandbox, views=[View("New", "status:new")])
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        ids = table(app).ticket_ids[:3]
        total = app.store.view(app.screen._view.key).total
        await pilot.press("space", "space", "space", "s", "o")  # open: no longer new
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, BulkSummaryScreen), "the summary")
        await pilot.press("enter")
        await settle(pilot)
        assert not set(ids) & set(table(app).ticket_ids)
        assert app.store.view(app.screen._view.key).total == total - 3


async def test_the_progress_bar_shows_while_the_list_stays_usable(sandbox: Sandbox) -> None:
    from tests.helpers import Hold

    hold = Hold(lambda request: request.method == "PATCH")
    rec = RecordingTransport(sandbox.transport(), hold=hold)
    app = make_app(sandbox, rec, views=ALL)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("space", "space", "space", "space", "space", "s", "c")  # closed
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: hold.arrived == 4, "four PATCHes in flight")
        progress = the_list(app).query_one(BulkProgress)
        assert progress.running and "0 of 5" in str(progress.query_one("#bulk-count").render())
        row = table(app).cursor_row
        await pilot.press("j")  # the list still answers
        assert table(app).cursor_row == row + 1
        hold.release()
        await until(pilot, lambda: isinstance(app.screen, BulkSummaryScreen), "the summary")
        assert not progress.running


async def test_an_interrupted_bulk_is_offered_on_start_and_resumes_with_its_keys(sandbox: Sandbox,
                                                                                 tmp_path: Path) -> None:
    async with HelpdeskClient(sandbox.base_url, sandbox.team_id, sandbox.keys.secret,
                              transport=sandbox.transport()) as client:
        page = await client.list_tickets()
    ids = [t.id for t in page.items if t.status != "pending"][:6]
    # What a killed run leaves: the journal with its keys and two outcomes, nothing more.
    journals = BulkJournals(tmp_path)
    journal = journals.start(BulkChange(update=TicketUpdate(status="pending")), ids)
    journal.record(Outcome(ids[0], True))
    journal.record(Outcome(ids[1], True))
    journals.release(journal)
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, views=ALL)
    app.bulk_journals = BulkJournals(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, InterruptedBulkQuestion), "the question")
        question = str(app.screen.query_one(".title").render())
        assert "Set 6 tickets to pending" in question and "after 2 of 6" in question
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, BulkSummaryScreen), "the summary")
        sent = [s for s in rec.seen if s.method == "PATCH"]
        assert sorted(s.path.rsplit("/", 1)[1] for s in sent) == sorted(ids[2:])
        assert all(s.key == journal.keys[s.path.rsplit("/", 1)[1]] for s in sent)
        assert "6 changed · 0 failed" in " ".join(str(s.render()) for s in app.screen.query("Static"))
        await pilot.press("enter")
        await settle(pilot)
    assert not list(tmp_path.glob("bulk-*.jsonl"))


async def test_an_interrupted_bulk_can_be_discarded(sandbox: Sandbox, tmp_path: Path) -> None:
    journals = BulkJournals(tmp_path)
    journals.release(journals.start(BulkChange(update=TicketUpdate(status="open")), ["tkt_aaaaaaaaaaaa"]))
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, views=ALL)
    app.bulk_journals = BulkJournals(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, InterruptedBulkQuestion), "the question")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, TicketListScreen)
    assert not list(tmp_path.glob("bulk-*.jsonl")) and patch_keys(rec) == []


async def test_the_summary_retries_those_without_a_clear_answer_with_their_keys(sandbox: Sandbox) -> None:
    import httpx

    broken: set[str] = set()

    async def bad_gateway(request: httpx.Request) -> httpx.Response | None:
        if request.method == "PATCH" and request.url.path.rsplit("/", 1)[1] in broken:
            return httpx.Response(502, text="<html>Bad gateway</html>", headers={"content-type": "text/html"})
        return None

    rec = RecordingTransport(sandbox.transport(), fail=bad_gateway)
    app = make_app(sandbox, rec, views=ALL)
    async with app.run_test(size=SIZE) as pilot:
        app.client.max_retries = 0
        await loaded(pilot)
        broken.add(table(app).ticket_ids[1])
        await pilot.press("space", "space", "space", "p", "l")  # priority: low
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, BulkSummaryScreen), "the summary")
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "2 changed · 1 failed" in text and "r retry the 1 without a clear answer" in text
        broken.clear()
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, BulkSummaryScreen)
                    and "3 changed · 0 failed" in " ".join(str(s.render()) for s in app.screen.query("Static")),
                    "the second summary")
        keys = [s.key for s in rec.seen if s.method == "PATCH"]
        assert len(keys) == 4 and len(set(keys)) == 3  # the retry reused its key


async def test_star_says_when_the_view_has_more_than_is_loaded(sandbox: Sandbox) -> None:
    app = make_app(sandbox, views=ALL)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        total = app.store.view(the_list(app)._view.key).total
        await pilot.press("asterisk")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert f"Marked the 50 loaded tickets of {total}; scroll down to load (and then mark) more." in messages


async def test_a_journal_that_cannot_be_written_stops_the_bulk_and_says_so(sandbox: Sandbox) -> None:
    from tests.helpers import Hold

    hold = Hold(lambda request: request.method == "PATCH")
    rec = RecordingTransport(sandbox.transport(), hold=hold)
    app = make_app(sandbox, rec, views=ALL)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("space", "space", "space", "space", "space", "space", "s", "o")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: hold.arrived == 4, "four PATCHes in flight")
        path = next(app.bulk_journals.directory.glob("bulk-*.jsonl"))
        kept = path.with_suffix(".kept")
        path.rename(kept)
        path.mkdir()  # appending an outcome to it now fails, as on a full or vanished disk
        hold.release()
        await until(pilot, lambda: any("The bulk change stopped after 0 of 6" in n.message
                                       for n in app._notifications), "the notification")
        await settle(pilot)
        assert isinstance(app.screen, TicketListScreen)  # no summary claims an outcome it did not record
        assert not the_list(app).query_one(BulkProgress).running
        assert len([s for s in rec.seen if s.method == "PATCH"]) == 4  # nothing more was sent


async def test_a_bulk_of_50_from_the_list_is_50_patches_with_50_distinct_keys(sandbox: Sandbox) -> None:
    rec = RecordingTransport(sandbox.transport())
    app = make_app(sandbox, rec, views=ALL)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        ids = table(app).ticket_ids
        assert len(ids) == 50
        await pilot.press("asterisk", "s", "r")  # resolved
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
        assert "Set 50 tickets to resolved?" in str(app.screen.query_one(".picker--title").render())
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, BulkSummaryScreen), "the summary")
        patches = [s for s in rec.seen if s.method == "PATCH"]
        assert sorted(s.path.rsplit("/", 1)[1] for s in patches) == sorted(ids)
        assert len({s.key for s in patches}) == 50 and None not in {s.key for s in patches}
        assert all(ticket(sandbox, i)["status"] == "resolved" for i in ids)
