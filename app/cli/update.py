"""`cstar-tui ticket update ID|--where QUERY …`: one ticket, or every ticket a query finds.

With `--where` the matching tickets are collected first (every page), then changed: a change that takes
a ticket out of the query (status:new -> open) would otherwise shift the pages under the loop and skip
tickets. Each PATCH carries its own Idempotency-Key (the client's), a few run at a time, and the client
waits out a 429's Retry-After; a ticket that fails is reported and the others go on.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from typing import Any

from api.clean_text import one_line
from api.errors import ApiError
from api.models import Ticket, TicketUpdate
from app.cli.context import FAILED, OK, USAGE, CliError, Context
from app.cli.inputs import confirm, metadata_changes
from app.cli.output import json_line, pick_fields, ticket_json
from app.desk import actions
from app.desk.store import DeskStore
from app.masking import for_terminal, say

__all__ = ["Plan", "apply_updates", "run_update"]

#: PATCHes in flight at once in a bulk update: quick, and far below the service's rate limit.
CONCURRENCY = 4
_UNSET: Any = object()


@dataclass
class Plan:
    """What the flags ask for, before it is known which tickets it applies to."""

    title: str | None = None
    status: str | None = None
    priority: str | None = None
    assign: Any = _UNSET  # an agent ID, or None to unassign
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    metadata: dict[str, str | None] = field(default_factory=dict)

    @property
    def needs_ticket(self) -> bool:
        """Tags are replaced as a whole by a PATCH: adding one needs the ticket's current tags."""
        return bool(self.add_tags or self.remove_tags)

    def is_empty(self) -> bool:
        return self == Plan()

    def for_ticket(self, ticket: Ticket | None) -> TicketUpdate:
        """The PATCH for `ticket`: only what it changes (with no ticket at hand, everything asked for)."""
        body: dict[str, Any] = {}
        for name in ("title", "status", "priority"):
            value = getattr(self, name)
            if value is not None and (ticket is None or getattr(ticket, name) != value):
                body[name] = value
        if self.assign is not _UNSET and (ticket is None or ticket.assigned_to != self.assign):
            body["assigned_to"] = self.assign
        if ticket is not None and self.needs_ticket:
            tags = [tag for tag in ticket.tags if tag not in self.remove_tags]
            tags += [tag for tag in self.add_tags if tag not in tags]
            if tags != ticket.tags:
                body["tags"] = tags
        meta = {k: v for k, v in self.metadata.items()
                if ticket is None or ticket.metadata.get(k) != v}
        if meta:
            body["metadata"] = meta
        return TicketUpdate(**body)


def plan_from(ctx: Context) -> Plan:
    args = ctx.args
    plan = Plan(title=args.title, status=args.status, priority=args.priority,
                metadata=metadata_changes(args.meta, allow_remove=True))
    if args.assign is not None:
        if args.assign == "me":
            if not ctx.me:
                raise CliError("--assign me needs your agent ID: --agent-id, CSTAR_AGENT_ID or the profile's "
                               "agent_id", USAGE)
            plan.assign = ctx.me
        elif args.assign == "none":
            plan.assign = None
        elif args.assign.startswith("agt_"):
            plan.assign = args.assign
        else:
            raise CliError(f"--assign takes me, none or an agent ID (agt_…), not {args.assign!r}", USAGE)
    for tag in args.tag:
        name = tag[1:] if tag[:1] in "+-" else tag
        if not name.strip():
            raise CliError(f"--tag {tag!r} names no tag", USAGE)
        (plan.remove_tags if tag.startswith("-") else plan.add_tags).append(name)
    if plan.is_empty():
        raise CliError("nothing to change: give --status, --priority, --assign, --tag, --meta or --title", USAGE)
    return plan


@dataclass
class Outcome:
    id: str
    changes: dict[str, Any]
    ticket: Ticket | None = None
    error: ApiError | None = None


