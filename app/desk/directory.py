"""A bounded, per-profile file of names by id (agents, customers), learned from what the app reads.

The names are untrusted (they came from the API): they are cleaned to one short line before they are kept,
so every place that shows them, or matches typed text against them, works on the same safe text. An id
that does not look like an id is refused outright: it would end up in a filter or a request. The file is
written atomically; a lost or damaged one only costs the names.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from api.clean_text import one_line

if TYPE_CHECKING:
    from app.settings import Settings

__all__ = ["NAME_MAX", "Directory", "fold", "is_id", "profile_file", "words_match"]

NAME_MAX = 80
"""Characters kept of a name or an email (cut with an ellipsis)."""

_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
_WORD = re.compile(r"[\w@.+-]+")


def is_id(value: object) -> bool:
    """An id as the service makes them (`agt_…`, `cus_…`, a UUID): nothing a filter or a path could trip on."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def clean_name(value: object) -> str:
    """One clean line (control characters shown as stand-ins), or "" for nothing usable."""
    if not isinstance(value, str):
        return ""
    return one_line(value.strip(), NAME_MAX).strip()


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Text as it is compared: case and accents do not count (`Zoë` is found by `zoe`)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words_match(query: str, *texts: str) -> bool:
    """Every word of `query` starts a word of one of `texts`, or the whole query starts one of them.

    `dana` finds "Dana Scully", `scu` too, `dana s` too; `ana` does not (a word's middle is noise)."""
    wanted = fold(query).split()
    if not wanted:
        return False
    joined = " ".join(wanted)
    if any(fold(text).startswith(joined) for text in texts if text):
        return True
    words = [word for text in texts if text for word in _words(text)]
    return all(any(word.startswith(part) for word in words) for part in wanted)


@lru_cache(maxsize=16384)
def _words(text: str) -> tuple[str, ...]:
    # Cached with fold(): the pickers search the same names at every key typed.
    return tuple(_WORD.findall(fold(text)))


def profile_file(settings: Settings, kind: str, root: Path | None = None) -> Path:
    """`<data dir>/<kind>/<profile>.json`: kept per connection, like the drafts."""
    from app.drafts import profile_slug

    if root is None:
        from platformdirs import user_data_path

        root = user_data_path("cstar-tui", appauthor=False)
    return Path(root) / kind / f"{profile_slug(settings)}.json"


class Directory:
    """Entries (a tuple of strings) by id, the most recently learned kept longest, at most `limit`."""

    def __init__(self, path: Path | None = None, limit: int = 2000) -> None:
        self.path = path
        self.limit = limit
        self._entries: dict[str, tuple[str, ...]] = {}
        self._dirty = False
        for key, entry in self._read():
            self._entries[key] = entry
        self._trim()

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def entry(self, key: str) -> tuple[str, ...] | None:
        return self._entries.get(key)

    def put(self, key: str, entry: tuple[str, ...]) -> bool:
        """Keep `entry` for `key` (the newest learned goes last: kept longest); True when it changed."""
        held = self._entries.pop(key, None)
        self._entries[key] = entry
        if held != entry:
            self._dirty = True
            self._trim()
        return held != entry

    def save(self) -> None:
        """Write the entries if they changed (atomically; a failure keeps the old file)."""
        if not self._dirty or self.path is None:
            return
        self._dirty = False
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, temp = tempfile.mkstemp(prefix=".names-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump([[key, *entry] for key, entry in self._entries.items()], handle,
                              ensure_ascii=False, separators=(",", ":"))
                os.replace(temp, self.path)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise

    def _trim(self) -> None:
        while len(self._entries) > self.limit:
            del self._entries[next(iter(self._entries))]

    def _read(self) -> list[tuple[str, tuple[str, ...]]]:
        if self.path is None:
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(data, list):
            return []
        # The file is ours, but it is read as untrusted: a hand-edited or damaged entry is cleaned or dropped.
        found = []
        for item in data:
            if isinstance(item, list) and len(item) >= 2 and is_id(item[0]):
                fields = tuple(clean_name(value) for value in item[1:])
                if fields[0]:
                    found.append((item[0], fields))
        return found
