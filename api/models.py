"""Pydantic models for the cStar ticket API: response objects, envelopes and write bodies.

Python code reads snake_case (`ticket.customer_name`); the wire is camelCase (`customerName`).
Response models ignore fields they don't know, so a server that grows a field doesn't break the
client; write bodies forbid unknown fields and check the documented limits before any request,
because the server answers those with a 400 that costs a round trip and a confused agent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, Self, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from .errors import ClientValidationError
from .limits import CUSTOMER_NAME_MAX, TITLE_MAX

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

Status = Literal["new", "open", "pending", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
Sender = Literal["agent", "customer", "system"]
MessageType = Literal["public", "internal"]

STATUSES: tuple[str, ...] = get_args(Status)
PRIORITIES: tuple[str, ...] = get_args(Priority)
SENDERS: tuple[str, ...] = get_args(Sender)
MESSAGE_TYPES: tuple[str, ...] = get_args(MessageType)

METADATA_MAX_KEYS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500

T = TypeVar("T")


def _to_utc(value: datetime) -> datetime:
    # The API promises UTC with a `Z`; a server that drops the offset still means UTC, and a naive
    # datetime would blow up the first time it is compared with an aware one (SLA clocks). An offset
    # at the edge of the calendar (0001-01-01T00:00+01:00) has no UTC equivalent: it is pinned to the
    # first or last representable instant, which is as meaningless as what was sent and crashes nothing.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        edge = datetime.min if value.year == datetime.min.year else datetime.max
        return edge.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_to_utc)]


def _as_text(value: Any) -> Any:
    """A scalar where text is expected, as the text the server would have meant (5 -> "5", true -> "true").

    Anything else is left for the field's own validation to refuse.
    """
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return value


#: Text the server sends. A number or a boolean in its place is read as its JSON spelling instead of
#: making the whole object unreadable: a newer or sloppier service must not blank the queue.
Text = Annotated[str, BeforeValidator(_as_text)]


def _text_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]  # a string where a list is expected: one item, shown as sent
    if isinstance(value, list):
        return [item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
                for item in value if item is not None]
    return value


def _text_map(value: Any) -> Any:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {key: item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
                for key, item in value.items() if item is not None}
    return value


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


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def read_one(read: Callable[[Any], T], item: Any, kind: Literal["ticket", "message"]) -> T | Unreadable:
    """The item read by `read`, or a note saying which item could not be read and why."""
    try:
        return read(item)
    except ValidationError as exc:
        return Unreadable(kind, _raw_id(item), _reason(exc))


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


class _Response(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
    )


class Customer(_Response):
    id: str
    object: str = "customer"
    uuid: str | None = None
    name: Text | None = None
    email: Text | None = None


class Message(_Response):
    id: str
    object: str = "message"
    uuid: str | None = None
    ticket_id: str
    sender: Text = "agent"
    """One of SENDERS from this version of the API; a newer service may send others, shown as sent."""
    content: Text
    sender_id: str | None = None
    sender_name: Text | None = None
    sender_avatar_url: str | None = None
    is_internal: bool = False
    created_at: UtcDatetime


class Ticket(_Response):
    id: str
    object: str = "ticket"
    uuid: str | None = None
    title: Text
    priority: Text
    """One of PRIORITIES from this version of the API; a newer service may send others, shown as sent."""
    status: Text
    """One of STATUSES from this version of the API; a newer service may send others, shown as sent."""
    customer_id: str | None = None
    customer_name: Text | None = None
    assigned_to: str | None = None
    tags: Annotated[list[str], BeforeValidator(_text_list)] = Field(default_factory=list)
    notes: Text | None = None
    message_count: int = 0
    response_deadline: UtcDatetime | None = None
    resolution_deadline: UtcDatetime | None = None
    first_response_at: UtcDatetime | None = None
    response_tier: Text | None = None
    resolution_tier: Text | None = None
    sla_paused: bool = False
    metadata: Annotated[dict[str, str], BeforeValidator(_text_map)] = Field(default_factory=dict)
    created_at: UtcDatetime
    closed_at: UtcDatetime | None = None
    updated_at: UtcDatetime
    # Only present with ?expand=customer.
    customer: Customer | None = None
    # Present on GET /tickets/{id} (messages are included by default there), absent on lists.
    messages: list[Message] | None = None

    _unreadable_messages: tuple[Unreadable, ...] = PrivateAttr(default=())

    @property
    def unreadable_messages(self) -> tuple[Unreadable, ...]:
        """Messages of this ticket's thread that could not be read (left out of `messages`)."""
        return self._unreadable_messages

    @field_validator("customer", mode="before")
    @classmethod
    def _odd_customer_is_none(cls, value: Any) -> Any:
        # The expanded customer only decorates the header; customerName/customerId still say who it is.
        return value if isinstance(value, dict | Customer) else None

    @field_validator("message_count", "sla_paused", mode="before")
    @classmethod
    def _null_is_default(cls, value: Any) -> Any:
        return 0 if value is None else value

    @model_validator(mode="wrap")
    @classmethod
    def _read_messages_one_by_one(cls, data: Any, handler: Any) -> Any:
        # One odd message must not make the whole ticket (and so its thread) unreadable.
        skipped: list[Unreadable] = []
        raw = data.get("messages") if isinstance(data, dict) else None
        if isinstance(raw, list):
            messages, skipped = read_each(Message.model_validate, raw, "message")
            data = {**data, "messages": messages}
        elif raw is not None:
            skipped = [Unreadable("message", None, "messages: not a list")]
            data = {**data, "messages": []}
        ticket = handler(data)
        if skipped:
            ticket._unreadable_messages = tuple(skipped)
        return ticket


