"""Ticket list filters and the filter bar's query language.

    status:open prio:urgent assignee:me customer:cus_x "late fee" refund

Keys are case-insensitive and have short aliases; values may be quoted (`customer:"Jane Doe"`, with
`\\"` and `\\\\` escapes inside quotes); words without a key are joined into the `search` parameter.
A quoted value is always literal, so `assignee:"me"` means an agent whose ID is `me`, while a bare
`assignee:me` means the configured agent. `format()` writes the text that `parse()` reads back to the
same filters.

Statuses and priorities: a bare `status:x` must be one this version knows or one the server has sent
(a `Vocabulary`, learnt by the client from the tickets it reads), so a typo like `status:opne` is
still explained here, with a suggestion, instead of going to the server. A quoted value is sent as
typed (`status:"on_hold"`): the way to ask for a value the server knows before this app has seen it,
e.g. in a configured view; the server answers for it.

More than one request (`parse_query` reads these into a `Query`; `app.desk.query` answers it):
`status:open,pending` is any of, `-status:closed` none of (so are priority and assignee), `unsolved` is
`status:new,open,pending`, `tag:billing` must carry that tag (`tag:a,b` either, `tag:a tag:b` both,
`-tag:spam` not), `sort:sla|priority|updated|created` orders the view (`sort:-sla` reversed).
Every mistake in a query is reported, not only the first (`FilterSyntaxError.problems`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Final, Protocol

from .errors import ClientValidationError
from .limits import SEARCH_MAX
from .models import PRIORITIES, STATUSES
from .query import SORT_KEYS, UNSOLVED, Choice, Query, Sort
from .query_syntax import FilterSyntaxError, Problem, Token, suggest, tokenize
from .vocabulary import Vocabulary

if TYPE_CHECKING:
    from .models import Ticket

__all__ = [
    "LIST_EXPANSIONS",
    "MAX_PAGE_SIZE",
    "AgentLookup",
    "Choice",
    "FilterSyntaxError",
    "Problem",
    "Query",
    "Sort",
    "TicketFilters",
    "Vocabulary",
    "format",
    "parse",
    "parse_query",
    "single_request",
]

MAX_PAGE_SIZE: Final = 100
#: What `expand` may name on the list endpoint, per the reference.
LIST_EXPANSIONS: Final = ("customer",)
#: Longest status or priority value sent as a filter.
ENUM_VALUE_MAX: Final = 64


def _is_enum_value(value: object) -> bool:
    return (isinstance(value, str) and value != "" and value == value.strip() and len(value) <= ENUM_VALUE_MAX
            and value.isprintable())


def _check(condition: bool, message: str, param: str) -> None:
    if not condition:
        raise ClientValidationError(message, param=param)


@dataclass(frozen=True, slots=True)
class TicketFilters:
    """The list endpoint's query, one attribute per documented parameter; None means "not sent"."""

    status: str | None = None
    priority: str | None = None
    assigned_to: str | None = None
    customer_id: str | None = None
    search: str | None = None
    expand: tuple[str, ...] = ()
    page: int | None = None
    page_size: int | None = None

    def __post_init__(self) -> None:
        # Not only the known values: a newer server has more, and says so itself when one is wrong.
        for name in ("status", "priority"):
            value = getattr(self, name)
            _check(
                value is None or _is_enum_value(value),
                f"{name} must be 1 to {ENUM_VALUE_MAX} printable characters without surrounding spaces",
                name,
            )
        for name, param in (
            ("assigned_to", "assignedTo"),
            ("customer_id", "customerId"),
            ("search", "search"),
        ):
            value = getattr(self, name)
            _check(
                value is None or (isinstance(value, str) and value.strip() != ""),
                f"{param} must not be blank",
                param,
            )
        _check(
            self.search is None or len(self.search) <= SEARCH_MAX,
            f"search is at most {SEARCH_MAX} characters",
            "search",
        )
        # A list would make the dataclass unhashable and mutable behind our back.
        _check(isinstance(self.expand, tuple), "expand must be a tuple", "expand")
        for item in self.expand:
            _check(item in LIST_EXPANSIONS, f"cannot expand {item!r} on the ticket list", "expand")
        _check(len(set(self.expand)) == len(self.expand), "expand lists an expansion twice", "expand")
        _check(
            self.page is None or (type(self.page) is int and self.page >= 1), "page must be 1 or more", "page"
        )
        _check(
            self.page_size is None or (type(self.page_size) is int and 1 <= self.page_size <= MAX_PAGE_SIZE),
            f"pageSize must be between 1 and {MAX_PAGE_SIZE}",
            "pageSize",
        )

    def to_params(self) -> dict[str, str]:
        """The documented query parameters, only those that are set."""
        wire = {
            "status": self.status,
            "priority": self.priority,
            "assignedTo": self.assigned_to,
            "customerId": self.customer_id,
            "search": self.search,
            "expand": ",".join(self.expand) or None,
            "page": None if self.page is None else str(self.page),
            "pageSize": None if self.page_size is None else str(self.page_size),
        }
        return {key: value for key, value in wire.items() if value is not None}

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, ()) for f in fields(self))

    def excludes(self, ticket: Ticket) -> bool:
        """True when `ticket` certainly does not match (a field the query names differs). A search is the
        service's to judge: it never excludes here."""
        wanted = (("status", ticket.status), ("priority", ticket.priority), ("assigned_to", ticket.assigned_to),
                  ("customer_id", ticket.customer_id))
        return any(getattr(self, name) is not None and getattr(self, name) != value for name, value in wanted)


