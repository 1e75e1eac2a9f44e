"""Pydantic models for the cStar ticket API: response objects, envelopes and write bodies.

Python code reads snake_case (`ticket.customer_name`); the wire is camelCase (`customerName`).
Response models ignore fields they don't know, so a server that grows a field doesn't break the
client; write bodies forbid unknown fields and check the documented limits before any request,
because the server answers those with a 400 that costs a round trip and a confused agent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, Self, TypeVar, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
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


def _assume_utc(value: datetime) -> datetime:
    # The API promises UTC with a `Z`; a server that drops the offset still means UTC, and a naive
    # datetime would blow up the first time it is compared with an aware one (SLA clocks).
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_assume_utc)]


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
    name: str | None = None
    email: str | None = None


class Message(_Response):
    id: str
    object: str = "message"
    uuid: str | None = None
    ticket_id: str
    sender: Sender = "agent"
    content: str
    sender_id: str | None = None
    sender_name: str | None = None
    sender_avatar_url: str | None = None
    is_internal: bool = False
    created_at: UtcDatetime


class Ticket(_Response):
    id: str
    object: str = "ticket"
    uuid: str | None = None
    title: str
    priority: Priority
    status: Status
    customer_id: str | None = None
    customer_name: str | None = None
    assigned_to: str | None = None
    tags: list[str] = Field(default_factory=list)
    notes: str | None = None
    message_count: int = 0
    response_deadline: UtcDatetime | None = None
    resolution_deadline: UtcDatetime | None = None
    first_response_at: UtcDatetime | None = None
    response_tier: str | None = None
    resolution_tier: str | None = None
    sla_paused: bool = False
    metadata: dict[str, str] = Field(default_factory=dict)
    created_at: UtcDatetime
    closed_at: UtcDatetime | None = None
    updated_at: UtcDatetime
    # Only present with ?expand=customer.
    customer: Customer | None = None
    # Present on GET /tickets/{id} (messages are included by default there), absent on lists.
    messages: list[Message] | None = None

    @field_validator("tags", mode="before")
    @classmethod
    def _null_tags(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("metadata", mode="before")
    @classmethod
    def _null_metadata(cls, value: Any) -> Any:
        return {} if value is None else value


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
