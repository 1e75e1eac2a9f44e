"""TicketFilters map to the documented query parameters; the query language reads and writes them."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from api.errors import ClientValidationError
from api.filters import FilterSyntaxError, TicketFilters, format, parse
from api.limits import SEARCH_MAX
from api.models import PRIORITIES, STATUSES

ME = "agt_p8Q9r0S1t2U3"


def test_to_params_emits_exactly_the_documented_names_and_only_set_ones() -> None:
    assert TicketFilters().to_params() == {}
    full = TicketFilters(
        status="open",
        priority="high",
        assigned_to="agt_1",
        customer_id="cus_2",
        search="late fee",
        expand=("customer",),
        page=3,
        page_size=100,
    )
    assert full.to_params() == {
        "status": "open",
        "priority": "high",
        "assignedTo": "agt_1",
        "customerId": "cus_2",
        "search": "late fee",
        "expand": "customer",
        "page": "3",
        "pageSize": "100",
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": ""},
        {"status": " open"},
        {"status": "on\x1bhold"},
        {"priority": "x" * 65},
        {"assigned_to": ""},
        {"customer_id": "  "},
        {"search": ""},
        {"expand": ("messages",)},
        {"expand": ["customer"]},
        {"expand": ("customer", "customer")},
        {"page": 0},
        {"page": True},
        {"page_size": 0},
        {"page_size": 101},
    ],
)
def test_invalid_filters_are_refused_before_any_request(kwargs: dict) -> None:
    with pytest.raises(ClientValidationError):
        TicketFilters(**kwargs)


def test_a_status_or_priority_this_version_does_not_know_is_passed_on() -> None:
    # A newer server has more values than this client and answers for them itself (the query language
    # is where typos are caught, see test_tolerant_reader.py).
    assert TicketFilters(status="on_hold", priority="critical").to_params() == {
        "status": "on_hold", "priority": "critical"}


def test_the_issue_example() -> None:
    filters = parse("status:open prio:urgent assignee:me customer:cus_x free words", me=ME)
    assert filters == TicketFilters(
        status="open", priority="urgent", assigned_to=ME, customer_id="cus_x", search="free words"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s:pending", TicketFilters(status="pending")),
        ("STATUS:Resolved", TicketFilters(status="resolved")),
        ("priority:low", TicketFilters(priority="low")),
        ("prio:high", TicketFilters(priority="high")),
        ("P:NORMAL", TicketFilters(priority="normal")),
        ("assigned:agt_9", TicketFilters(assigned_to="agt_9")),
        ("a:ME", TicketFilters(assigned_to=ME)),
        ('a:"me"', TicketFilters(assigned_to="me")),  # quoted is literal
        ("c:cus_1", TicketFilters(customer_id="cus_1")),
        ('customer:"Jane Doe"', TicketFilters(customer_id="Jane Doe")),
        ('"late fee" refund', TicketFilters(search="late fee refund")),
        ('"status:open"', TicketFilters(search="status:open")),
        (r'"say \"hi\" \\o/"', TicketFilters(search='say "hi" \\o/')),
        ("  refund\t  now ", TicketFilters(search="refund now")),
        ("expand:customer page:2 size:50", TicketFilters(expand=("customer",), page=2, page_size=50)),
        ("", TicketFilters()),
        ('""', TicketFilters()),
    ],
)
def test_parse(text: str, expected: TicketFilters) -> None:
    assert parse(text, me=ME) == expected


@pytest.mark.parametrize(
    ("text", "token", "position", "fragment"),
    [
        ("refund stat:open", "stat:open", 7, "unknown filter 'stat:'"),
        ("status:opne", "status:opne", 0, "did you mean 'open'"),
        ("prio:critical", "prio:critical", 0, "unknown priority"),
        ("s:open status:new", "status:new", 7, "twice"),
        ('refund "late fee', '"late fee', 7, "unterminated quote"),
        ('customer:"Jane', 'customer:"Jane', 9, "unterminated quote"),
        ("assignee:none", "assignee:none", 0, "cannot list unassigned"),
        ("status:", "status:", 0, "needs a value"),
        ('c:"  "', 'c:"  "', 0, "needs a value"),
        ("http://example.com", "http://example.com", 0, "put it in quotes"),
        ("size:500", "size:500", 0, "from 1 to 100"),
        ("page:two", "page:two", 0, "whole number"),
        ("expand:messages", "expand:messages", 0, "cannot expand 'messages'"),
    ],
)
def test_syntax_errors_name_the_bad_token(text: str, token: str, position: int, fragment: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse(text, me=ME)
    assert info.value.token == token
    assert info.value.position == position
    assert fragment in str(info.value)
    assert token in str(info.value)


def test_assignee_me_without_a_configured_agent_is_an_error() -> None:
    with pytest.raises(FilterSyntaxError, match="agent ID"):
        parse("assignee:me")


def test_format() -> None:
    filters = TicketFilters(
        status="open", priority="urgent", assigned_to=ME, customer_id="Jane Doe", search="a b"
    )
    assert format(filters) == f'status:open prio:urgent assignee:{ME} customer:"Jane Doe" a b'
    assert format(filters, me=ME) == 'status:open prio:urgent assignee:me customer:"Jane Doe" a b'
    assert format(TicketFilters(search="a  b")) == '"a  b"'
    assert format(TicketFilters(assigned_to="none")) == 'assignee:"none"'
    assert format(TicketFilters()) == ""


def _non_blank(max_size: int = 30) -> st.SearchStrategy[str]:
    return st.text(max_size=max_size).filter(lambda s: s.strip() != "")


valid_filters = st.builds(
    TicketFilters,
    status=st.none() | st.sampled_from(STATUSES),
    priority=st.none() | st.sampled_from(PRIORITIES),
    assigned_to=st.none() | st.sampled_from([ME, "me", "none", "ME"]) | _non_blank(),
    customer_id=st.none() | _non_blank(),
    search=st.none()
    | _non_blank()
    | st.lists(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), min_size=1, max_size=20).map(" ".join),
    expand=st.sampled_from([(), ("customer",)]),
    page=st.none() | st.integers(min_value=1, max_value=10**9),
    page_size=st.none() | st.integers(min_value=1, max_value=100),
)


@settings(max_examples=200)
@given(valid_filters, st.sampled_from([None, ME]))
@example(TicketFilters(search='x" y'), None)
@example(TicketFilters(search="a\\"), None)
@example(TicketFilters(customer_id='"', search=":"), None)
@example(TicketFilters(search="\x85lone"), None)
def test_parse_of_format_is_identity(filters: TicketFilters, me: str | None) -> None:
    assert parse(format(filters, me=me), me=me) == filters


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from('sStatu:prio"\\ abc\tmeon,') | st.characters(), max_size=40))
def test_parse_either_succeeds_or_raises_filter_syntax_error(text: str) -> None:
    try:
        filters = parse(text, me=ME)
    except FilterSyntaxError as exc:
        assert 0 <= exc.position < len(text)
        assert exc.token and exc.token in text
    else:
        assert parse(format(filters, me=ME), me=ME) == filters


def test_a_search_past_the_limit_is_refused_before_any_request() -> None:
    assert TicketFilters(search="é" * SEARCH_MAX).search == "é" * SEARCH_MAX  # characters, not bytes
    with pytest.raises(ClientValidationError) as info:
        TicketFilters(search="x" * (SEARCH_MAX + 1))
    assert info.value.param == "search" and str(SEARCH_MAX) in info.value.message


def test_a_too_long_search_in_the_query_names_the_word_that_crosses_the_limit() -> None:
    words = ["refund"] * 40  # 40 * 7 - 1 = 279 characters once joined
    text = "status:open " + " ".join(words)
    with pytest.raises(FilterSyntaxError) as info:
        parse(text, me=ME)
    crossing = len("status:open ") + 7 * (SEARCH_MAX // 7)  # the word whose end passes 200
    assert info.value.position == crossing and info.value.token == "refund"
    assert f"at most {SEARCH_MAX}" in info.value.message and "279" in info.value.message
    assert parse("status:open " + " ".join(["refund"] * 28), me=ME).search is not None  # 195: fine
    with pytest.raises(FilterSyntaxError, match=f"at most {SEARCH_MAX}"):
        parse('"' + "y" * (SEARCH_MAX + 1) + '"')
