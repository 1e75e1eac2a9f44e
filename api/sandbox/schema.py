"""The sandbox's SQLite schema, its search index, and the upgrade from older database files."""

from __future__ import annotations

import sqlite3

from .folding import search_text

# PRAGMA user_version of a database this code created; 0 is the first (pre-search-index) layout, 2 the one
# whose `search_text` was only casefolded (no accent folding) and as long as the title.
VERSION = 3

_TICKETS = """
CREATE TABLE IF NOT EXISTS tickets (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE, uuid TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL,
    title TEXT NOT NULL, priority TEXT NOT NULL, status TEXT NOT NULL,
    customer_id TEXT, customer_name TEXT NOT NULL, assigned_to TEXT,
    tags TEXT NOT NULL, notes TEXT, message_count INTEGER NOT NULL DEFAULT 0,
    response_deadline TEXT, resolution_deadline TEXT, first_response_at TEXT,
    response_tier TEXT, resolution_tier TEXT, sla_paused INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL, created_at TEXT NOT NULL, closed_at TEXT, updated_at TEXT NOT NULL,
    search_text TEXT NOT NULL
)
"""

TABLES = _TICKETS + ";" + """
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
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL,
    ticket_id TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    sender TEXT NOT NULL, content TEXT NOT NULL, sender_id TEXT, sender_name TEXT,
    sender_avatar_url TEXT, is_internal INTEGER NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    api_key TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, state TEXT NOT NULL,
    status INTEGER, body TEXT, created_at REAL NOT NULL,
    PRIMARY KEY (api_key, key)
);
CREATE INDEX IF NOT EXISTS idempotency_age ON idempotency(created_at);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, team_id TEXT NOT NULL, body BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS messages_ticket ON messages(ticket_id, created_at);
CREATE VIRTUAL TABLE IF NOT EXISTS ticket_search USING fts5(text, tokenize='trigram case_sensitive 1');
CREATE TABLE IF NOT EXISTS ticket_counts (
    team_id TEXT NOT NULL, status TEXT NOT NULL, priority TEXT NOT NULL, assigned_to TEXT NOT NULL,
    customer_id TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (team_id, status, priority, assigned_to, customer_id)
) WITHOUT ROWID;
"""

# One index per list filter, in list order, carrying the other filter columns so a combined filter and
# its COUNT(*) are answered from the index alone (at 100k tickets a table lookup per row costs ~90 ms).
# Seeding drops and recreates these: one sort beats maintaining five B-trees row by row.
INDEXES = {
    "tickets_order": "(team_id, created_at DESC, id DESC)",
    "tickets_status": "(team_id, status, created_at DESC, id DESC, priority, assigned_to, customer_id)",
    "tickets_priority": "(team_id, priority, created_at DESC, id DESC, status, assigned_to, customer_id)",
    "tickets_assignee": "(team_id, assigned_to, created_at DESC, id DESC, status, priority, customer_id)",
    "tickets_customer": "(team_id, customer_id, created_at DESC, id DESC, status, priority, assigned_to)",
}

# `search_text` is folded in Python (folding.py: SQLite folds ASCII case only, and no accents); the trigram
# index mirrors it by `seq`.
# `ticket_counts` holds how many tickets share each combination of the filter columns ('' for null), so a
# list's `total` is a sum over a few thousand rows instead of a count over up to every ticket.
_COUNT_KEY = "{0}.team_id, {0}.status, {0}.priority, coalesce({0}.assigned_to, ''), coalesce({0}.customer_id, '')"
_COUNT_MATCH = ("team_id = {0}.team_id AND status = {0}.status AND priority = {0}.priority"
                " AND assigned_to = coalesce({0}.assigned_to, '') AND customer_id = coalesce({0}.customer_id, '')")
