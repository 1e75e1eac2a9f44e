"""One change to many tickets: bounded requests in flight, 429s honoured, a journal that survives a kill.

No Textual: the list screen and the scripting CLI (`ticket update --where`) both run `run_bulk`.

Why each piece is the way it is:
- Every ticket gets its own Idempotency-Key, generated *before* anything is sent and written to the
  journal with the change. A run killed mid-way is resumed with the same keys and the same bodies, so
  a PATCH that had reached the service is replayed by it (`Idempotent-Replayed`), not applied twice.
  The service keeps keys 24 h, so a journal older than `RESUME_WITHIN` is only reported, never resumed.
- Tags: a PATCH replaces the whole list (api-reference: "Replace the tags array"), so adding or
  removing one tag is computed per ticket from a copy fetched just before its PATCH (a list page may
  be minutes old; a stale copy would drop a tag someone added meanwhile). That body is journaled before
  the PATCH goes out: a resumed run sends the very same body, which a replay needs.
- DELETE takes no Idempotency-Key; a resumed delete that finds the ticket gone counts as done.
- A 429 (after the client's own retries) pauses every worker until its Retry-After, then the same
  request is sent again with the same key; so does a 409 "this key is still being processed".
- The journal is a JSON-lines file: a header written atomically (temp file, fsync, rename) before the
  first request, then one fsynced line per outcome. Appending keeps a bulk of 2,000 at one small write
  per ticket; a line torn by a crash is ignored on reading (its ticket is simply not done yet).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from api.errors import (
    ApiError,
    AuthenticationError,
    ConnectionFailedError,
    IdempotencyConflictError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
)
from api.models import DeleteResult, Ticket
from app.desk.actions import delete_ticket, update_ticket
from app.desk.store import DeskStore
from app.draft_lock import DraftLocks

if TYPE_CHECKING:
    from api.models import TicketUpdate
    from app.settings import Settings

__all__ = ["MAX_IN_FLIGHT", "RESUME_WITHIN", "BulkChange", "BulkJournal", "BulkJournals", "BulkReport",
           "Outcome", "run_bulk"]

MAX_IN_FLIGHT = 4
#: The service replays a key for 24 h; past this a resumed PATCH could be applied a second time.
RESUME_WITHIN = timedelta(hours=23)
#: Rounds of waiting (429, key still in flight) one ticket may take before it is reported as failed.
MAX_WAITS = 8
#: When a 429 names no wait.
DEFAULT_WAIT = 2.0
_JOURNAL_VERSION = 1


class _Client(Protocol):
    async def update_ticket(self, ticket_id: str, body: TicketUpdate,
                            idempotency_key: str | None = None) -> Ticket: ...
    async def delete_ticket(self, ticket_id: str) -> DeleteResult: ...
    async def get_ticket(self, ticket_id: str, expand: str | Iterable[str] = ()) -> Ticket: ...


# --- the change ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkChange:
    """What is done to every ticket: a field update, tags added/removed, or delete."""

    update: TicketUpdate | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    delete: bool = False

    def __post_init__(self) -> None:
        kinds = [self.update is not None and not self.update.is_empty(),
                 bool(self.add_tags or self.remove_tags), self.delete]
        if sum(kinds) != 1:
            raise ValueError("a bulk change is exactly one of: an update, tags to add/remove, delete")
        if self.update is not None and "tags" in self.update.model_fields_set:
            raise ValueError("tags in bulk are added or removed (add_tags/remove_tags), not replaced")

    @property
    def tags(self) -> bool:
        return bool(self.add_tags or self.remove_tags)

    def body_for(self, ticket: Ticket | None) -> TicketUpdate:
        """The PATCH for one ticket; tag changes need the ticket's current tags."""
        if self.tags:
            assert ticket is not None
            tags = [tag for tag in ticket.tags if tag not in self.remove_tags]
            tags += [tag for tag in self.add_tags if tag not in tags]
            from api.models import TicketUpdate  # pydantic: loaded on the first bulk, not at start

            return TicketUpdate(tags=tags)
        assert self.update is not None
        return self.update

    def describe(self, count: int, names: Mapping[str, str] | None = None) -> str:
        """"Set 12 tickets to pending": the confirmation's question and the summary's title."""
        tickets = f"{count} ticket" + ("" if count == 1 else "s")
        if self.delete:
            return f"Delete {tickets}"
        if self.tags:
            parts = []
            if self.add_tags:
                parts.append("add " + _tag_list(self.add_tags))
            if self.remove_tags:
                parts.append("remove " + _tag_list(self.remove_tags))
            text = " and ".join(parts)
            return f"{text[0].upper()}{text[1:]} on {tickets}"
        assert self.update is not None
        fields = self.update.model_fields_set
        if fields == {"status"}:
            return f"Set {tickets} to {self.update.status}"
        if fields == {"priority"}:
            return f"Set {tickets} to {self.update.priority} priority"
        if fields == {"assigned_to"}:
            agent = self.update.assigned_to
            if agent is None:
                return f"Unassign {tickets}"
            return f"Assign {tickets} to {(names or {}).get(agent, agent)}"
        return f"Change {', '.join(sorted(self.update.to_wire()))} on {tickets}"

    def to_json(self) -> dict[str, Any]:
        if self.delete:
            return {"delete": True}
        if self.tags:
            return {"addTags": list(self.add_tags), "removeTags": list(self.remove_tags)}
        assert self.update is not None
        return {"update": self.update.to_wire()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BulkChange:
        if data.get("delete"):
            return cls(delete=True)
        if "update" in data:
            from api.models import TicketUpdate

            return cls(update=TicketUpdate.model_validate(data["update"]))
        return cls(add_tags=tuple(data.get("addTags", ())), remove_tags=tuple(data.get("removeTags", ())))


def _tag_list(tags: Sequence[str]) -> str:
    return ("tag " if len(tags) == 1 else "tags ") + ", ".join(tags)


# --- outcomes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of one ticket of a bulk change: done, or why not."""

    ticket_id: str
    ok: bool
    reason: str = ""
    """Why it failed (or a note on a success), in an agent's words."""
    unknown: bool = False
    """No answer came: whether the service applied it is not known (resuming retries it safely)."""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.ticket_id, "ok": self.ok, "reason": self.reason, "unknown": self.unknown}


