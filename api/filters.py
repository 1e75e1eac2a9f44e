"""Ticket list filters and the filter bar's query language.

    status:open prio:urgent assignee:me customer:cus_x "late fee" refund

Keys are case-insensitive and have short aliases; values may be quoted (`customer:"Jane Doe"`, with
`\\"` and `\\\\` escapes inside quotes); words without a key are joined into the `search` parameter.
A quoted value is always literal, so `assignee:"me"` means an agent whose ID is `me`, while a bare
`assignee:me` means the configured agent. `format()` writes the text that `parse()` reads back to the
same filters.

Statuses and priorities: a bare `status:x` must be one this version knows or one the server has sent
(a `Vocabulary`, learnt by the client from the tickets it reads), so a typo like `status:opne` is
still explained here, with a suggestion, instead of going to the server. A quoted value is sent as
typed (`status:"on_hold"`): the way to ask for a value the server knows before this app has seen it,
e.g. in a configured view; the server answers for it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Final

from .errors import ClientValidationError
from .limits import SEARCH_MAX
from .models import PRIORITIES, STATUSES

if TYPE_CHECKING:
    from .models import Ticket

__all__ = [
    "LIST_EXPANSIONS",
    "MAX_PAGE_SIZE",
    "FilterSyntaxError",
    "TicketFilters",
    "Vocabulary",
    "format",
    "parse",
]

MAX_PAGE_SIZE: Final = 100
#: What `expand` may name on the list endpoint, per the reference.
LIST_EXPANSIONS: Final = ("customer",)
#: Longest status or priority value sent as a filter.
ENUM_VALUE_MAX: Final = 64
# What a server-sent status or priority must look like to be offered as a bare filter word: anything
# else (huge, spaced, escape sequences) is still shown, cleaned, but never learnt.
_LEARNABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}")
_LEARN_MAX = 50


class Vocabulary:
    """Status and priority values the server has sent beyond the ones this version knows.

    Bounded (at most 50 of each, each a short word) so that a hostile server cannot grow it.
    """

    def __init__(self) -> None:
        self._statuses: dict[str, str] = {}
        self._priorities: dict[str, str] = {}

    def learn(self, tickets: Iterable[Ticket]) -> None:
        for ticket in tickets:
            self._add(self._statuses, ticket.status, STATUSES)
            self._add(self._priorities, ticket.priority, PRIORITIES)

    @staticmethod
    def _add(seen: dict[str, str], value: str, known: tuple[str, ...]) -> None:
        folded = value.lower()
        if folded in known or folded in seen or len(seen) >= _LEARN_MAX or not _LEARNABLE.fullmatch(value):
            return
        seen[folded] = value

    @property
    def statuses(self) -> dict[str, str]:
        """Lower-cased value -> the server's spelling."""
        return dict(self._statuses)

    @property
    def priorities(self) -> dict[str, str]:
        return dict(self._priorities)


def _is_enum_value(value: object) -> bool:
    return (isinstance(value, str) and value != "" and value == value.strip() and len(value) <= ENUM_VALUE_MAX
            and value.isprintable())


def _check(condition: bool, message: str, param: str) -> None:
    if not condition:
        raise ClientValidationError(message, param=param)


@dataclass(frozen=True, slots=True)
class TicketFilters:
    """The list endpoint's query, one attribute per documented parameter; None means "not sent"."""

    status: str | None = None
    priority: str | None = None
    assigned_to: str | None = None
    customer_id: str | None = None
    search: str | None = None
    expand: tuple[str, ...] = ()
    page: int | None = None
    page_size: int | None = None

    def __post_init__(self) -> None:
        # Not only the known values: a newer server has more, and says so itself when one is wrong.
        for name in ("status", "priority"):
            value = getattr(self, name)
            _check(
                value is None or _is_enum_value(value),
                f"{name} must be 1 to {ENUM_VALUE_MAX} printable characters without surrounding spaces",
                name,
            )
        for name, param in (
            ("assigned_to", "assignedTo"),
            ("customer_id", "customerId"),
            ("search", "search"),
        ):
            value = getattr(self, name)
            _check(
                value is None or (isinstance(value, str) and value.strip() != ""),
                f"{param} must not be blank",
                param,
            )
        _check(
            self.search is None or len(self.search) <= SEARCH_MAX,
            f"search is at most {SEARCH_MAX} characters",
            "search",
        )
        # A list would make the dataclass unhashable and mutable behind our back.
        _check(isinstance(self.expand, tuple), "expand must be a tuple", "expand")
        for item in self.expand:
            _check(item in LIST_EXPANSIONS, f"cannot expand {item!r} on the ticket list", "expand")
        _check(len(set(self.expand)) == len(self.expand), "expand lists an expansion twice", "expand")
        _check(
            self.page is None or (type(self.page) is int and self.page >= 1), "page must be 1 or more", "page"
        )
        _check(
            self.page_size is None or (type(self.page_size) is int and 1 <= self.page_size <= MAX_PAGE_SIZE),
            f"pageSize must be between 1 and {MAX_PAGE_SIZE}",
            "pageSize",
        )

    def to_params(self) -> dict[str, str]:
        """The documented query parameters, only those that are set."""
        wire = {
            "status": self.status,
            "priority": self.priority,
            "assignedTo": self.assigned_to,
            "customerId": self.customer_id,
            "search": self.search,
            "expand": ",".join(self.expand) or None,
            "page": None if self.page is None else str(self.page),
            "pageSize": None if self.page_size is None else str(self.page_size),
        }
        return {key: value for key, value in wire.items() if value is not None}

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, ()) for f in fields(self))

    def excludes(self, ticket: Ticket) -> bool:
        """True when `ticket` certainly does not match (a field the query names differs). A search is the
        service's to judge: it never excludes here."""
        wanted = (("status", ticket.status), ("priority", ticket.priority), ("assigned_to", ticket.assigned_to),
                  ("customer_id", ticket.customer_id))
        return any(getattr(self, name) is not None and getattr(self, name) != value for name, value in wanted)


