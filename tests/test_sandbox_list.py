"""GET …/tickets over HTTP: every filter against a plain-Python oracle, paging, order, expand, bad values."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from api.sandbox import Sandbox, create_sandbox

Ticket = dict[str, Any]


def folded(text: str) -> str:
    """The oracle's accent- and case-folding: NFKD, case folding, combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def searched(t: Ticket) -> str:
    return folded(f"{t['title']}\n{t['customerName']}")


@pytest.fixture(scope="module")
def demo() -> Iterator[Sandbox]:
    """One seeded sandbox for the read-only tests of this module (seeding per test would dominate)."""
    sb = create_sandbox(rate_limit=0)
    yield sb
    sb.close()


@pytest.fixture
async def api(demo: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=demo.transport(), base_url=demo.base_url,
                                 headers={"Authorization": f"Bearer {demo.keys.secret}"}) as client:
        yield client


def path(sb: Sandbox) -> str:
    return f"/api/v1/teams/{sb.team_id}/tickets"


async def everything(http: httpx.AsyncClient, sb: Sandbox, **params: str) -> tuple[list[Ticket], int]:
    """Every ticket a query matches, page by page, checking the pagination block on the way."""
    tickets: list[Ticket] = []
    page = 1
    while True:
        r = await http.get(path(sb), params={**params, "page": str(page), "pageSize": "100"})
        assert r.status_code == 200, r.text
        body = r.json()
        p = body["pagination"]
        assert p["page"] == page and p["pageSize"] == 100
        tickets += body["data"]
        assert p["hasMore"] == (len(tickets) < p["total"])
        if not p["hasMore"]:
            return tickets, p["total"]
        page += 1


def newest_first(tickets: list[Ticket]) -> list[Ticket]:
    return sorted(tickets, key=lambda t: (t["createdAt"], t["id"]), reverse=True)


@pytest.fixture(scope="module")
def all_tickets(demo: Sandbox) -> list[Ticket]:
    """The oracle's input: every ticket of the team, read straight from the store."""
    from api.sandbox.service import ticket_json

    rows, total = demo.store.list_tickets(demo.team_id, {}, None, 1, 100_000)
    assert total == len(rows) == 300
    return [ticket_json(r) for r in rows]


async def test_pages_cover_every_ticket_once_newest_first(api: httpx.AsyncClient, demo: Sandbox,
                                                          all_tickets: list[Ticket]) -> None:
    seen: list[Ticket] = []
    page = 1
    while True:
        r = await api.get(path(demo), params={"page": page, "pageSize": 7})
        body = r.json()
        assert body["pagination"]["total"] == 300
        seen += body["data"]
        if not body["pagination"]["hasMore"]:
            break
        assert len(body["data"]) == 7
        page += 1
    assert page == 43 and len(body["data"]) == 300 - 42 * 7
    ids = [t["id"] for t in seen]
    assert len(ids) == len(set(ids)) == 300  # no overlap, no gap
    assert seen == newest_first(seen)
    assert {t["id"] for t in all_tickets} == set(ids)


async def test_default_page_is_twenty_and_past_the_end_is_empty(api: httpx.AsyncClient, demo: Sandbox) -> None:
    body = (await api.get(path(demo))).json()
    assert len(body["data"]) == 20
    assert body["pagination"] == {"total": 300, "page": 1, "pageSize": 20, "hasMore": True}
    for page in ("16", "99999999999999999999"):  # the second once overflowed SQLite's OFFSET (a 500)
        r = await api.get(path(demo), params={"page": page})
        assert r.status_code == 200
        assert r.json()["data"] == [] and r.json()["pagination"]["total"] == 300
        assert r.json()["pagination"]["hasMore"] is False


def _agent_and_customer(demo: Sandbox, all_tickets: list[Ticket]) -> tuple[Any, Any]:
    agent = demo.store.agent(demo.team_id, demo.agent_id)
    busiest = max({t["customerId"] for t in all_tickets if t["customerId"]},
                  key=lambda c: sum(t["customerId"] == c for t in all_tickets))
    return agent, demo.store.customer(demo.team_id, busiest)


