"""The sandbox's storage: seeding, the count table and search index under writes, files shared by two
processes, and the upgrade of a database written by the first sandbox."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import pytest

from api.sandbox import Sandbox, create_sandbox
from api.sandbox.schema import VERSION
from api.sandbox.store import Store
from tests.conftest import FIXED_NOW
from tests.hostile_corpus import insert_tickets
from tests.test_sandbox_list import folded

# The first sandbox's schema (user_version 0), verbatim: files written by it must keep working.
V0_SCHEMA = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE teams (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE api_keys (key TEXT PRIMARY KEY, team_id TEXT NOT NULL REFERENCES teams(id), kind TEXT NOT NULL);
CREATE TABLE agents (id TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL,
    name TEXT NOT NULL, email TEXT, avatar_url TEXT);
CREATE TABLE customers (id TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL, name TEXT NOT NULL,
    email TEXT);
CREATE TABLE tickets (
    id TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL,
    title TEXT NOT NULL, priority TEXT NOT NULL, status TEXT NOT NULL,
    customer_id TEXT, customer_name TEXT NOT NULL, assigned_to TEXT,
    tags TEXT NOT NULL, notes TEXT, message_count INTEGER NOT NULL DEFAULT 0,
    response_deadline TEXT, resolution_deadline TEXT, first_response_at TEXT,
    response_tier TEXT, resolution_tier TEXT, sla_paused INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL, created_at TEXT NOT NULL, closed_at TEXT, updated_at TEXT NOT NULL,
    search_text TEXT NOT NULL);
CREATE INDEX tickets_order ON tickets(team_id, created_at DESC, id DESC);
CREATE INDEX tickets_status ON tickets(team_id, status, created_at DESC, id DESC);
CREATE TABLE messages (
    id TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    sender TEXT NOT NULL, content TEXT NOT NULL, sender_id TEXT, sender_name TEXT,
    sender_avatar_url TEXT, is_internal INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX messages_ticket ON messages(ticket_id, created_at);
CREATE TABLE idempotency (api_key TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, state TEXT NOT NULL,
    status INTEGER, body TEXT, created_at REAL NOT NULL, PRIMARY KEY (api_key, key));
"""


def _v0_ticket(n: int, status: str) -> tuple[object, ...]:
    return (f"tkt_old{n:09d}", f"00000000-0000-4000-8000-{n:012d}", "team_acme", f"Old ticket Ærø {n}", "high",
            status, None, "Unknown Customer", None, "[]", None, 0, None, None, None, "high-4h", "high-24h", 0, "{}",
            f"2026-01-0{n}T10:00:00Z", None, f"2026-01-0{n}T10:00:00Z", f"old ticket ærø {n}\nunknown customer")


def test_a_database_from_the_first_sandbox_is_upgraded_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "v0.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(V0_SCHEMA)
    db.executemany(f"INSERT INTO tickets VALUES ({','.join('?' * 23)})",
                   [_v0_ticket(1, "open"), _v0_ticket(2, "closed"), _v0_ticket(3, "open")])
    db.execute("INSERT INTO messages VALUES ('msg_old000000001', 'u1', 'team_acme', 'tkt_old000000001', 'customer',"
               " 'hello', NULL, NULL, NULL, 0, '2026-01-01T10:05:00Z')")
    db.commit()
    db.close()

    store = Store(path)
    try:
        assert store._one("PRAGMA user_version")[0] == VERSION
        rows, total = store.list_tickets("team_acme", {}, None, 1, 10)
        assert total == 3 and [r["id"] for r in rows] == ["tkt_old000000003", "tkt_old000000002", "tkt_old000000001"]
        assert store.list_tickets("team_acme", {"status": "open"}, None, 1, 10)[1] == 2
        assert [r["id"] for r in store.list_tickets("team_acme", {}, "ÆRØ 2", 1, 10)[0]] == ["tkt_old000000002"]
        assert store.count_messages("tkt_old000000001") == 1  # dropping the old table did not cascade
        assert store._all("PRAGMA foreign_key_check") == []
        store.delete_ticket("tkt_old000000001")
        assert store.count_messages("tkt_old000000001") == 0  # and the foreign key still cascades
    finally:
        store.close()
    again = Store(path)  # opening an upgraded file is a no-op
    assert again.list_tickets("team_acme", {}, None, 1, 10)[1] == 2
    again.close()


