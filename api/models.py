"""The objects the cStar API answers with: Ticket, Message, Customer, Page, read by a tolerant reader.

Python code reads snake_case (`ticket.customer_name`); the wire is camelCase (`customerName`). These are
slotted, frozen dataclasses read by hand, not pydantic models: a queue of 10,000 tickets is 10,000 of
them, and pydantic's per-instance bookkeeping (the fields-set) and its class building on the start path
cost more than the reading itself. Reading is tolerant (a newer or sloppier service must not blank the
queue): unknown fields are ignored, a number or a boolean where text is expected is read as its JSON
spelling, unknown status/priority/sender values are kept as sent, a field that cannot be read at all makes
that one object unreadable (`ReadError`, `read_one`/`read_each` turn it into an `Unreadable` note) and
never the page. The rules and messages follow what pydantic's lax mode did before, so a reason reads the
same (`createdAt: Input should be a valid datetime`).

The write bodies (TicketCreate, TicketUpdate, MessageCreate) and the envelope models stay pydantic in
`api.bodies`; they are importable from here too, loaded on first use.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from .wire_types import (
    MESSAGE_TYPES,
    METADATA_KEY_MAX,
    METADATA_MAX_KEYS,
    METADATA_VALUE_MAX,
    PRIORITIES,
    SENDERS,
    STATUSES,
    MessageType,
    Priority,
    Sender,
    Status,
    to_utc,
)

if TYPE_CHECKING:
    from .bodies import ErrorBody, ErrorEnvelope, MessageCreate, Meta, SuccessEnvelope, TicketCreate, TicketUpdate

__all__ = [
    "METADATA_KEY_MAX",
    "METADATA_MAX_KEYS",
    "METADATA_VALUE_MAX",
    "MESSAGE_TYPES",
    "PRIORITIES",
    "SENDERS",
    "STATUSES",
    "Customer",
    "DeleteResult",
    "ErrorBody",
    "ErrorEnvelope",
    "Message",
    "MessageCreate",
    "MessageType",
    "Meta",
    "Page",
    "Pagination",
    "Priority",
    "ReadError",
    "Sender",
    "Status",
    "SuccessEnvelope",
    "Ticket",
    "TicketCreate",
    "TicketUpdate",
    "Unreadable",
    "read_each",
    "read_one",
]

T = TypeVar("T")

# Write bodies and envelopes live in api.bodies (pydantic); `from api.models import TicketCreate` still works.
_BODIES = frozenset({"ErrorBody", "ErrorEnvelope", "MessageCreate", "Meta", "SuccessEnvelope", "TicketCreate",
                     "TicketUpdate"})


def __getattr__(name: str) -> Any:
    if name in _BODIES:
        from . import bodies

        return getattr(bodies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ReadError(ValueError):
    """A response object this client cannot read: `loc` is the path to the field, `msg` says why."""

    def __init__(self, msg: str, loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(msg)
        self.msg = msg
        self.loc = loc

    def within(self, part: str | int) -> ReadError:
        return ReadError(self.msg, (part, *self.loc))

    @property
    def reason(self) -> str:
        """`createdAt: Input should be a valid datetime`: where, then what."""
        where = ".".join(str(part) for part in self.loc)
        return f"{where}: {self.msg}" if where else self.msg

    def __str__(self) -> str:
        return self.reason


# --- field readers: each takes what the server sent and returns the value or raises ReadError ------------


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ReadError("Input should be a valid string")


def _opt_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _text(value: Any) -> str:
    """Text the server sends; a number or a boolean in its place is read as its JSON spelling (5 -> "5")."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise ReadError("Input should be a valid string")


def _opt_text(value: Any) -> str | None:
    return None if value is None else _text(value)


_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def _bool(value: Any) -> bool:
    """A boolean, read as leniently as pydantic's lax mode."""
    if value is False:
        return False
    if value is True:
        return True
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise ReadError("Input should be a valid boolean, unable to interpret input")
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ReadError("Input should be a valid boolean, unable to interpret input")
    raise ReadError("Input should be a valid boolean")


def _flag(value: Any) -> bool:
    return False if value is None else _bool(value)


