"""Live updates in a real terminal (tmux) against `cstar-tui serve`: a ticket created with curl appears on
its own within the configured interval, and the tab counts follow, with no key pressed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.terminal import Tmux, needs_tmux
from tests.test_terminal_list import ROOT, _command, all_first_config, served, terminal  # noqa: F401  (fixtures)

pytestmark = [needs_tmux, pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")]


def _curl(method: str, url: str, key: str, body: dict) -> dict:
    out = subprocess.run(["curl", "-sS", "-X", method, url, "-H", f"Authorization: Bearer {key}",
                          "-H", "Content-Type: application/json", "-d", json.dumps(body)],
                         capture_output=True, text=True, timeout=30, check=True)
    return json.loads(out.stdout)["data"]


def test_a_ticket_created_with_curl_appears_within_the_interval(terminal: Tmux, served: dict,  # noqa: F811
                                                                 tmp_path: Path) -> None:
    config = all_first_config(tmp_path, "refresh_seconds = 1")
    key = served["keys"]["secret"]
    command, _status = _command(tmp_path, {"CSTAR_API_KEY": key, "CSTAR_CONFIG": str(config)},
                                "--base-url", served["baseUrl"], "--team", served["teamId"],
                                "--agent-id", served["agent"]["id"])
    terminal.start(command)
    screen = terminal.wait_for(lambda s: "50 of " in s, "the first page")
    total = int(screen.split("50 of ")[1].split()[0])

    base = f"{served['baseUrl']}/api/v1/teams/{served['teamId']}/tickets"
    created = _curl("POST", base, key, {"title": "Checkout down for everyone", "priority": "urgent",
                                        "status": "new"})
    # No key is pressed: the poll brings it (the wait's ceiling is the helper's, far beyond the 1 s interval).
    screen = terminal.wait_for(lambda s: "Checkout down for everyone" in s, "the ticket created outside")
    row = next(line for line in screen.splitlines() if "Checkout down for everyone" in line)
    assert "◉ new" in row and "urgent" in row
    assert f"of {total + 1}" in screen and f"All {total + 1}" in screen, screen

    # A customer's message on it is a change of the row too (the count of messages).
    _curl("POST", f"{base}/{created['id']}/messages", key, {"content": "Still down!", "sender": "customer"})
    terminal.wait_for(lambda s: any("Checkout down for everyone" in line and " 1 " in line
                                    for line in s.splitlines()), "the message count on the row")
    terminal.keys("q")


def test_with_listen_a_ticket_created_with_curl_arrives_by_webhook(terminal: Tmux, tmp_path: Path) -> None:  # noqa: F811
    import signal
    import socket

    from tests.terminal import WAIT

    with socket.socket() as sock:  # a free port for the app's receiver, known before the sandbox starts
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    secret = "whsec_tmux_0123456789abcdef"
    serve = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--json", "--port", "0", "--webhook-url",
                              f"http://127.0.0.1:{port}/hooks", "--webhook-secret", secret], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert serve.stdout is not None
        served = json.loads(serve.stdout.readline())
        config = all_first_config(tmp_path, "refresh_seconds = 0")  # no polling: only the webhook can bring it
        key = served["keys"]["secret"]
        command, _status = _command(tmp_path, {"CSTAR_API_KEY": key, "CSTAR_CONFIG": str(config),
                                               "CSTAR_WEBHOOK_SECRET": secret},
                                    "--base-url", served["baseUrl"], "--team", served["teamId"],
                                    "--listen", f"127.0.0.1:{port}")
        terminal.start(command)
        terminal.wait_for(lambda s: "50 of " in s, "the first page")
        base = f"{served['baseUrl']}/api/v1/teams/{served['teamId']}/tickets"
        started = time.monotonic()
        _curl("POST", base, key, {"title": "Pushed by the webhook", "priority": "urgent", "status": "new"})
        screen = terminal.wait_for(lambda s: "Pushed by the webhook" in s, "the ticket, pushed")
        print(f"webhook to screen: {time.monotonic() - started:.2f} s")  # a figure for the note, not a verdict
        assert secret not in screen

        # A forged event (wrong secret) is refused and shows nothing.
        body = json.dumps({"id": "evt_x", "object": "event", "type": "ticket.created",
                           "data": {"object": {"id": "tkt_FORGEDforged", "title": "Forged ticket"}}})
        forged = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                                 f"http://127.0.0.1:{port}/hooks", "-H", "Cstar-Signature: t=1,v1=00",
                                 "-d", body], capture_output=True, text=True, timeout=30)
        assert forged.stdout == "401"
        assert "Forged ticket" not in terminal.screen()
        terminal.keys("q")
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=WAIT)
        if serve.stdout is not None:
            serve.stdout.close()


def test_on_the_embedded_sandbox_a_ticket_created_from_another_terminal_shows_without_polling(
        terminal: Tmux, tmp_path: Path) -> None:  # noqa: F811
    import os

    config = all_first_config(tmp_path, "refresh_seconds = 0")  # no polling: only the event log can bring it
    command, _status = _command(tmp_path, {"CSTAR_CONFIG": str(config)})  # no connection given: the demo
    terminal.start(command)
    screen = terminal.wait_for(lambda s: "50 of " in s, "the first page")
    total = int(screen.split("50 of ")[1].split()[0])

    env = {k: v for k, v in os.environ.items() if not k.startswith("CSTAR_")}
    env.update(XDG_DATA_HOME=str(tmp_path), CSTAR_CONFIG=str(config))

    def cli(*args: str) -> str:
        return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60, check=True).stdout

    started = time.monotonic()
    created = json.loads(cli("ticket", "create", "--title", "Created in another terminal", "--priority", "urgent",
                             "--json", "id"))
    terminal.wait_for(lambda s: "Created in another terminal" in s, "the ticket created by the CLI")
    print(f"CLI create to screen: {time.monotonic() - started:.2f} s")  # a figure for the note, not a verdict
    # The row comes with the event; the counts with the read of the view that the event asks for.
    terminal.wait_for(lambda s: f"of {total + 1}" in s and f"All {total + 1}" in s, "the counts with the new ticket")

    cli("reply", created["id"], "-m", "We are on it.")
    terminal.wait_for(lambda s: any("Created in another terminal" in line and " 1 " in line
                                    for line in s.splitlines()), "the message count on the row")
    terminal.keys("q")
