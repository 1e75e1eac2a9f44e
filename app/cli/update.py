"""`cstar-tui ticket update ID|--where QUERY …`: one ticket, or every ticket a query finds.

With `--where` the matching tickets are collected first (every page), then changed: a change that takes
a ticket out of the query (status:new -> open) would otherwise shift the pages under the loop and skip
tickets. The changes run through app.desk.bulk, as the TUI's bulk actions do: an Idempotency-Key per
ticket journaled before anything is sent, a few PATCHes in flight, a 429 pausing them all; a ticket that
fails is reported and the others go on. A run killed midway leaves its journal for the TUI to resume.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from typing import Any

from api.clean_text import one_line
from api.models import Ticket, TicketUpdate
from app.cli.context import FAILED, OK, USAGE, CliError, Context
from app.cli.inputs import confirm, metadata_changes
from app.cli.output import json_line, pick_fields, ticket_json
from app.desk import actions
from app.desk.bulk import BulkChange, BulkJournals, run_bulk
from app.desk.bulk import Outcome as BulkOutcome
from app.desk.store import DeskStore
from app.masking import for_terminal, say

__all__ = ["Plan", "apply_bulk", "bulk_parts", "run_update"]

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
            plan.assign = _agent_named(ctx, args.assign)
    for tag in args.tag:
        name = tag[1:] if tag[:1] in "+-" else tag
        if not name.strip():
            raise CliError(f"--tag {tag!r} names no tag", USAGE)
        (plan.remove_tags if tag.startswith("-") else plan.add_tags).append(name)
    if plan.is_empty():
        raise CliError("nothing to change: give --status, --priority, --assign, --tag, --meta or --title", USAGE)
    from pydantic import ValidationError

    try:
        plan.for_ticket(None).to_wire()  # a blank title or an oversized metadata value: refused here, once
    except (ValidationError, ValueError) as exc:
        from app.cli.tickets import first_error

        raise CliError(first_error(exc) if isinstance(exc, ValidationError) else str(exc), USAGE) from None
    return plan


def _agent_named(ctx: Context, name: str) -> str:
    """The one agent of the directory (names the TUI and `ticket show` learned) that `name` names."""
    found = ctx.agents.search(name, ids=False)
    if len(found) == 1:
        return str(found[0][0])
    if not found:
        raise CliError(f"--assign: no agent named {name!r} is known yet (give an agent ID, agt_…, or open a "
                       "ticket they wrote in, so their name is learned)", USAGE)
    names = ", ".join(f"{agent_name} ({agent_id})" for agent_id, agent_name in found[:5])
    raise CliError(f"--assign: {name!r} names several agents: {names}; give the agent ID", USAGE)


def bulk_parts(plan: Plan, found: list[Ticket]) -> list[tuple[BulkChange, list[str]]]:
    """The plan as app.desk.bulk changes (one is a field update or tag changes, so up to two), each with
    the tickets it changes: a ticket already as asked is left out."""
    parts: list[tuple[BulkChange, list[str]]] = []
    fields = replace(plan, add_tags=[], remove_tags=[])
    update = fields.for_ticket(None)
    if not update.is_empty():
        ids = [t.id for t in found if not fields.for_ticket(t).is_empty()]
        if ids:
            parts.append((BulkChange(update=update), ids))
    if plan.needs_ticket:
        ids = [t.id for t in found if "tags" in plan.for_ticket(t).model_fields_set]
        if ids:
            parts.append((BulkChange(add_tags=tuple(plan.add_tags), remove_tags=tuple(plan.remove_tags)), ids))
    return parts


async def apply_bulk(client: Any, settings: Any, store: DeskStore,
                     parts: list[tuple[BulkChange, list[str]]]) -> dict[str, list[BulkOutcome]]:
    """Each part through app.desk.bulk (a key per ticket, journaled first, a few in flight, 429s honoured);
    every ticket's outcomes. A run killed midway leaves its journal, which the TUI offers to resume."""
    journals = BulkJournals.for_settings(settings)
    outcomes: dict[str, list[BulkOutcome]] = {}
    for change, ids in parts:
        journal = journals.start(change, ids)
        report = await run_bulk(client, store, journal)
        for ticket_id in ids:
            outcomes.setdefault(ticket_id, []).append(report.outcomes[ticket_id])
        journals.discard(journal)  # its summary is printed below
    return outcomes


def _describe(changes: dict[str, Any]) -> str:
    parts = []
    for key, value in changes.items():
        shown = ",".join(value) if isinstance(value, list) else "none" if value is None else \
            " ".join(f"{k}={'' if v is None else v}" for k, v in value.items()) if isinstance(value, dict) else value
        parts.append(f"{key}={shown}")
    return one_line(" ".join(parts))


