"""Typed errors for the cStar API, each with a sentence an agent can act on.

`str(error)` is what the app shows in a notification, so it is written for a support agent, not a
developer: what happened, what to do, and the request ID to quote to support. Nothing in it may ever
contain an API key; every message passes through `mask_secrets` before it is stored.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from typing import Any, ClassVar

__all__ = [
    "ApiError",
    "AuthenticationError",
    "ClientValidationError",
    "ConflictError",
    "ConnectionFailedError",
    "IdempotencyConflictError",
    "InvalidRequestError",
    "MalformedResponseError",
    "MaskingLogFilter",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "UnreadableTicketError",
    "error_for_status",
    "mask_secret",
    "mask_secrets",
    "remember_secret",
]

# Key shapes the cStar (and Stripe-style) APIs hand out: secret, restricted and publishable keys, masked
# at the start of a word. The body takes `-` too: a hyphen must not end the mask and leave the rest of
# the key on show. Possessive `++` plus the lookahead keep masking idempotent: an already masked
# `sk_test_…a1b2` is left alone instead of being read as the key `sk_test_` followed by text.
_KEY_RE = re.compile(r"\b(?:sk|rk|pk)_[A-Za-z0-9_-]++(?!…)")
# A key glued to the text before it (`Xsk_live_…`, `id_pk_test_…`) has no word start: it is still masked
# when it says live/test and its body looks random (a digit, or 16 characters), while words such as
# `task_test_words` stay as they are.
_GLUED_KEY_RE = re.compile(r"(?:sk|rk|pk)_(?:live|test)_(?=[A-Za-z0-9_-]*[0-9]|[A-Za-z0-9_-]{16})[A-Za-z0-9_-]++(?!…)")
_KEY_PREFIX_RE = re.compile(r"(?:sk|rk|pk)_(?:live_|test_)?")
_BEARER_RE = re.compile(r"(?i)\b(bearer\s+)([^\s…]++)(?!…)")

# The keys this process holds, masked by value wherever they appear, whatever their shape: a server that
# echoes a key back quotes it as it is (`abc-def-123456`, touched by letters, cut by hyphens), and only
# the value is sure to find it. A tuple of (key, mask), longest first, replaced whole under the lock so
# that readers in other threads never see it half-built.
_MIN_REMEMBERED = 8
_MAX_REMEMBERED = 32
_remembered: tuple[tuple[str, str], ...] = ()
_remember_lock = threading.Lock()


def remember_secret(key: str | None) -> None:
    """From now on, mask this exact key wherever `mask_secrets` runs (errors, logs, crash reports, output).

    Called wherever a key comes into the process: the client does it for the key it is given. Keys too
    short to find safely by value (they would mask ordinary words) rely on their shape alone.
    """
    global _remembered
    key = (key or "").strip()
    if len(key) < _MIN_REMEMBERED or "…" in key or _KEY_PREFIX_RE.fullmatch(key):
        return
    with _remember_lock:
        if any(known == key for known, _ in _remembered):
            return
        kept = [*_remembered, (key, mask_secret(key))][-_MAX_REMEMBERED:]
        _remembered = tuple(sorted(kept, key=lambda pair: len(pair[0]), reverse=True))


def mask_secret(key: str | None) -> str:
    """`sk_live_abcdef…a1b2` -> `sk_live_…a1b2`: enough to tell keys apart, too little to use one.

    A key too short to hide anything behind its last four characters shows only its prefix.
    """
    if not key:
        return "(none)"
    if "…" in key:
        return key  # already masked
    prefix_match = _KEY_PREFIX_RE.match(key)
    prefix = prefix_match.group(0) if prefix_match else ""
    body = key[len(prefix) :]
    tail = body[-4:] if len(body) >= 12 else ""
    return f"{prefix}…{tail}"


def mask_secrets(text: str) -> str:
    """Mask the keys this process holds (see `remember_secret`), every key-looking substring and any
    bearer token inside free text."""
    for key, masked in _remembered:
        if key in text:
            text = text.replace(key, masked)
    text = _KEY_RE.sub(lambda m: mask_secret(m.group(0)), text)
    text = _GLUED_KEY_RE.sub(lambda m: mask_secret(m.group(0)), text)
    return _BEARER_RE.sub(lambda m: m.group(1) + mask_secret(m.group(2)), text)


class MaskingLogFilter(logging.Filter):
    """Masks keys in a record's message and traceback before any handler formats them.

    Attached to a logger whose records may quote an exception from elsewhere (an observer's, say), which
    could hold the key in use. The traceback is formatted here, masked, and kept as the record's
    `exc_text`, which the standard Formatter prints instead of formatting `exc_info` itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_secrets(record.getMessage())
        record.args = ()
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = mask_secrets(text.removesuffix("\n"))
        return True


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


class ApiError(Exception):
    """Anything that went wrong talking to the cStar API.

    Attributes mirror the error envelope (`type`, `code`, `message`, `param`) plus the HTTP `status`
    (None when no response arrived or the request was refused before sending) and the `request_id`.
    """

    #: What the agent reads first; subclasses say it in their own words.
    summary: ClassVar[str] = "The cStar service returned an error"
    #: What the agent can do about it, or "" when the summary says it already.
    hint: ClassVar[str] = ""
    #: How many times the client sent the request before giving up (0: refused before sending).
    attempts: int = 1

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.message = mask_secrets(message)
        self.status = status
        self.type = type
        self.code = code
        self.param = mask_secrets(param) if param else param
        self.request_id = request_id
        # Exception.args end up in reprs and tracebacks; give them only the masked sentence.
        super().__init__(self.__str__())

    def describe(self) -> str:
        """The sentence without the request ID."""
        text = self.summary
        if self.message:
            text += f": {self.message.rstrip('.')}"
        text = _sentence(text)
        return f"{text} {_sentence(self.hint)}" if self.hint else text

    def __str__(self) -> str:
        text = self.describe()
        if self.request_id:
            text += f" (request {self.request_id})"
        return mask_secrets(text)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, type={self.type!r}, code={self.code!r}, "
            f"message={self.message!r}, param={self.param!r}, request_id={self.request_id!r})"
        )


