"""A hostile service against the scripting subcommands (issue 14): ids, names and texts that try to take
over the terminal reach it only as visible stand-ins, in every text format; JSON still carries them exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli_support import ROOT
from tests.hostile_server import TERMINAL_ATTACK, served
from tests.test_cli_tickets import assert_clean

EVIL_ID = "tkt_evil" + TERMINAL_ATTACK
STAMP = "2026-11-02T09:30:00Z"


def _ticket(**extra: Any) -> dict[str, Any]:
    return {"id": EVIL_ID, "object": "ticket", "title": "T" + TERMINAL_ATTACK, "priority": "high" + TERMINAL_ATTACK,
            "status": "open", "customerName": "C" + TERMINAL_ATTACK, "assignedTo": "agt_" + TERMINAL_ATTACK,
            "tags": ["x" + TERMINAL_ATTACK], "metadata": {"k" + TERMINAL_ATTACK: "v" + TERMINAL_ATTACK},
            "createdAt": STAMP, "updatedAt": STAMP, **extra}


def _message() -> dict[str, Any]:
    return {"id": "msg_" + TERMINAL_ATTACK, "object": "message", "ticketId": EVIL_ID, "sender": "agent",
            "content": "M" + TERMINAL_ATTACK, "senderName": "N" + TERMINAL_ATTACK, "createdAt": STAMP}


async def hostile_tickets(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    method, path = scope["method"], scope["path"]
    if method == "GET" and path.endswith("/tickets"):
        body: dict[str, Any] = {"success": True, "data": [_ticket()],
                                "pagination": {"total": 1, "page": 1, "pageSize": 30, "hasMore": False}}
    elif path.endswith("/messages"):
        body = {"success": True, "data": _message()}
    else:
        body = {"success": True, "data": _ticket(messages=[_message()])}
    await send({"type": "http.response.start", "status": 201 if method == "POST" else 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with served(hostile_tickets) as base:
        yield base


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "CSTAR_BASE_URL": url, "CSTAR_TEAM_ID": "team_acme",
            "CSTAR_API_KEY": "sk_test_hostile0123456789", "CSTAR_AGENT_ID": "agt_me"}


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=_env(url), timeout=120)


@pytest.mark.parametrize("argv", [
    ["tickets", "list", "--plain"],
    ["tickets", "list", "--csv"],
    ["ticket", "update", "--where", "anything", "--status", "pending", "--yes"],
    ["ticket", "update", "--where", "anything", "--status", "pending", "--dry-run"],
    ["ticket", "update", "tkt_abcdefabcdef", "--status", "pending"],
    ["ticket", "create", "--title", "x"],
    ["reply", "tkt_abcdefabcdef", "-m", "hi", "--status", "pending"],
    ["ticket", "delete", "tkt_abcdefabcdef", "--yes"],
])
def test_text_output_shows_hostile_values_as_stand_ins(url: str, argv: list[str]) -> None:
    done = _run(url, *argv)
    assert_clean(done.stdout + done.stderr)


def test_a_terminal_gets_a_clean_table_and_thread(url: str) -> None:
    from tests.cli_support import on_terminal

    class Fake:
        base_url, team_id, agent_id, agent_name = url, "team_acme", "agt_me", "Me"

        class keys:  # noqa: N801 - shaped like Sandbox.keys
            secret = "sk_test_hostile0123456789"

    for argv in (["tickets", "list"], ["ticket", "show", "tkt_abcdefabcdef"]):
        status, output = on_terminal(Fake, *argv, columns=100)  # type: ignore[arg-type]
        assert status == 0, output
        assert_clean(output)
        assert "␛]0;pwned␇" in output


def test_json_keeps_hostile_values_exactly(url: str) -> None:
    done = _run(url, "ticket", "show", "tkt_abcdefabcdef", "--json")
    assert done.returncode == 0, done.stderr
    assert_clean(done.stdout)
    shown = json.loads(done.stdout)
    assert shown["id"] == EVIL_ID and shown["messages"][0]["content"] == "M" + TERMINAL_ATTACK
