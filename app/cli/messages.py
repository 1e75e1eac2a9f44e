"""`cstar-tui reply ID …` and `cstar-tui note ID …`: through the TUI's drafts and send protocol.

The send is app.desk.sending.send_message: the draft with its Idempotency-Key is on disk before the request
leaves, and only a confirmation removes it. A send whose answer is lost (after the client's own retries)
stays pending on disk: running the same command again, or opening the TUI, sends it again with the same key,
so the service replays it instead of posting it twice. `cstar-tui reply ID` with no text sends a pending one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from api.clean_text import one_line
from api.models import MessageCreate, TicketUpdate
from app.cli.context import FAILED, OK, USAGE, CliError, Context
from app.cli.inputs import read_text
from app.cli.output import json_line, message_json, ticket_json
from app.desk import actions
from app.desk.sending import EarlierSendPending, PendingElsewhere, is_transient, send_message
from app.desk.store import DeskStore
from app.drafts import DraftStore
from app.masking import say

__all__ = ["send"]


def _text(ctx: Context, drafts: DraftStore) -> str:
    args = ctx.args
    if args.message is not None:
        return read_text(args.message, "-m")
    if args.file is not None:
        try:
            return read_text(Path(args.file).read_text(encoding="utf-8"), f"--file {args.file}")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"--file: cannot read {args.file}: {getattr(exc, 'strerror', None) or exc}", USAGE) \
                from None
    if args.stdin == "-":
        return read_text("-", "the text on stdin")
    held = drafts.load(args.ticket_id)
    if held is not None and held.pending is not None:
        return str(held.pending.get("content", ""))  # the unconfirmed send, again, with its key
    raise CliError("give the text: -m TEXT, --file FILE or - (stdin)", USAGE)


async def send(ctx: Context) -> int:
    args = ctx.args
    internal = args.command == "note"
    what = "internal note" if internal else "reply"
    drafts = DraftStore.for_settings(ctx.settings)
    text = _text(ctx, drafts)
    body = MessageCreate(content=text, sender="agent", sender_id=ctx.me, sender_name=ctx.settings.agent_name,
                         message_type="internal" if internal else "public")
    async with ctx.client() as client:
        before = None
        if not internal and args.status is None and ctx.config.first_reply_opens:
            before = await client.get_ticket(args.ticket_id)
        try:
            message = await send_message(client, drafts, args.ticket_id, body)
        except PendingElsewhere as exc:
            raise CliError(f"{exc}: it sends its own {what}s; try again once it is closed", FAILED,
                           kind="pending") from None
        except EarlierSendPending:
            raise CliError(f"an earlier {what} on {args.ticket_id} was sent but never confirmed: run "
                           f"`cstar-tui {args.command} {args.ticket_id}` without text to send it again first "
                           "(or open it in the TUI)", FAILED, kind="pending") from None
        except Exception as exc:
            from api.errors import ApiError

            if isinstance(exc, ApiError) and is_transient(exc):
                raise CliError(f"{exc} The {what} was not confirmed; it is kept and will be sent again with the "
                               f"same key, never twice: run the same command again, or open the TUI.", FAILED,
                               kind="unconfirmed") from None
            raise
        status = args.status
        if status is None and before is not None and before.status == "new":
            status = "open"  # a first public reply opens a new ticket, as in the TUI (first_reply_opens)
        ticket = None
        if status is not None:
            ticket = await actions.update_ticket(client, DeskStore(), args.ticket_id, TicketUpdate(status=status))
    if ctx.json:
        out = message_json(message)
        if ticket is not None:
            out = {**out, "ticket": ticket_json(ticket)}
        sys.stdout.write(json_line(out) + "\n")
    else:
        sys.stdout.write(one_line(message.id) + "\n")
        if ticket is not None:
            say(f"{args.ticket_id} is {ticket.status} now")
    return OK
