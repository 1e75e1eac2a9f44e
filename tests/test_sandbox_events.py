"""The sandbox's event log: every write's event, kept in the database for whoever follows the file.

A second `Sandbox` opened on the same file stands for another process (`cstar-tui ticket create` in another
terminal, `serve --db`): it has its own SQLite connection, as a process would.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from api.sandbox import Sandbox, create_sandbox
from app.desk.intake import apply_event
from app.desk.store import DeskStore


def _types(bodies: list[bytes]) -> list[str]:
    return [json.loads(body)["type"] for body in bodies]


def test_a_feed_reads_the_teams_events_from_any_connection_in_order(on_file: tuple[Sandbox, Sandbox]) -> None:
    ours, other = on_file
    feed = ours.event_feed()
    assert feed.read() == []  # the seeded history is not replayed: a feed starts from now

    created = other.api.service.create(other.team_id, {"title": "Checkout down", "priority": "urgent"})
    ours.api.service.update(ours.team_id, created["id"], {"status": "resolved"})
    other.api.service.add_message(other.team_id, created["id"], {"content": "Thanks!", "sender": "customer"})
    other.api.service.create(other.other_team_id, {"title": "Another team's ticket"})

    bodies = feed.read()
    assert _types(bodies) == ["ticket.created", "ticket.updated", "ticket.closed", "ticket.message_added"]
    assert all(b'"object":"event"' in body for body in bodies)
    assert b"Another team" not in b"".join(bodies)
    assert feed.read() == []  # each event once

    # The bodies are the webhook's: the app's intake takes them as they are.
    store = DeskStore()
    intake = apply_event(store, bodies[0])
    assert intake is not None and intake.refresh and store.ticket(created["id"]) is not None


def test_an_event_the_store_already_holds_asks_for_no_read(on_file: tuple[Sandbox, Sandbox]) -> None:
    ours, _ = on_file
    feed = ours.event_feed()
    ours.api.service.create(ours.team_id, {"title": "Printer on fire"})
    body = feed.read()[0]
    store = DeskStore()
    first = apply_event(store, body)
    again = apply_event(store, body)
    assert first is not None and first.refresh
    # The app's own change coming back through the log costs no request.
    assert again is not None and not again.refresh


def test_the_log_is_trimmed_and_a_database_from_before_it_gains_one(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    sb = create_sandbox(path, tickets=2, rate_limit=0)
    for _ in range(600):
        sb.store.add_event(sb.team_id, b"{}", keep=10)
    kept = sb.store._one("SELECT COUNT(*) FROM events")[0]
    assert kept <= 10 + 256, kept
    sb.close()

    with sqlite3.connect(path) as db:  # a file written before the log existed
        db.execute("DROP TABLE events")
    sb = create_sandbox(path, rate_limit=0)
    try:
        feed = sb.event_feed()
        sb.api.service.create(sb.team_id, {"title": "After the upgrade"})
        assert _types(feed.read()) == ["ticket.created"]
    finally:
        sb.close()


def test_a_closed_database_reads_as_no_events(tmp_path: Path) -> None:
    sb = create_sandbox(tmp_path / "gone.sqlite3", tickets=2, rate_limit=0)
    feed = sb.event_feed()
    sb.close()
    assert feed.read() == []


def test_a_huge_event_is_logged_as_a_stub_that_asks_for_a_read(on_file: tuple[Sandbox, Sandbox]) -> None:
    from api.sandbox.events import LOGGED_BODY_MAX

    ours, _ = on_file
    ticket = ours.api.service.create(ours.team_id, {"title": "Log attached"})
    feed = ours.event_feed()
    ours.api.service.add_message(ours.team_id, ticket["id"], {"content": "x" * 500_000, "sender": "customer"})
    ours.api.service.update(ours.team_id, ticket["id"], {"metadata": {f"k{i}": "v" * 400 for i in range(50)}})
    message_body, update_body = feed.read()
    assert len(message_body) < LOGGED_BODY_MAX and len(update_body) < LOGGED_BODY_MAX
    message = json.loads(message_body)["data"]["object"]
    assert message["ticketId"] == ticket["id"] and message["truncated"] is True
    # The desk is told to read again; the store keeps what it had.
    store = DeskStore()
    for body in (message_body, update_body):
        intake = apply_event(store, body)
        assert intake is not None and intake.refresh
    # The message itself is whole: only the log's copy is short.
    assert len(ours.store.messages(ticket["id"], include_internal=True)[-1]["content"]) == 500_000