def reason_for(error: ApiError, *, delete: bool = False) -> tuple[str, bool]:
    """(what an agent reads, whether the outcome is unknown) for an error that ended one ticket."""
    if isinstance(error, NotFoundError):
        return "no longer exists (deleted, or not visible to this key)", False
    if isinstance(error, PermissionDeniedError):
        action = "delete tickets" if delete else "change tickets"
        return f"not allowed: this API key cannot {action}", False
    if isinstance(error, AuthenticationError):
        return "the API key was not accepted", False
    if isinstance(error, IdempotencyConflictError):
        return "was changed by someone else in the meantime (its change key was used for another change)", False
    if isinstance(error, InvalidRequestError):
        return f"refused by the service: {error.message or error.describe()}", False
    if isinstance(error, RateLimitError):
        return "the service kept answering 'too many requests'", True
    if isinstance(error, ConnectionFailedError | RequestTimeoutError | ServerError | MalformedResponseError):
        return (f"no clear answer from the service ({error.describe().rstrip('.')}): it may or may not have "
                "changed; retrying is safe (same key)"), True
    return error.describe(), False


@dataclass
class BulkReport:
    """Where a bulk stands: every ticket's outcome so far, in the order the ids were given."""

    change: BulkChange
    ids: list[str]
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.ids)

    @property
    def done(self) -> int:
        return len(self.outcomes)

    @property
    def succeeded(self) -> list[Outcome]:
        return [o for i in self.ids if (o := self.outcomes.get(i)) is not None and o.ok]

    @property
    def failed(self) -> list[Outcome]:
        return [o for i in self.ids if (o := self.outcomes.get(i)) is not None and not o.ok]

    @property
    def unknown(self) -> list[Outcome]:
        """Failures with no clear answer: sent again with the same key, they are safe to retry."""
        return [o for o in self.failed if o.unknown]

    @property
    def remaining(self) -> list[str]:
        return [i for i in self.ids if i not in self.outcomes]

    @property
    def finished(self) -> bool:
        return not self.remaining