def _int(value: Any) -> int:
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ReadError("Input should be a valid integer, got a number with a fractional part")
    if isinstance(value, str):
        try:
            number = float(value) if "." in value else int(value)
        except ValueError:
            raise ReadError("Input should be a valid integer, unable to parse string as an integer") from None
        return _int(number)
    raise ReadError("Input should be a valid integer")


def _count(value: Any) -> int:
    return 0 if value is None else _int(value)


_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt _](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?"
)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _from_timestamp(seconds: float) -> datetime:
    # As pydantic reads numbers: seconds since the epoch, or milliseconds when that big.
    if abs(seconds) > 2e10:
        seconds /= 1000
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    except (OverflowError, ValueError):  # past year 9999, NaN, infinity
        raise ReadError("Input should be a valid datetime, out of range") from None


def _datetime(value: Any) -> datetime:
    """An aware UTC datetime from an ISO-8601 string (or a Unix time); see `wire_types.to_utc`."""
    if isinstance(value, str):
        match = _ISO.fullmatch(value)
        if match is None:
            if _NUMBER.fullmatch(value):
                return _from_timestamp(float(value))
            raise ReadError("Input should be a valid datetime or date, invalid format")
        year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
        try:
            offset = None
            if sign:
                delta = timedelta(hours=int(off_h), minutes=int(off_m))
                offset = timezone(-delta if sign == "-" else delta)
            elif zulu:
                offset = UTC
            micro = int((fraction or "")[:6].ljust(6, "0"))
            parsed = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                              micro, tzinfo=offset)
        except ValueError as exc:
            raise ReadError(f"Input should be a valid datetime or date, {exc}") from None
        return to_utc(parsed)
    if isinstance(value, datetime):
        return to_utc(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_timestamp(value)
    raise ReadError("Input should be a valid datetime")


def _opt_datetime(value: Any) -> datetime | None:
    return None if value is None else _datetime(value)


def _text_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]  # a string where a list is expected: one item, shown as sent
    if isinstance(value, list):
        return [item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
                for item in value if item is not None]
    raise ReadError("Input should be a valid list")


def _text_map(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(key): item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
                for key, item in value.items() if item is not None}
    raise ReadError("Input should be a valid dictionary")


_REQUIRED: Any = object()
_MISSING: Any = object()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class _Model:
    """What the read models share: reading from the wire (`model_validate`) and a little of pydantic's API."""

    __slots__ = ()
    # (attribute, wire name, reader, default or _REQUIRED, default factory or None), filled by _fields().
    _FIELDS: ClassVar[tuple[tuple[str, str, Callable[[Any], Any], Any, Callable[[], Any] | None], ...]]
    _READERS: ClassVar[dict[str, Callable[[Any], Any]]]

    @classmethod
    def model_validate(cls, data: Any) -> Any:
        """Read one object from its JSON (camelCase; snake_case names work too); ReadError if it can't be."""
        if isinstance(data, cls):
            return data
        if not isinstance(data, dict):
            raise ReadError(f"Input should be a valid dictionary or instance of {cls.__name__}")
        values: dict[str, Any] = {}
        for name, wire, reader, default, factory in cls._FIELDS:
            raw = data.get(wire, _MISSING)
            if raw is _MISSING and wire != name:
                raw = data.get(name, _MISSING)
            if raw is _MISSING:
                if default is _REQUIRED:
                    raise ReadError("Field required", (wire,))
                values[name] = factory() if factory is not None else default
                continue
            try:
                values[name] = reader(raw)
            except ReadError as exc:
                raise exc.within(wire) from None
        return cls._build(data, values)

    @classmethod
    def _build(cls, data: dict[str, Any], values: dict[str, Any]) -> Any:
        return cls(**values)

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Any:
        """A copy with `update`'s fields replaced (not read again: they are already Python values)."""
        return dataclasses.replace(self, **(update or {}))  # type: ignore[type-var]

    @classmethod
    def wire_names(cls) -> tuple[tuple[str, str], ...]:
        """(field name, camelCase name on the wire) for each field, in order."""
        return tuple((name, wire) for name, wire, _reader, _default, _factory in cls._FIELDS)

    def model_dump(self, *, mode: Literal["python", "json"] = "python", include: set[str] | None = None,
                   exclude: set[str] | None = None, by_alias: bool = False) -> dict[str, Any]:
        """The fields as a dict (snake_case, or camelCase `by_alias`); `mode="json"` gives JSON values."""
        out: dict[str, Any] = {}
        for name, wire, _reader, _default, _factory in self._FIELDS:
            if (include is None or name in include) and (exclude is None or name not in exclude):
                out[wire if by_alias else name] = _dump(getattr(self, name), mode, by_alias)
        return out

    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any:
        # Lets a pydantic model hold one (api.bodies.SuccessEnvelope[list[Ticket]]): pydantic calls our reader.
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(cls.model_validate)