class FilterSyntaxError(ValueError):
    """A filter query the app can't turn into API parameters; `token` and `position` say where."""

    def __init__(self, message: str, token: str, position: int) -> None:
        self.message = message
        self.token = token
        self.position = position  # 0-based index of the token's first character in the query text
        super().__init__(f"{message} (at column {position + 1}: {token!r})")


# --- query language -------------------------------------------------------------------------------

_KEYS: Final[dict[str, str]] = {
    "status": "status",
    "s": "status",
    "priority": "priority",
    "prio": "priority",
    "p": "priority",
    "assignee": "assigned_to",
    "assigned": "assigned_to",
    "a": "assigned_to",
    "customer": "customer_id",
    "c": "customer_id",
    "expand": "expand",
    "page": "page",
    "size": "page_size",
    "pagesize": "page_size",
}
_CANONICAL_KEYS: Final = {
    "status": "status",
    "priority": "prio",
    "assigned_to": "assignee",
    "customer_id": "customer",
    "expand": "expand",
    "page": "page",
    "page_size": "size",
}


@dataclass(frozen=True, slots=True)
class _Token:
    """One word of a query, as the tokenizer split it."""

    text: str  # the token as typed, for error messages
    position: int
    key: str | None  # the key as typed, when the token is key:value
    value: str
    quoted: bool  # any part of the value was quoted: take it literally


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        parts: list[str] = []
        key: str | None = None
        quoted = False
        while i < n and not text[i].isspace():
            if text[i] == '"':
                quote_at = i
                i += 1
                chunk: list[str] = []
                while i < n and text[i] != '"':
                    if text[i] == "\\" and i + 1 < n and text[i + 1] in '"\\':
                        i += 1
                    chunk.append(text[i])
                    i += 1
                if i >= n:
                    raise FilterSyntaxError("unterminated quote", text[start:], quote_at)
                i += 1  # closing quote
                parts.append("".join(chunk))
                quoted = True
                continue
            j = i
            while j < n and not text[j].isspace() and text[j] != '"':
                j += 1
            run = text[i:j]
            # Only a colon before any quote splits key from value: `"a:b"` and `x"a:b"` are words.
            if key is None and not parts and ":" in run:
                key, run = run.split(":", 1)
            parts.append(run)
            i = j
        tokens.append(_Token(text[start:i], start, key, "".join(parts), quoted))
    return tokens


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word.lower(), choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _enum_value(token: _Token, value: str, known: tuple[str, ...], seen: dict[str, str], what: str) -> str:
    if token.quoted:
        return value  # literal: sent as typed (TicketFilters checks its form)
    normal = value.strip().lower()
    if normal in known:
        return normal
    if normal in seen:
        return seen[normal]
    allowed = (*known, *seen.values())
    suggestion = _suggest(normal, [*known, *seen])
    hint = suggestion or f' (a {what} this app has not seen yet can be given in quotes: {token.key}:"{value}")'
    raise FilterSyntaxError(
        f"unknown {what} {value!r}: use one of {', '.join(allowed)}{hint}", token.text, token.position
    )


