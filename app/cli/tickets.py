"""`cstar-tui ticket show|create|update|delete`."""

from __future__ import annotations

import sys

from api.clean_text import one_line
from api.models import MessageCreate, TicketCreate
from app.cli.context import OK, USAGE, CliError, Context
from app.cli.inputs import confirm, metadata_changes, read_text
from app.cli.output import json_line, pick_fields, ticket_json, ticket_text, write_lines
from app.masking import say

__all__ = ["create", "delete", "show"]


def _fields(ctx: Context) -> list[str] | None:
    try:
        return pick_fields(ctx.args.json)
    except ValueError as exc:
        raise CliError(str(exc), USAGE) from None


async def show(ctx: Context) -> int:
    fields = _fields(ctx)
    async with ctx.client() as client:
        ticket = await client.get_ticket(ctx.args.ticket_id)
    if ctx.agents.learn_messages(ticket.messages or []):
        ctx.agents.save()  # as the TUI's detail view does: the names behind `assignee:NAME`
    if ctx.json:
        sys.stdout.write(json_line(ticket_json(ticket, fields, messages=True)) + "\n")
    else:
        write_lines(ticket_text(ticket))
    return OK


async def create(ctx: Context) -> int:
    args = ctx.args
    fields = _fields(ctx)
    message = read_text(args.message, "--message") if args.message is not None else None
    customer: dict[str, str] = {}
    if args.customer:
        customer = {"customer_id": args.customer} if args.customer.startswith("cus_") else \
            {"customer_name": args.customer}
    from pydantic import ValidationError

    try:
        body = TicketCreate(title=args.title, priority=args.priority, status=args.status, tags=args.tag or None,
                            metadata=metadata_changes(args.meta, allow_remove=False) or None,  # type: ignore[arg-type]
                            **customer)
    except ValidationError as exc:
        raise CliError(first_error(exc), USAGE) from None
    async with ctx.client() as client:
        ticket = await client.create_ticket(body)
        if message is not None:
            # The TUI's send protocol: a note whose answer is lost stays pending, for the outbox to resend.
            from app.desk.sending import send_message
            from app.drafts import DraftStore

            note = MessageCreate(content=message, sender="agent", sender_id=ctx.me,
                                 sender_name=ctx.settings.agent_name, message_type="internal")
            await send_message(client, DraftStore.for_settings(ctx.settings), ticket.id, note)
            ticket = await client.get_ticket(ticket.id)
    if ctx.json:
        sys.stdout.write(json_line(ticket_json(ticket, fields)) + "\n")
    else:
        sys.stdout.write(one_line(ticket.id) + "\n")
    return OK


def first_error(exc: object) -> str:
    errors = exc.errors()  # type: ignore[attr-defined]
    first = errors[0] if errors else {"loc": (), "msg": str(exc)}
    where = ".".join(str(part) for part in first.get("loc", ()))
    return f"{where}: {first['msg']}" if where else str(first["msg"])


async def delete(ctx: Context) -> int:
    args = ctx.args
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(f"deleting {args.ticket_id} needs --yes when nobody is there to confirm", USAGE)
        if not confirm(f"Delete {args.ticket_id} and its messages?"):
            raise CliError("nothing deleted", USAGE)
    async with ctx.client() as client:
        result = await client.delete_ticket(args.ticket_id)
    if ctx.json:
        sys.stdout.write(json_line({"deleted": result.deleted, "id": result.id}) + "\n")
    else:
        say(f"deleted {result.id}")
    return OK