def _dump(value: Any, mode: str, by_alias: bool) -> Any:
    if isinstance(value, _Model):
        return value.model_dump(mode=mode, by_alias=by_alias)  # type: ignore[arg-type]
    if isinstance(value, list):
        return [_dump(item, mode, by_alias) for item in value]
    if isinstance(value, dict):
        return {key: _dump(item, mode, by_alias) for key, item in value.items()}
    if mode == "json" and isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return value


def _fields(cls: type[_Model], readers: dict[str, Callable[[Any], Any]]) -> None:
    """Fill cls._FIELDS from its dataclass fields: `readers` names the reader of each field."""
    table = []
    for spec in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not spec.init or spec.name not in readers:
            continue
        factory = spec.default_factory if spec.default_factory is not dataclasses.MISSING else None
        default = spec.default if spec.default is not dataclasses.MISSING else (None if factory else _REQUIRED)
        table.append((spec.name, _camel(spec.name), readers[spec.name], default, factory))
    cls._FIELDS = tuple(table)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """An item in a response that this client could not read; the rest of the response still counts."""

    kind: Literal["ticket", "message"]
    id: str | None
    """Its `id` when the item has a usable one (cleaned by whoever shows it: it is untrusted text)."""
    reason: str
    """The first problem found, e.g. `createdAt: Input should be a valid datetime`."""


_ID_MAX = 100


