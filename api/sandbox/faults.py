"""Fault mode: an ASGI middleware that makes the sandbox misbehave the way real networks and proxies do.

Switched on with `cstar-tui serve --faults SPEC`, `create_sandbox(faults=FaultPlan(...))`, or at run time
by setting `sandbox.faults` (tests). Every fault applies to a share of requests (its rate), optionally
only to some methods or paths, and every decision comes from one seeded generator, so the same seed and
the same sequence of requests give the same sequence of faults: a failing run can be repeated.

Latency is drawn on its own; the other faults are exclusive (one draw per request picks at most one, in
the order given). Which faults let the write happen matters for clients that must not post twice:
`drop`, `error`, `rate-limit` and `html` answer *instead of* the sandbox (nothing is written), while
`drop-after-commit`, `cut-body` and `drip` let the sandbox handle the request and then mangle the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .ids import iso, new_id, utcnow

__all__ = ["KINDS", "Fault", "FaultMiddleware", "FaultPlan", "SPEC_HELP"]

Scope = Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Fault kinds, in the order they are documented; `latency` combines with any of the others.
KINDS = ("latency", "error", "rate-limit", "drop", "drop-after-commit", "cut-body", "drip", "html")
_ALIASES = {"429": "rate-limit", "mid-body": "cut-body", "500": "error", "502": "error", "503": "error",
            "slow": "drip", "delay": "latency"}
_ERROR_STATUSES = (500, 502, 503)
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")
_METHODS = re.compile(r"^[A-Z]+(?:\|[A-Z]+)*$")

SPEC_HELP = (
    "comma-separated KIND[=ARG[:ARG...]][@FILTER...] items plus seed=N. "
    "KIND: latency (ARG a duration or range: 200ms, 50ms-2s), error (500 and 503 as a JSON envelope, 502 as "
    "a proxy's HTML page; ARG 500, 502 or 503 narrows it; 500/502/503=RATE for one), rate-limit or 429 "
    "(ARG the Retry-After, default 1s), drop (close without an answer, nothing written), drop-after-commit "
    "(handle the request, then close without an answer), cut-body (close halfway through the body; ARG 10b "
    "sends 10 bytes), drip (the body in small chunks; ARGs the pause and chunk size, default 50ms:512b), "
    "html (200 with an HTML page). A bare number is the rate: 0.2 or 20% of requests (default all). "
    "FILTER: methods (POST, POST|PATCH) or a path regex starting with / (no commas). "
    "Example: latency=200ms,error=0.2,drop-after-commit=0.1@POST,seed=7. Without seed= a random one is printed."
)


@dataclass(frozen=True)
class Fault:
    """One fault: what happens, to which share of which requests.

    `delay` is the latency range (latency), the pause between chunks (drip) or the Retry-After
    (rate-limit); `size` is the chunk size (drip) or how much of the body is sent (cut-body; None: half).
    """

    kind: str
    rate: float = 1.0
    methods: frozenset[str] | None = None
    path: str | None = None
    delay: tuple[float, float] | None = None
    statuses: tuple[int, ...] = _ERROR_STATUSES
    size: int | None = None

    def __post_init__(self) -> None:
        kind = _ALIASES.get(self.kind, self.kind)
        if self.kind in ("500", "502", "503") and self.statuses == _ERROR_STATUSES:
            object.__setattr__(self, "statuses", (int(self.kind),))
        object.__setattr__(self, "kind", kind)
        if kind not in KINDS:
            raise ValueError(f"unknown fault {self.kind!r} (known: {', '.join(KINDS)})")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"{kind}: the rate must be between 0 and 1, not {self.rate}")
        if self.methods is not None:
            object.__setattr__(self, "methods", frozenset(m.upper() for m in self.methods))
        if self.path is not None:
            re.compile(self.path)  # a bad pattern fails now, not on the first request
        if self.delay is not None and not 0 <= self.delay[0] <= self.delay[1]:
            raise ValueError(f"{kind}: a duration range must run from low to high")
        if kind == "error" and (not self.statuses or any(s not in _ERROR_STATUSES for s in self.statuses)):
            raise ValueError(f"{kind}: statuses must be among {_ERROR_STATUSES}")
        if self.size is not None and self.size < 1:
            raise ValueError(f"{kind}: a byte count must be at least 1")

    def applies(self, method: str, path: str) -> bool:
        return (self.methods is None or method in self.methods) and (
            self.path is None or re.search(self.path, path) is not None)

    def describe(self) -> str:
        args: list[str] = [] if self.rate == 1.0 else [f"{self.rate:g}"]
        if self.delay is not None:
            low, high = (_show_duration(d) for d in self.delay)
            args.append(low if low == high else f"{low}-{high}")
        if self.kind == "error" and self.statuses != _ERROR_STATUSES:
            args.extend(str(s) for s in self.statuses)
        if self.size is not None:
            args.append(f"{self.size}b")
        text = self.kind + ("=" + ":".join(args) if args else "")
        if self.methods:
            text += "@" + "|".join(sorted(self.methods))
        if self.path:
            text += "@" + self.path
        return text


@dataclass(frozen=True)
class Decision:
    """What the plan chose for one request: `fault` is None for a normal answer."""

    method: str
    path: str
    latency: float = 0.0
    fault: Fault | None = None
    status: int | None = None

    @property
    def outcome(self) -> str:
        """`ok`, `drop`, `error:502`, … with `+120ms` when latency was added."""
        name = "ok" if self.fault is None else self.fault.kind
        name = f"{name}:{self.status}" if self.status else name
        return f"{name}+{self.latency * 1000:.0f}ms" if self.latency else name


class FaultPlan:
    """The faults to inject and the seeded generator that decides, request by request, which fire.

    `sleep` is awaited for latency and drip pauses (tests may inject one that records instead of
    waiting); `history` keeps the latest decisions, oldest first, bounded so a long `serve --faults`
    doesn't grow without end.
    """

    def __init__(self, *faults: Fault, seed: int = 0,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.faults = tuple(faults)
        self.seed = seed
        self.sleep = sleep
        self.history: deque[Decision] = deque(maxlen=10_000)
        self._rng = random.Random(seed)

    def __repr__(self) -> str:
        return f"FaultPlan.parse({self.describe()!r})"

    @classmethod
    def parse(cls, spec: str, *, seed: int | None = None) -> FaultPlan:
        """`latency=200ms,error=0.2,drop-after-commit=0.1@POST,seed=7` (see SPEC_HELP)."""
        faults: list[Fault] = []
        for item in (part.strip() for part in spec.split(",") if part.strip()):
            name, _, rest = item.partition("=")
            if name.strip().lower() == "seed":
                if not rest.strip().isdigit():
                    raise ValueError(f"seed must be a whole number, not {rest!r}")
                seed = int(rest)
                continue
            faults.append(_parse_fault(item))
        if not faults:
            raise ValueError("no faults given (e.g. error=0.2 or latency=200ms)")
        if seed is None:
            seed = random.SystemRandom().randrange(1, 1_000_000)
        return cls(*faults, seed=seed)

    def describe(self) -> str:
        """The spec that recreates this plan, seed included."""
        return ",".join([*(f.describe() for f in self.faults), f"seed={self.seed}"])

    def outcomes(self) -> list[str]:
        return [d.outcome for d in self.history]

    def decide(self, method: str, path: str) -> Decision:
        """One request's faults. The draws depend only on the seed and on the requests before this one
        (never on timing), so a repeated run with the same requests meets the same faults."""
        rng = self._rng
        latency = 0.0
        chosen: Fault | None = None
        status: int | None = None
        pick = rng.random()
        share = 0.0
        for fault in self.faults:
            if not fault.applies(method, path):
                continue
            if fault.kind == "latency":
                fires, amount = rng.random() < fault.rate, rng.uniform(*(fault.delay or (0.2, 0.2)))
                latency += amount if fires else 0.0
                continue
            if chosen is None and share <= pick < share + fault.rate:
                chosen = fault
                if fault.kind == "error":
                    status = rng.choice(fault.statuses)
            share += fault.rate
        decision = Decision(method, path, latency, chosen, status)
        self.history.append(decision)
        return decision


def _show_duration(seconds: float) -> str:
    return f"{seconds:g}s" if seconds >= 1 and seconds == int(seconds) else f"{seconds * 1000:g}ms"


def _duration(text: str) -> float:
    if (match := _DURATION.match(text)) is None:
        raise ValueError(f"{text!r} is not a duration (e.g. 200ms or 1.5s)")
    return float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)


def _parse_fault(item: str) -> Fault:
    head, *filters = item.split("@")
    name, _, raw_args = (part.strip() for part in head.lower().partition("="))
    kind = _ALIASES.get(name, name)
    if kind not in KINDS:
        raise ValueError(f"unknown fault {name!r} in {item!r} (known: {', '.join(KINDS)}, seed)")
    options: dict[str, Any] = {}
    statuses: list[int] = [int(name)] if name in ("500", "502", "503") else []
    for arg in (a.strip() for a in raw_args.split(":") if a.strip()):
        if arg.endswith("%"):
            options["rate"] = float(arg[:-1]) / 100
        elif arg.endswith("b") and arg[:-1].isdigit():
            options["size"] = int(arg[:-1])
        elif kind == "error" and len(arg) == 3 and arg.isdigit():
            statuses.append(int(arg))
        elif arg[0].isdigit() and arg[-1] == "s":
            low, _, high = arg.partition("-")
            options["delay"] = (_duration(low), _duration(high or low))
        else:
            try:
                options["rate"] = float(arg)
            except ValueError:
                raise ValueError(f"{arg!r} in {item!r} is not a rate, duration, status or byte count") from None
            if options["rate"] > 1:
                raise ValueError(f"{arg!r} in {item!r}: a rate is between 0 and 1 (or 20%); "
                                 "a duration needs its unit (200ms, 2s)")
    if statuses:
        options["statuses"] = tuple(statuses)
    for text in (f.strip() for f in filters):
        if text.startswith("/"):
            options["path"] = text
        elif _METHODS.match(text.upper()):
            options["methods"] = frozenset(text.upper().split("|"))
        else:
            raise ValueError(f"{text!r} in {item!r} is neither methods (POST|PATCH) nor a path (/messages)")
    try:
        return Fault(kind, **options)
    except re.error as exc:
        raise ValueError(f"bad path pattern in {item!r}: {exc}") from None


# --- the middleware -------------------------------------------------------------------------------------

_BAD_GATEWAY = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
                b"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
_PORTAL = (b"<!DOCTYPE html><html><head><title>Sign in to the network</title></head><body><h1>Welcome!</h1>"
           b"<p>Please accept the terms of use to continue.</p><form method=post><button>Accept</button></form>"
           b"</body></html>")
_ERRORS = {500: ("api_error", "internal_error", "The service had an internal error."),
           503: ("api_error", "service_unavailable", "The service is temporarily unavailable.")}


class FaultMiddleware:
    """Wraps the sandbox's ASGI app; `plan()` is read per request, so faults can change while serving."""

    def __init__(self, app: Asgi, plan: Callable[[], FaultPlan | None],
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.app = app
        self.plan = plan
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        plan = self.plan() if scope["type"] == "http" else None
        if plan is None or not plan.faults:
            await self.app(scope, receive, send)
            return
        decision = plan.decide(scope["method"], scope["path"])
        if decision.latency > 0:
            # The server has the whole request and is slow to act on it: a client that gives up (or is
            # killed) meanwhile does not stop the write, as with a real server behind a proxy.
            receive = await _buffered(receive)
            await plan.sleep(decision.latency)
        fault = decision.fault
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "error":
            if decision.status == 502:
                await _answer(send, 502, _BAD_GATEWAY, "text/html")
            else:
                await self._envelope(send, decision.status or 500, *_ERRORS[decision.status or 500])
        elif fault.kind == "rate-limit":
            wait = (fault.delay or (1.0, 1.0))[0]
            await self._envelope(send, 429, "rate_limit_error", "rate_limited", "Too many requests (fault mode).",
                                 {"Retry-After": str(math.ceil(wait)), "Retry-After-Ms": str(round(wait * 1000))})
        elif fault.kind == "html":
            await _answer(send, 200, _PORTAL, "text/html; charset=utf-8")
        elif fault.kind == "drop":
            await _hang_up(receive, send, "Server disconnected without sending a response.")
        else:
            await self._mangle(fault, plan, scope, receive, send)

    async def _mangle(self, fault: Fault, plan: FaultPlan, scope: Scope, receive: Receive, send: Send) -> None:
        """Let the sandbox handle the request (the write happens), then spoil the answer."""
        start, body = await _capture(self.app, scope, receive)
        if fault.kind == "drop-after-commit":
            await _hang_up(receive, send, "Server disconnected without sending a response.")
            return
        await send(start)
        if fault.kind == "cut-body":
            sent = min(len(body) - 1, fault.size or len(body) // 2)
            if sent > 0:
                await send({"type": "http.response.body", "body": body[:sent], "more_body": True})
            await _hang_up(receive, send, "peer closed connection without sending complete message body: "
                                          f"received {max(sent, 0)} bytes, expected {len(body)}")
            return
        pause, chunk, transport = (fault.delay or (0.05, 0.05))[0], fault.size or 512, _transport_of(send)
        for offset in range(0, len(body), chunk):
            if transport is not None and transport.is_closing():
                return  # the client gave up; dripping on would only hold up the server's shutdown
            await send({"type": "http.response.body", "body": body[offset:offset + chunk], "more_body": True})
            await plan.sleep(pause)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _envelope(self, send: Send, status: int, type_: str, code: str, message: str,
                        headers: dict[str, str] | None = None) -> None:
        request_id = new_id("req")
        payload = {"success": False, "error": {"type": type_, "code": code, "message": message},
                   "meta": {"requestId": request_id, "timestamp": iso(self.clock())}}
        body = json.dumps(payload, separators=(",", ":")).encode()
        await _answer(send, status, body, "application/json", {"Request-Id": request_id, **(headers or {})})


async def _answer(send: Send, status: int, body: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
    raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _buffered(receive: Receive) -> Receive:
    """Read the request body now and hand it on later (the sandbox's own 1 MiB limit still applies after)."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        size += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body") or size > 1024 * 1024:
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


async def _capture(app: Asgi, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    start: Message = {"type": "http.response.start", "status": 500, "headers": []}
    chunks: list[bytes] = []

    async def keep(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    return start, b"".join(chunks)


def _transport_of(send: Send) -> Any:
    """uvicorn's connection, reached through its `send` (a bound method of the request cycle).

    ASGI has no message for "close without answering", and an app that raises or returns without a
    response gets a 500 from uvicorn; closing the socket ourselves is the only way to lose an answer.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    return transport if callable(getattr(transport, "close", None)) else None


async def _hang_up(receive: Receive, send: Send, reason: str) -> None:
    transport = _transport_of(send)
    if transport is None:
        # In process (httpx.ASGITransport re-raises what the app raises): the client sees what httpcore
        # would raise for a connection closed under it.
        import httpx

        raise httpx.RemoteProtocolError(reason)
    transport.close()
    # Return only once uvicorn has seen the connection go, or it logs "returned without a response".
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(2):
            while (await receive())["type"] != "http.disconnect":
                pass

