"""`cstar-tui serve`: the sandbox over real HTTP (uvicorn), for curl, other clients and tests."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import socket
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from . import DEFAULT_SEED, create_sandbox
from .faults import SPEC_HELP, FaultPlan

if TYPE_CHECKING:
    import uvicorn


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to bind; 0 picks a free one (default: 8765)")
    parser.add_argument("--db", type=Path, default=None,
                        help="SQLite file to use (created and seeded if new); default: a new in-memory database")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="demo data generator seed (default: 1)")
    parser.add_argument("--empty", action="store_true", help="start with no tickets (teams, keys, agents only)")
    parser.add_argument("--tickets", type=int, default=300, help="how many demo tickets to seed (default: 300)")
    parser.add_argument("--rate-limit", type=float, default=50.0,
                        help="requests per second per key before 429 (0 disables; default: 50)")
    parser.add_argument("--webhook-url", default=None, help="POST each event to this URL")
    parser.add_argument("--webhook-secret", default=None, help="HMAC-SHA256 secret for Cstar-Signature")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON line (base URL, team, keys, agent) to stdout, then serve")
    parser.add_argument("--access-log", action="store_true", help="log every request to stderr")
    parser.add_argument("--faults", metavar="SPEC", default=None,
                        help="misbehave on purpose, for testing clients: " + SPEC_HELP.replace("%", "%%"))


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # asyncio only sets TCP_NODELAY on sockets it creates; without it kept-alive requests stall ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def run(args: argparse.Namespace) -> int:
    import uvicorn

    # Asked to stop while seeding: nothing was served yet, so stopping is a clean exit.
    for sig in STOP_SIGNALS:
        signal.signal(sig, _exit_now)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    try:
        faults = FaultPlan.parse(args.faults) if args.faults is not None else None
    except ValueError as exc:
        print(f"cstar-tui serve: --faults: {exc}", file=sys.stderr)
        return 2
    # Bind first: a busy port should fail at once, not after seeding.
    try:
        sock = bind(args.host, args.port)
    except (OSError, OverflowError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"cstar-tui serve: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 2
    try:
        sandbox = create_sandbox(args.db or ":memory:", seed=args.seed, empty=args.empty, tickets=args.tickets,
                                 rate_limit=args.rate_limit, webhook_url=args.webhook_url,
                                 webhook_secret=args.webhook_secret, faults=faults)
    except (ValueError, sqlite3.Error) as exc:  # a bad --webhook-url, --tickets or --db
        sock.close()
        print(f"cstar-tui serve: {exc}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    display_host = f"[{host}]" if ":" in host else host
    sandbox.base_url = f"http://{display_host}:{port}"
    # log_config=None: uvicorn's own config would send the access log to stdout, after the --json line.
    config = uvicorn.Config(sandbox.app, log_config=None, log_level="warning", access_log=args.access_log,
                            lifespan="off")
    if args.access_log:
        logging.getLogger("uvicorn.access").setLevel(logging.INFO)
    server = _server(config)
    # From here a signal stops the server gracefully, even one that arrives before uvicorn is listening.
    for sig in STOP_SIGNALS:
        signal.signal(sig, server.handle_exit)
    if args.json:
        sys.stdout.write(json.dumps(sandbox.info()) + "\n")
        sys.stdout.flush()
    else:
        info = sandbox.info()
        print(f"cStar sandbox on {info['baseUrl']}  team {info['teamId']}", file=sys.stderr)
        print(f"  secret key      {info['keys']['secret']}", file=sys.stderr)
        print(f"  restricted key  {info['keys']['restricted']}", file=sys.stderr)
        print(f"  publishable key {info['keys']['publishable']}", file=sys.stderr)
        print(f"  agent           {info['agent']['id']} ({info['agent']['name']})", file=sys.stderr)
    if faults is not None:
        # The seed too, so a run that went wrong can be repeated with the same faults.
        print(f"cstar-tui serve: fault mode: --faults {faults.describe()}", file=sys.stderr)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        sandbox.close()
    return 0


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _exit_now(_sig: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def _server(config: uvicorn.Config) -> uvicorn.Server:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn re-raises a caught SIGINT/SIGTERM once it has shut down, so the process dies of the signal
        (status -15, or a KeyboardInterrupt traceback); a sandbox asked to stop did nothing wrong: exit 0."""

        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            original = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    return Server(config)
