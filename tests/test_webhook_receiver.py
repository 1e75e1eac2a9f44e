"""Webhooks into the app (`--listen`): a signed event is applied at once; a forged, stale or unsigned one is
refused and changes nothing. Over real loopback HTTP, against the receiver the app runs."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest

from api.sandbox import Sandbox
from api.webhooks import SIGNATURE_HEADER, signature_header
from app.webhook_receiver import MAX_BODY, WebhookReceiver, parse_listen
from tests.detail_support import create_ticket, table, wait_for_list
from tests.helpers import make_app, settle

SECRET = "whsec_test_0123456789abcdef"
SIZE = (130, 36)


def _event(kind: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"id": "evt_test", "object": "event", "type": kind, "createdAt": "2026-11-02T09:30:00Z",
                       "data": {"object": obj}}).encode()


def _signed(body: bytes, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    return {SIGNATURE_HEADER: signature_header(secret, body, int(time.time() if at is None else at)),
            "Content-Type": "application/json"}


async def _post(receiver: WebhookReceiver, body: bytes, headers: dict[str, str], method: str = "POST") -> int:
    host, port = receiver.address
    async with httpx.AsyncClient() as client:
        response = await client.request(method, f"http://{host}:{port}/hooks", content=body, headers=headers)
    return response.status_code


async def test_the_receiver_takes_signed_events_and_refuses_the_rest() -> None:
    got: list[bytes] = []
    receiver = WebhookReceiver(SECRET, got.append)
    await receiver.start()
    try:
        body = _event("ticket.updated", {"id": "tkt_x"})
        assert await _post(receiver, body, _signed(body)) == 204
        assert got == [body]
        assert await _post(receiver, body, _signed(body, secret="whsec_forged_00000000")) == 401
        assert await _post(receiver, body, _signed(body, at=time.time() - 400)) == 401, "a replay of an old event"
        assert await _post(receiver, body, {"Content-Type": "application/json"}) == 401
        tampered = body.replace(b"tkt_x", b"tkt_y")
        assert await _post(receiver, tampered, _signed(body)) == 401
        assert await _post(receiver, b"", {}, method="GET") == 405
        huge = b"x" * (MAX_BODY + 1)
        assert await _post(receiver, huge, _signed(huge)) == 413
        assert got == [body], "nothing refused reached the app"
        assert receiver.accepted == 1 and receiver.refused == 6
    finally:
        await receiver.stop()


def test_listen_addresses_are_checked() -> None:
    assert parse_listen("127.0.0.1:8899") == ("127.0.0.1", 8899)
    assert parse_listen("[::1]:9000") == ("::1", 9000)
    for bad in ("8899", "host:", ":80", "host:http", "h:70000"):
        with pytest.raises(ValueError, match="HOST:PORT"):
            parse_listen(bad)


async def test_a_signed_event_reaches_the_list_without_polling(sandbox: Sandbox) -> None:
    app = make_app(sandbox, listen=("127.0.0.1", 0, SECRET))  # refresh_seconds=0: no polling at all
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_list(pilot)
        assert app.webhooks is not None and not app.poller.enabled
        created = create_ticket(sandbox, title="Announced by webhook")
        forged = _event("ticket.created", {**created, "title": "Forged"})
        assert await _post(app.webhooks, forged, _signed(forged, secret="whsec_wrong_000000000")) == 401
        body = _event("ticket.created", created)
        assert await _post(app.webhooks, body, _signed(body)) == 204
        await settle(pilot, lambda: table(app).ticket_ids[:1] == [created["id"]])
        assert table(app).get_ticket(created["id"]).title == "Announced by webhook"

        # An update's copy is applied at once, newest wins.
        updated = sandbox.api.service.update(sandbox.team_id, created["id"], {"priority": "urgent"})
        body = _event("ticket.updated", updated)
        assert await _post(app.webhooks, body, _signed(body)) == 204
        await settle(pilot, lambda: table(app).get_ticket(created["id"]).priority == "urgent")


async def test_a_port_in_use_is_said_in_words_and_the_app_goes_on(sandbox: Sandbox) -> None:
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = blocker.sockets[0].getsockname()[1]
    try:
        app = make_app(sandbox, listen=("127.0.0.1", port, SECRET))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for_list(pilot)
            assert app.webhooks is None
            assert any("cannot be received" in str(n.message) for n in app._notifications)
    finally:
        blocker.close()
        await blocker.wait_closed()


def test_the_listener_comes_from_flags_environment_or_profile() -> None:
    import argparse
    from pathlib import Path

    from app.config import parse_config
    from app.settings import SettingsError, webhook_listener

    def args(**given: object) -> argparse.Namespace:
        return argparse.Namespace(**{"listen": None, "webhook_secret": None, "profile": None, "demo": False,
                                     **given})

    assert webhook_listener(args(), {}) is None
    assert webhook_listener(args(listen="127.0.0.1:8899"), {"CSTAR_WEBHOOK_SECRET": " whsec_env_secret \n"}) == (
        "127.0.0.1", 8899, "whsec_env_secret")
    assert webhook_listener(args(listen="127.0.0.1:8899", webhook_secret="whsec_flag_secret"),
                            {"CSTAR_WEBHOOK_SECRET": "whsec_env_secret"})[2] == "whsec_flag_secret"
    with pytest.raises(SettingsError, match="signing secret"):
        webhook_listener(args(listen="127.0.0.1:8899"), {})
    with pytest.raises(SettingsError, match="HOST:PORT"):
        webhook_listener(args(listen="8899"), {"CSTAR_WEBHOOK_SECRET": "whsec_env_secret"})

    config = parse_config('[profiles.work]\nbase_url = "http://127.0.0.1:8765"\nteam_id = "team_acme"\n'
                          'api_key_env = "WORK_KEY"\nlisten = "127.0.0.1:9911"\nwebhook_secret_env = "WORK_HOOKS"\n',
                          Path("config.toml"))
    assert webhook_listener(args(profile="work"), {"WORK_HOOKS": "whsec_profile_secret"}, config) == (
        "127.0.0.1", 9911, "whsec_profile_secret")
    with pytest.raises(Exception, match="HOST:PORT"):
        parse_config('[profiles.bad]\nlisten = "nowhere"\n', Path("config.toml"))


def test_listen_without_a_secret_is_one_line_and_exit_2(tmp_path) -> None:  # noqa: ANN001
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "CSTAR_WEBHOOK_SECRET"}
    result = subprocess.run([sys.executable, "-m", "app.cli", "--demo", "--listen", "127.0.0.1:8899"],
                            capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "signing secret" in result.stderr