class InvalidRequestError(ApiError):
    summary = "The cStar service refused the request"

    def describe(self) -> str:
        # Which field was wrong is the useful part of a 400, so name it when the message doesn't.
        text = self.summary
        if self.message:
            text += f": {self.message.rstrip('.')}"
        if self.param and self.param not in self.message:
            text += f" (field {self.param})"
        return _sentence(text)


class ClientValidationError(InvalidRequestError, ValueError):
    """Refused before sending: the request would break a documented limit. Nothing reached the server.

    Also a ValueError, since that is what it is to code that builds filters or IDs.
    """

    attempts = 0

    summary = "Not sent"


class AuthenticationError(ApiError):
    summary = "The API key was not accepted"
    hint = "Check the key in your profile or in CSTAR_API_KEY"


class PermissionDeniedError(ApiError):
    summary = "This API key is not allowed to do that"
    hint = "Writing needs a secret key, and deleting needs a key with delete permission"


class NotFoundError(ApiError):
    summary = "Not found"
    hint = "It may have been deleted; refresh the list"


class ConflictError(ApiError):
    summary = "The request conflicts with another one"


# Codes seen for a 409 on an idempotency key; matched loosely because the reference doesn't name them.
_IN_FLIGHT_WORDS = ("in_flight", "in_progress", "in_use", "processing", "concurrent")
_MISMATCH_WORDS = ("mismatch", "reused", "different", "parameters")