class Pagination(_Response):
    total: int
    page: int
    page_size: int
    has_more: bool


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, where we are, and the request ID for support tickets."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    pagination: Pagination
    request_id: str | None = None
    unreadable: tuple[Unreadable, ...] = ()
    """Items of this page that could not be read (left out of `items`)."""


class Meta(_Response):
    request_id: str | None = None
    timestamp: UtcDatetime | None = None


class SuccessEnvelope(_Response, Generic[T]):
    success: Literal[True]
    data: T
    pagination: Pagination | None = None
    meta: Meta | None = None


class ErrorBody(_Response):
    type: str = "api_error"
    code: str | None = None
    message: str = ""
    param: str | None = None


class ErrorEnvelope(_Response):
    success: Literal[False]
    error: ErrorBody
    meta: Meta | None = None


class DeleteResult(_Response):
    deleted: bool
    id: str


# --- write bodies -------------------------------------------------------------------------------


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


NonBlank = Annotated[str, AfterValidator(_not_blank)]
# The sandbox's limits (api/limits.py), checked here so a too-long value costs no round trip.
Title = Annotated[str, Field(max_length=TITLE_MAX), AfterValidator(_not_blank)]
CustomerName = Annotated[str, Field(max_length=CUSTOMER_NAME_MAX)]


def _check_metadata(metadata: dict[str, Any] | None) -> None:
    if metadata is None:
        return
    if len(metadata) > METADATA_MAX_KEYS:
        raise ValueError(f"at most {METADATA_MAX_KEYS} metadata keys (got {len(metadata)})")
    for key, value in metadata.items():
        if not key:
            raise ValueError("metadata keys must not be empty")
        if len(key) > METADATA_KEY_MAX:
            raise ValueError(f"metadata key {key[:20]!r}… is longer than {METADATA_KEY_MAX} characters")
        if value is not None and len(value) > METADATA_VALUE_MAX:
            raise ValueError(f"metadata value for {key!r} is longer than {METADATA_VALUE_MAX} characters")


class _Body(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="forbid",
        validate_assignment=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON body: only the fields the caller set, camelCase."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class TicketCreate(_Body):
    title: Title
    priority: Priority | None = None
    status: Status | None = None
    customer_id: str | None = None
    customer_name: CustomerName | None = None
    tags: list[str] | None = None
    notes: str | None = None
    metadata: dict[str, str] | None = None

    @field_validator("metadata")
    @classmethod
    def _metadata_limits(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        _check_metadata(value)
        return value

    def to_wire(self) -> dict[str, Any]:
        # On create a null means nothing the server doesn't already default, so leave it out.
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)


# Fields of a PATCH whose null means something: unassign, clear the notes. (A null *metadata* object
# means nothing documented; removing keys is done with null values inside it.)
_NULLABLE_UPDATE_FIELDS = frozenset({"assigned_to", "notes"})


class TicketUpdate(_Body):
    """A partial update. A field left out is not sent; a field set to None is sent as null.

    `TicketUpdate(assigned_to=None)` unassigns; `TicketUpdate(metadata={"k": None})` removes key k.
    """

    # Its length is checked when the body is sent (`to_wire`), not when it is built: the edit form sets
    # `title` on a built update, and an error there would escape the form instead of being shown by it.
    title: NonBlank | None = None
    priority: Priority | None = None
    status: Status | None = None
    assigned_to: str | None = None
    tags: list[str] | None = None
    notes: str | None = None
    metadata: dict[str, str | None] | None = None

    @field_validator("metadata")
    @classmethod
    def _metadata_limits(cls, value: dict[str, str | None] | None) -> dict[str, str | None] | None:
        _check_metadata(value)
        return value

    @model_validator(mode="after")
    def _no_meaningless_nulls(self) -> Self:
        for name in self.model_fields_set - _NULLABLE_UPDATE_FIELDS:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be set to null (leave it out to keep the current value)")
        return self

    def is_empty(self) -> bool:
        return not self.model_fields_set

    def to_wire(self) -> dict[str, Any]:
        """The JSON body; a title past `TITLE_MAX` raises ClientValidationError (param `title`), the
        client-side twin of the service's 400, so it reaches the caller as any refused update does."""
        if self.title is not None and len(self.title) > TITLE_MAX:
            raise ClientValidationError(
                f"title is at most {TITLE_MAX} characters (this one has {len(self.title)})", param="title"
            )
        return super().to_wire()


class MessageCreate(_Body):
    content: NonBlank
    sender: Sender | None = None
    sender_id: str | None = None
    sender_name: str | None = None
    message_type: MessageType | None = None

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)