def _raw_id(item: Any) -> str | None:
    value = item.get("id") if isinstance(item, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= _ID_MAX else None


def read_one(read: Callable[[Any], T], item: Any, kind: Literal["ticket", "message"]) -> T | Unreadable:
    """The item read by `read`, or a note saying which item could not be read and why."""
    try:
        return read(item)
    except ReadError as exc:
        return Unreadable(kind, _raw_id(item), exc.reason)


def read_each(
    read: Callable[[Any], T], items: Any, kind: Literal["ticket", "message"]
) -> tuple[list[T], list[Unreadable]]:
    """Read each item of a list on its own: the ones that can be read, and a note for each that can't.

    One odd ticket must not hide the other forty-nine. `items` that is not a list at all raises
    TypeError: a page without a list is not a page.
    """
    if not isinstance(items, list):
        raise TypeError(f"expected a list of {kind}s")
    good: list[T] = []
    bad: list[Unreadable] = []
    for item in items:
        result = read_one(read, item, kind)
        if isinstance(result, Unreadable):
            bad.append(result)
        else:
            good.append(result)
    return good, bad


def read_list(read: Callable[[Any], T], items: Any) -> list[T]:
    """Every item read by `read`, or ReadError naming the first that can't be (`3.createdAt: …`)."""
    if not isinstance(items, list):
        raise ReadError("Input should be a valid list")
    out = []
    for index, item in enumerate(items):
        try:
            out.append(read(item))
        except ReadError as exc:
            raise exc.within(index) from None
    return out


# --- the models ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Customer(_Model):
    """The customer a ticket is for (inlined with `?expand=customer`)."""

    id: str
    object: str = "customer"
    uuid: str | None = None
    name: str | None = None
    email: str | None = None


_fields(Customer, {"id": _str, "object": _str, "uuid": _opt_str, "name": _opt_text, "email": _opt_text})


@dataclass(frozen=True, slots=True, kw_only=True)
class Message(_Model):
    """One message of a ticket's thread: a public reply or an internal note."""

    id: str
    object: str = "message"
    uuid: str | None = None
    ticket_id: str
    sender: str = "agent"
    """One of SENDERS from this version of the API; a newer service may send others, shown as sent."""
    content: str
    sender_id: str | None = None
    sender_name: str | None = None
    sender_avatar_url: str | None = None
    is_internal: bool = False
    created_at: datetime


_fields(Message, {
    "id": _str, "object": _str, "uuid": _opt_str, "ticket_id": _str, "sender": _text, "content": _text,
    "sender_id": _opt_str, "sender_name": _opt_text, "sender_avatar_url": _opt_str, "is_internal": _bool,
    "created_at": _datetime,
})


def _customer(value: Any) -> Customer | None:
    # The expanded customer only decorates the header; customerName/customerId still say who it is.
    return Customer.model_validate(value) if isinstance(value, dict | Customer) else None


def _messages(value: Any) -> list[Message] | None:
    # Read one by one in Ticket._build: one odd message must not make the ticket unreadable.
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Ticket(_Model):
    """A ticket as the API answers it; `messages` only on GET /tickets/{id}."""

    id: str
    object: str = "ticket"
    uuid: str | None = None
    title: str
    priority: str
    """One of PRIORITIES from this version of the API; a newer service may send others, shown as sent."""
    status: str
    """One of STATUSES from this version of the API; a newer service may send others, shown as sent."""
    customer_id: str | None = None
    customer_name: str | None = None
    assigned_to: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    message_count: int = 0
    response_deadline: datetime | None = None
    resolution_deadline: datetime | None = None
    first_response_at: datetime | None = None
    response_tier: str | None = None
    resolution_tier: str | None = None
    sla_paused: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    created_at: datetime
    closed_at: datetime | None = None
    updated_at: datetime
    # Only present with ?expand=customer.
    customer: Customer | None = None
    # Present on GET /tickets/{id} (messages are included by default there), absent on lists.
    messages: list[Message] | None = None
    unreadable_messages: tuple[Unreadable, ...] = field(default=(), repr=False, compare=False)
    """Messages of this ticket's thread that could not be read (left out of `messages`)."""

    @classmethod
    def _build(cls, data: dict[str, Any], values: dict[str, Any]) -> Ticket:
        raw = values.get("messages")
        if isinstance(raw, list):
            values["messages"], skipped = read_each(Message.model_validate, raw, "message")
            if skipped:
                values["unreadable_messages"] = tuple(skipped)
        elif raw is not None:
            values["messages"] = []
            values["unreadable_messages"] = (Unreadable("message", None, "messages: not a list"),)
        return cls(**values)


_fields(Ticket, {
    "id": _str, "object": _str, "uuid": _opt_str, "title": _text, "priority": _text, "status": _text,
    "customer_id": _opt_str, "customer_name": _opt_text, "assigned_to": _opt_str, "tags": _text_list,
    "notes": _opt_text, "message_count": _count, "response_deadline": _opt_datetime,
    "resolution_deadline": _opt_datetime, "first_response_at": _opt_datetime, "response_tier": _opt_text,
    "resolution_tier": _opt_text, "sla_paused": _flag, "metadata": _text_map, "created_at": _datetime,
    "closed_at": _opt_datetime, "updated_at": _datetime, "customer": _customer, "messages": _messages,
})


@dataclass(frozen=True, slots=True, kw_only=True)
class Pagination(_Model):
    """Where a page lies in its list."""

    total: int
    page: int
    page_size: int
    has_more: bool


_fields(Pagination, {"total": _int, "page": _int, "page_size": _int, "has_more": _bool})


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteResult(_Model):
    """The answer to a DELETE."""

    deleted: bool
    id: str


_fields(DeleteResult, {"deleted": _bool, "id": _str})


@dataclass(frozen=True, kw_only=True)  # not slotted: `Page[Ticket](...)` sets __orig_class__, which frozen refuses
class Page(Generic[T]):
    """One page of a list: the items, where we are, and the request ID for support tickets."""

    items: list[T]
    pagination: Pagination
    request_id: str | None = None
    unreadable: tuple[Unreadable, ...] = ()
    """Items of this page that could not be read (left out of `items`)."""

    def __post_init__(self) -> None:
        for item in self.items:
            if not isinstance(item, _Model):
                raise TypeError(f"a page holds read models (Ticket.model_validate), not {type(item).__name__}")