class IdempotencyConflictError(ConflictError):
    """A 409 about the Idempotency-Key: still running (`in_flight`, worth retrying) or mismatched."""

    summary = "This change was already sent with different content"
    hint = "Reload the ticket and try again"

    @property
    def in_flight(self) -> bool:
        code = (self.code or "").lower()
        return any(word in code for word in _IN_FLIGHT_WORDS)

    def describe(self) -> str:
        if self.in_flight:
            text = "The same change is still being processed by the cStar service. Try again in a moment."
        else:
            text = f"{_sentence(self.summary)} {_sentence(self.hint)}"
        return text


class PayloadTooLargeError(ApiError):
    summary = "The request is too large for the cStar service"
    hint = "Shorten the text (the limit is 1 MiB)"


class RateLimitError(ApiError):
    summary = "Too many requests to the cStar service"

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)

    def describe(self) -> str:
        if self.retry_after is not None:
            return f"{self.summary}. Wait {max(1, round(self.retry_after))} s and try again."
        return f"{self.summary}. Wait a moment and try again."


class ServerError(ApiError):
    summary = "The cStar service had a problem"
    hint = "Try again shortly"

    def describe(self) -> str:
        status = f" (HTTP {self.status})" if self.status else ""
        return f"{self.summary}{status}. {_sentence(self.hint)}"


class ConnectionFailedError(ApiError):
    summary = "The cStar service is unreachable"
    hint = "Check your network or VPN"

    def describe(self) -> str:
        reason = f" ({self.message})" if self.message else ""
        return f"{self.summary}{reason}. {_sentence(self.hint)}"


class RequestTimeoutError(ApiError):
    summary = "The cStar service did not answer in time"
    hint = "Check your network or VPN, or try again"

    def describe(self) -> str:
        reason = f" ({self.message})" if self.message else ""
        return f"{self.summary}{reason}. {_sentence(self.hint)}"


class MalformedResponseError(ApiError):
    """The response is not the API's envelope: an HTML page from a proxy, truncated JSON, a wrong shape."""

    summary = "The cStar service sent a response the app does not understand"
    hint = "A proxy or captive portal may be in the way; try again"

    def describe(self) -> str:
        details = ", ".join(d for d in (self.message, f"HTTP {self.status}" if self.status else "") if d)
        reason = f" ({details})" if details else ""
        return f"{self.summary}{reason}. {_sentence(self.hint)}"


class UnreadableTicketError(MalformedResponseError):
    """The envelope was fine but the ticket in it is not: a field this version cannot read."""

    summary = "The cStar service sent a ticket this version of the app cannot read"
    hint = "Other tickets are not affected; a newer version of the app may read it"

    def __init__(self, message: str = "", *, ticket_id: str | None = None, **kwargs: Any) -> None:
        self.ticket_id = ticket_id
        super().__init__(message, **kwargs)

    def describe(self) -> str:
        which = f"{self.ticket_id}: " if self.ticket_id else ""
        reason = f" ({which}{self.message})" if self.message or which else ""
        return f"{self.summary}{reason}. {_sentence(self.hint)}"


_BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitError,
}


def _is_idempotency_conflict(type_: str | None, code: str | None) -> bool:
    return "idempotency" in f"{type_ or ''} {code or ''}".lower()


def error_for_status(
    status: int,
    *,
    type: str | None = None,
    code: str | None = None,
    message: str = "",
    param: str | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> ApiError:
    """The error for an HTTP error status and the fields of its error envelope."""
    kwargs: dict[str, Any] = dict(status=status, type=type, code=code, param=param, request_id=request_id)
    if status == 429:
        return RateLimitError(message, retry_after=retry_after, **kwargs)
    if status == 409 and _is_idempotency_conflict(type, code):
        return IdempotencyConflictError(message, **kwargs)
    if status >= 500:
        return ServerError(message, **kwargs)
    if status == 408:
        return RequestTimeoutError(message or "HTTP 408", **kwargs)
    cls = _BY_STATUS.get(status, ApiError)
    if cls is ApiError and 400 <= status < 500:
        cls = InvalidRequestError
    return cls(message, **kwargs)
