"""Validation of request bodies and query values against the reference's limits."""

from __future__ import annotations

import re
from typing import Any

from api.limits import SEARCH_MAX

from .problems import clip, invalid, unknown_field

STATUSES = ("new", "open", "pending", "resolved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
SENDERS = ("agent", "customer", "system")
MESSAGE_TYPES = ("public", "internal")
CLOSED_STATUSES = ("resolved", "closed")

_INTEGER = re.compile(r"-?[0-9]{1,4000}")

MAX_METADATA_KEYS = 50
MAX_METADATA_KEY = 40
MAX_METADATA_VALUE = 500
# Not in the reference; a bound keeps one ticket from carrying unbounded tags.
MAX_TAGS = 20
MAX_TAG = 50

CREATE_FIELDS = {"title", "priority", "status", "customerId", "customerName", "tags", "notes", "metadata"}
UPDATE_FIELDS = {"title", "priority", "status", "assignedTo", "tags", "notes", "metadata"}
MESSAGE_FIELDS = {"content", "sender", "senderId", "senderName", "messageType"}


def reject_unknown(body: dict[str, Any], allowed: set[str]) -> None:
    for name in body:
        if name not in allowed:
            raise unknown_field(name, allowed)


def text(body: dict[str, Any], name: str, *, required: bool = False, nullable: bool = False,
         non_blank: bool = False, max_length: int | None = None) -> str | None:
    if name not in body:
        if required:
            raise invalid(f"Missing required field '{name}'.", name, "parameter_missing")
        return None
    value = body[name]
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise invalid(f"Field '{name}' must be a string.", name)
    if non_blank and not value.strip():
        raise invalid(f"Field '{name}' must not be empty.", name)
    if max_length is not None and len(value) > max_length:
        raise invalid(f"Field '{name}' is at most {max_length} characters; got {len(value)}.", name)
    return value


def choice(body: dict[str, Any], name: str, options: tuple[str, ...]) -> str | None:
    value = text(body, name)
    if value is not None and value not in options:
        raise invalid(f"Field '{name}' must be one of {', '.join(options)}; got '{clip(value)}'.", name)
    return value


def tags(body: dict[str, Any]) -> list[str] | None:
    if "tags" not in body:
        return None
    value = body["tags"]
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise invalid("Field 'tags' must be an array of strings.", "tags")
    if len(value) > MAX_TAGS:
        raise invalid(f"At most {MAX_TAGS} tags are allowed; got {len(value)}.", "tags")
    for tag in value:
        if not tag.strip():
            raise invalid("Tags must not be empty.", "tags")
        if len(tag) > MAX_TAG:
            raise invalid(f"Each tag is at most {MAX_TAG} characters.", "tags")
    return list(dict.fromkeys(value))


def metadata(body: dict[str, Any], *, allow_null_values: bool) -> dict[str, str | None] | None:
    if "metadata" not in body:
        return None
    value = body["metadata"]
    if not isinstance(value, dict):
        raise invalid("Field 'metadata' must be an object.", "metadata")
    if len(value) > MAX_METADATA_KEYS:
        raise invalid(f"Metadata holds at most {MAX_METADATA_KEYS} keys; got {len(value)}.", "metadata")
    for key, item in value.items():
        if not key or len(key) > MAX_METADATA_KEY:
            raise invalid(f"Metadata keys are 1 to {MAX_METADATA_KEY} characters; got {len(key)}.",
                          f"metadata[{clip(key, MAX_METADATA_KEY)}]")
        if item is None and allow_null_values:
            continue
        if not isinstance(item, str):
            raise invalid(f"Metadata value for '{key}' must be a string.", f"metadata[{key}]")
        if len(item) > MAX_METADATA_VALUE:
            raise invalid(f"Metadata values are at most {MAX_METADATA_VALUE} characters; '{key}' has {len(item)}.",
                          f"metadata[{key}]")
    return value


def merged_metadata(current: dict[str, str], changes: dict[str, str | None]) -> dict[str, str]:
    merged = dict(current)
    for key, item in changes.items():
        if item is None:
            merged.pop(key, None)
        else:
            merged[key] = item
    if len(merged) > MAX_METADATA_KEYS:
        raise invalid(f"Metadata would hold {len(merged)} keys; at most {MAX_METADATA_KEYS} are allowed.",
                      "metadata")
    return merged


def search_query(raw: str | None) -> str | None:
    if not raw:
        return None
    if len(raw) > SEARCH_MAX:
        raise invalid(f"Query parameter 'search' is at most {SEARCH_MAX} characters; got {len(raw)}.", "search")
    return raw


def int_query(raw: str | None, name: str, default: int, low: int, high: int | None = None) -> int:
    if raw is None or raw == "":
        return default
    # Plain ASCII digits only: int() would also take "1_0", " 5", "+5" and non-ASCII digits such as "٣".
    if not _INTEGER.fullmatch(raw):
        raise invalid(f"Query parameter '{name}' must be an integer; got '{clip(raw)}'.", name)
    value = int(raw)
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise invalid(f"Query parameter '{name}' must be {bound}; got {value}.", name)
    return value


def enum_query(raw: str | None, name: str, options: tuple[str, ...]) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in options:
        allowed = ", ".join(options)
        raise invalid(f"Query parameter '{name}' must be one of {allowed}; got '{clip(raw)}'.", name)
    return raw


def expand_query(raw: str | None, supported: tuple[str, ...]) -> set[str]:
    if not raw:
        return set()
    wanted = {part.strip() for part in raw.split(",") if part.strip()}
    for part in wanted:
        if part not in supported:
            raise invalid(f"Cannot expand '{clip(part)}'; supported: {', '.join(supported)}.", "expand")
    return wanted
