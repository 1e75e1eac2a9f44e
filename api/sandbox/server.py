"""The sandbox's HTTP surface: routes, keys and permissions, envelopes, limits and idempotency."""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import jsonbody
from . import validation as v
from .idempotency import Idempotency, fingerprint
from .ids import iso, new_id
from .problems import ApiProblem, forbidden, invalid
from .ratelimit import RateLimiter
from .service import TicketService, customer_json, message_json, ticket_json
from .store import StatementTimeout, Store

log = logging.getLogger("cstar.sandbox")

MAX_BODY_BYTES = 1024 * 1024
# The sandbox answers on the caller's event loop (in the app, the TUI's): a request's SQLite work is
# stopped after this much CPU time (400 search_too_broad for a search, else 503), checked by the progress
# handler between VM steps and so between the rows FTS5 matches, each of which is short (folding.py).
# CPU time, not wall time, so a busy machine doesn't refuse what an idle one answers; at 100,000 tickets
# the broadest ordinary searches take a third of it (bench/sandbox_list.py).
REQUEST_SECONDS = 0.1
WRITE_KINDS = ("secret", "restricted")
DELETE_KINDS = ("secret",)


@dataclass
class Caller:
    """Who is asking: the key, its kind and its team."""

    key: str
    kind: str
    team_id: str

    @property
    def sees_internal(self) -> bool:
        return self.kind != "publishable"


@dataclass
class Result:
    """A handler's answer, before it is wrapped in the envelope."""

    status: int
    data: Any
    pagination: dict[str, Any] | None = None


Handler = Callable[[Request, Caller, dict[str, Any] | None], Result]


