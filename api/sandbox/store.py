"""SQLite persistence for the sandbox: short statements, one connection, an index for every filter."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import schema
from .folding import fold
from .folding import search_text as search_text  # re-exported: service, seeding and tests build rows with it

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
# The list filters, each backed by an index in schema.INDEXES; values are bound, never interpolated.
FILTER_COLUMNS = {"status": "status", "priority": "priority", "assignedTo": "assigned_to",
                  "customerId": "customer_id"}
SEARCH_CACHE_SIZE = 8
# How often (in SQLite VM steps) a time limit is checked: every 10-20 µs of ordinary work (a check costs
# 0.4 µs). FTS5 matches a row within one step, so over its index the checks come between rows; the rows are
# short (folding.py), a few ms at worst for the longest search.
CHECK_EVERY_STEPS = 2000


class StatementTimeout(Exception):
    """Statements ran past a `time_limit`; the running one was stopped (a write in it rolled back)."""


class Store:
    """One SQLite connection guarded by a lock; every call is a handful of short statements."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._depth = 0
        self._search_cache: OrderedDict[tuple[Any, ...], tuple[tuple[int, int], list[int]]] = OrderedDict()
        # A second process (the app and `serve --db` on one file) may hold the write lock briefly.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # Up to 16 MiB of pages (the default is 2 MiB): a search at 100k tickets touches ~8k ticket rows,
            # and the embedded sandbox lives in the app's own memory, so more would show in its RSS.
            self._db.execute("PRAGMA cache_size=-16384")
        self._db.execute("PRAGMA foreign_keys=ON")
        schema.prepare(self._db)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT; nested uses join the outer transaction (a service call spans several)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._db
            except BaseException:
                self._depth = 0
                # A write stopped by a time limit may have been rolled back by SQLite already.
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._depth = 0
            self._db.execute("COMMIT")

    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Statements run inside are stopped once this thread has spent `seconds` of CPU time in them
        (`StatementTimeout`). The store is held meanwhile, so no other caller's statements run between
        these, nor count against them."""
        deadline = time.thread_time() + seconds
        stopped = False

        def check() -> bool:
            nonlocal stopped
            stopped = time.thread_time() > deadline
            return stopped  # true aborts the running statement (SQLITE_INTERRUPT)

        with self._lock:
            self._db.set_progress_handler(check, CHECK_EVERY_STEPS)
            try:
                yield
            except sqlite3.OperationalError as exc:
                if stopped:
                    raise StatementTimeout(f"stopped after {seconds:g} s") from exc
                raise
            finally:
                self._db.set_progress_handler(None, 0)

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Seeding: no per-row index or search upkeep; both are rebuilt once at the end (100k tickets: ~5x faster)."""
        with self.transaction() as db:
            schema.drop_indexes(db)
            yield
            schema.create_indexes(db)
            schema.rebuild_derived(db)
        with self._lock:
            self._db.execute("ANALYZE")

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
                         (team_id, agent_id, agent_id.lower()))

    def customer(self, team_id: str, customer_id: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM customers WHERE team_id = ? AND (id = ? OR uuid = ?)",
                         (team_id, customer_id, customer_id.lower()))

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
        """One page, newest first, and the total; `filters` are exact matches, `search` a substring."""
        where = ["team_id = ?"]
        params: list[Any] = [team_id]
        for name, column in FILTER_COLUMNS.items():
            if name in filters:
                where.append(f"{column} = ?")
                params.append(filters[name])
        clause = " AND ".join(where)
        offset = (page - 1) * page_size
        with self._lock:
            if search:
                matches = self._search(clause, params, fold(search))
                wanted = matches[offset:offset + page_size]
                rows = self._db.execute(f"SELECT * FROM tickets WHERE seq IN ({','.join('?' * len(wanted))})",
                                        wanted).fetchall() if wanted else []
                by_seq = {row["seq"]: row for row in rows}
                return [by_seq[seq] for seq in wanted], len(matches)
            # The filter columns are named alike in both tables and never filtered on null.
            total = self._db.execute(f"SELECT COALESCE(SUM(n), 0) FROM ticket_counts WHERE {clause}",
                                     params).fetchone()[0]
            if offset >= total:  # also keeps an absurd page number from overflowing SQLite's integers
                return [], total
            rows = self._db.execute(
                f"SELECT * FROM tickets WHERE {clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                (*params, page_size, offset),
            ).fetchall()
        return rows, total

    def _search(self, clause: str, params: list[Any], folded: str) -> list[int]:
        """Every matching ticket's `seq`, in list order; remembered until the data changes, so the next
        page of a search costs one lookup instead of another pass over the matches."""
        # data_version moves when another connection commits, total_changes when this one writes.
        version = (self._db.execute("PRAGMA data_version").fetchone()[0], self._db.total_changes)
        key = (clause, tuple(params), folded)
        cached = self._search_cache.get(key)
        if cached is not None and cached[0] == version:
            self._search_cache.move_to_end(key)
            return cached[1]
        if len(folded) >= 3:
            # A quoted phrase of trigrams matches exactly the substrings, from the index.
            subquery = "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?"
            needle = '"' + folded.replace('"', '""') + '"'
        else:
            # Trigrams can't find one or two characters: scan the search table, narrower than tickets.
            subquery = "SELECT rowid FROM ticket_search WHERE instr(text, ?) > 0"
            needle = folded
        seqs = [row[0] for row in self._db.execute(
            f"SELECT seq FROM tickets WHERE {clause} AND seq IN ({subquery}) ORDER BY created_at DESC, id DESC",
            (*params, needle))]
        self._search_cache[key] = (version, seqs)
        while len(self._search_cache) > SEARCH_CACHE_SIZE:
            self._search_cache.popitem(last=False)
        return seqs

    def get_ticket(self, team_id: str, ticket_id: str) -> sqlite3.Row | None:
        if ticket_id.startswith("tkt_"):
            return self._one("SELECT * FROM tickets WHERE team_id = ? AND id = ?", (team_id, ticket_id))
        return self._one("SELECT * FROM tickets WHERE team_id = ? AND uuid = ?", (team_id, ticket_id.lower()))

    def insert_tickets(self, rows: Iterable[dict[str, Any]]) -> None:
        self.insert_ticket_tuples(tuple(_encode(r[c]) for c in TICKET_COLUMNS) for r in rows)

    def insert_ticket_tuples(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Rows already in `TICKET_COLUMNS` order and SQLite types (the seeding fast path)."""
        with self.transaction() as db:
            db.executemany(_INSERT_TICKET, rows)

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
        self.insert_message_tuples(tuple(_encode(r[c]) for c in MESSAGE_COLUMNS) for r in rows)

    def insert_message_tuples(self, rows: Iterable[tuple[Any, ...]]) -> None:
        with self.transaction() as db:
            db.executemany(_INSERT_MESSAGE, rows)

    def add_message(self, row: dict[str, Any], *, first_response: bool) -> None:
        """Insert a message and count it on its ticket in one transaction, counting in SQL so that two
        writers (the app and `serve --db` on one file) never lose an increment."""
        with self.transaction() as db:
            self.insert_messages([row])
            db.execute(
                "UPDATE tickets SET message_count = message_count + 1, updated_at = ?,"
                " first_response_at = CASE WHEN ? THEN COALESCE(first_response_at, ?) ELSE first_response_at END"
                " WHERE id = ?",
                (row["created_at"], first_response, row["created_at"], row["ticket_id"]))

    def count_messages(self, ticket_id: str) -> int:
        row = self._one("SELECT COUNT(*) FROM messages WHERE ticket_id = ?", (ticket_id,))
        return int(row[0]) if row else 0

    # --- idempotency ----------------------------------------------------------------------------

    def idempotency_get(self, api_key: str, key: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM idempotency WHERE api_key = ? AND key = ?", (api_key, key))

    def idempotency_begin(self, api_key: str, key: str, fingerprint: str, now: float,
                          stale_before: float | None = None) -> bool:
        """Claim the key; False when someone holds it already (the caller then inspects it).

        A claim still 'running' from before `stale_before` belongs to a process that died mid-request
        (the file outlived it); it is taken over rather than blocking the key for a day.
        """
        with self.transaction() as db:
            if stale_before is not None:
                db.execute("DELETE FROM idempotency WHERE api_key = ? AND key = ? AND state = 'running'"
                           " AND created_at < ?", (api_key, key, stale_before))
            cur = db.execute(
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

    # --- events (see events.py) -----------------------------------------------------------------

    def add_event(self, team_id: str, body: bytes, *, keep: int) -> None:
        with self._lock:
            seq = self._db.execute("INSERT INTO events (team_id, body) VALUES (?, ?)", (team_id, body)).lastrowid
            if seq is not None and seq % 256 == 0:  # trimmed now and then, not on every write
                self._db.execute("DELETE FROM events WHERE seq <= ?", (seq - keep,))

    def last_event_seq(self) -> int:
        row = self._one("SELECT max(seq) FROM events")
        return int(row[0]) if row and row[0] is not None else 0

    def events_after(self, team_id: str, seq: int, limit: int) -> list[tuple[int, bytes]]:
        rows = self._all("SELECT seq, body FROM events WHERE seq > ? AND team_id = ? ORDER BY seq LIMIT ?",
                         (seq, team_id, limit))
        return [(int(row[0]), bytes(row[1])) for row in rows]


_INSERT_TICKET = f"INSERT INTO tickets ({','.join(TICKET_COLUMNS)}) VALUES ({','.join('?' * len(TICKET_COLUMNS))})"
_INSERT_MESSAGE = (f"INSERT INTO messages ({','.join(MESSAGE_COLUMNS)}) "
                   f"VALUES ({','.join('?' * len(MESSAGE_COLUMNS))})")
_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def encode_json(value: Any) -> str:
    """Tags and metadata as stored: compact, non-ASCII kept (one encoder, not one per call)."""
    return _json(value)


def _encode(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return _json(value)
    if isinstance(value, bool):
        return int(value)
    return value
