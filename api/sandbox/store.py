"""SQLite persistence for the sandbox: short statements, one connection, an index for every filter."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS teams (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
    key TEXT PRIMARY KEY, team_id TEXT NOT NULL REFERENCES teams(id), kind TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agents (
    id TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL,
    name TEXT NOT NULL, email TEXT, avatar_url TEXT
);
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL, name TEXT NOT NULL, email TEXT
);
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL,
    title TEXT NOT NULL, priority TEXT NOT NULL, status TEXT NOT NULL,
    customer_id TEXT, customer_name TEXT NOT NULL, assigned_to TEXT,
    tags TEXT NOT NULL, notes TEXT, message_count INTEGER NOT NULL DEFAULT 0,
    response_deadline TEXT, resolution_deadline TEXT, first_response_at TEXT,
    response_tier TEXT, resolution_tier TEXT, sla_paused INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL, created_at TEXT NOT NULL, closed_at TEXT, updated_at TEXT NOT NULL,
    search_text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_order ON tickets(team_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets(team_id, status, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS tickets_priority ON tickets(team_id, priority, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS tickets_assignee ON tickets(team_id, assigned_to, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS tickets_customer ON tickets(team_id, customer_id, created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    sender TEXT NOT NULL, content TEXT NOT NULL, sender_id TEXT, sender_name TEXT,
    sender_avatar_url TEXT, is_internal INTEGER NOT NULL, created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_ticket ON messages(ticket_id, created_at);
CREATE TABLE IF NOT EXISTS idempotency (
    api_key TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, state TEXT NOT NULL,
    status INTEGER, body TEXT, created_at REAL NOT NULL,
    PRIMARY KEY (api_key, key)
);
"""

TICKET_COLUMNS = (
    "id", "uuid", "team_id", "title", "priority", "status", "customer_id", "customer_name",
    "assigned_to", "tags", "notes", "message_count", "response_deadline", "resolution_deadline",
    "first_response_at", "response_tier", "resolution_tier", "sla_paused", "metadata",
    "created_at", "closed_at", "updated_at", "search_text",
)
MESSAGE_COLUMNS = (
    "id", "uuid", "team_id", "ticket_id", "sender", "content", "sender_id", "sender_name",
    "sender_avatar_url", "is_internal", "created_at",
)
# The list filters, each backed by an index above; values are bound, never interpolated.
FILTER_COLUMNS = {"status": "status", "priority": "priority", "assignedTo": "assigned_to",
                  "customerId": "customer_id"}


def search_text(title: str, customer_name: str) -> str:
    """What `search` matches: casefolded here because SQLite's lower() only folds ASCII."""
    return f"{title}\n{customer_name}".casefold()