def parse(text: str, me: str | None = None, vocabulary: Vocabulary | None = None) -> TicketFilters:
    """Read a filter query; `me` is the configured agent ID that a bare `assignee:me` stands for, and
    `vocabulary` the statuses and priorities the server has sent beyond the known ones."""
    found: dict[str, object] = {}
    words: list[_Token] = []
    for token in _tokenize(text):
        if token.key is None:
            if token.value.strip():
                words.append(token)
            continue
        name = _KEYS.get(token.key.lower())
        if name is None:
            raise FilterSyntaxError(
                f"unknown filter {token.key + ':'!r}{_suggest(token.key, list(_KEYS))} "
                "(to search for text with a colon, put it in quotes)",
                token.text,
                token.position,
            )
        if name in found:
            raise FilterSyntaxError(f"{token.key}: is given twice", token.text, token.position)
        value = token.value
        if not value.strip():
            raise FilterSyntaxError(f"{token.key}: needs a value", token.text, token.position)
        found[name] = _value(name, token, value, me, vocabulary)
    if words:
        found["search"] = _search(words)
    try:
        return TicketFilters(**found)  # type: ignore[arg-type]
    except ClientValidationError as exc:  # e.g. size:500; report it in the query's terms
        raise FilterSyntaxError(exc.message, text, 0) from exc


def _search(words: list[_Token]) -> str:
    search = " ".join(word.value for word in words)
    if len(search) > SEARCH_MAX:
        # Point at the word that crosses the limit: what to shorten or drop.
        length = -1  # the joined length up to and including each word
        for word in words:
            length += 1 + len(word.value)
            if length > SEARCH_MAX:
                raise FilterSyntaxError(
                    f"the search text is {len(search)} characters; at most {SEARCH_MAX} are allowed",
                    word.text,
                    word.position,
                )
    return search


def _value(name: str, token: _Token, value: str, me: str | None, vocabulary: Vocabulary | None) -> object:
    bare = not token.quoted
    if name == "status":
        return _enum_value(token, value, STATUSES, vocabulary.statuses if vocabulary else {}, "status")
    if name == "priority":
        return _enum_value(token, value, PRIORITIES, vocabulary.priorities if vocabulary else {}, "priority")
    if name == "assigned_to" and bare and value.lower() == "none":
        raise FilterSyntaxError(
            "assignee:none is not supported: the cStar API cannot list unassigned tickets",
            token.text,
            token.position,
        )
    if name == "assigned_to" and bare and value.lower() == "me":
        if not me:
            raise FilterSyntaxError(
                "assignee:me needs your agent ID: set agent_id in your profile", token.text, token.position
            )
        return me
    if name == "expand":
        items = tuple(item.strip().lower() for item in value.split(","))
        for item in items:
            if item not in LIST_EXPANSIONS:
                raise FilterSyntaxError(
                    f"cannot expand {item!r} on the ticket list: use {', '.join(LIST_EXPANSIONS)}",
                    token.text,
                    token.position,
                )
        if len(set(items)) != len(items):
            raise FilterSyntaxError("expand: lists an expansion twice", token.text, token.position)
        return items
    if name in ("page", "page_size"):
        number = int(value) if value.isascii() and value.isdigit() else 0
        if number < 1 or (name == "page_size" and number > MAX_PAGE_SIZE):
            limit = "1 or more" if name == "page" else f"from 1 to {MAX_PAGE_SIZE}"
            raise FilterSyntaxError(f"{token.key}: needs a whole number {limit}", token.text, token.position)
        return number
    return value


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_bare_safe(value: str) -> bool:
    return value != "" and '"' not in value and not any(ch.isspace() for ch in value)


def _format_value(name: str, value: str) -> str:
    # A bare me/none is special, so a literal one has to be quoted; so is a status or priority this
    # version does not know (bare, it would be checked against what the server has sent).
    special = (name == "assigned_to" and value.lower() in ("me", "none")) or (
        (name == "status" and value not in STATUSES) or (name == "priority" and value not in PRIORITIES)
    )
    return value if _is_bare_safe(value) and not special else _quote(value)


def _format_search(search: str) -> str:
    words = search.split(" ")
    if all(_is_bare_safe(word) and ":" not in word for word in words):
        return search
    return _quote(search)


def format(filters: TicketFilters, me: str | None = None) -> str:
    """The query text for `filters`; `parse(format(f, me), me) == f` for every valid `f`."""
    parts: list[str] = []
    for name, key in _CANONICAL_KEYS.items():
        value = getattr(filters, name)
        if value is None or value == ():
            continue
        if name == "assigned_to" and me is not None and value == me:
            parts.append("assignee:me")
        elif name == "expand":
            parts.append(f"expand:{','.join(value)}")
        elif isinstance(value, int):
            parts.append(f"{key}:{value}")
        else:
            parts.append(f"{key}:{_format_value(name, value)}")
    if filters.search is not None:
        parts.append(_format_search(filters.search))
    return " ".join(parts)
