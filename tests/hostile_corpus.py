"""Hostile text for every screen: what customers (and servers) can put into the app, and how to check it.

`CASES` is the corpus. Each case has a `marker`: the cleaned text that must be *visible* on screen
wherever the case is shown in a field at least 40 cells wide (markers come first in the text, so a
field that cuts the text keeps them). The huge cases (`HUGE`) are kept apart because each costs
something to render; tests add them where the layout question matters.

`painted(app)` is what the app would write to a real terminal right now (the same compositor update
Textual's driver writes, rendered by the same Rich code), and `check_painted(app)` asserts the promises of
issue 8 on it: no control character or escape sequence that didn't come from Textual itself, no OSC at
all (so no title change, no OSC 8 hyperlink, no OSC 52 clipboard write), no live link or click action
from untrusted text, and text that encodes to UTF-8 (a lone surrogate would crash the terminal writer).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from rich.console import Console
from rich.segment import Segment

from api.sandbox import Sandbox
from api.sandbox.ids import iso
from api.sandbox.service import sla_fields
from api.sandbox.store import search_text

__all__ = [
    "ALL_CASES",
    "CASES",
    "HUGE",
    "LONE_SURROGATE",
    "Case",
    "SurrogateTransport",
    "check_painted",
    "insert_customer",
    "insert_messages",
    "insert_tickets",
    "kitchen_sink",
    "painted",
    "screen_text",
]


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    marker: str
    """Visible on screen (cleaned), at most 40 cells, present in one-line and multi-line fields alike."""


CASES: tuple[Case, ...] = (
    # Terminal escape and control sequences: each must show as visible placeholders, never act.
    Case("csi_colour", "\x1b[31mred\x1b[0m plain", "␛[31mred␛[0m plain"),
    Case("csi_clear", "\x1b[2J\x1b[H cleared the screen", "␛[2J␛[H cleared"),
    Case("alt_screen", "\x1b[?1049h alternate screen\x1b[?1049l", "␛[?1049h alternate"),
    Case("osc_title", "\x1b]0;PWNED\x07 title change", "␛]0;PWNED␇ title"),
    Case("osc8_link", "\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\ hyperlink", "␛]8;;http://evil␛\\x"),
    Case("osc52_clipboard", "\x1b]52;c;cm0gLXJmIH4K\x07 clipboard", "␛]52;c;cm0gLXJmIH4K␇"),
    Case("c1", "\x9b31m C1 CSI \x9d0;PWNED\x9c C1 OSC", "⟨9B⟩31m C1 CSI ⟨9D⟩0;PWNED"),
    Case("c0", "NUL\x00 BS\x08 DEL\x7f BEL\x07 VT\x0b FF\x0c", "NUL␀ BS␈ DEL␡ BEL␇ VT␋"),
    Case("carriage_return", "safe text\rEVIL overwrite", "safe text␍EVIL"),
    Case("bidi", "invoice\u202egpj.exe \u2066iso\u2069 \u200frlm", "invoice⟨RLO⟩gpj.exe ⟨LRI⟩iso"),
    # Markup and template syntax: shown literally, never parsed, never an action or a link.
    Case("markup_close", "[/] stray close tag", "[/] stray close tag"),
    Case("markup_click", "[@click=app.quit]x[/] click me", "[@click=app.quit]x[/]"),
    Case("markup_link", '[link="file:///etc/passwd"]x[/link]', '[link="file:///etc/passwd"]x[/link]'),
    Case("markup_tags", "[TODO] [b]not bold[/b] [red]r[/red]", "[TODO] [b]not bold[/b]"),
    Case("template", "$variable ${HOME} {placeholder} %s :smile:", "$variable ${HOME} {placeholder}"),
    # Invisible and combining characters: capped, so nothing hides text or smears across the layout.
    Case("zero_width", "zero\u200b\u200b\u200b\u200b\u200b\u2060\ufeffwidth", "zero\u200b\u200b"),
    Case("zalgo", "Z" + "\u0301\u0302\u0303\u0304" * 20 + "algo text", "Z\u0301\u0302\u0303algo text"),
    # Wide and composed characters: they take two cells (or one grapheme) without breaking rows.
    Case("emoji", "family 👩‍👩‍👧‍👦 flags 🇯🇵🇺🇦 🏳️‍🌈 👍🏽", "family 👩‍👩‍👧‍👦"),
    Case("cjk", "宽字符テスト한국어 " * 6, "宽字符テスト한국어"),
    Case("rtl_text", "مرحبا بالعالم שלום עולם", "مرحبا بالعالم"),
)

# Each is a layout question of its own: the 1 MB one-liner, the 100,000-line body, the 10,000-mark flood.
HUGE: tuple[Case, ...] = (
    Case("one_megabyte", "1 MB title " + "x" * 1_000_000, "1 MB title xxxx"),
    Case("many_lines", "\n".join(f"line {i}" for i in range(100_000)), "line 0"),
    Case("combining_flood", "flood a" + "\u0300" * 10_000 + " end", "flood a\u0300\u0300\u0300"),
)

ALL_CASES: tuple[Case, ...] = CASES + HUGE

# A lone surrogate can't be stored (SQLite wants valid UTF-8) but JSON allows `"\ud800"`: the sandbox
# stores this placeholder and `SurrogateTransport` turns it into the escape on the way to the client.
_SURROGATE_PLACEHOLDER = "LONE-SURROGATE-D800"
LONE_SURROGATE = Case("lone_surrogate", f"lone {_SURROGATE_PLACEHOLDER} surrogate", "lone \ufffd surrogate")


class SurrogateTransport(httpx.AsyncBaseTransport):
    """Forwards to the sandbox and writes `\\ud800` into every JSON response where the placeholder was."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        body = body.replace(_SURROGATE_PLACEHOLDER.encode(), b"\\ud800")
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        return httpx.Response(response.status_code, headers=headers, content=body, request=request)