class Store:
    """One SQLite connection guarded by a lock; every call is a handful of short statements."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchone()

    def _all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    # --- meta, teams, keys, agents, customers -------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT v FROM meta WHERE k = ?", (key,))
        return row["v"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", (key, value))

    def add_team(self, team_id: str, name: str, keys: dict[str, str]) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO teams (id, name) VALUES (?, ?)", (team_id, name))
            for kind, key in keys.items():
                db.execute("INSERT OR REPLACE INTO api_keys (key, team_id, kind) VALUES (?, ?, ?)",
                           (key, team_id, kind))

    def key_info(self, key: str) -> sqlite3.Row | None:
        return self._one("SELECT key, team_id, kind FROM api_keys WHERE key = ?", (key,))

    def team_exists(self, team_id: str) -> bool:
        return self._one("SELECT 1 FROM teams WHERE id = ?", (team_id,)) is not None

    def add_agents(self, team_id: str, agents: Iterable[dict[str, Any]]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO agents (id, uuid, team_id, name, email, avatar_url) VALUES (?, ?, ?, ?, ?, ?)",
                [(a["id"], a["uuid"], team_id, a["name"], a.get("email"), a.get("avatarUrl"))
                 for a in agents],
            )

    def add_customers(self, team_id: str, customers: Iterable[dict[str, Any]]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO customers (id, uuid, team_id, name, email) VALUES (?, ?, ?, ?, ?)",
                [(c["id"], c["uuid"], team_id, c["name"], c.get("email")) for c in customers],
            )

    def agents(self, team_id: str) -> list[sqlite3.Row]:
        return self._all("SELECT * FROM agents WHERE team_id = ? ORDER BY rowid", (team_id,))

    def agent(self, team_id: str, agent_id: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM agents WHERE team_id = ? AND (id = ? OR uuid = ?)",
                         (team_id, agent_id, agent_id))

    def customer(self, team_id: str, customer_id: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM customers WHERE team_id = ? AND (id = ? OR uuid = ?)",
                         (team_id, customer_id, customer_id))

    def customers_by_id(self, team_id: str, ids: Iterable[str]) -> dict[str, sqlite3.Row]:
        wanted = sorted({i for i in ids if i})
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self._all(f"SELECT * FROM customers WHERE team_id = ? AND id IN ({marks})", (team_id, *wanted))
        return {r["id"]: r for r in rows}

    # --- tickets --------------------------------------------------------------------------------

    def list_tickets(
        self, team_id: str, filters: dict[str, str], search: str | None, page: int, page_size: int
    ) -> tuple[list[sqlite3.Row], int]:
        where = ["team_id = ?"]
        params: list[Any] = [team_id]
        for name, column in FILTER_COLUMNS.items():
            if name in filters:
                where.append(f"{column} = ?")
                params.append(filters[name])
        if search:
            where.append("instr(search_text, ?) > 0")
            params.append(search.casefold())
        clause = " AND ".join(where)
        with self._lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM tickets WHERE {clause}", params).fetchone()[0]
            rows = self._db.execute(
                f"SELECT * FROM tickets WHERE {clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                (*params, page_size, (page - 1) * page_size),
            ).fetchall()
        return rows, total

    def get_ticket(self, team_id: str, ticket_id: str) -> sqlite3.Row | None:
        column = "id" if ticket_id.startswith("tkt_") else "uuid"
        return self._one(f"SELECT * FROM tickets WHERE team_id = ? AND {column} = ?", (team_id, ticket_id))

    def insert_tickets(self, rows: Iterable[dict[str, Any]]) -> None:
        cols = ",".join(TICKET_COLUMNS)
        marks = ",".join("?" * len(TICKET_COLUMNS))
        with self.transaction() as db:
            db.executemany(f"INSERT INTO tickets ({cols}) VALUES ({marks})",
                           [tuple(_encode(r[c]) for c in TICKET_COLUMNS) for r in rows])

    def update_ticket(self, ticket_id: str, changes: dict[str, Any]) -> None:
        if not changes:
            return
        sets = ", ".join(f"{c} = ?" for c in changes)
        with self._lock:
            self._db.execute(f"UPDATE tickets SET {sets} WHERE id = ?",
                             (*(_encode(v) for v in changes.values()), ticket_id))

    def delete_ticket(self, ticket_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM tickets WHERE id = ?", (ticket_id,))

    # --- messages -------------------------------------------------------------------------------

    def messages(self, ticket_id: str, *, include_internal: bool) -> list[sqlite3.Row]:
        extra = "" if include_internal else " AND is_internal = 0"
        return self._all(
            f"SELECT * FROM messages WHERE ticket_id = ?{extra} ORDER BY created_at, rowid", (ticket_id,)
        )

    def message(self, message_id: str) -> sqlite3.Row:
        row = self._one("SELECT * FROM messages WHERE id = ?", (message_id,))
        assert row is not None, message_id
        return row

    def insert_messages(self, rows: Iterable[dict[str, Any]]) -> None:
        cols = ",".join(MESSAGE_COLUMNS)
        marks = ",".join("?" * len(MESSAGE_COLUMNS))
        with self.transaction() as db:
            db.executemany(f"INSERT INTO messages ({cols}) VALUES ({marks})",
                           [tuple(_encode(r[c]) for c in MESSAGE_COLUMNS) for r in rows])

    def count_messages(self, ticket_id: str) -> int:
        row = self._one("SELECT COUNT(*) FROM messages WHERE ticket_id = ?", (ticket_id,))
        return int(row[0]) if row else 0

    # --- idempotency ----------------------------------------------------------------------------

    def idempotency_get(self, api_key: str, key: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM idempotency WHERE api_key = ? AND key = ?", (api_key, key))

    def idempotency_begin(self, api_key: str, key: str, fingerprint: str, now: float) -> bool:
        """Claim the key; False when someone holds it already (the caller then inspects it)."""
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO idempotency (api_key, key, fingerprint, state, created_at)"
                " VALUES (?, ?, ?, 'running', ?)", (api_key, key, fingerprint, now))
            return cur.rowcount == 1

    def idempotency_finish(self, api_key: str, key: str, status: int, body: str) -> None:
        with self._lock:
            self._db.execute("UPDATE idempotency SET state = 'done', status = ?, body = ? "
                             "WHERE api_key = ? AND key = ?", (status, body, api_key, key))

    def idempotency_release(self, api_key: str, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM idempotency WHERE api_key = ? AND key = ?", (api_key, key))

    def idempotency_expire(self, before: float) -> None:
        with self._lock:
            self._db.execute("DELETE FROM idempotency WHERE created_at < ?", (before,))


def _encode(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return int(value)
    return value
