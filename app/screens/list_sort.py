"""The list's sort: what `o` offers, and the `sort:` token it writes into the filter query."""

from __future__ import annotations

import re

from api.query import Sort

__all__ = ["SORT_CHOICES", "with_sort"]

_SORT_TOKEN = re.compile(r"(?i)(?:^|\s)sort:(?:\"[^\"]*\"|\S+)")

#: (sort, label): None is the API's own order.
SORT_CHOICES: tuple[tuple[Sort | None, str], ...] = (
    (Sort("sla"), "SLA due, soonest first"),
    (Sort("sla", reverse=True), "SLA due, latest first"),
    (Sort("priority"), "Priority, urgent first"),
    (Sort("priority", reverse=True), "Priority, low first"),
    (Sort("updated"), "Updated, latest first"),
    (Sort("updated", reverse=True), "Updated, longest untouched first"),
    (Sort("created"), "Created, newest first (sorted here)"),
    (Sort("created", reverse=True), "Created, oldest first"),
    (None, "No sort: the service's order, page by page"),
)


def with_sort(query: str, sort: Sort | None) -> str:
    """Replace the sort token of a query, keeping everything else the agent typed."""
    rest = _SORT_TOKEN.sub("", query).strip()
    if sort is None:
        return rest
    return f"{rest} {sort.text()}".strip()
