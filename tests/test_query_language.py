"""The filter language beyond one request: any-of, none-of, unsolved, tags, sort, every mistake at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.filters import (
    Choice,
    FilterSyntaxError,
    Query,
    Sort,
    TicketFilters,
    Vocabulary,
    format,
    parse,
    parse_query,
    single_request,
)
from api.models import PRIORITIES, STATUSES, Ticket
from api.query import UNSOLVED, sort_tickets

ME = "agt_p8Q9r0S1t2U3"


class Directory:
    """An agent lookup as the agent directory gives it: ids by (case-insensitive) name prefix."""

    def __init__(self, agents: dict[str, str]) -> None:
        self.agents = agents

    def ids_named(self, name: str) -> list[str]:
        return [i for i, full in self.agents.items() if full.lower().startswith(name.lower())]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status:open,pending", Query(TicketFilters(), status=Choice(frozenset({"open", "pending"})))),
        ("-status:closed", Query(TicketFilters(), status=Choice(none_of=frozenset({"closed"})))),
        ("status:open,pending -status:pending",
         Query(TicketFilters(), status=Choice(frozenset({"open", "pending"}), frozenset({"pending"})))),
        ("unsolved", Query(TicketFilters(), status=Choice(UNSOLVED))),
        ("UNSOLVED refund", Query(TicketFilters(search="refund"), status=Choice(UNSOLVED))),
        ('"unsolved"', Query(TicketFilters(search="unsolved"))),  # quoted: a word to search for
        ("prio:high,URGENT -assignee:me",
         Query(TicketFilters(), priority=Choice(frozenset({"high", "urgent"})),
               assignee=Choice(none_of=frozenset({ME})))),
        ("tag:billing", Query(TicketFilters(), tags=(frozenset({"billing"}),))),
        ("tag:billing tag:VIP -tag:spam,test",
         Query(TicketFilters(), tags=(frozenset({"billing"}), frozenset({"vip"})),
               not_tags=frozenset({"spam", "test"}))),
        ("t:a,b", Query(TicketFilters(), tags=(frozenset({"a", "b"}),))),
        ("sort:sla", Query(TicketFilters(), sort=Sort("sla"))),
        ("sort:-Updated", Query(TicketFilters(), sort=Sort("updated", reverse=True))),
        ('status:open,"on_hold"', Query(TicketFilters(), status=Choice(frozenset({"open", "on_hold"})))),
        ('assignee:"a,b"', Query(TicketFilters(), assignee=Choice(frozenset({"a,b"})))),
        ("customer:cus_1 status:new", Query(TicketFilters(customer_id="cus_1"), status=Choice(frozenset({"new"})))),
    ],
)
def test_parse_query(text: str, expected: Query) -> None:
    assert parse_query(text, me=ME) == expected


def test_every_mistake_is_reported_in_order_with_its_place() -> None:
    text = "status:opne refund prio:critical stat:x sort:due tag:a,"
    with pytest.raises(FilterSyntaxError) as info:
        parse_query(text, me=ME)
    problems = info.value.problems
    assert [(p.token, p.position) for p in problems] == [
        ("status:opne", 0), ("prio:critical", 19), ("stat:x", 33), ("sort:due", 40), ("tag:a,", 49)]
    assert "did you mean 'open'" in problems[0].message
    assert "unknown priority" in problems[1].message
    assert "unknown filter 'stat:'" in problems[2].message
    assert "cannot sort by 'due'" in problems[3].message
    assert "empty value" in problems[4].message
    # The first stays where existing callers read it, and the text names all five.
    assert (info.value.token, info.value.position) == ("status:opne", 0)
    assert str(info.value).startswith("5 mistakes: ")
    for problem in problems:
        assert problem.token in str(info.value)


def test_an_unterminated_quote_is_reported_with_the_mistakes_before_it() -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_query('prio:x "late fee', me=ME)
    assert [p.token for p in info.value.problems] == ["prio:x", '"late fee']


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("status:open s:new", "twice"),
        ("unsolved status:new", "'unsolved' already says it"),
        ("-status:open -s:new", "twice"),
        ("-customer:cus_1", "cannot be excluded"),
        ("-sort:sla", "cannot be excluded"),
        ("status:unsolved", "a word of its own"),
        ("sort:sla sort:created", "twice"),
        ("-assignee:none", "cannot list unassigned"),
    ],
)
def test_language_mistakes(text: str, fragment: str) -> None:
    with pytest.raises(FilterSyntaxError, match=fragment):
        parse_query(text, me=ME)


def test_assignee_by_name_through_the_agent_lookup() -> None:
    agents = Directory({"agt_1": "Dana Scully", "agt_2": "Daniel Jackson", "agt_3": "Fox Mulder"})
    assert parse_query("assignee:fox", agents=agents).assignee == Choice(frozenset({"agt_3"}))
    assert parse_query("assignee:dana,fox", agents=agents).assignee == Choice(frozenset({"agt_1", "agt_3"}))
    # An agent ID, `me` and a quoted value are not names.
    assert parse_query("assignee:agt_9", agents=agents).assignee == Choice(frozenset({"agt_9"}))
    assert parse_query("assignee:me", me=ME, agents=agents).assignee == Choice(frozenset({ME}))
    assert parse_query('assignee:"dan"', agents=agents).assignee == Choice(frozenset({"dan"}))
    with pytest.raises(FilterSyntaxError) as info:
        parse_query("assignee:dan", agents=agents)
    assert "agt_1" in info.value.message and "agt_2" in info.value.message
    with pytest.raises(FilterSyntaxError, match="no agent named 'walter'"):
        parse_query("assignee:walter", agents=agents)
    # Without a lookup, as before: the value is an agent ID.
    assert parse("assignee:dana") == TicketFilters(assigned_to="dana")


def test_a_learnt_status_is_a_value_like_the_known_ones() -> None:
    vocabulary = Vocabulary()
    vocabulary._add(vocabulary._statuses, "On_Hold", STATUSES)
    assert parse_query("status:open,on_hold", vocabulary=vocabulary).status == Choice(
        frozenset({"open", "On_Hold"}))


def test_parse_keeps_answering_one_request_queries_and_refuses_the_others() -> None:
    assert parse("status:open prio:high assignee:me", me=ME) == TicketFilters(
        status="open", priority="high", assigned_to=ME)
    for text in ("status:open,new", "-status:closed", "unsolved", "tag:billing", "sort:sla"):
        with pytest.raises(FilterSyntaxError, match="several requests"):
            parse(text, me=ME)
        assert single_request(parse_query(text, me=ME)) is None


def test_format_writes_unsolved_and_sorted_values() -> None:
    query = parse_query("sort:-sla -tag:spam tag:vip,billing -status:new unsolved assignee:agt_2,me x", me=ME)
    assert format(query, me=ME) == (
        "unsolved -status:new assignee:agt_2,me tag:billing,vip -tag:spam sort:-sla x")


_values = st.frozensets(st.sampled_from(["open", "pending", "new", "closed", "on,hold", "Odd"]), min_size=1)
_choices = st.builds(Choice, st.none() | _values, st.just(frozenset()) | _values)
_tags = st.frozensets(st.sampled_from(["billing", "vip", "a,b", "x y", "é"]), min_size=1, max_size=3)
queries = st.builds(
    Query,
    st.builds(TicketFilters, customer_id=st.none() | st.sampled_from(["cus_1", "Jane Doe"]),
              search=st.none() | st.sampled_from(["refund", "unsolved", "late fee", "a:b"])),
    status=_choices,
    priority=st.builds(Choice, st.none() | st.frozensets(st.sampled_from(PRIORITIES), min_size=1)),
    assignee=st.builds(Choice, st.none() | st.frozensets(st.sampled_from([ME, "agt_1", "me", "none", "a,b"]),
                                                         min_size=1)),
    tags=st.lists(_tags, max_size=2, unique=True).map(tuple),
    not_tags=st.just(frozenset()) | _tags,
    sort=st.none() | st.builds(Sort, st.sampled_from(["sla", "priority", "updated", "created"]), st.booleans()),
)


@settings(max_examples=200)
@given(queries, st.sampled_from([None, ME]))
def test_parse_query_of_format_is_identity(query: Query, me: str | None) -> None:
    assert parse_query(format(query, me=me), me=me) == query


# --- matching and sorting on loaded tickets ---------------------------------------------------------

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _ticket(n: int, **fields: object) -> Ticket:
    data: dict[str, object] = {"id": f"tkt_{n:012d}", "title": f"t{n}", "priority": "normal", "status": "open",
                               "createdAt": T0 - timedelta(hours=n), "updatedAt": T0 - timedelta(hours=n)}
    data.update(fields)
    return Ticket.model_validate(data)


def test_matches_checks_what_the_app_can_see() -> None:
    query = parse_query("status:open,pending -assignee:agt_1 tag:billing,refund -tag:spam", me=ME)
    assert query.matches(_ticket(1, tags=["Billing"]))
    assert query.matches(_ticket(1, tags=["refund"], assignedTo="agt_2"))
    assert not query.matches(_ticket(1, tags=["billing"], status="new"))
    assert not query.matches(_ticket(1, tags=["billing"], assignedTo="agt_1"))
    assert not query.matches(_ticket(1, tags=["billing", "spam"]))
    assert not query.matches(_ticket(1, tags=[]))
    assert query.filters_locally


def test_sort_by_each_key_either_way() -> None:
    soon, later = T0 + timedelta(hours=1), T0 + timedelta(hours=5)
    a = _ticket(1, priority="low", responseDeadline=later, updatedAt=T0 + timedelta(minutes=5))
    b = _ticket(2, priority="urgent", responseDeadline=soon)
    c = _ticket(3, priority="high", status="pending", slaPaused=True, responseDeadline=T0)  # clock stopped
    d = _ticket(4, priority="critical", responseDeadline=T0 - timedelta(hours=1), updatedAt=T0)  # overdue
    rows = [a, b, c, d]
    ids = lambda ts: [t.id[-1] for t in ts]  # noqa: E731
    assert ids(sort_tickets(rows, Sort("sla"))) == ["4", "2", "1", "3"]
    assert ids(sort_tickets(rows, Sort("sla", reverse=True))) == ["1", "2", "4", "3"]  # no clock: last either way
    assert ids(sort_tickets(rows, Sort("priority"))) == ["2", "3", "1", "4"]  # a priority not known: last
    assert ids(sort_tickets(rows, Sort("priority", reverse=True))) == ["1", "3", "2", "4"]
    assert ids(sort_tickets(rows, Sort("updated"))) == ["1", "4", "2", "3"]
    assert ids(sort_tickets(rows, Sort("created"))) == ["1", "2", "3", "4"]
    assert ids(sort_tickets(rows, Sort("created", reverse=True))) == ["4", "3", "2", "1"]


def test_a_view_narrowed_by_what_was_typed() -> None:
    view = parse_query("unsolved sort:sla tag:billing", me=ME)
    typed = parse_query("status:open tag:vip refund", me=ME)
    merged = view.narrowed_by(typed)
    assert merged == parse_query("status:open sort:sla tag:billing tag:vip refund", me=ME)
