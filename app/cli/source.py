"""Where the subcommands' tickets come from: (query, sort, limit or all) -> a stream of tickets.

One function, so that it can move onto the desk's query runner (app.desk.query) without the
subcommands noticing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from api.filters import MAX_PAGE_SIZE, AgentLookup, FilterSyntaxError, parse
from api.models import Ticket
from app.cli.context import USAGE, CliError

__all__ = ["ticket_stream"]


async def ticket_stream(client: Any, query: str, *, me: str | None, limit: int | None,
                        agents: AgentLookup | None = None) -> AsyncIterator[Ticket]:
    """The tickets `query` finds, newest first, page after page; at most `limit` (None: all of them).
    `agents` resolves `assignee:NAME` (the agent directory)."""
    try:
        filters = parse(query, me=me, vocabulary=client.vocabulary, agents=agents)
    except FilterSyntaxError as exc:
        raise CliError(f"filter query: {exc}", USAGE) from None
    if filters.page_size is None:
        filters = replace(filters, page_size=min(limit, MAX_PAGE_SIZE) if limit else MAX_PAGE_SIZE)
    count = 0
    async for ticket in client.iter_tickets(filters):
        yield ticket
        count += 1
        if limit is not None and count >= limit:
            return
