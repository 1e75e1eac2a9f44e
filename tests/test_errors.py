"""Errors read as sentences, map from HTTP statuses, and never carry an API key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.errors import (
    ApiError,
    AuthenticationError,
    ConflictError,
    ConnectionFailedError,
    IdempotencyConflictError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    error_for_status,
    mask_secret,
    mask_secrets,
)

KEY = "sk_live_Zx8Qw2Er5Ty7Ui9Oa1b2"


def test_connection_error_sentence_matches_the_issue_example() -> None:
    error = ConnectionFailedError("connection refused", request_id="req_abc123")
    assert str(error) == (
        "The cStar service is unreachable (connection refused). Check your network or VPN."
        " (request req_abc123)"
    )


def test_request_id_is_left_out_when_unknown() -> None:
    assert str(ServerError(status=502)) == "The cStar service had a problem (HTTP 502). Try again shortly."


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, InvalidRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, PayloadTooLargeError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (408, RequestTimeoutError),
        (418, InvalidRequestError),
    ],
)
def test_error_for_status(status: int, cls: type[ApiError]) -> None:
    error = error_for_status(status, type="t", code="c", message="m", param="p", request_id="req_1")
    assert type(error) is cls
    assert isinstance(error, ApiError)
    assert (error.status, error.type, error.code, error.param, error.request_id) == (
        status,
        "t",
        "c",
        "p",
        "req_1",
    )
    assert str(error).endswith("(request req_1)")


def test_idempotency_conflicts_tell_in_flight_from_mismatch() -> None:
    in_flight = error_for_status(409, type="idempotency_error", code="idempotency_key_in_use")
    mismatch = error_for_status(409, type="idempotency_error", code="idempotency_key_mismatch")
    assert isinstance(in_flight, IdempotencyConflictError) and isinstance(in_flight, ConflictError)
    assert in_flight.in_flight and not mismatch.in_flight  # type: ignore[attr-defined]
    assert "still being processed" in str(in_flight)
    assert "different content" in str(mismatch)
    assert not isinstance(error_for_status(409, code="state_conflict"), IdempotencyConflictError)


def test_rate_limit_carries_retry_after() -> None:
    error = error_for_status(429, retry_after=12.0, message="slow down")
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 12.0
    assert "Wait 12 s" in str(error)
    assert "Wait a moment" in str(RateLimitError())


def test_invalid_request_names_the_field() -> None:
    error = InvalidRequestError("must be between 1 and 100", status=400, param="pageSize")
    assert str(error) == "The cStar service refused the request: must be between 1 and 100 (field pageSize)."


def test_malformed_response_sentence() -> None:
    error = MalformedResponseError("an HTML page instead of JSON", status=502, request_id=None)
    assert "HTML" in str(error) and "502" in str(error)


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        ("sk_live_Zx8Qw2Er5Ty7Ui9Oa1b2", "sk_live_…a1b2"),
        ("sk_test_abcdefghijkl9z8y", "sk_test_…9z8y"),
        ("pk_test_abcdefghijklmnop", "pk_test_…mnop"),
        ("pk_abcdefghijklmnop", "pk_…mnop"),
        ("sk_test_short", "sk_test_…"),  # too short to show a tail
        ("", "(none)"),
        (None, "(none)"),
        ("sk_live_…a1b2", "sk_live_…a1b2"),  # idempotent
    ],
)
def test_mask_secret(key: str | None, masked: str) -> None:
    assert mask_secret(key) == masked


def test_mask_secrets_in_text() -> None:
    text = f"Invalid API key {KEY}; header was 'Authorization: Bearer {KEY}', other pk_test_abcdefghijklmnop"
    masked = mask_secrets(text)
    assert KEY not in masked
    assert "Zx8Qw2Er5Ty7Ui9O" not in masked
    assert "abcdefghijkl" not in masked
    assert masked.count("sk_live_…a1b2") == 2
    assert "task_test_words" in mask_secrets("task_test_words")  # not a key: no word boundary


@pytest.mark.parametrize(
    "cls",
    [
        ApiError,
        InvalidRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        IdempotencyConflictError,
        PayloadTooLargeError,
        RateLimitError,
        ServerError,
        ConnectionFailedError,
        RequestTimeoutError,
        MalformedResponseError,
    ],
)
def test_no_error_ever_shows_the_key(cls: type[ApiError]) -> None:
    error = cls(f"bad key {KEY}", status=401, param=f"key={KEY}", request_id="req_1")
    for text in (str(error), repr(error), error.message, error.param or "", *map(str, error.args)):
        assert "Zx8Qw2Er5Ty7Ui9O" not in text


@given(
    st.text(alphabet=st.characters(codec="ascii"), max_size=40), st.text(alphabet="abcXYZ0189_", min_size=12)
)
def test_any_embedded_key_is_masked(prefix_text: str, body: str) -> None:
    key = f"sk_test_{body}"
    masked = mask_secrets(f"{prefix_text} {key} trailing")
    assert key not in masked
    assert mask_secrets(masked) == masked