async def apply_updates(client: Any, updates: list[tuple[str, TicketUpdate]],
                        concurrency: int = CONCURRENCY) -> list[Outcome]:
    """Each (ticket ID, PATCH) at most `concurrency` at a time; every outcome, in the given order."""
    store = DeskStore()
    gate = asyncio.Semaphore(concurrency)

    async def one(ticket_id: str, body: TicketUpdate) -> Outcome:
        async with gate:
            try:
                ticket = await actions.update_ticket(client, store, ticket_id, body)
            except ApiError as exc:
                return Outcome(ticket_id, body.to_wire(), error=exc)
            return Outcome(ticket_id, body.to_wire(), ticket=ticket)

    return list(await asyncio.gather(*(one(ticket_id, body) for ticket_id, body in updates)))


def _describe(changes: dict[str, Any]) -> str:
    parts = []
    for key, value in changes.items():
        shown = ",".join(value) if isinstance(value, list) else "none" if value is None else \
            " ".join(f"{k}={'' if v is None else v}" for k, v in value.items()) if isinstance(value, dict) else value
        parts.append(f"{key}={shown}")
    return one_line(" ".join(parts))


async def run_update(ctx: Context) -> int:
    args = ctx.args
    try:
        fields = pick_fields(args.json)
    except ValueError as exc:
        raise CliError(str(exc), USAGE) from None
    plan = plan_from(ctx)
    async with ctx.client() as client:
        if args.where is not None:
            from app.cli.source import ticket_stream

            found = [t async for t in ticket_stream(client, args.where, me=ctx.me, limit=None, agents=ctx.agents)]
            updates = [(t.id, plan.for_ticket(t)) for t in found]
        else:
            ticket = await client.get_ticket(args.ticket_id) if plan.needs_ticket or args.dry_run else None
            updates = [(ticket.id if ticket else args.ticket_id, plan.for_ticket(ticket))]
        todo = [(ticket_id, body) for ticket_id, body in updates if not body.is_empty()]
        unchanged = len(updates) - len(todo)
        if args.dry_run:
            return _report_dry_run(ctx, todo, unchanged)
        if args.where is not None and todo and not args.yes:
            if not sys.stdin.isatty():
                raise CliError(f"changing {len(todo)} tickets needs --yes when nobody is there to confirm "
                               "(--dry-run shows them)", USAGE)
            if not confirm(f"Change {len(todo)} tickets?"):
                raise CliError("nothing changed", USAGE)
        if args.where is None:
            if not todo:
                say(f"{updates[0][0]} is already as asked: nothing changed")
                return OK
            ticket = await actions.update_ticket(client, DeskStore(), todo[0][0], todo[0][1])
            if ctx.json:
                sys.stdout.write(json_line(ticket_json(ticket, fields)) + "\n")
            else:
                sys.stdout.write(f"{ticket.id}\t{_describe(todo[0][1].to_wire())}\n")
            return OK
        outcomes = await apply_updates(client, todo)
    failed = [o for o in outcomes if o.error is not None]
    if ctx.json:
        sys.stdout.write(json_line([{"id": o.id, "changes": o.changes,
                                     "ticket": ticket_json(o.ticket, fields) if o.ticket else None,
                                     "error": str(o.error) if o.error else None} for o in outcomes]) + "\n")
    else:
        for o in outcomes:
            if o.error is None:
                sys.stdout.write(f"{o.id}\t{_describe(o.changes)}\n")
    for o in failed:
        say(f"{o.id}: {o.error}")
    say(f"changed {len(outcomes) - len(failed)} tickets" + (f", {unchanged} already as asked" if unchanged else "")
        + (f", {len(failed)} failed" if failed else ""))
    return FAILED if failed else OK


def _report_dry_run(ctx: Context, todo: list[tuple[str, TicketUpdate]], unchanged: int) -> int:
    if ctx.json:
        sys.stdout.write(json_line([{"id": ticket_id, "changes": body.to_wire()} for ticket_id, body in todo]) + "\n")
    else:
        for ticket_id, body in todo:
            sys.stdout.write(f"{ticket_id}\t{_describe(body.to_wire())}\n")
    sys.stderr.write(for_terminal(f"dry run: would change {len(todo)} tickets"
                                  + (f", {unchanged} already as asked" if unchanged else "")) + "\n")
    return OK