def v2_file(path: Path, tickets: list[tuple[str, str]]) -> list[str]:
    """A database as the sandbox before accent folding wrote it (user_version 2): the same tables, and a
    `search_text` that is the whole title and customer name, only casefolded. Returns the ticket IDs."""
    sb = create_sandbox(path, empty=True, rate_limit=0)
    try:
        ids = insert_tickets(sb, FIXED_NOW, [
            {"id": f"tkt_v2{i:010d}", "title": title, "customer_name": customer,
             "search_text": f"{title}\n{customer}".casefold()} for i, (title, customer) in enumerate(tickets)])
    finally:
        sb.close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=2")
    db.close()
    return ids


def test_a_database_from_before_accent_folding_is_refolded_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    ids = v2_file(path, [("Refund for María García", "Zoë Ångström"), ("Printer jam", "Jürgen Straße"),
                         ("Plain ascii", "Bob")])
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM ticket_search WHERE text LIKE '%garcia%'").fetchone()[0] == 0
    db.close()
    sb = create_sandbox(path, rate_limit=0)
    try:
        store = sb.store
        assert store._one("PRAGMA user_version")[0] == VERSION
        for term, expected in [("garcia", ids[0]), ("zoe angstrom", ids[0]), ("STRASSE", ids[1]),
                               ("jurgen", ids[1]), ("plain", ids[2])]:
            rows, total = store.list_tickets(sb.team_id, {}, term, 1, 10)
            assert [r["id"] for r in rows] == [expected] and total == 1, term
        _counts_agree(store)
        assert store.list_tickets(sb.team_id, {}, None, 1, 10)[1] == 3  # nothing else changed
    finally:
        sb.close()
    again = Store(path)  # opening an upgraded file is a no-op
    assert [r["id"] for r in again.list_tickets("team_acme", {}, "garcia", 1, 10)[0]] == [ids[0]]
    again.close()


def test_seeded_tickets_carry_what_the_rules_derive(sandbox: Sandbox) -> None:
    rows = sandbox.store._all("SELECT * FROM tickets")
    assert len(rows) == 312
    for t in rows:
        thread = sandbox.store.messages(t["id"], include_internal=True)
        assert t["message_count"] == len(thread)
        replies = [m["created_at"] for m in thread if m["sender"] == "agent" and not m["is_internal"]]
        assert t["first_response_at"] == (min(replies) if replies else None)
        assert (t["closed_at"] is not None) == (t["status"] in ("resolved", "closed"))
        assert bool(t["sla_paused"]) == (t["status"] == "pending")
        assert all(m["created_at"] <= t["updated_at"] for m in thread)
        assert t["search_text"] == folded(f"{t['title']}\n{t['customer_name']}")


def _counts_agree(store: Store) -> None:
    table = {tuple(r[:5]): r[5] for r in store._all("SELECT * FROM ticket_counts WHERE n != 0")}
    actual = {tuple(r[:5]): r[5] for r in store._all(
        "SELECT team_id, status, priority, coalesce(assigned_to, ''), coalesce(customer_id, ''), COUNT(*)"
        " FROM tickets GROUP BY 1, 2, 3, 4, 5")}
    assert table == actual
    search = Counter(r[0] for r in store._all("SELECT text FROM ticket_search"))
    assert search == Counter(r[0] for r in store._all("SELECT search_text FROM tickets"))


def test_counts_and_search_index_follow_every_write(sandbox: Sandbox) -> None:
    service, store, team = sandbox.api.service, sandbox.store, sandbox.team_id
    rng = random.Random(7)
    agents = [a["id"] for a in store.agents(team)] + [None]
    customers = [c["id"] for c in store._all("SELECT id FROM customers WHERE team_id = ?", (team,))]
    ids = [r["id"] for r in store.list_tickets(team, {}, None, 1, 500)[0]]
    for i in range(150):
        action = rng.random()
        if action < 0.3:
            body = {"title": f"Random {i} {rng.choice(['refund', 'Ångström', 'login'])}",
                    "priority": rng.choice(["low", "normal", "high", "urgent"])}
            if rng.random() < 0.5:
                body["customerId"] = rng.choice(customers)
            ids.append(service.create(team, body)["id"])
        elif action < 0.8:
            body = rng.choice([{"status": rng.choice(["new", "open", "pending", "resolved", "closed"])},
                               {"priority": rng.choice(["low", "normal", "high", "urgent"])},
                               {"assignedTo": rng.choice(agents)}, {"title": f"Renamed {i}"}])
            service.update(team, rng.choice(ids), body)
        else:
            service.delete(team, ids.pop(rng.randrange(len(ids))))
    _counts_agree(store)
    everything = [dict(r) for r in store.list_tickets(team, {}, None, 1, 1000)[0]]
    for filters in ({"status": "open"}, {"priority": "urgent"}, {"assignedTo": agents[0]},
                    {"customerId": customers[0]}, {"status": "closed", "priority": "high"}):
        column = {"status": "status", "priority": "priority", "assignedTo": "assigned_to",
                  "customerId": "customer_id"}
        expected = [t for t in everything if all(t[column[k]] == v for k, v in filters.items())]
        assert store.list_tickets(team, filters, None, 1, 5)[1] == len(expected)
    for term in ("renamed", "ångström", "RANDOM 1", "zz"):
        expected = [t for t in everything if folded(term) in folded(f"{t['title']}\n{t['customer_name']}")]
        assert store.list_tickets(team, {}, term, 1, 5)[1] == len(expected)