FILTERS: list[tuple[str, Callable[[Sandbox, Any, Any], dict[str, str]], Callable[[Ticket, Any, Any], bool]]] = [
    *[(f"status={s}", lambda _sb, _a, _c, s=s: {"status": s}, lambda t, _a, _c, s=s: t["status"] == s)
      for s in ("new", "open", "pending", "resolved", "closed")],
    *[(f"priority={p}", lambda _sb, _a, _c, p=p: {"priority": p}, lambda t, _a, _c, p=p: t["priority"] == p)
      for p in ("low", "normal", "high", "urgent")],
    ("assignedTo=agt_", lambda _sb, a, _c: {"assignedTo": a["id"]}, lambda t, a, _c: t["assignedTo"] == a["id"]),
    ("assignedTo=uuid", lambda _sb, a, _c: {"assignedTo": a["uuid"]}, lambda t, a, _c: t["assignedTo"] == a["id"]),
    ("customerId=cus_", lambda _sb, _a, c: {"customerId": c["id"]}, lambda t, _a, c: t["customerId"] == c["id"]),
    ("customerId=uuid", lambda _sb, _a, c: {"customerId": c["uuid"]}, lambda t, _a, c: t["customerId"] == c["id"]),
    ("customerId=UUID", lambda _sb, _a, c: {"customerId": c["uuid"].upper()},
     lambda t, _a, c: t["customerId"] == c["id"]),
    ("status+priority", lambda _sb, _a, _c: {"status": "open", "priority": "normal"},
     lambda t, _a, _c: t["status"] == "open" and t["priority"] == "normal"),
    ("status+assignedTo", lambda _sb, a, _c: {"status": "open", "assignedTo": a["id"]},
     lambda t, a, _c: t["status"] == "open" and t["assignedTo"] == a["id"]),
    ("everything", lambda _sb, a, c: {"status": "resolved", "priority": "normal", "assignedTo": a["id"],
                                       "customerId": c["id"], "search": "a"},
     lambda t, a, c: (t["status"], t["priority"], t["assignedTo"], t["customerId"]) == ("resolved", "normal",
                                                                                         a["id"], c["id"])
     and "a" in searched(t)),
]


@pytest.mark.parametrize(("label", "params", "keep"), FILTERS, ids=[f[0] for f in FILTERS])
async def test_each_filter_matches_the_oracle(api: httpx.AsyncClient, demo: Sandbox, all_tickets: list[Ticket],
                                              label: str, params: Callable[..., dict[str, str]],
                                              keep: Callable[..., bool]) -> None:
    agent, customer = _agent_and_customer(demo, all_tickets)
    got, total = await everything(api, demo, **params(demo, agent, customer))
    expected = newest_first([t for t in all_tickets if keep(t, agent, customer)])
    assert [t["id"] for t in got] == [t["id"] for t in expected]
    assert total == len(expected)
    if not label.startswith("everything"):
        assert expected, f"{label}: the demo data should have matches"


SEARCHES = ["ÅNGSTRÖM", "zoë", "Ångström", "REFUND", "refund", "山田", "太", "ö", "a", "o'c", "%", "_", '"',
            "no ticket has this title zzz", "  "]


@pytest.mark.parametrize("term", SEARCHES)
async def test_search_is_a_case_insensitive_substring_of_title_or_customer(
        api: httpx.AsyncClient, demo: Sandbox, all_tickets: list[Ticket], term: str) -> None:
    got, total = await everything(api, demo, search=term)
    needle = folded(term)
    expected = newest_first([t for t in all_tickets if needle in searched(t)])
    assert [t["id"] for t in got] == [t["id"] for t in expected]
    assert total == len(expected)


async def test_search_finds_non_ascii_customer_names(api: httpx.AsyncClient, demo: Sandbox,
                                                     all_tickets: list[Ticket]) -> None:
    got, _ = await everything(api, demo, search="ÅNGSTRÖM")
    assert got and all(t["customerName"] == "Zoë Ångström" or "angstrom" in folded(t["title"]) for t in got)
    assert {t["id"] for t in got} >= {t["id"] for t in all_tickets if t["customerName"] == "Zoë Ångström"}


ACCENTED = {  # title -> searches that must find it (and each other spelling of it)
    "Refund for María García": ["garcia", "GARCIA", "García", "garcía", "MARÍA GARC"],
    "Garcia without an accent": ["garcía"],
    "Hauptstraße 5 is closed": ["strasse", "STRASSE", "straße", "hauptstr"],
    "İstanbul office printer": ["istanbul", "İSTANBUL", "istanbul office"],
    "Crème brûlée at the café": ["creme brulee", "CRÈME BRÛLÉE", "cafe", "café"],
    "ﬁle export fails": ["file export", "FILE"],
    "Ｆｕｌｌｗｉｄｔｈ ｉｎｖｏｉｃｅ": ["fullwidth invoice"],
    "Ærø ferry: Ångström units": ["angstrom", "ÆRØ"],
}