async def run_update(ctx: Context) -> int:
    args = ctx.args
    if args.resume:
        return await run_resume(ctx)
    try:
        fields = pick_fields(args.json)
    except ValueError as exc:
        raise CliError(str(exc), USAGE) from None
    plan = plan_from(ctx)
    async with ctx.client() as client:
        if args.where is None:
            ticket = await client.get_ticket(args.ticket_id) if plan.needs_ticket or args.dry_run else None
            body = plan.for_ticket(ticket)
            ticket_id = ticket.id if ticket else args.ticket_id
            if args.dry_run:
                return _report_dry_run(ctx, [(ticket_id, body)] if not body.is_empty() else [], int(body.is_empty()))
            if body.is_empty():
                say(f"{ticket_id} is already as asked: nothing changed")
                return OK
            ticket = await actions.update_ticket(client, DeskStore(), ticket_id, body)
            if ctx.json:
                sys.stdout.write(json_line(ticket_json(ticket, fields)) + "\n")
            else:
                sys.stdout.write(f"{one_line(ticket.id)}\t{_describe(body.to_wire())}\n")
            return OK
        from app.cli.source import ticket_stream

        found = [t async for t in ticket_stream(client, args.where, me=ctx.me, limit=None, agents=ctx.agents)]
        todo = [(t.id, plan.for_ticket(t)) for t in found]
        todo = [(ticket_id, body) for ticket_id, body in todo if not body.is_empty()]
        unchanged = len(found) - len(todo)
        if args.dry_run:
            return _report_dry_run(ctx, todo, unchanged)
        if todo and not args.yes:
            if not sys.stdin.isatty():
                raise CliError(f"changing {len(todo)} tickets needs --yes when nobody is there to confirm "
                               "(--dry-run shows them)", USAGE)
            if not confirm(f"Change {len(todo)} tickets?"):
                raise CliError("nothing changed", USAGE)
        store = DeskStore()
        outcomes = await apply_bulk(client, ctx.settings, store, bulk_parts(plan, found))
    changes = dict(todo)
    failed = {i: [o.reason for o in results if not o.ok] for i, results in outcomes.items()
              if not all(o.ok for o in results)}
    if ctx.json:
        rows = []
        for ticket_id, _body in todo:
            ticket = store.ticket(ticket_id)
            rows.append({"id": ticket_id, "ok": ticket_id not in failed, "changes": changes[ticket_id].to_wire(),
                         "ticket": ticket_json(ticket, fields) if ticket is not None else None,  # type: ignore[arg-type]
                         "error": "; ".join(failed[ticket_id]) if ticket_id in failed else None})
        sys.stdout.write(json_line(rows) + "\n")
    else:
        for ticket_id, body in todo:
            if ticket_id not in failed:
                sys.stdout.write(f"{one_line(ticket_id)}\t{_describe(body.to_wire())}\n")
    for ticket_id, reasons in failed.items():
        say(f"{ticket_id}: {'; '.join(reasons)}")
    say(f"changed {len(todo) - len(failed)} tickets" + (f", {unchanged} already as asked" if unchanged else "")
        + (f", {len(failed)} failed" if failed else ""))
    return FAILED if failed else OK


def _report_dry_run(ctx: Context, todo: list[tuple[str, TicketUpdate]], unchanged: int) -> int:
    if ctx.json:
        sys.stdout.write(json_line([{"id": ticket_id, "changes": body.to_wire()} for ticket_id, body in todo]) + "\n")
    else:
        for ticket_id, body in todo:
            sys.stdout.write(f"{one_line(ticket_id)}\t{_describe(body.to_wire())}\n")
    sys.stderr.write(for_terminal(f"dry run: would change {len(todo)} tickets"
                                  + (f", {unchanged} already as asked" if unchanged else "")) + "\n")
    return OK


async def run_resume(ctx: Context) -> int:
    """Every unfinished bulk of this profile that no running instance holds, sent on with its journal's keys
    and bodies (the service replays a PATCH that had gone through); one too old for that is only reported."""
    journals = BulkJournals.for_settings(ctx.settings)
    left = journals.left_over()
    resumable = [j for j in left if j.resumable()]
    status = OK
    rows: list[dict[str, Any]] = []
    async with ctx.client() as client:
        for journal in left:
            if journal not in resumable:
                if not journal.report.finished:
                    say(f"{journal.change.describe(journal.report.total)} (started {journal.created:%Y-%m-%d %H:%M} "
                        "UTC) is too old to resume safely: the service may have forgotten its keys")
                    status = FAILED
                journals.release(journal)
                continue
            report = await run_bulk(client, DeskStore(), journal)
            failed = report.failed
            for outcome in failed:
                say(f"{outcome.ticket_id}: {outcome.reason}")
            say(f"resumed: {journal.change.describe(report.total)}: {len(report.succeeded)} done"
                + (f", {len(failed)} failed" if failed else ""))
            rows += [outcome.to_json() for outcome in (report.outcomes[i] for i in report.ids)]
            journals.discard(journal)
            status = FAILED if failed else status
    if not left:
        say("no unfinished bulk change to resume")
    if ctx.json:
        sys.stdout.write(json_line(rows) + "\n")
    return status
