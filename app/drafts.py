"""Composer drafts on disk: what the agent typed survives a closed composer, a crash or a kill -9.

One JSON file per ticket under `user_data_path("cstar-tui")/drafts/<profile>/`, written atomically
(temp file in the same directory, fsync, `os.replace`) so a crash mid-write leaves the old draft, never
half a file. The draft also carries the Idempotency-Key of its send: the key is stored *before* the
request goes out, so a send retried after a timeout, or after the app died waiting for the answer,
replays the first request instead of posting the message twice.

Two instances of the app on one profile share the directory: a ticket's draft is written only by the
instance that holds its lock (`claim`; see app.draft_lock for why a lock, and how).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import uuid
from collections.abc import Hashable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from app.draft_lock import DraftLocked, DraftLocks

if TYPE_CHECKING:
    from app.settings import Settings

__all__ = ["Draft", "DraftLocked", "DraftStore", "Mode", "body_fingerprint", "drafts_for", "new_idempotency_key",
           "profile_slug"]

Mode = Literal["public", "internal"]
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def body_fingerprint(body: dict[str, Any]) -> str:
    """What an Idempotency-Key was made for: the same body may reuse the key, another one may not
    (the server answers a reused key with a different body with 409)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def new_idempotency_key() -> str:
    return f"cstar-tui-{uuid.uuid4()}"


def profile_slug(settings: Settings) -> str:
    """`sandbox`, or a readable, filesystem-safe name for base URL + team (with a hash against clashes)."""
    if settings.sandbox:
        return "sandbox"
    raw = f"{settings.base_url}/{settings.team_id}"
    readable = _UNSAFE.sub("-", re.sub(r"^[a-z]+://", "", raw.lower())).strip("-.")[:60]
    digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
    return f"{readable}-{digest}"


def _file_name(ticket_id: str) -> str:
    # IDs are `tkt_…` or UUIDs; anything else (typed by hand) must still not escape the directory.
    safe = _UNSAFE.sub("_", ticket_id).strip(".") or "_"
    if safe != ticket_id:
        safe += "-" + hashlib.sha256(ticket_id.encode()).hexdigest()[:8]
    return f"{safe}.json"


