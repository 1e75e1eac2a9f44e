"""The write bodies of the cStar API (pydantic): TicketCreate, TicketUpdate, MessageCreate, and the envelopes.

Imported when something is first written, not at start: the read models (`api.models`) are plain
classes, while a body is checked field by field before any request, because the server answers a bad one
with a 400 that costs a round trip and a confused agent. Write bodies forbid unknown fields and check the
documented limits. The envelope models describe the reference's JSON for tests and tools; the client
reads envelopes by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from .errors import ClientValidationError
from .limits import CUSTOMER_NAME_MAX, TITLE_MAX
from .wire_types import (
    METADATA_KEY_MAX,
    METADATA_MAX_KEYS,
    METADATA_VALUE_MAX,
    MessageType,
    Priority,
    Sender,
    Status,
    to_utc,
)

__all__ = ["ErrorBody", "ErrorEnvelope", "MessageCreate", "Meta", "SuccessEnvelope", "TicketCreate", "TicketUpdate"]

T = TypeVar("T")
UtcDatetime = Annotated[datetime, AfterValidator(to_utc)]


class _Response(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
    )


class Pagination(_Response):
    total: int
    page: int
    page_size: int
    has_more: bool


class Meta(_Response):
    request_id: str | None = None
    timestamp: UtcDatetime | None = None


class SuccessEnvelope(_Response, Generic[T]):
    """`data` may be a read model (`api.models.Ticket`): those tell pydantic how to read them."""

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