# --- query language -------------------------------------------------------------------------------


class AgentLookup(Protocol):
    """Agents by name (the agent directory): `assignee:dana` asks it for the IDs of agents so named."""

    def ids_named(self, name: str) -> list[str]: ...


_KEYS: Final[dict[str, str]] = {
    "status": "status",
    "s": "status",
    "priority": "priority",
    "prio": "priority",
    "p": "priority",
    "assignee": "assigned_to",
    "assigned": "assigned_to",
    "a": "assigned_to",
    "customer": "customer_id",
    "c": "customer_id",
    "tag": "tags",
    "t": "tags",
    "sort": "sort",
    "expand": "expand",
    "page": "page",
    "size": "page_size",
    "pagesize": "page_size",
}
_CANONICAL_KEYS: Final = {
    "status": "status",
    "priority": "prio",
    "assigned_to": "assignee",
    "customer_id": "customer",
    "expand": "expand",
    "page": "page",
    "page_size": "size",
}
# Keys that take several values (`status:open,pending`) and a leading `-` (none of them).
_CHOICES: Final = ("status", "priority", "assigned_to", "tags")
_UNSOLVED_WORD: Final = "unsolved"


class _Mistake(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def parse_query(text: str, me: str | None = None, vocabulary: Vocabulary | None = None,
                agents: AgentLookup | None = None) -> Query:
    """Read a filter query, reporting every mistake in it at once (FilterSyntaxError.problems).

    `me` is the configured agent ID that a bare `assignee:me` stands for, `vocabulary` the statuses
    and priorities the server has sent beyond the known ones, `agents` resolves `assignee:NAME`
    (without it, an assignee is an agent ID as typed)."""
    problems: list[Problem] = []
    found: dict[str, object] = {}
    choices: dict[str, Choice] = {}
    tags: list[frozenset[str]] = []
    not_tags: set[str] = set()
    sort: Sort | None = None
    words: list[Token] = []
    given: dict[str, str] = {}
    for token in tokenize(text, problems):
        try:
            if token.key is None:
                if not token.quoted and token.value.lower() == _UNSOLVED_WORD:
                    _once(given, "status", token)
                    choices["status"] = replace(choices.get("status", Choice()), any_of=UNSOLVED)
                elif token.value.strip():
                    words.append(token)
                continue
            negated = token.key.startswith("-")
            name = _KEYS.get(token.key.lower().removeprefix("-"))
            if name is None:
                raise _Mistake(f"unknown filter {token.key + ':'!r}{suggest(token.key, list(_KEYS))} "
                               "(to search for text with a colon, put it in quotes)")
            if negated and name not in _CHOICES:
                raise _Mistake(f"{token.key}: cannot be excluded (a leading - works on status, priority, "
                               "assignee and tag)")
            if not token.value.strip():
                raise _Mistake(f"{token.key}: needs a value")
            if name == "tags":
                values = {value.strip().lower() for value, _ in _list(token)}
                if negated:
                    not_tags.update(values)
                else:
                    tags.append(frozenset(values))
                continue
            _once(given, ("-" if negated else "") + name, token)
            if name == "sort":
                sort = _sort(token)
            elif name in ("status", "priority", "assigned_to"):
                values = frozenset(_choice_value(name, token, value, literal, me, vocabulary, agents)
                                   for value, literal in _list(token))
                held = choices.get(name, Choice())
                choices[name] = replace(held, none_of=values) if negated else replace(held, any_of=values)
            else:
                found[name] = _value(name, token)
        except _Mistake as mistake:
            problems.append(Problem(mistake.message, token.text, token.position))
    if words:
        try:
            found["search"] = _search(words)
        except FilterSyntaxError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FilterSyntaxError.of(problems)
    try:
        filters = TicketFilters(**found)  # type: ignore[arg-type]
    except ClientValidationError as exc:  # e.g. size:500; report it in the query's terms
        raise FilterSyntaxError(exc.message, text, 0) from exc
    return Query(filters, status=choices.get("status", Choice()), priority=choices.get("priority", Choice()),
                 assignee=choices.get("assigned_to", Choice()), tags=tuple(dict.fromkeys(tags)),
                 not_tags=frozenset(not_tags), sort=sort)


def parse(text: str, me: str | None = None, vocabulary: Vocabulary | None = None,
          agents: AgentLookup | None = None) -> TicketFilters:
    """Read a filter query that one request answers (see `parse_query` for the others)."""
    query = parse_query(text, me, vocabulary, agents)
    filters = single_request(query)
    if filters is None:
        raise FilterSyntaxError("this query takes several requests or a full load (any-of or none-of values, "
                                "tags, a sort): the ticket list and `cstar-tui query` answer it", text, 0)
    return filters


def single_request(query: Query) -> TicketFilters | None:
    """The one request that answers `query` as it is, or None when it takes more (or a local check)."""
    if query.tags or query.not_tags or query.sort is not None:
        return None
    one: dict[str, str] = {}
    for name, choice in (("status", query.status), ("priority", query.priority), ("assigned_to", query.assignee)):
        if choice.is_open:
            continue
        if choice.none_of or choice.any_of is None or len(choice.any_of) != 1:
            return None
        (one[name],) = choice.any_of
    return replace(query.filters, **one)


def _once(given: dict[str, str], name: str, token: Token) -> None:
    if name in given:
        what = f"{token.key}:" if token.key else token.value
        raise _Mistake(f"{what} is given twice ({given[name]!r} already says it)")
    given[name] = token.text


def _list(token: Token) -> list[tuple[str, bool]]:
    values = token.values()
    if any(not value.strip() for value, _ in values):
        raise _Mistake(f"{token.key}: has an empty value (a comma too many?)")
    return values


def _sort(token: Token) -> Sort:
    value = token.value.strip().lower()
    reverse = value.startswith("-")
    key = value.removeprefix("-")
    if key not in SORT_KEYS or token.quoted:
        raise _Mistake(f"cannot sort by {token.value!r}: use one of {', '.join(SORT_KEYS)} "
                       f"(a leading - reverses){suggest(key, list(SORT_KEYS))}")
    return Sort(key, reverse)


def _choice_value(name: str, token: Token, value: str, literal: bool, me: str | None,
                  vocabulary: Vocabulary | None, agents: AgentLookup | None) -> str:
    if name == "status":
        if not literal and value.strip().lower() == _UNSOLVED_WORD:
            raise _Mistake("unsolved is a word of its own: write `unsolved` or status:new,open,pending")
        return _enum_value(token, value, literal, STATUSES, vocabulary.statuses if vocabulary else {}, "status")
    if name == "priority":
        return _enum_value(token, value, literal, PRIORITIES, vocabulary.priorities if vocabulary else {},
                           "priority")
    return _assignee(value, literal, me, agents)


def _enum_value(token: Token, value: str, literal: bool, known: tuple[str, ...], seen: dict[str, str],
                what: str) -> str:
    if literal:
        if not _is_enum_value(value):
            raise _Mistake(f"a {what} is 1 to {ENUM_VALUE_MAX} printable characters without surrounding spaces")
        return value  # sent as typed
    normal = value.strip().lower()
    if normal in known:
        return normal
    if normal in seen:
        return seen[normal]
    allowed = (*known, *seen.values())
    hint = suggest(normal, [*known, *seen]) or (
        f' (a {what} this app has not seen yet can be given in quotes: {token.key}:"{value}")')
    raise _Mistake(f"unknown {what} {value!r}: use one of {', '.join(allowed)}{hint}")


def _assignee(value: str, literal: bool, me: str | None, agents: AgentLookup | None) -> str:
    if literal:
        return value
    if value.lower() == "none":
        raise _Mistake("assignee:none is not supported: the cStar API cannot list unassigned tickets")
    if value.lower() == "me":
        if not me:
            raise _Mistake("assignee:me needs your agent ID: set agent_id in your profile")
        return me
    if agents is None or value.startswith("agt_"):
        return value
    ids = list(dict.fromkeys(agents.ids_named(value)))
    if not ids:
        raise _Mistake(f"no agent named {value!r} is known yet (give the agent ID, agt_…)")
    if len(ids) > 1:
        raise _Mistake(f"{value!r} names {len(ids)} agents: {', '.join(ids)}; give the agent ID")
    return ids[0]


def _search(words: list[Token]) -> str:
    search = " ".join(word.value for word in words)
    if len(search) > SEARCH_MAX:
        # Point at the word that crosses the limit: what to shorten or drop.
        length = -1  # the joined length up to and including each word
        for word in words:
            length += 1 + len(word.value)
            if length > SEARCH_MAX:
                raise FilterSyntaxError(
                    f"the search text is {len(search)} characters; at most {SEARCH_MAX} are allowed",
                    word.text,
                    word.position,
                )
    return search


def _value(name: str, token: Token) -> object:
    value = token.value
    if name == "expand":
        items = tuple(item.strip().lower() for item in value.split(","))
        for item in items:
            if item not in LIST_EXPANSIONS:
                raise _Mistake(f"cannot expand {item!r} on the ticket list: use {', '.join(LIST_EXPANSIONS)}")
        if len(set(items)) != len(items):
            raise _Mistake("expand: lists an expansion twice")
        return items
    if name in ("page", "page_size"):
        number = int(value) if value.isascii() and value.isdigit() else 0
        if number < 1 or (name == "page_size" and number > MAX_PAGE_SIZE):
            limit = "1 or more" if name == "page" else f"from 1 to {MAX_PAGE_SIZE}"
            raise _Mistake(f"{token.key}: needs a whole number {limit}")
        return number
    return value


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_bare_safe(value: str) -> bool:
    return value != "" and '"' not in value and not any(ch.isspace() for ch in value)


def _format_value(name: str, value: str) -> str:
    # A bare me/none is special, so a literal one has to be quoted; so is a status or priority this
    # version does not know (bare, it would be checked against what the server has sent), and a comma
    # where it would separate values.
    special = (name == "assigned_to" and value.lower() in ("me", "none")) or (
        (name == "status" and value not in STATUSES) or (name == "priority" and value not in PRIORITIES)
    ) or (name in _CHOICES and "," in value)
    return value if _is_bare_safe(value) and not special else _quote(value)


def _format_search(search: str) -> str:
    words = search.split(" ")
    if all(_is_bare_safe(word) and ":" not in word and word.lower() != _UNSOLVED_WORD for word in words):
        return search
    return _quote(search)


def _format_choice(name: str, key: str, choice: Choice, me: str | None) -> list[str]:
    def values(items: frozenset[str]) -> str:
        shown = ["me" if name == "assigned_to" and me is not None and v == me else _format_value(name, v)
                 for v in sorted(items)]
        return ",".join(shown)

    parts: list[str] = []
    if choice.any_of is not None:
        if name == "status" and choice.any_of == UNSOLVED:
            parts.append(_UNSOLVED_WORD)
        else:
            parts.append(f"{key}:{values(choice.any_of)}")
    if choice.none_of:
        parts.append(f"-{key}:{values(choice.none_of)}")
    return parts


def format(filters: TicketFilters | Query, me: str | None = None) -> str:
    """The query text for `filters`; `parse(format(f, me), me) == f` for every valid `f` (and
    `parse_query` for a Query)."""
    query = filters if isinstance(filters, Query) else None
    base = query.filters if query is not None else filters
    assert isinstance(base, TicketFilters)
    parts: list[str] = []
    for name, key in _CANONICAL_KEYS.items():
        value = getattr(base, name)
        if query is not None and name in _CHOICES:
            choice = {"status": query.status, "priority": query.priority, "assigned_to": query.assignee}[name]
            parts += _format_choice(name, key, choice, me)
            continue
        if value is None or value == ():
            continue
        if name == "assigned_to" and me is not None and value == me:
            parts.append("assignee:me")
        elif name == "expand":
            parts.append(f"expand:{','.join(value)}")
        elif isinstance(value, int):
            parts.append(f"{key}:{value}")
        else:
            parts.append(f"{key}:{_format_value(name, value)}")
    if query is not None:
        parts += [f"tag:{','.join(_format_value('tags', t) for t in sorted(tags))}" for tags in query.tags]
        if query.not_tags:
            parts.append(f"-tag:{','.join(_format_value('tags', t) for t in sorted(query.not_tags))}")
        if query.sort is not None:
            parts.append(query.sort.text())
    if base.search is not None:
        parts.append(_format_search(base.search))
    return " ".join(parts)