# --- the journal --------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class BulkJournal:
    """One bulk on disk: the change, the ids, each id's key (and tag body), each outcome as it came."""

    def __init__(self, path: Path, bulk_id: str, created: datetime, change: BulkChange, ids: list[str],
                 keys: dict[str, str], bodies: dict[str, dict[str, Any]] | None = None,
                 outcomes: dict[str, Outcome] | None = None) -> None:
        self.path = path
        self.bulk_id = bulk_id
        self.created = created
        self.change = change
        self.ids = ids
        self.keys = keys
        self.bodies = bodies or {}
        self.report = BulkReport(change, ids, outcomes or {})

    @classmethod
    def create(cls, directory: Path, change: BulkChange, ids: Sequence[str],
               now: datetime | None = None) -> BulkJournal:
        """Write the header (ids, change, a fresh key per id) durably, before any request is sent."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            raise ValueError("a bulk change needs at least one ticket")
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        bulk_id = uuid.uuid4().hex[:16]
        created = now or _now()
        keys = {ticket_id: f"cstar-bulk-{bulk_id}-{uuid.uuid4()}" for ticket_id in ids}
        header = {"version": _JOURNAL_VERSION, "bulk": bulk_id,
                  "created": created.astimezone(UTC).isoformat(timespec="seconds"),
                  "change": change.to_json(), "ids": ids, "keys": keys}
        path = directory / f"bulk-{bulk_id}.jsonl"
        fd, temp = tempfile.mkstemp(prefix=".bulk-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(json.dumps(header, ensure_ascii=False).encode() + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        _fsync_directory(directory)
        return cls(path, bulk_id, created, change, ids, keys)

    @classmethod
    def load(cls, path: Path) -> BulkJournal | None:
        """The journal as written so far; None for a file that is not one (a torn last line is skipped)."""
        try:
            lines = path.read_bytes().split(b"\n")
            header = json.loads(lines[0])
            change = BulkChange.from_json(header["change"])
            ids = [str(i) for i in header["ids"]]
            keys = {str(k): str(v) for k, v in header["keys"].items()}
            created = datetime.fromisoformat(header["created"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return None
        bodies: dict[str, dict[str, Any]] = {}
        outcomes: dict[str, Outcome] = {}
        for line in lines[1:]:
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut by a crash: its ticket is not done
            if not isinstance(entry, dict) or entry.get("id") not in keys:
                continue
            if isinstance(entry.get("body"), dict):
                bodies[entry["id"]] = entry["body"]
            elif entry.get("reopen"):
                outcomes.pop(entry["id"], None)
            elif "ok" in entry:
                outcomes[entry["id"]] = Outcome(entry["id"], bool(entry["ok"]), str(entry.get("reason", "")),
                                                bool(entry.get("unknown", False)))
        return cls(path, str(header.get("bulk", path.stem)), created, change, ids, keys, bodies, outcomes)

    def _append(self, entry: dict[str, Any]) -> None:
        with open(self.path, "ab") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False).encode() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())

    def record_body(self, ticket_id: str, body: dict[str, Any]) -> None:
        """The exact body about to be sent for this ticket (tags): a resumed run must send it again."""
        self._append({"id": ticket_id, "body": body})
        self.bodies[ticket_id] = body

    def record(self, outcome: Outcome) -> None:
        self._append(outcome.to_json())
        self.report.outcomes[outcome.ticket_id] = outcome

    def reopen(self, ticket_ids: Iterable[str]) -> None:
        """Forget these outcomes (no clear answer came): the next run sends them again, same keys, same bodies."""
        for ticket_id in ticket_ids:
            if ticket_id in self.report.outcomes:
                self._append({"id": ticket_id, "reopen": True})
                del self.report.outcomes[ticket_id]

    def retryable(self, now: datetime | None = None) -> bool:
        """Some tickets had no clear answer, and their keys are still replayed by the service."""
        return bool(self.report.unknown) and (now or _now()) - self.created < RESUME_WITHIN

    def resumable(self, now: datetime | None = None) -> bool:
        """Unfinished and young enough that every key sent is still replayed by the service."""
        return not self.report.finished and (now or _now()) - self.created < RESUME_WITHIN

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        _fsync_directory(self.path.parent)


class BulkJournals:
    """The journals of one profile, in one directory; the instance running a bulk holds its lock, so
    another window (or a second start) never takes a running bulk for an interrupted one."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._locks = DraftLocks(self.directory)

    @classmethod
    def for_settings(cls, settings: Settings, root: Path | None = None) -> BulkJournals:
        from app.drafts import profile_slug

        if root is None:
            from platformdirs import user_data_path

            root = user_data_path("cstar-tui", appauthor=False)
        return cls(Path(root) / "bulk" / profile_slug(settings))

    def start(self, change: BulkChange, ids: Sequence[str], now: datetime | None = None) -> BulkJournal:
        journal = BulkJournal.create(self.directory, change, ids, now)
        self.claim(journal)
        return journal

    def claim(self, journal: BulkJournal) -> bool:
        return self._locks.claim(journal.path.name, self)

    def release(self, journal: BulkJournal) -> None:
        self._locks.release(journal.path.name, self)

    def discard(self, journal: BulkJournal) -> None:
        """The agent has seen the summary (or chose to forget the bulk): the journal goes."""
        journal.remove()
        self.release(journal)

    def left_over(self) -> list[BulkJournal]:
        """Journals no running instance holds (interrupted, or finished with no summary shown yet),
        oldest first; each one returned is claimed by this instance until `release`/`discard`."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("bulk-*.jsonl")):
            if self._locks.holds(path.name) or not self._locks.claim(path.name, self):
                continue
            journal = BulkJournal.load(path)
            if journal is None:
                self._locks.release(path.name, self)
                continue
            found.append(journal)
        return sorted(found, key=lambda j: j.created)


# --- running ------------------------------------------------------------------------------------


Progress = Callable[[BulkReport], None]


class _Pace:
    """One shared "not before" time: a 429 seen by one worker pauses them all."""

    def __init__(self, sleep: Callable[[float], Awaitable[Any]]) -> None:
        self._sleep = sleep
        self._not_before = 0.0

    def hold_off(self, seconds: float) -> None:
        self._not_before = max(self._not_before, asyncio.get_running_loop().time() + seconds)

    async def turn(self) -> None:
        wait = self._not_before - asyncio.get_running_loop().time()
        if wait > 0:
            await self._sleep(wait)


async def run_bulk(client: _Client, store: DeskStore, journal: BulkJournal, *, in_flight: int = MAX_IN_FLIGHT,
                   on_progress: Progress | None = None,
                   sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> BulkReport:
    """Apply the journal's change to every ticket it has no outcome for yet (all of them on a first run);
    each outcome is journaled as it comes. Returns the report; raises nothing an answer can cause."""
    report = journal.report
    pace = _Pace(sleep)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for ticket_id in report.remaining:
        queue.put_nowait(ticket_id)

    async def worker() -> None:
        while True:
            try:
                ticket_id = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            outcome = await _apply_one(client, store, journal, ticket_id, pace)
            journal.record(outcome)
            if on_progress is not None:
                on_progress(report)

    workers = [asyncio.create_task(worker()) for _ in range(max(1, min(in_flight, queue.qsize())))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
    return report


async def _apply_one(client: _Client, store: DeskStore, journal: BulkJournal, ticket_id: str,
                     pace: _Pace) -> Outcome:
    change = journal.change
    for _ in range(MAX_WAITS):
        await pace.turn()
        try:
            if change.delete:
                try:
                    await delete_ticket(client, store, ticket_id)
                except NotFoundError:
                    # DELETE has no key: after a kill it may have gone through already; gone is the goal.
                    store.remove(ticket_id)
                    return Outcome(ticket_id, True, "was already deleted")
                return Outcome(ticket_id, True)
            body = journal.bodies.get(ticket_id)
            if body is None and change.tags:
                current = await client.get_ticket(ticket_id)
                body = change.body_for(current).to_wire()
                journal.record_body(ticket_id, body)
            from api.models import TicketUpdate

            update = TicketUpdate.model_validate(body) if body is not None else change.body_for(None)
            await update_ticket(client, store, ticket_id, update, idempotency_key=journal.keys[ticket_id])
            return Outcome(ticket_id, True)
        except RateLimitError as exc:
            pace.hold_off(exc.retry_after if exc.retry_after is not None else DEFAULT_WAIT)
        except IdempotencyConflictError as exc:
            if not exc.in_flight:
                return Outcome(ticket_id, False, *reason_for(exc))
            pace.hold_off(DEFAULT_WAIT)
        except NotFoundError as exc:
            store.remove(ticket_id)  # gone: out of every view, not just out of this bulk
            return Outcome(ticket_id, False, *reason_for(exc))
        except ApiError as exc:
            return Outcome(ticket_id, False, *reason_for(exc, delete=change.delete))
    return Outcome(ticket_id, False, "the service kept asking to wait ('too many requests')", True)
