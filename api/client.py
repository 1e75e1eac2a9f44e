"""HelpdeskClient: the async cStar API client, with retries, idempotency and typed errors.

One `httpx.AsyncClient` per `HelpdeskClient`, so connections are kept alive across calls. Every POST
and PATCH carries an Idempotency-Key that stays the same across retries, which is what makes retrying
a write safe: if the first attempt reached the server and only the answer was lost, the retry gets
the stored answer instead of creating a second ticket or message.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from . import __version__
from .credentials import CredentialError, check_api_key, check_base_url
from .errors import (
    ApiError,
    ClientValidationError,
    ConnectionFailedError,
    IdempotencyConflictError,
    MalformedResponseError,
    MaskingLogFilter,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    UnreadableTicketError,
    error_for_status,
    mask_secret,
    mask_secrets,
    remember_secret,
)
from .filters import MAX_PAGE_SIZE, TicketFilters, Vocabulary
from .models import (
    DeleteResult,
    Message,
    Page,
    Pagination,
    ReadError,
    Ticket,
    Unreadable,
    read_each,
    read_list,
    read_one,
)

if TYPE_CHECKING:
    from .bodies import MessageCreate, TicketCreate, TicketUpdate

__all__ = ["EventHook", "HelpdeskClient", "parse_retry_after"]

log = logging.getLogger("cstar.client")
log.addFilter(MaskingLogFilter())  # an observer's exception may quote the key: see errors.MaskingLogFilter

EventHook = Callable[[str, dict[str, Any]], None]

USER_AGENT = f"cstar-tui/{__version__} (+python httpx)"
BACKOFF_INITIAL = 0.5
BACKOFF_MAX = 8.0
#: Longest server-requested wait we sit through; a longer one goes back to the caller as an error.
MAX_RETRY_AFTER = 60.0
MAX_IDEMPOTENCY_KEY = 255
#: Expansions `get_ticket` accepts (messages are included anyway; the sandbox accepts the name too).
TICKET_EXPANSIONS = ("customer", "messages")

_TICKET_ID_RE = re.compile(r"tkt_[A-Za-z0-9]+")
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_RETRY_STATUSES = frozenset({408, 429})


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, else `Retry-After` (seconds or an HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 7231 dates are GMT
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _backoff(retry: int) -> float:
    """Exponential from 0.5 s, capped at 8 s, with up to +50 % jitter so clients don't retry in step."""
    base = min(BACKOFF_MAX, BACKOFF_INITIAL * 2**retry)
    return min(BACKOFF_MAX, base * (1 + random.random() / 2))


def _check_ticket_id(ticket_id: str) -> str:
    if not isinstance(ticket_id, str) or not (
        _TICKET_ID_RE.fullmatch(ticket_id) or _UUID_RE.fullmatch(ticket_id)
    ):
        shown = repr(ticket_id)[:40] if ticket_id else "an empty ID"
        raise ClientValidationError(f"{shown} is not a ticket ID (tkt_… or a UUID)", param="ticketId")
    return quote(ticket_id, safe="")


def _check_idempotency_key(key: str | None) -> str | None:
    if key is not None and (not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY):
        raise ClientValidationError(
            f"an Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters", param="Idempotency-Key"
        )
    return key


def _connection_reason(exc: httpx.RequestError) -> str:
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text or "name resolution" in text:
        return "host not found"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    return "connection lost"


def _describe_body(response: httpx.Response) -> str:
    content_type = response.headers.get("content-type", "")
    head = response.content[:64].lstrip().lower()
    if "html" in content_type or head.startswith((b"<!doctype", b"<html", b"<")):
        return "an HTML page instead of JSON"
    if not response.content:
        return "an empty body"
    return "truncated or invalid JSON"