@dataclass(frozen=True)
class Draft:
    """A reply or note being written on a ticket, and its send attempt if any."""

    ticket_id: str
    text: str = ""
    mode: Mode = "public"
    idempotency_key: str | None = None
    """The key of the send attempt, saved before the request goes out."""
    key_fingerprint: str | None = None
    """A hash of the request body the key was made for; a different body needs a new key."""
    pending: dict[str, Any] | None = None
    """The exact body sent with `idempotency_key` that has had no answer yet (None: nothing in doubt).
    It is sent again, as it is, until the service answers; text typed since then is not part of it."""
    first_attempt: str | None = None
    """When a request first went out with `idempotency_key` (UTC ISO-8601): the service forgets keys after
    24 h, and past that a resend is no longer a replay (app.resend_window). None in drafts saved before
    this was recorded."""

    @property
    def first_attempt_at(self) -> datetime | None:
        return _parse_time(self.first_attempt)

    def with_key_for(self, body: dict[str, Any]) -> Draft:
        """This draft holding the key for sending `body`: the same key as before when the body is
        unchanged (a retry must replay, not post again), a new one when the agent edited in between."""
        fingerprint = body_fingerprint(body)
        if self.idempotency_key and self.key_fingerprint == fingerprint:
            return self
        return replace(self, idempotency_key=new_idempotency_key(), key_fingerprint=fingerprint, first_attempt=None)

    def to_send(self, body: dict[str, Any], now: datetime | None = None) -> Draft:
        """This draft about to send `body` at `now`: `body` becomes the pending send, with its key.

        An edited body normally gets a new key; not while an earlier send is still pending, though. That
        one may have been stored with only its answer lost, and the old key is what lets the service tell:
        it refuses a stored key with another body (409) instead of posting the edit as a second message.
        The first attempt's time stays with the key: the service's memory of the key dates from then."""
        if self.pending is not None and self.idempotency_key:
            return replace(self, key_fingerprint=body_fingerprint(body), pending=body)
        keyed = self.with_key_for(body)
        first = self.first_attempt if keyed.idempotency_key == self.idempotency_key else None
        return replace(keyed, pending=body, first_attempt=first or _stamp(now or datetime.now(UTC)))

    def settled(self) -> Draft:
        """The service answered the pending send (with a refusal): the key may be used afresh."""
        return replace(self, pending=None)

    def after_sent(self, content: str) -> Draft | None:
        """What is left to keep once `content` was posted: nothing when the text is what was sent, else the
        text typed since (without the part that went out), as a fresh draft with no key."""
        if self.text.strip() == content.strip():
            return None
        rest = self.text[len(content):].lstrip("\n") if self.text.startswith(content) else self.text
        if not rest.strip():
            return None
        return Draft(self.ticket_id, rest, self.mode)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class DraftStore:
    """Drafts of one profile in one directory (injectable, so tests never touch the real data dir)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._locks = DraftLocks(self.directory)

    @classmethod
    def for_settings(cls, settings: Settings, root: Path | None = None) -> DraftStore:
        if root is None:
            from platformdirs import user_data_path

            root = user_data_path("cstar-tui", appauthor=False)
        return cls(Path(root) / "drafts" / profile_slug(settings))

    def path(self, ticket_id: str) -> Path:
        return self.directory / _file_name(ticket_id)

    # --- which instance writes a ticket's draft (app.draft_lock) ---------------------------------

    def claim(self, ticket_id: str, holder: Hashable) -> bool:
        """Hold this ticket's draft for `holder` (shared with this store's other holders); False when
        another instance holds it, and then this one must neither write it nor send its pending reply."""
        return self._locks.claim(_file_name(ticket_id), holder)

    def release(self, ticket_id: str, holder: Hashable) -> None:
        self._locks.release(_file_name(ticket_id), holder)

    def release_all(self) -> None:
        self._locks.release_all()

    def holds(self, ticket_id: str) -> bool:
        return self._locks.holds(_file_name(ticket_id))

    @contextlib.contextmanager
    def _writing(self, ticket_id: str) -> Iterator[None]:
        """Writes by a caller that claimed nothing (a one-off) hold the lock for the write itself."""
        if self.holds(ticket_id):
            yield
            return
        once = object()
        if not self.claim(ticket_id, once):
            raise DraftLocked(f"the draft of {ticket_id} is open in another cstar-tui window")
        try:
            yield
        finally:
            self.release(ticket_id, once)

    # --- the files ----------------------------------------------------------------------------

    def load(self, ticket_id: str) -> Draft | None:
        try:
            data = json.loads(self.path(ticket_id).read_text(encoding="utf-8"))
            mode = data.get("mode")
            pending = data.get("pending")
            return Draft(ticket_id=ticket_id, text=str(data.get("text", "")),
                         mode=mode if mode in ("public", "internal") else "public",
                         idempotency_key=data.get("idempotency_key"), key_fingerprint=data.get("key_fingerprint"),
                         pending=pending if isinstance(pending, dict) and data.get("idempotency_key") else None,
                         first_attempt=first if _parse_time(first := data.get("first_attempt")) else None)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, AttributeError):
            # A damaged draft must not keep the composer from opening; the agent starts afresh.
            return None

    def save(self, draft: Draft) -> None:
        """Write the draft atomically; DraftLocked when another instance holds it."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._writing(draft.ticket_id):
            self._write(draft)

    def _write(self, draft: Draft) -> None:
        target = self.path(draft.ticket_id)
        payload = json.dumps(asdict(draft), ensure_ascii=False, indent=1).encode("utf-8")
        fd, temp = tempfile.mkstemp(prefix=".draft-", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        self._sync_directory()

    def pending(self) -> list[Draft]:
        """Drafts whose send had no answer yet (the app sends them again when the service answers)."""
        return [draft for draft in self.all() if draft.pending is not None]

    def all(self) -> list[Draft]:
        """Every readable draft of this profile (a damaged file is skipped, as `load` does)."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("*.json")):
            try:
                ticket_id = json.loads(path.read_text(encoding="utf-8")).get("ticket_id")
            except (OSError, ValueError, AttributeError):
                continue
            draft = self.load(ticket_id) if isinstance(ticket_id, str) else None
            if draft is not None and self.path(ticket_id) == path:
                found.append(draft)
        return found

    def delete(self, ticket_id: str) -> None:
        with self._writing(ticket_id), contextlib.suppress(FileNotFoundError):
            self.path(ticket_id).unlink()

    def _sync_directory(self) -> None:
        # The rename is only durable once the directory entry is on disk too (POSIX; not on Windows).
        if os.name != "posix":
            return
        with contextlib.suppress(OSError):
            fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def drafts_for(app: Any) -> DraftStore:
    """The app's draft store, made on first use from its settings.

    A test (or, later, the config) sets `app.draft_store = DraftStore(path)` before the first use to
    keep drafts somewhere else than the user data dir.
    """
    store = getattr(app, "draft_store", None)
    if store is None:
        store = DraftStore.for_settings(app.settings)
        app.draft_store = store
    return store
