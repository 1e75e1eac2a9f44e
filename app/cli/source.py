"""Where the subcommands' tickets come from: (query, sort, limit or all) -> a stream of tickets.

The query is the TUI's language (api.filters.parse_query: any-of and none-of values, `unsolved`, tags,
`sort:`), answered by the desk's query runner (app.desk.query) as the list screen answers it. A query one
request answers is read page by page and forgotten as it goes (`--all` over 100,000 tickets holds one page
at a time); one that takes several request streams is merged in the API's order as the runner reads on;
tags and sorts need the view whole, up to CAP tickets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from api.filters import MAX_PAGE_SIZE, AgentLookup, FilterSyntaxError, parse_query
from api.models import Ticket
from app.cli.context import USAGE, CliError
from app.desk.query import QueryRefused, QueryRun
from app.desk.store import DeskStore

__all__ = ["CAP", "ticket_stream"]

CAP = 20_000
"""Most tickets a script may have read whole to sort or filter by tag (the TUI stops at its sort_limit)."""


async def ticket_stream(client: Any, query_text: str, *, me: str | None, limit: int | None,
                        sort: str | None = None, agents: AgentLookup | None = None) -> AsyncIterator[Ticket]:
    """The tickets `query_text` finds, in the API's order or `sort`'s (`sla`, `-updated`, …); at most
    `limit` (None: all of them). `agents` resolves `assignee:NAME` (the agent directory)."""
    text = f"{query_text} sort:{sort}" if sort else query_text
    try:
        query = parse_query(text, me=me, vocabulary=client.vocabulary, agents=agents)
    except FilterSyntaxError as exc:
        raise CliError(f"filter query: {exc}", USAGE) from None
    page_size = query.filters.page_size or (min(limit, MAX_PAGE_SIZE) if limit else MAX_PAGE_SIZE)
    run = QueryRun(client, DeskStore(), query, page_size=page_size, cap=CAP,
                   statuses=client.vocabulary.statuses.values(), priorities=client.vocabulary.priorities.values())
    if run.plan.single:
        source: AsyncIterator[Ticket] = client.iter_tickets(replace(run.plan.streams[0], page_size=page_size))
    else:
        source = _merged(run)
    count = 0
    async for ticket in source:
        yield ticket
        count += 1
        if limit is not None and count >= limit:
            return


async def _merged(run: QueryRun) -> AsyncIterator[Ticket]:
    try:
        await run.start()
    except QueryRefused as exc:
        raise CliError(f"{exc.reason} (a script can read up to {CAP})", USAGE) from None
    given: set[str] = set()
    while True:
        for ticket_id in run.store.view(run.key).ids:
            if ticket_id not in given:
                given.add(ticket_id)
                ticket = run.store.ticket(ticket_id)
                if ticket is not None:
                    yield ticket  # type: ignore[misc]
        if not run.has_more or run.plan.whole:
            return
        await run.more()