_COUNT_UP = f"INSERT INTO ticket_counts VALUES ({_COUNT_KEY.format('new')}, 1) ON CONFLICT DO UPDATE SET n = n + 1;"
_COUNT_DOWN = f"UPDATE ticket_counts SET n = n - 1 WHERE {_COUNT_MATCH.format('old')};"
TRIGGERS = {
    "tickets_count_insert": f"AFTER INSERT ON tickets BEGIN {_COUNT_UP} END",
    "tickets_count_delete": f"AFTER DELETE ON tickets BEGIN {_COUNT_DOWN} END",
    "tickets_count_update": "AFTER UPDATE OF team_id, status, priority, assigned_to, customer_id ON tickets "
    f"BEGIN {_COUNT_DOWN} {_COUNT_UP} END",
    "tickets_search_insert": "AFTER INSERT ON tickets BEGIN "
    "INSERT INTO ticket_search (rowid, text) VALUES (new.seq, new.search_text); END",
    "tickets_search_delete": "AFTER DELETE ON tickets BEGIN DELETE FROM ticket_search WHERE rowid = old.seq; END",
    "tickets_search_update": "AFTER UPDATE OF search_text ON tickets BEGIN "
    "UPDATE ticket_search SET text = new.search_text WHERE rowid = new.seq; END",
}

_V0_TICKET_COLUMNS = (
    "id, uuid, team_id, title, priority, status, customer_id, customer_name, assigned_to, tags, notes, "
    "message_count, response_deadline, resolution_deadline, first_response_at, response_tier, resolution_tier, "
    "sla_paused, metadata, created_at, closed_at, updated_at, search_text"
)


def create_indexes(db: sqlite3.Connection) -> None:
    for name, columns in INDEXES.items():
        db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON tickets{columns}")
    for name, body in TRIGGERS.items():
        db.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def drop_indexes(db: sqlite3.Connection) -> None:
    for name in INDEXES:
        db.execute(f"DROP INDEX IF EXISTS {name}")
    for name in TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")


def rebuild_derived(db: sqlite3.Connection) -> None:
    """Recompute the search index and the counts from the tickets (after seeding or an upgrade)."""
    db.execute("DELETE FROM ticket_search")
    db.execute("INSERT INTO ticket_search (rowid, text) SELECT seq, search_text FROM tickets")
    db.execute("DELETE FROM ticket_counts")
    db.execute(f"INSERT INTO ticket_counts SELECT {_COUNT_KEY.format('tickets')}, COUNT(*) FROM tickets"
               " GROUP BY 1, 2, 3, 4, 5")


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


def _version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def prepare(db: sqlite3.Connection) -> None:
    """Create the schema, or bring a database written by an earlier sandbox up to `VERSION`, data kept."""
    if _version(db) >= VERSION:
        for statement in _statements(TABLES):
            db.execute(statement)
        create_indexes(db)
        return
    # Foreign keys off, or dropping the old tickets table would cascade-delete every message; the new table
    # is renamed into place (never the old one away), so messages keep referencing "tickets".
    db.execute("PRAGMA foreign_keys=OFF")
    try:
        db.execute("BEGIN IMMEDIATE")
        # Read again under the write lock: another process may have upgraded the file meanwhile.
        if _version(db) >= VERSION:
            db.execute("COMMIT")
            return
        old = [r[1] for r in db.execute("PRAGMA table_info(tickets)")]
        if old and "seq" not in old:
            db.execute(_TICKETS.replace("IF NOT EXISTS tickets", "tickets_new"))
            db.execute(f"INSERT INTO tickets_new ({_V0_TICKET_COLUMNS}) SELECT {_V0_TICKET_COLUMNS} FROM tickets "
                       "ORDER BY rowid")
            db.execute("DROP TABLE tickets")
            db.execute("ALTER TABLE tickets_new RENAME TO tickets")
        if old:
            _refold(db)
        for statement in _statements(TABLES):
            db.execute(statement)
        create_indexes(db)
        rebuild_derived(db)
        db.execute(f"PRAGMA user_version={VERSION}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    finally:
        db.execute("PRAGMA foreign_keys=ON")


def _refold(db: sqlite3.Connection) -> None:
    """Recompute every `search_text` with today's folding and bounds (the index is rebuilt after)."""
    db.execute("DROP TRIGGER IF EXISTS tickets_search_update")  # one index rebuild, not one update per row
    db.create_function("cstar_search_text", 2, search_text, deterministic=True)
    try:
        db.execute("UPDATE tickets SET search_text = cstar_search_text(title, customer_name)")
    finally:
        db.create_function("cstar_search_text", 2, None)
