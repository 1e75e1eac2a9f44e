"""The filter language explained, for the filter bar's `?` and the CLI's help (plain text, no markup)."""

from __future__ import annotations

__all__ = ["LANGUAGE_HELP"]

LANGUAGE_HELP = """\
Words without a key search titles and customer names:   refund "late fee"
status:open            one status (s: for short): new open pending resolved closed
status:open,pending    any of them          -status:closed    none of them
unsolved               new, open or pending
prio:high,urgent       priority (p:), any of: low normal high urgent;  -prio:low
assignee:me            your tickets (a:); assignee:dana by name, or an agent ID; -assignee:me
customer:cus_…         one customer's tickets (c:)
tag:billing            tickets tagged billing; tag:a,b either tag; tag:a tag:b both; -tag:spam
sort:sla               soonest SLA deadline first; sort:priority  urgent first
sort:updated           latest change first; sort:created  newest first
sort:-updated          a leading - reverses the order
Quote a value to take it literally: status:"on_hold", "status:open" (searches for the text).

Tags and sorts read the whole view (100 tickets a request, up to sort_limit in the config);
several statuses, priorities or assignees are one request each, merged newest first.
Examples:  unsolved prio:urgent sort:sla     status:open,pending tag:billing -assignee:me
"""