def test_a_search_sees_writes_from_another_process_on_the_same_file(tmp_path: Path) -> None:
    """The search result cache is keyed on SQLite's data_version, which moves when another connection commits."""
    one = create_sandbox(tmp_path / "shared.sqlite3", empty=True, rate_limit=0)
    two = create_sandbox(tmp_path / "shared.sqlite3", rate_limit=0)
    try:
        assert one.store.list_tickets(one.team_id, {}, "zebra crossing", 1, 20)[1] == 0
        two.api.service.create(two.team_id, {"title": "Zebra crossing blocked"})
        rows, total = one.store.list_tickets(one.team_id, {}, "zebra crossing", 1, 20)
        assert total == 1 and rows[0]["title"] == "Zebra crossing blocked"
        assert one.store.list_tickets(one.team_id, {}, None, 1, 1)[1] == 1
    finally:
        one.close()
        two.close()


def test_two_writers_on_one_file_never_lose_a_message_count(tmp_path: Path) -> None:
    """The app and `serve --db` on the same file: the count is incremented in SQL, inside the insert's
    transaction (it was read, then written back +1, from two connections)."""
    path = tmp_path / "shared.sqlite3"
    sandboxes = [create_sandbox(path, empty=True, rate_limit=0), create_sandbox(path, rate_limit=0)]
    ticket = sandboxes[0].api.service.create(sandboxes[0].team_id, {"title": "busy"})["id"]
    errors: list[BaseException] = []

    def post(sb: Sandbox, n: int) -> None:
        try:
            for i in range(n):
                sb.api.service.add_message(sb.team_id, ticket, {"content": f"{i}", "messageType": "internal"})
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(sb, 60)) for sb in sandboxes]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors
        row = sandboxes[0].store.get_ticket(sandboxes[0].team_id, ticket)
        assert row["message_count"] == sandboxes[0].store.count_messages(ticket) == 120
    finally:
        for sb in sandboxes:
            sb.close()


def test_reopening_a_seeded_file_keeps_its_data(tmp_path: Path) -> None:
    first = create_sandbox(tmp_path / "s.sqlite3", rate_limit=0, seed=3)
    made = first.api.service.create(first.team_id, {"title": "Mine", "metadata": {"k": "v"}})
    first.close()
    second = create_sandbox(tmp_path / "s.sqlite3", rate_limit=0, seed=99)  # seed only applies to a new file
    try:
        assert second.store.list_tickets(second.team_id, {}, None, 1, 1)[1] == 301
        row = second.store.get_ticket(second.team_id, made["id"])
        assert json.loads(row["metadata"]) == {"k": "v"}
        assert second.store.list_tickets(second.team_id, {}, "mine", 1, 5)[1] >= 1
    finally:
        second.close()


@pytest.mark.parametrize("tickets", [0, 1, 2000])
def test_create_sandbox_sizes(tickets: int) -> None:
    sb = create_sandbox(tickets=tickets, max_messages=3, rate_limit=0)
    try:
        assert sb.store.list_tickets(sb.team_id, {}, None, 1, 1)[1] == tickets
        _counts_agree(sb.store)
        assert max((r[0] for r in sb.store._all("SELECT message_count FROM tickets WHERE team_id = ?",
                                                 (sb.team_id,))), default=0) <= 3
    finally:
        sb.close()


def test_two_processes_opening_one_new_file_seed_it_once(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    opened: list[Sandbox] = []
    errors: list[BaseException] = []
    gate = threading.Barrier(3)

    def open_it() -> None:
        try:
            gate.wait()
            opened.append(create_sandbox(path, rate_limit=0))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert not errors, errors
        assert len(opened) == 3
        assert all(sb.store.list_tickets(sb.team_id, {}, None, 1, 1)[1] == 300 for sb in opened)
        assert len(opened[0].store.agents(opened[0].team_id)) == 5
    finally:
        for sb in opened:
            sb.close()