async def test_search_folds_accents_and_case_on_both_sides(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    made = {}
    for title in ACCENTED:
        r = await http.post(path(sandbox), json={"title": title, "customerName": "Zoë Núñez"})
        assert r.status_code == 201, r.text
        made[title] = r.json()["data"]["id"]
    for title, terms in ACCENTED.items():
        for term in terms:
            found, _ = await everything(http, sandbox, search=term)
            assert made[title] in {t["id"] for t in found}, (term, title)
    # The customer name is folded too, and the folding never makes a match out of different letters.
    found, _ = await everything(http, sandbox, search="zoe nunez")
    assert set(made.values()) <= {t["id"] for t in found}
    assert not (await everything(http, sandbox, search="garcib"))[0]


async def test_expand_customer_inlines_the_customer_on_every_row(api: httpx.AsyncClient, demo: Sandbox) -> None:
    plain = (await api.get(path(demo), params={"pageSize": 100})).json()["data"]
    assert all("customer" not in t for t in plain)
    rows = (await api.get(path(demo), params={"pageSize": 100, "expand": "customer"})).json()["data"]
    assert any(t["customerId"] is None for t in rows) and any(t["customerId"] for t in rows)
    for t in rows:
        if t["customerId"] is None:
            assert t["customer"] is None
        else:
            c = t["customer"]
            assert c["id"] == t["customerId"] and c["object"] == "customer" and c["uuid"] and c["name"]


async def test_every_ticket_carries_its_uuid_and_iso_timestamps(api: httpx.AsyncClient, demo: Sandbox,
                                                                all_tickets: list[Ticket]) -> None:
    import re
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    for t in all_tickets:
        assert re.fullmatch(r"tkt_[A-Za-z0-9]{12}", t["id"]) and re.fullmatch(r"[0-9a-f-]{36}", t["uuid"])
        for key in ("createdAt", "updatedAt", "closedAt", "firstResponseAt", "responseDeadline",
                    "resolutionDeadline"):
            assert t[key] is None or stamp.match(t[key]), (key, t[key])


BAD_QUERIES = [
    ({"pageSize": "0"}, "pageSize"), ({"pageSize": "101"}, "pageSize"), ({"page": "0"}, "page"),
    ({"page": "-1"}, "page"), ({"page": "abc"}, "page"), ({"page": "1.5"}, "page"),
    ({"page": "1_0"}, "page"), ({"page": "+1"}, "page"), ({"page": " 1"}, "page"), ({"page": "٣"}, "page"),
    ({"status": "bogus"}, "status"), ({"status": "OPEN"}, "status"), ({"priority": "bogus"}, "priority"),
    ({"expand": "bogus"}, "expand"), ({"expand": "customer,messages"}, "expand"),
    ({"assignedTo": "agt_nobody00000"}, "assignedTo"), ({"customerId": "cus_nobody00000"}, "customerId"),
    ({"customerId": "00000000-0000-4000-8000-000000000000"}, "customerId"),
]


@pytest.mark.parametrize(("params", "param"), BAD_QUERIES, ids=[str(q[0]) for q in BAD_QUERIES])
async def test_bad_query_values_are_400_naming_the_parameter(api: httpx.AsyncClient, demo: Sandbox,
                                                             params: dict[str, str], param: str) -> None:
    r = await api.get(path(demo), params=params)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param
    assert param in error["message"] and len(error["message"]) < 200


async def test_other_teams_agent_and_customer_are_unknown_here(api: httpx.AsyncClient, demo: Sandbox) -> None:
    theirs = demo.store.agents(demo.other_team_id)[0]
    r = await api.get(path(demo), params={"assignedTo": theirs["id"]})
    assert r.status_code == 400 and r.json()["error"]["param"] == "assignedTo"


async def test_unknown_query_parameters_are_ignored(api: httpx.AsyncClient, demo: Sandbox) -> None:
    r = await api.get(path(demo), params={"sort": "oldest", "limit": "5", "status": "open"})
    assert r.status_code == 200
    assert r.json()["pagination"]["pageSize"] == 20 and all(t["status"] == "open" for t in r.json()["data"])


async def test_our_list_never_includes_another_teams_tickets(api: httpx.AsyncClient, demo: Sandbox) -> None:
    theirs = {r["id"] for r in demo.store.list_tickets(demo.other_team_id, {}, None, 1, 100)[0]}
    ours, _ = await everything(api, demo)
    assert theirs and not theirs & {t["id"] for t in ours}
    titles = [r["title"] for r in demo.store.list_tickets(demo.other_team_id, {}, None, 1, 100)[0]]
    found, _ = await everything(api, demo, search=titles[0][:20])
    assert not theirs & {t["id"] for t in found}
