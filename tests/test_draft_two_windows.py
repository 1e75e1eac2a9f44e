"""Two windows (app instances, same profile, same draft directory) on one ticket: the instance that holds a
ticket's draft is the only one that writes it or sends its pending reply (an `fcntl.flock` per ticket, see
app.draft_lock); the other shows it read-only and takes over once it is let go.

The apps run side by side in this process (each `open()` is its own lock, as in two processes); the
crash case runs a real second process and kills it with SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from api.models import MessageCreate
from api.sandbox import Sandbox
from api.sandbox.faults import Fault, FaultPlan
from app.drafts import Draft, DraftLocked, DraftStore
from app.outbox import Outbox
from app.screens.composer import ComposerScreen
from app.tui import CStarApp
from tests.detail_support import SIZE, app_with_drafts, create_ticket, open_row, stored_messages, table
from tests.helpers import RecordingTransport, settle

pytestmark = pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")

ROOT = Path(__file__).resolve().parent.parent


def window(sandbox: Sandbox, drafts: Path) -> tuple[CStarApp, RecordingTransport]:
    rec = RecordingTransport(sandbox.transport())
    app = app_with_drafts(sandbox, rec, drafts)
    app.outbox = Outbox(app, retry_first=0.05, retry_max=0.2)
    return app, rec


def posts(rec: RecordingTransport) -> int:
    return sum(1 for s in rec.seen if s.method == "POST")


def status(app: CStarApp) -> str:
    return app.screen.query_one("#composer-status").render().plain


def contents(sandbox: Sandbox, ticket_id: str) -> list[str]:
    return [m["content"] for m in stored_messages(sandbox, ticket_id)]


async def test_a_pending_reply_is_not_wiped_by_the_other_window(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)["id"]
    drafts = tmp_path / "drafts"
    a, rec_a = window(sandbox, drafts)
    b, rec_b = window(sandbox, drafts)
    async with a.run_test(size=SIZE, notifications=True) as pa, b.run_test(size=SIZE) as pb:
        detail_a = await open_row(pa, ticket)
        detail_b = await open_row(pb, ticket)
        await pa.press("r", *"From window A")
        composer_a = a.screen
        await pb.press("r")
        composer_b = b.screen
        assert isinstance(composer_a, ComposerScreen) and isinstance(composer_b, ComposerScreen)
        # B can't write here while A holds the draft, and says so.
        assert composer_b.text_area.read_only
        assert "open in another cstar-tui window" in status(b)

        sandbox.faults = FaultPlan(Fault("drop"))  # the service stops answering
        await pa.press("ctrl+s")
        await settle(pa, lambda: not composer_a._sending)
        assert "will be sent when the service answers" in status(a)
        await pa.press("escape")  # A moves on: the reply waits in A's outbox
        assert a.screen is detail_a

        # B types and leaves: its autosave must not touch the draft A promised to send.
        await pb.press(*"From window B", "escape")
        assert b.screen is detail_b
        on_disk = DraftStore(drafts).load(ticket)
        assert on_disk is not None and on_disk.pending is not None
        assert on_disk.pending["content"] == "From window A"

        sandbox.faults = None
        await settle(pa, lambda: not a.outbox.waiting and not DraftStore(drafts).path(ticket).exists())
        assert contents(sandbox, ticket) == ["From window A"]
        assert posts(rec_b) == 0  # only the window that was told "will be sent" sent it

        # A let go of the ticket: B can write on it now, and sends its own reply.
        await pb.press("r")
        composer_b = b.screen
        assert isinstance(composer_b, ComposerScreen) and not composer_b.text_area.read_only
        await pb.press(*"From window B", "ctrl+s")
        await settle(pb, lambda: b.screen is detail_b)
        assert contents(sandbox, ticket) == ["From window A", "From window B"]


async def test_the_window_that_waits_shows_the_other_text_and_takes_over_when_it_is_let_go(
        sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)["id"]
    drafts = tmp_path / "drafts"
    a, _ = window(sandbox, drafts)
    b, rec_b = window(sandbox, drafts)
    async with a.run_test(size=SIZE) as pa, b.run_test(size=SIZE) as pb:
        await open_row(pa, ticket)
        detail_b = await open_row(pb, ticket)
        await pa.press("i", *"half a note")
        composer_a = a.screen
        await pb.press("r")
        composer_b = b.screen
        assert isinstance(composer_b, ComposerScreen) and composer_b.text_area.read_only
        # Keys typed into the read-only copy go nowhere: not into it, and not to the app (`?` help, `q` quit).
        await pb.press(*"quick, typed in B?", "enter", "ctrl+s", "ctrl+t", "ctrl+k")
        await settle(pb)
        assert b.screen is composer_b and b.is_running
        assert posts(rec_b) == 0 and "typed" not in composer_b.text_area.text
        await settle(pb, lambda: composer_b.text_area.text == "half a note")  # B follows A's autosaves
        await pa.press(*" more", "escape")
        assert a.screen is not composer_a
        # A left (the draft stays on disk): B takes it over, with its text and its mode.
        await settle(pb, lambda: not composer_b.text_area.read_only)
        assert composer_b.text_area.text == "half a note more" and composer_b.mode == "internal"
        assert "you can write here now" in status(b)
        await pb.press(*"!", "ctrl+s")
        await settle(pb, lambda: b.screen is detail_b)
        assert contents(sandbox, ticket) == ["half a note more!"]
        await pa.press("i")  # B let go and the draft is gone: A writes afresh
        assert isinstance(a.screen, ComposerScreen) and not a.screen.text_area.read_only
        assert a.screen.text_area.text == ""


async def test_two_instances_started_on_one_pending_reply_send_it_once(sandbox: Sandbox, tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)["id"]
    drafts = tmp_path / "drafts"
    body = MessageCreate(content="Left pending", sender="agent", sender_id=sandbox.agent_id,
                         sender_name=sandbox.agent_name, message_type="public").to_wire()
    DraftStore(drafts).save(Draft(ticket, "Left pending").to_send(body))
    a, rec_a = window(sandbox, drafts)
    b, rec_b = window(sandbox, drafts)
    sandbox.faults = FaultPlan(Fault("drop", methods={"POST"}))  # reads answer, sends get no answer
    async with a.run_test(size=SIZE) as pa, b.run_test(size=SIZE) as pb:
        # Both lists loaded: each answer told that instance's outbox to send what waits.
        await settle(pa, lambda: bool(table(a).ticket_ids) and posts(rec_a) + posts(rec_b) > 0)
        await settle(pb, lambda: bool(table(b).ticket_ids))
        await settle(pa)
        sandbox.faults = None
        await settle(pa, lambda: not DraftStore(drafts).path(ticket).exists())
        await settle(pb, lambda: not b.outbox.waiting and not a.outbox.waiting)
        assert contents(sandbox, ticket) == ["Left pending"]
        # One instance sent it (again and again while there was no answer); the other never did.
        assert sorted([posts(rec_a) > 0, posts(rec_b) > 0]) == [False, True]


async def test_the_survivor_sends_a_reply_left_pending_by_a_window_that_quit(sandbox: Sandbox,
                                                                             tmp_path: Path) -> None:
    ticket = create_ticket(sandbox)["id"]
    drafts = tmp_path / "drafts"
    a, _ = window(sandbox, drafts)
    b, rec_b = window(sandbox, drafts)
    async with contextlib.AsyncExitStack() as stack:
        pa = await stack.enter_async_context(a.run_test(size=SIZE))
        await open_row(pa, ticket)
        await pa.press("r", *"A quits")
        sandbox.faults = FaultPlan(Fault("drop", methods={"POST"}))
        await pa.press("ctrl+s")
        await settle(pa, lambda: not a.screen._sending)
        async with b.run_test(size=SIZE) as pb:  # B starts while A holds the pending reply
            await settle(pb, lambda: bool(b.outbox.elsewhere))
            assert not b.outbox.waiting  # not B's to send while A is there
            await stack.aclose()  # A quits with its reply unsent
            sandbox.faults = None
            await settle(pb, lambda: not DraftStore(drafts).path(ticket).exists() and not b.outbox.elsewhere)
            assert contents(sandbox, ticket) == ["A quits"]
            assert posts(rec_b) == 1  # B took it over once A was gone, and sent it once


def test_a_store_cannot_write_a_draft_another_one_holds(tmp_path: Path) -> None:
    mine, theirs = DraftStore(tmp_path), DraftStore(tmp_path)
    assert mine.claim("tkt_a", "composer")
    assert mine.claim("tkt_a", "outbox")  # the same instance: shared
    assert not theirs.claim("tkt_a", "composer")
    mine.save(Draft("tkt_a", "mine"))
    with pytest.raises(DraftLocked):
        theirs.save(Draft("tkt_a", "theirs"))
    with pytest.raises(DraftLocked):
        theirs.delete("tkt_a")
    theirs.save(Draft("tkt_b", "another ticket is free"))
    mine.release("tkt_a", "composer")
    assert not theirs.claim("tkt_a", "composer")  # the outbox still holds it
    mine.release("tkt_a", "outbox")
    assert theirs.claim("tkt_a", "composer")
    assert mine.load("tkt_a") == Draft("tkt_a", "mine")
    theirs.release_all()
    assert not list(tmp_path.glob("*.lock"))  # lock files stay out of the drafts' own listing


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from app.drafts import DraftStore
    store = DraftStore(Path(sys.argv[1]))
    assert store.claim(sys.argv[2], "composer")
    print("held", flush=True)
    time.sleep(600)
""")


def test_a_lock_held_by_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path), "tkt_a"], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        store = DraftStore(tmp_path)
        assert not store.claim("tkt_a", "composer")
        with pytest.raises(DraftLocked):
            store.save(Draft("tkt_a", "x"))
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # no cleanup runs: no stale pid file, the kernel lets go
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert store.claim("tkt_a", "composer")
    store.save(Draft("tkt_a", "x"))