# --- putting hostile data into a sandbox ----------------------------------------------------------------


def insert_tickets(sb: Sandbox, now: datetime, tickets: Iterable[Mapping[str, Any]]) -> list[str]:
    """Straight into the store (no API validation, as a careless server could send), newest first in
    the given order, with fixed IDs and times so pictures are stable. Each mapping gives `id` and any
    ticket columns to override; returns the IDs."""
    rows = []
    for i, fields in enumerate(tickets):
        created = now - timedelta(minutes=i + 1)
        title = fields.get("title", "Hostile ticket")
        customer = fields.get("customer_name", "Mallory")
        rows.append({
            "uuid": f"00000000-0000-4000-8000-{i + 1:012d}", "team_id": sb.team_id, "title": title,
            "priority": "urgent", "status": "open", "customer_id": None, "customer_name": customer,
            "assigned_to": None, "tags": [], "notes": None, "message_count": 0, "first_response_at": None,
            "sla_paused": False, "metadata": {}, "created_at": iso(created), "closed_at": None,
            "updated_at": iso(created),
            # The search index only needs a head: indexing a 1 MB title would cost more than the test.
            "search_text": search_text(title[:200], customer[:200]), **sla_fields("urgent", created),
            **fields,
        })
    sb.store.insert_tickets(rows)
    return [row["id"] for row in rows]


def insert_customer(sb: Sandbox, index: int, name: str, email: str) -> str:
    customer_id = f"cus_HOSTILE{index:05d}"
    sb.store.add_customers(sb.team_id, [{"id": customer_id, "uuid": f"00000000-0000-4000-9000-{index:012d}",
                                         "name": name, "email": email}])
    return customer_id


def insert_messages(sb: Sandbox, ticket_id: str, now: datetime, messages: Iterable[Mapping[str, Any]]) -> list[str]:
    """Messages oldest first; each mapping overrides message columns (content, sender, sender_name…)."""
    rows = []
    for i, fields in enumerate(messages):
        rows.append({
            "id": f"msg_{ticket_id[4:12]}{i:04d}", "uuid": f"00000000-0000-4000-a{ticket_id[-3:]:0>3}-{i:012d}",
            "team_id": sb.team_id, "ticket_id": ticket_id, "sender": "customer", "content": "hello",
            "sender_id": None, "sender_name": None, "sender_avatar_url": None, "is_internal": False,
            "created_at": iso(now - timedelta(hours=10) + timedelta(minutes=i)), **fields,
        })
    sb.store.insert_messages(rows)
    sb.store.update_ticket(ticket_id, {"message_count": len(rows)})
    return [row["id"] for row in rows]


def kitchen_sink(cases: Iterable[Case] = CASES) -> str:
    """Every case in one line of text, escapes first (they are what a cut-off field must still show)."""
    return " | ".join(case.text for case in cases)


# --- what reaches the terminal ------------------------------------------------------------------------------

# What Textual itself writes between cells: cursor moves and SGR colours. Anything else is a leak.
_OWN_SEQUENCE = re.compile(r"\x1b\[[0-9;]*[mH]")
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# Actions the corpus names; finding one in a style's meta would mean markup was parsed.
_HOSTILE_ACTIONS = ("app.quit", "app.bell")


def _update(app: Any) -> Any:
    return app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)


def _console(app: Any) -> Console:
    return Console(width=app.size.width, height=app.size.height, file=io.StringIO(), force_terminal=True,
                   color_system="truecolor", legacy_windows=False, safe_box=False)


def painted(app: Any) -> str:
    """What the app's driver would write to the terminal for a full repaint of the current screen."""
    return _update(app).render_segments(_console(app))


def _lines(update: Any) -> list[list[Segment]]:
    return [[segment for strip in line for segment in strip] for line in update.strips]


def screen_text(app: Any) -> list[str]:
    """The text of each screen line, as a reader sees it."""
    return ["".join(segment.text for segment in line) for line in _lines(_update(app))]


def check_painted(app: Any) -> str:
    """Assert nothing untrusted reaches the terminal as a control, an escape, a link or an action.

    Returns the screen text (lines joined with newlines) for further checks.
    """
    update = _update(app)
    raw = update.render_segments(_console(app))
    raw.encode("utf-8")  # strict: a lone surrogate would raise in the real driver too
    leftover = _OWN_SEQUENCE.sub("", raw).replace("\n", "")
    bad = sorted({f"U+{ord(c):04X}" for c in _FORBIDDEN.findall(leftover)})
    assert not bad, f"control characters reach the terminal: {bad}"
    lines = _lines(update)
    for line in lines:
        for segment in line:
            # The raw stream can't tell a hostile `\x1b[31m` from Textual's own colours; the cells can.
            bad = sorted({f"U+{ord(c):04X}" for c in _FORBIDDEN.findall(segment.text)})
            assert not bad or segment.control, f"control characters in {segment.text[:60]!r}: {bad}"
            style = segment.style
            if style is None:
                continue
            assert not style.link, f"a live link on screen: {style.link!r} over {segment.text!r}"
            click = str((style.meta or {}).get("@click", ""))
            assert not any(action in click for action in _HOSTILE_ACTIONS), f"a live action: {click!r}"
    return "\n".join("".join(segment.text for segment in line) for line in lines)


def error_envelope(status: int, message: str, param: str | None = None) -> httpx.Response:
    body = {"success": False, "error": {"type": "invalid_request_error", "code": "hostile", "message": message,
                                        "param": param}, "meta": {"requestId": "req_hostile00001"}}
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"content-type": "application/json"})