class _Outcome:
    """One attempt's result: the parsed envelope, or the error to raise or retry on."""

    __slots__ = ("envelope", "error", "request_id", "retry_after")

    def __init__(
        self,
        envelope: dict[str, Any] | None = None,
        error: ApiError | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.envelope = envelope
        self.error = error
        self.request_id = request_id
        self.retry_after = retry_after

    def envelope_data(self) -> Any:
        assert self.envelope is not None
        return self.envelope.get("data")


class HelpdeskClient:
    """Async client for one team of the cStar ticket API.

    Use as `async with HelpdeskClient(...) as client:`, or call `aclose()` when done. `timeout` bounds
    each attempt as a whole (connect, send, and reading the full response), so a server that drips its
    answer cannot hang the app. `on_event(name, details)` hears "retrying" (attempt, wait, reason),
    "ok" (the service answered) and "failed" (gave up without an answer: reason, error).
    """

    def __init__(
        self,
        base_url: str,
        team_id: str,
        api_key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        max_retries: int = 2,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        on_event: EventHook | None = None,
        max_pages: int = 1000,
    ) -> None:
        if not team_id or not team_id.strip():
            raise ClientValidationError("a team ID is required", param="teamId")
        if not api_key or not api_key.strip():
            raise ClientValidationError("an API key is required", param="apiKey")
        try:
            api_key = check_api_key(api_key)  # a stray newline or no-break space would fail in the HTTP stack
        except CredentialError as exc:
            raise ClientValidationError(f"the API key {exc}", param="apiKey") from None
        try:
            base_url = check_base_url(base_url)  # `http://` or `http://[::1` would fail later, inside httpx
        except CredentialError as exc:
            raise ClientValidationError(f"the base URL {exc}", param="baseUrl") from None
        if max_retries < 0 or timeout <= 0 or max_pages < 1:
            raise ValueError("max_retries must be >= 0, timeout > 0 and max_pages >= 1")
        self.base_url = base_url.rstrip("/")
        self.team_id = team_id
        self._api_key = api_key
        remember_secret(api_key)  # every message and error from here on masks it, whatever its shape
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_pages = max_pages
        self.on_event = on_event
        #: Status and priority values the server has sent, beyond the ones this version knows.
        self.vocabulary = Vocabulary()
        self._sleep = sleep
        self._tickets_path = f"/api/v1/teams/{quote(team_id, safe='')}/tickets"
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={
                "Authorization": f"Bearer {api_key}",
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            },
        )

    def __repr__(self) -> str:
        return (
            f"HelpdeskClient(base_url={self.base_url!r}, team_id={self.team_id!r}, "
            f"api_key={mask_secret(self._api_key)!r})"
        )

    async def __aenter__(self) -> HelpdeskClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def is_closed(self) -> bool:
        return self._http.is_closed

    # --- endpoints ----------------------------------------------------------------------------------

    async def list_tickets(self, filters: TicketFilters | None = None) -> Page[Ticket]:
        outcome = await self._request(
            "GET", self._tickets_path, params=(filters or TicketFilters()).to_params()
        )
        pagination = self._parse(Pagination.model_validate, outcome, "pagination")
        items, unreadable = self._parse_each(outcome)
        self.vocabulary.learn(items)
        return Page(items=items, pagination=pagination, request_id=outcome.request_id,
                           unreadable=tuple(unreadable))

    async def iter_tickets(self, filters: TicketFilters | None = None) -> AsyncIterator[Ticket]:
        """Every ticket matching `filters`, page after page (100 a page unless `filters` says otherwise).

        Each ticket is yielded once even if new tickets shift the pages meanwhile. Stops when the server
        says there is no more, or sends an empty page or one with nothing new; a server that keeps
        saying "more" past `max_pages` pages raises MalformedResponseError rather than loop forever.
        """
        filters = filters or TicketFilters()
        if filters.page_size is None:
            filters = replace(filters, page_size=MAX_PAGE_SIZE)
        page_number = filters.page or 1
        seen: set[str] = set()
        for _ in range(self.max_pages):
            page = await self.list_tickets(replace(filters, page=page_number))
            fresh = [ticket for ticket in page.items if ticket.id not in seen]
            for ticket in fresh:
                seen.add(ticket.id)
                yield ticket
            if not page.pagination.has_more or not (fresh or page.unreadable):
                return
            page_number += 1
        raise MalformedResponseError(
            f"the server still reported more tickets after {self.max_pages} pages", request_id=None
        )

    async def get_ticket(self, ticket_id: str, expand: str | Iterable[str] = ()) -> Ticket:
        """The ticket with its messages (always included); `expand=("customer",)` inlines the customer."""
        path = f"{self._tickets_path}/{_check_ticket_id(ticket_id)}"
        # A bare string is an Iterable[str] too; "customer" must not become c, u, s, ….
        wanted = tuple(dict.fromkeys(expand.split(",") if isinstance(expand, str) else expand))
        for item in wanted:
            if item not in TICKET_EXPANSIONS:
                raise ClientValidationError(f"cannot expand {item!r} on a ticket", param="expand")
        params = {"expand": ",".join(wanted)} if wanted else None
        return self._ticket(await self._request("GET", path, params=params))

    async def create_ticket(self, body: TicketCreate, idempotency_key: str | None = None) -> Ticket:
        outcome = await self._request(
            "POST", self._tickets_path, json=body.to_wire(), idempotency_key=idempotency_key
        )
        return self._ticket(outcome)

    async def update_ticket(
        self, ticket_id: str, body: TicketUpdate, idempotency_key: str | None = None
    ) -> Ticket:
        path = f"{self._tickets_path}/{_check_ticket_id(ticket_id)}"
        outcome = await self._request("PATCH", path, json=body.to_wire(), idempotency_key=idempotency_key)
        return self._ticket(outcome)

    async def delete_ticket(self, ticket_id: str) -> DeleteResult:
        path = f"{self._tickets_path}/{_check_ticket_id(ticket_id)}"
        try:
            outcome = await self._request("DELETE", path)
        except NotFoundError as exc:
            # DELETE has no idempotency key: if an earlier attempt deleted it and only the answer was
            # lost, the retry sees 404. That is the outcome the caller asked for.
            if exc.attempts > 1:
                return DeleteResult(deleted=True, id=ticket_id)
            raise
        return self._parse(DeleteResult.model_validate, outcome, "data")

    async def list_messages(self, ticket_id: str) -> list[Message]:
        """The thread, oldest first. A message that cannot be read is left out and logged; the detail
        view reads the thread through `get_ticket`, whose `unreadable_messages` names them."""
        path = f"{self._tickets_path}/{_check_ticket_id(ticket_id)}/messages"
        outcome = await self._request("GET", path)
        try:
            messages, unreadable = read_each(Message.model_validate, outcome.envelope_data(), "message")
        except TypeError:
            return self._parse(_list_of(Message), outcome, "data")  # not a list: say so the usual way
        for item in unreadable:
            log.warning("left out an unreadable message %s: %s", item.id, item.reason)
        return messages

    async def add_message(
        self, ticket_id: str, body: MessageCreate, idempotency_key: str | None = None
    ) -> Message:
        path = f"{self._tickets_path}/{_check_ticket_id(ticket_id)}/messages"
        outcome = await self._request("POST", path, json=body.to_wire(), idempotency_key=idempotency_key)
        return self._parse(Message.model_validate, outcome, "data")

    # --- machinery ----------------------------------------------------------------------------------

    def _emit(self, event: str, **details: Any) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(event, details)
        except Exception:  # a broken observer must not break the request it observes
            log.exception("on_event hook failed for %s", event)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> _Outcome:
        headers: dict[str, str] = {}
        if method in ("POST", "PATCH"):
            # Generated once per call, outside the loop: the retries must present the same key.
            headers["Idempotency-Key"] = _check_idempotency_key(idempotency_key) or str(uuid.uuid4())
        request = self._http.build_request(method, path, params=params, json=json, headers=headers)
        retry = 0
        while True:
            outcome = await self._attempt(request)
            error = outcome.error
            if error is None:
                self._emit("ok", request_id=outcome.request_id)
                return outcome
            error.attempts = retry + 1
            wait = self._retry_wait(error, outcome.retry_after, retry)
            if wait is None:
                if _is_connection_trouble(error):
                    self._emit("failed", reason=str(error), error=error)
                else:
                    self._emit("ok", request_id=outcome.request_id)
                raise error
            retry += 1
            self._emit("retrying", attempt=retry, wait=wait, reason=error.describe())
            await self._sleep(wait)

    def _retry_wait(self, error: ApiError, retry_after: float | None, retry: int) -> float | None:
        """Seconds to wait before the next attempt, or None to give up and raise `error`."""
        retryable = (
            isinstance(error, ConnectionFailedError | RequestTimeoutError | ServerError | RateLimitError)
            or (isinstance(error, IdempotencyConflictError) and error.in_flight)
            or error.status in _RETRY_STATUSES
        )
        if not retryable or retry >= self.max_retries:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= MAX_RETRY_AFTER else None
        return _backoff(retry)

    async def _attempt(self, request: httpx.Request) -> _Outcome:
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._http.send(request)
        except (TimeoutError, httpx.TimeoutException):
            return _Outcome(error=RequestTimeoutError(f"no complete answer within {self.timeout:g} s"))
        except httpx.DecodingError:
            return _Outcome(error=MalformedResponseError("a body that could not be decoded"))
        except httpx.RequestError as exc:
            return _Outcome(error=ConnectionFailedError(_connection_reason(exc)))
        return self._read(response)

    def _read(self, response: httpx.Response) -> _Outcome:
        status = response.status_code
        request_id = response.headers.get("request-id") or response.headers.get("x-request-id")
        retry_after = parse_retry_after(response.headers)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            meta = payload.get("meta")
            if isinstance(meta, dict) and isinstance(meta.get("requestId"), str):
                request_id = request_id or meta["requestId"]
        if 200 <= status < 300:
            if isinstance(payload, dict) and payload.get("success") is True and "data" in payload:
                return _Outcome(envelope=payload, request_id=request_id)
            reason = _describe_body(response) if payload is None else "a reply without the API's envelope"
            return _Outcome(error=MalformedResponseError(reason, status=status, request_id=request_id))
        body = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(body, dict):
            error = error_for_status(
                status,
                type=_str_or_none(body.get("type")),
                code=_str_or_none(body.get("code")),
                message=_str_or_none(body.get("message")) or "",
                param=_str_or_none(body.get("param")),
                request_id=request_id,
                retry_after=retry_after,
            )
        elif status >= 500 or status in _RETRY_STATUSES:
            # A proxy's own error page: the status says enough.
            error = error_for_status(status, request_id=request_id, retry_after=retry_after)
        else:
            error = MalformedResponseError(_describe_body(response), status=status, request_id=request_id)
        return _Outcome(error=error, request_id=request_id, retry_after=retry_after)

    def _parse_each(self, outcome: _Outcome) -> tuple[list[Ticket], list[Unreadable]]:
        """The tickets of a list response, each read on its own."""
        try:
            return read_each(Ticket.model_validate, outcome.envelope_data(), "ticket")
        except TypeError:
            return self._parse(_list_of(Ticket), outcome, "data"), []  # not a list: say so the usual way

    def _ticket(self, outcome: _Outcome) -> Ticket:
        """The one ticket of a response; one the app cannot read is an UnreadableTicketError naming it."""
        ticket = read_one(Ticket.model_validate, outcome.envelope_data(), "ticket")
        if isinstance(ticket, Unreadable):
            raise UnreadableTicketError(ticket.reason, ticket_id=ticket.id, request_id=outcome.request_id)
        self.vocabulary.learn([ticket])
        return ticket

    @staticmethod
    def _parse(read: Callable[[Any], Any], outcome: _Outcome, field: str) -> Any:
        assert outcome.envelope is not None
        try:
            return read(outcome.envelope.get(field))
        except ReadError as exc:
            raise MalformedResponseError(
                mask_secrets(f"unexpected {exc.within(field).reason}"), request_id=outcome.request_id
            ) from None


def _list_of(model: type[Ticket] | type[Message]) -> Callable[[Any], Any]:
    return lambda items: read_list(model.model_validate, items)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _is_connection_trouble(error: ApiError) -> bool:
    """Errors that say the service is not answering properly, as opposed to answering "no"."""
    return isinstance(
        error,
        ConnectionFailedError | RequestTimeoutError | ServerError | RateLimitError | MalformedResponseError,
    )
