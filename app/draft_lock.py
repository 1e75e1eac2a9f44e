"""One writer per ticket draft: two app instances (windows) on one profile never write the same draft.

Two windows on one ticket used to write the same file, and the last write won: window B's autosave wiped
a reply that window A had promised to send "when the service answers". Of the three ways out, this is
the **lock**:

- *merge* can't be done safely for a pending send: its exact body and Idempotency-Key are what make a
  resend a replay; a merged text is a new message nobody pressed ctrl+s on.
- *one file per instance* needs an identity that outlives a restart, orphans files when a window dies,
  and hands the agent two competing drafts of one reply to reconcile later.
- a *lock* keeps one draft per ticket, as the agent sees it: whoever holds it writes it and sends its
  pending reply; the other window shows that draft read-only, follows it, and takes it over once it is
  let go. Nothing typed is lost, because nothing can be typed into the copy that is not the writer's.

The lock is an `fcntl.flock` on a small file per ticket (`.locks/<draft file>.lock`), held for as long
as the instance needs the draft: while its composer is open, and while its outbox has the ticket's reply
to send (so a reply is sent by the instance that promised it, never by two). The kernel drops a flock
when the process dies, kill -9 included, so a crashed window never leaves a stale lock (a pid file
would). Each `open()` is a lock of its own, so two instances in one process exclude each other as two
processes do. Lock files are never deleted: unlinking one while another process opens it would let
two holders in. Where flock does not exist (Windows) every claim succeeds, as before.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Hashable
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = ["DraftLocked", "DraftLocks"]


class DraftLocked(OSError):
    """Another instance (window) holds this ticket's draft: it is the only one that writes or sends it."""


class DraftLocks:
    """The draft locks one instance holds in one directory, each shared by any number of holders inside it
    (the composer and the outbox of one app); a lock is let go when its last holder releases it."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory) / ".locks"
        self._held: dict[str, tuple[int | None, set[Hashable]]] = {}

    def holds(self, name: str) -> bool:
        return name in self._held

    def claim(self, name: str, holder: Hashable) -> bool:
        """Hold the lock for the draft file `name` for `holder`; False when another instance holds it."""
        if name in self._held:
            self._held[name][1].add(holder)
            return True
        if fcntl is None:
            self._held[name] = (None, {holder})
            return True
        fd = self._try_lock(name)
        if fd is None:
            return False
        self._held[name] = (fd, {holder})
        return True

    def release(self, name: str, holder: Hashable) -> None:
        held = self._held.get(name)
        if held is None:
            return
        held[1].discard(holder)
        if not held[1]:
            del self._held[name]
            self._unlock(held[0])

    def release_all(self) -> None:
        for fd, _ in self._held.values():
            self._unlock(fd)
        self._held.clear()

    def _try_lock(self, name: str) -> int | None:
        assert fcntl is not None
        # The drafts directory first, private (mkdir's `mode` applies to the last part only).
        self.directory.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.directory.mkdir(exist_ok=True, mode=0o700)
        # Not inherited by children (Python's default): an $EDITOR started from the composer must not
        # keep the lock alive after this app is gone.
        fd = os.open(self.directory / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # BlockingIOError: another instance holds it
            os.close(fd)
            return None
        return fd

    @staticmethod
    def _unlock(fd: int | None) -> None:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)  # closing the only descriptor of the open file drops the flock
