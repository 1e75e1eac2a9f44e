"""`cstar-tui tickets list [QUERY] [--limit N | --all] [--json [FIELDS]] [--csv] [--plain]`."""

from __future__ import annotations

import shutil
import sys

from api.filters import MAX_PAGE_SIZE
from app.cli.context import OK, USAGE, CliError, Context
from app.cli.output import csv_rows, json_line, pick_fields, plain_row, table, ticket_json
from app.cli.source import ticket_stream

__all__ = ["DEFAULT_LIMIT", "list_tickets"]

DEFAULT_LIMIT = 30


async def list_tickets(ctx: Context) -> int:
    args = ctx.args
    out = sys.stdout
    terminal = out.isatty()
    try:
        fields = pick_fields(args.json)
    except ValueError as exc:
        raise CliError(str(exc), USAGE) from None
    as_json = args.json is not None or not (terminal or args.csv or args.plain)
    limit = None if args.all else (args.limit or DEFAULT_LIMIT)
    async with ctx.client() as client:
        stream = ticket_stream(client, " ".join(args.query), me=ctx.me, limit=limit, sort=args.sort,
                               agents=ctx.agents)
        if as_json and not args.all:
            tickets = [ticket async for ticket in stream]
            out.write(json_line([ticket_json(t, fields) for t in tickets]) + "\n")
            return OK
        if not (as_json or args.csv or args.plain):
            tickets = [ticket async for ticket in stream]
            width = shutil.get_terminal_size((100, 24)).columns
            out.writelines(line + "\n" for line in table(tickets, width))
            return OK
        # Line by line, flushed a page at a time: a consumer starts on the first page while the next loads
        # (with --all and JSON, that is NDJSON: one object a line).
        if args.csv:
            out.write(next(iter(csv_rows((), header=True))))
        count = 0
        async for ticket in stream:
            if as_json:
                out.write(json_line(ticket_json(ticket, fields)) + "\n")
            elif args.csv:
                out.writelines(csv_rows((ticket,), header=False))
            else:
                out.write(plain_row(ticket) + "\n")
            count += 1
            if count % MAX_PAGE_SIZE == 0:
                out.flush()
    return OK
