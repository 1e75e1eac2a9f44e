"""Run a scripting subcommand: parse, resolve the connection, run it, and turn errors into exit statuses."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import sys
from collections.abc import Awaitable, Callable, Sequence

from app.cli.context import OK, USAGE, CliError, Context, fail, resolve_settings
from app.cli.parser import build_parser, query_terms, spread_tag_changes

__all__ = ["run_command"]

Handler = Callable[[Context], Awaitable[int]]


def _handler(command: str, action: str | None) -> Handler:
    if command == "tickets":
        from app.cli.listing import list_tickets

        return list_tickets
    if command == "ticket":
        if action == "update":
            from app.cli.update import run_update

            return run_update
        from app.cli import tickets

        return {"show": tickets.show, "create": tickets.create, "delete": tickets.delete}[action or ""]
    from app.cli.messages import send

    return send


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    args, extras = parser.parse_known_args(spread_tag_changes(argv))
    terms, unknown = query_terms(extras)
    if unknown or (terms and not (args.command == "tickets" and args.action == "list")):
        parser.error(f"unrecognized arguments: {' '.join(unknown or terms)}")
    if terms:
        args.query = [*args.query, *terms]
    return args


def run_command(argv: Sequence[str]) -> int:
    parser = build_parser()
    wants_json = any(arg == "--json" or arg.startswith("--json=") for arg in argv)
    said = io.StringIO()
    try:
        # With --json a usage error is a JSON object too: argparse's words are caught and passed on as one.
        with contextlib.redirect_stderr(said) if wants_json else contextlib.nullcontext():
            args = _parse(parser, argv)
    except SystemExit as exc:
        if exc.code == USAGE and wants_json:
            lines = said.getvalue().strip().splitlines()
            return fail(CliError(lines[-1] if lines else "usage error", USAGE), as_json=True)
        sys.stderr.write(said.getvalue())
        raise
    if args.command == "completion":
        from app.cli.completion import script

        sys.stdout.write(script(args.shell, build_parser()))
        return OK
    as_json = getattr(args, "json", None) is not None
    try:
        context = Context(args, *resolve_settings(args))
        return asyncio.run(_handler(args.command, getattr(args, "action", None))(context))
    except BrokenPipeError:
        # `cstar-tui tickets list --all | head`: the reader has all it wanted; not an error.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK
    except KeyboardInterrupt:
        return 130
    except CliError as exc:
        return fail(exc, as_json=as_json)
    except Exception as exc:
        from api.errors import ApiError

        if isinstance(exc, ApiError):
            return fail(exc, as_json=as_json)
        raise