class SandboxApi:
    def __init__(self, store: Store, service: TicketService, limiter: RateLimiter,
                 clock: Callable[[], datetime], request_seconds: float = REQUEST_SECONDS) -> None:
        self.store = store
        self.request_seconds = request_seconds
        self.service = service
        self.limiter = limiter
        self.clock = clock
        # The sandbox's clock, so the 24 h replay window moves with the time the API reports.
        self.idempotency = Idempotency(store, clock=lambda: clock().timestamp())
        # Called between claiming an idempotency key and doing the write; the fault mode uses it.
        self.before_write: Callable[[], Awaitable[None]] | None = None

    # --- envelope -------------------------------------------------------------------------------

    def _meta(self, request_id: str) -> dict[str, str]:
        return {"requestId": request_id, "timestamp": iso(self.clock())}

    def _response(self, status: int, payload: dict[str, Any], request_id: str,
                  headers: dict[str, str] | None = None) -> Response:
        # A lone surrogate that reached an answer (quoted input) goes out as its JSON escape, never a 500.
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "backslashreplace")
        return Response(body, status_code=status, media_type="application/json",
                        headers={"Request-Id": request_id, **(headers or {})})

    def _error(self, problem: ApiProblem, request_id: str) -> Response:
        payload = {"success": False, "error": problem.error_object(), "meta": self._meta(request_id)}
        return self._response(problem.status, payload, request_id, problem.headers)

    # --- the pipeline every endpoint shares ---------------------------------------------------

    def endpoint(self, handler: Handler, *, permission: tuple[str, ...] | None = None,
                 has_body: bool = False) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            request_id = new_id("req")
            try:
                return await self._run(request, request_id, handler, permission, has_body)
            except ApiProblem as problem:
                return self._error(problem, request_id)
            except Exception:
                log.exception("sandbox request %s failed", request_id)
                return self._error(ApiProblem(500, "api_error", "internal_error",
                                              "The sandbox failed to handle this request."), request_id)
        return run

    async def _run(self, request: Request, request_id: str, handler: Handler,
                   permission: tuple[str, ...] | None, has_body: bool) -> Response:
        caller = self._authenticate(request)
        wait = self.limiter.take(caller.key)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ApiProblem(429, "rate_limit_error", "rate_limited",
                             f"Too many requests for this API key; retry in {seconds} s.",
                             headers={"Retry-After": str(seconds), "Retry-After-Ms": str(math.ceil(wait * 1000))})
        if request.path_params["team_id"] != caller.team_id:
            raise forbidden("This API key does not belong to that team.")
        if permission is not None and caller.kind not in permission:
            action = "delete tickets" if permission == DELETE_KINDS else "write"
            raise forbidden(f"A {caller.kind} key cannot {action}.")
        body: dict[str, Any] | None = None
        raw = b""
        if has_body:
            raw = await self._read_body(request)
            body = jsonbody.parse(raw)
        idem_key = request.headers.get("idempotency-key") if request.method in ("POST", "PATCH") else None
        if idem_key is None:
            return self._envelope(self._handle(handler, request, caller, body), request_id)
        replay = self.idempotency.begin(caller.key, idem_key,
                                        fingerprint(request.method, request.url.path, raw))
        if replay is not None:
            return Response(replay.body, status_code=replay.status, media_type="application/json",
                            headers={"Request-Id": request_id, "Idempotent-Replayed": "true"})
        # Whatever happens from here on, the claim is settled: kept for a 2xx, released otherwise, so a
        # request that failed in any way (an error while answering one included) never locks its key.
        status, stored = 500, b""
        try:
            if self.before_write is not None:
                await self.before_write()
            try:
                response = self._envelope(self._handle(handler, request, caller, body), request_id)
            except ApiProblem as problem:
                response = self._error(problem, request_id)
            status, stored = response.status_code, bytes(response.body)
        finally:
            self.idempotency.finish(caller.key, idem_key, status, stored)
        return response

    def _handle(self, handler: Handler, request: Request, caller: Caller, body: dict[str, Any] | None) -> Result:
        """The handler, its SQLite work stopped after `request_seconds` of CPU (it runs on the caller's loop)."""
        try:
            with self.store.time_limit(self.request_seconds):
                return handler(request, caller, body)
        except StatementTimeout:
            log.warning("sandbox request stopped: %s %s ran past %g s in SQLite", request.method,
                        request.url.path, self.request_seconds)
            if request.method == "GET" and request.query_params.get("search"):
                raise invalid("This search matches too much text to answer quickly; make it more specific "
                              "(a rarer word, or a filter).", "search", "search_too_broad") from None
            raise ApiProblem(503, "api_error", "request_too_costly",
                             "This request would hold the sandbox too long; it was stopped and changed nothing.",
                             ) from None

    def _envelope(self, result: Result, request_id: str) -> Response:
        payload: dict[str, Any] = {"success": True, "data": result.data}
        if result.pagination is not None:
            payload["pagination"] = result.pagination
        payload["meta"] = self._meta(request_id)
        return self._response(result.status, payload, request_id)

    def _authenticate(self, request: Request) -> Caller:
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        if not header:
            raise ApiProblem(401, "authentication_error", "api_key_missing",
                             "No API key provided. Send 'Authorization: Bearer <key>'.")
        if scheme.lower() != "bearer" or not key.strip():
            raise ApiProblem(401, "authentication_error", "api_key_invalid",
                             "The Authorization header must be 'Bearer <key>'.")
        info = self.store.key_info(key.strip())
        if info is None:
            raise ApiProblem(401, "authentication_error", "api_key_invalid", "The API key is not valid.")
        return Caller(key=info["key"], kind=info["kind"], team_id=info["team_id"])

    async def _read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise self._too_large()
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _too_large() -> ApiProblem:
        return ApiProblem(413, "invalid_request_error", "body_too_large",
                          f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB.")

    # --- endpoints ------------------------------------------------------------------------------

    def list_tickets(self, request: Request, caller: Caller, _body: Any) -> Result:
        q = request.query_params
        page = v.int_query(q.get("page"), "page", 1, 1)
        page_size = v.int_query(q.get("pageSize"), "pageSize", 20, 1, 100)
        filters: dict[str, str] = {}
        for name, options in (("status", v.STATUSES), ("priority", v.PRIORITIES)):
            value = v.enum_query(q.get(name), name, options)
            if value:
                filters[name] = value
        if q.get("assignedTo"):
            filters["assignedTo"] = self.service.require_agent(caller.team_id, q["assignedTo"], "assignedTo")["id"]
        if q.get("customerId"):
            filters["customerId"] = self.service.require_customer(caller.team_id, q["customerId"],
                                                                  "customerId")["id"]
        expand = v.expand_query(q.get("expand"), ("customer",))
        rows, total = self.store.list_tickets(caller.team_id, filters, v.search_query(q.get("search")), page,
                                              page_size)
        customers = (self.store.customers_by_id(caller.team_id, (r["customer_id"] for r in rows))
                     if "customer" in expand else {})
        data = [self._with_customer(r, customers, expand) for r in rows]
        pagination = {"total": total, "page": page, "pageSize": page_size, "hasMore": page * page_size < total}
        return Result(200, data, pagination)

    @staticmethod
    def _with_customer(row: sqlite3.Row, customers: dict[str, sqlite3.Row], expand: set[str]) -> dict[str, Any]:
        data = ticket_json(row)
        if "customer" in expand:
            customer = customers.get(row["customer_id"]) if row["customer_id"] else None
            data["customer"] = customer_json(customer) if customer is not None else None
        return data

    def get_ticket(self, request: Request, caller: Caller, _body: Any) -> Result:
        expand = v.expand_query(request.query_params.get("expand"), ("customer", "messages"))
        row = self.service.require_ticket(caller.team_id, request.path_params["ticket_id"])
        messages = self.store.messages(row["id"], include_internal=caller.sees_internal)
        customers = (self.store.customers_by_id(caller.team_id, [row["customer_id"]])
                     if "customer" in expand else {})
        data = self._with_customer(row, customers, expand)
        data["messages"] = [message_json(m) for m in messages]
        return Result(200, data)

    def create_ticket(self, _request: Request, caller: Caller, body: dict[str, Any] | None) -> Result:
        return Result(201, self.service.create(caller.team_id, body or {}))

    def update_ticket(self, request: Request, caller: Caller, body: dict[str, Any] | None) -> Result:
        return Result(200, self.service.update(caller.team_id, request.path_params["ticket_id"], body or {}))

    def delete_ticket(self, request: Request, caller: Caller, _body: Any) -> Result:
        return Result(200, self.service.delete(caller.team_id, request.path_params["ticket_id"]))

    def list_messages(self, request: Request, caller: Caller, _body: Any) -> Result:
        row = self.service.require_ticket(caller.team_id, request.path_params["ticket_id"])
        messages = self.store.messages(row["id"], include_internal=caller.sees_internal)
        return Result(200, [message_json(m) for m in messages])

    def add_message(self, request: Request, caller: Caller, body: dict[str, Any] | None) -> Result:
        return Result(201, self.service.add_message(caller.team_id, request.path_params["ticket_id"], body or {}))

    # --- assembly -------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        base = "/api/v1/teams/{team_id}/tickets"
        one = base + "/{ticket_id}"
        return [
            Route(base, self.endpoint(self.list_tickets), methods=["GET"]),
            Route(base, self.endpoint(self.create_ticket, permission=WRITE_KINDS, has_body=True),
                  methods=["POST"]),
            Route(one, self.endpoint(self.get_ticket), methods=["GET"]),
            Route(one, self.endpoint(self.update_ticket, permission=WRITE_KINDS, has_body=True),
                  methods=["PATCH"]),
            Route(one, self.endpoint(self.delete_ticket, permission=DELETE_KINDS), methods=["DELETE"]),
            Route(one + "/messages", self.endpoint(self.list_messages), methods=["GET"]),
            Route(one + "/messages", self.endpoint(self.add_message, permission=WRITE_KINDS, has_body=True),
                  methods=["POST"]),
        ]

    def asgi(self) -> Starlette:
        routes = self.routes()

        async def http_error(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, HTTPException)
            request_id = new_id("req")
            if exc.status_code == 405:
                # Starlette names only the first route that matched the path; a client needs them all.
                allowed = sorted({m for r in routes if r.path_regex.match(request.url.path) for m in r.methods or ()})
                problem = ApiProblem(405, "invalid_request_error", "method_not_allowed",
                                     f"{request.method[:10]} is not allowed on this path; use {', '.join(allowed)}.",
                                     headers={"Allow": ", ".join(allowed)})
            else:
                problem = ApiProblem(exc.status_code, "not_found_error", "route_missing",
                                     "No such endpoint. See /api/v1/teams/{teamId}/tickets.")
            return self._error(problem, request_id)

        app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
        # A redirect (307, empty body, to another URL) is no answer for an API client: unknown paths,
        # trailing slash included, get the JSON 404 like any other.
        app.router.redirect_slashes = False
        return app
