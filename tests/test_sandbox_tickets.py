"""Ticket and message rules over HTTP: create, get, update, delete, SLA, status, metadata, messages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.sandbox import Sandbox, create_sandbox

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


class Clock:
    """The sandbox's "now", moved by hand so updatedAt and SLA arithmetic can be asserted exactly."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sb(clock: Clock) -> Iterator[Sandbox]:
    """Agents and customers but no tickets: each test makes the tickets it needs."""
    sandbox = create_sandbox(empty=True, rate_limit=0, clock=clock)
    yield sandbox
    sandbox.close()


@pytest.fixture
async def api(sb: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=sb.transport(), base_url=f"{sb.base_url}/api/v1/teams/{sb.team_id}",
                                 headers={"Authorization": f"Bearer {sb.keys.secret}"}) as client:
        yield client


async def create(api: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    r = await api.post("/tickets", json={"title": "Printer on fire", **body})
    assert r.status_code == 201, r.text
    return r.json()["data"]


async def patch(api: httpx.AsyncClient, ticket_id: str, body: Any) -> httpx.Response:
    return await api.patch(f"/tickets/{ticket_id}", json=body)


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- create and get ----------------------------------------------------------------------------------


async def test_create_fills_the_documented_defaults(api: httpx.AsyncClient) -> None:
    t = await create(api)
    assert t["object"] == "ticket" and t["id"].startswith("tkt_") and len(t["uuid"]) == 36
    assert (t["priority"], t["status"], t["customerId"], t["customerName"]) == ("normal", "new", None,
                                                                                "Unknown Customer")
    assert (t["assignedTo"], t["tags"], t["notes"], t["metadata"], t["messageCount"]) == (None, [], None, {}, 0)
    assert t["createdAt"] == t["updatedAt"] == iso(T0) and t["closedAt"] is None and t["firstResponseAt"] is None
    assert t["slaPaused"] is False
    assert (t["responseTier"], t["resolutionTier"]) == ("normal-8h", "normal-3d")
    assert t["responseDeadline"] == iso(T0 + timedelta(hours=8))
    assert t["resolutionDeadline"] == iso(T0 + timedelta(days=3))
    got = (await api.get(f"/tickets/{t['id']}")).json()["data"]
    assert got == {**t, "messages": []}


async def test_create_with_every_field(api: httpx.AsyncClient) -> None:
    t = await create(api, priority="urgent", status="open", customerName="Jane Doe", tags=["a", "b", "a"],
                     notes="VIP", metadata={"plan": "pro"})
    assert (t["priority"], t["status"], t["customerName"], t["tags"], t["notes"], t["metadata"]) == (
        "urgent", "open", "Jane Doe", ["a", "b"], "VIP", {"plan": "pro"})
    assert t["responseDeadline"] == iso(T0 + timedelta(hours=1)) and t["responseTier"] == "urgent-1h"


@pytest.mark.parametrize("by", ["id", "uuid", "UUID"])
async def test_create_with_an_existing_customer_by_id_or_uuid(api: httpx.AsyncClient, sb: Sandbox, by: str) -> None:
    customer = sb.store._all("SELECT * FROM customers WHERE team_id = ?", (sb.team_id,))[0]
    ref = {"id": customer["id"], "uuid": customer["uuid"], "UUID": customer["uuid"].upper()}[by]
    t = await create(api, customerId=ref)
    assert t["customerId"] == customer["id"] and t["customerName"] == customer["name"]
    named = await create(api, customerId=ref, customerName="Someone Else")
    assert named["customerName"] == "Someone Else"
    expanded = (await api.get(f"/tickets/{t['id']}", params={"expand": "customer"})).json()["data"]
    assert expanded["customer"]["id"] == customer["id"] and expanded["customer"]["uuid"] == customer["uuid"]


async def test_customer_must_exist_in_this_team(api: httpx.AsyncClient, sb: Sandbox) -> None:
    theirs = sb.store._one("SELECT id FROM customers WHERE team_id = ?", (sb.other_team_id,))["id"]
    for ref in ("cus_nobody000000", theirs):
        r = await api.post("/tickets", json={"title": "x", "customerId": ref})
        assert r.status_code == 400 and r.json()["error"]["param"] == "customerId"
    assert (await api.get("/tickets")).json()["pagination"]["total"] == 0


@pytest.mark.parametrize("status", ["resolved", "closed"])
async def test_create_closed_sets_closed_at_and_pending_pauses(api: httpx.AsyncClient, status: str) -> None:
    assert (await create(api, status=status))["closedAt"] == iso(T0)
    pending = await create(api, status="pending")
    assert pending["slaPaused"] is True and pending["closedAt"] is None


async def test_get_by_prefixed_id_uuid_and_upper_case_uuid(api: httpx.AsyncClient) -> None:
    t = await create(api)
    for ref in (t["id"], t["uuid"], t["uuid"].upper()):
        r = await api.get(f"/tickets/{ref}")
        assert r.status_code == 200 and r.json()["data"]["id"] == t["id"]
        assert (await patch(api, ref, {"notes": ref})).json()["data"]["notes"] == ref
        assert (await api.get(f"/tickets/{ref}/messages")).status_code == 200


async def test_unknown_ticket_is_404_everywhere(api: httpx.AsyncClient) -> None:
    for method, url, body in [("GET", "/tickets/tkt_nothing00000", None), ("PATCH", "/tickets/tkt_x", {}),
                              ("DELETE", "/tickets/00000000-0000-4000-8000-000000000000", None),
                              ("GET", "/tickets/tkt_x/messages", None),
                              ("POST", "/tickets/tkt_x/messages", {"content": "hi"})]:
        r = await api.request(method, url, json=body)
        assert r.status_code == 404, (method, url)
        assert r.json()["error"]["code"] == "resource_missing" and r.json()["success"] is False


# --- update ------------------------------------------------------------------------------------------


async def test_patch_changes_only_the_sent_fields(api: httpx.AsyncClient, clock: Clock) -> None:
    t = await create(api, tags=["x"], notes="n", metadata={"a": "1"})
    clock.advance(minutes=5)
    r = await patch(api, t["id"], {"title": "New title"})
    after = r.json()["data"]
    assert r.status_code == 200
    assert after == {**t, "title": "New title", "updatedAt": iso(clock.now)}


async def test_empty_patch_and_same_values_change_nothing(api: httpx.AsyncClient, clock: Clock) -> None:
    t = await create(api, tags=["x"], notes="n", metadata={"a": "1"}, priority="high")
    clock.advance(minutes=5)
    assert (await patch(api, t["id"], {})).json()["data"] == t
    # Values it already has: no change, so updatedAt stays (it moved before the fix).
    same = {"title": t["title"], "priority": "high", "status": "new", "tags": ["x"], "notes": "n",
            "metadata": {"a": "1"}, "assignedTo": None}
    r = await patch(api, t["id"], same)
    assert r.status_code == 200 and r.json()["data"] == t
    assert (await api.get(f"/tickets/{t['id']}")).json()["data"]["updatedAt"] == t["updatedAt"]


async def test_assign_unassign_and_unknown_agent(api: httpx.AsyncClient, sb: Sandbox) -> None:
    t = await create(api)
    agent = sb.store.agents(sb.team_id)[1]
    assert (await patch(api, t["id"], {"assignedTo": agent["uuid"]})).json()["data"]["assignedTo"] == agent["id"]
    assert (await patch(api, t["id"], {"assignedTo": None})).json()["data"]["assignedTo"] is None
    theirs = sb.store.agents(sb.other_team_id)[0]["id"]
    for bad in ("agt_nobody000000", theirs):
        r = await patch(api, t["id"], {"assignedTo": bad, "title": "not applied"})
        assert r.status_code == 400 and r.json()["error"]["param"] == "assignedTo"
    assert (await api.get(f"/tickets/{t['id']}")).json()["data"]["title"] == t["title"]


async def test_metadata_merges_and_null_removes(api: httpx.AsyncClient) -> None:
    t = await create(api, metadata={"keep": "1", "drop": "2", "change": "3"})
    r = await patch(api, t["id"], {"metadata": {"drop": None, "change": "new", "add": "4", "absent": None}})
    assert r.json()["data"]["metadata"] == {"keep": "1", "change": "new", "add": "4"}


@pytest.mark.parametrize(("metadata", "ok"), [
    ({f"k{i}": "v" for i in range(50)}, True),
    ({f"k{i}": "v" for i in range(51)}, False),
    ({"k" * 40: "v" * 500}, True),
    ({"k" * 41: "v"}, False),
    ({"k": "v" * 501}, False),
    ({"k": 1}, False), ({"k": True}, False), ({"k": ["v"]}, False), ({"k": {"n": "v"}}, False),
    ({"": "v"}, False),
])
async def test_metadata_limits(api: httpx.AsyncClient, metadata: dict[str, Any], ok: bool) -> None:
    r = await api.post("/tickets", json={"title": "m", "metadata": metadata})
    assert r.status_code == (201 if ok else 400), r.text
    t = await create(api)
    r = await patch(api, t["id"], {"metadata": metadata})
    assert r.status_code == (200 if ok else 400), r.text
    if not ok:
        assert r.json()["error"]["param"].startswith("metadata")


async def test_a_merge_past_fifty_keys_is_refused(api: httpx.AsyncClient) -> None:
    t = await create(api, metadata={f"k{i}": "v" for i in range(30)})
    r = await patch(api, t["id"], {"metadata": {f"n{i}": "v" for i in range(21)}})
    assert r.status_code == 400
    r = await patch(api, t["id"], {"metadata": {**{f"n{i}": "v" for i in range(20)}, "k0": None, "k1": None}})
    assert r.status_code == 200 and len(r.json()["data"]["metadata"]) == 48


@pytest.mark.parametrize(("tags", "ok"), [([f"t{i}" for i in range(20)], True), ([f"t{i}" for i in range(21)], False),
                                          (["x" * 50], True), (["x" * 51], False), ([" "], False), ([1], False),
                                          ("tag", False)])
async def test_tag_limits(api: httpx.AsyncClient, tags: Any, ok: bool) -> None:
    r = await api.post("/tickets", json={"title": "t", "tags": tags})
    assert r.status_code == (201 if ok else 400), r.text


async def test_status_sets_and_clears_closed_at_and_pending_pauses(api: httpx.AsyncClient, clock: Clock) -> None:
    t = await create(api)
    clock.advance(hours=1)
    resolved = (await patch(api, t["id"], {"status": "resolved"})).json()["data"]
    assert resolved["closedAt"] == iso(clock.now) and resolved["slaPaused"] is False
    clock.advance(hours=1)
    closed = (await patch(api, t["id"], {"status": "closed"})).json()["data"]
    assert closed["closedAt"] == resolved["closedAt"]  # stamped once, when it first closed
    reopened = (await patch(api, t["id"], {"status": "open"})).json()["data"]
    assert reopened["closedAt"] is None
    pending = (await patch(api, t["id"], {"status": "pending"})).json()["data"]
    assert pending["slaPaused"] is True and pending["closedAt"] is None
    assert (await patch(api, t["id"], {"status": "open"})).json()["data"]["slaPaused"] is False


async def test_priority_change_retargets_the_sla_from_creation(api: httpx.AsyncClient, clock: Clock) -> None:
    t = await create(api, priority="low")
    assert (t["responseTier"], t["resolutionTier"]) == ("low-24h", "low-7d")
    clock.advance(hours=2)
    urgent = (await patch(api, t["id"], {"priority": "urgent"})).json()["data"]
    assert (urgent["responseTier"], urgent["resolutionTier"]) == ("urgent-1h", "urgent-4h")
    assert urgent["responseDeadline"] == iso(T0 + timedelta(hours=1))
    assert urgent["resolutionDeadline"] == iso(T0 + timedelta(hours=4))
    high = (await patch(api, t["id"], {"priority": "high"})).json()["data"]
    assert (high["responseDeadline"], high["responseTier"]) == (iso(T0 + timedelta(hours=4)), "high-4h")


@pytest.mark.parametrize("body", [{"title": "   "}, {"title": ""}, {"title": None}, {"title": 5},
                                  {"priority": "p0"}, {"status": "done"}, {"status": None}, {"tags": None},
                                  {"metadata": []}, {"notes": 1}, {"assignedTo": 7}, {"customerId": "cus_x"},
                                  {"messageCount": 3}, {"id": "tkt_mine"}])
async def test_bad_patch_bodies_are_400_and_change_nothing(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    t = await create(api)
    r = await patch(api, t["id"], {"notes": "should not stick", **body})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == next(iter(body))
    assert (await api.get(f"/tickets/{t['id']}")).json()["data"]["notes"] is None


@pytest.mark.parametrize("body", [{}, {"title": "  \t\n "}, {"title": "x", "assignedTo": None},
                                  {"title": "x", "priority": "HIGH"}, {"title": "x", "bogus": 1}])
async def test_bad_create_bodies_are_400(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    r = await api.post("/tickets", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["type"] == "invalid_request_error"


async def test_unknown_field_message_names_the_allowed_ones(api: httpx.AsyncClient) -> None:
    error = (await api.post("/tickets", json={"title": "x", "subject": "y"})).json()["error"]
    assert error["code"] == "parameter_unknown" and error["param"] == "subject"
    assert "title" in error["message"] and "customerName" in error["message"]


@pytest.mark.parametrize("raw", [b"{", b"not json", b"[1, 2]", b'"title"', b"null", b"\xff\xfe{}", b"3"])
async def test_invalid_json_and_non_object_bodies_are_400(api: httpx.AsyncClient, raw: bytes) -> None:
    t = await create(api)
    for method, url in [("POST", "/tickets"), ("PATCH", f"/tickets/{t['id']}"),
                        ("POST", f"/tickets/{t['id']}/messages")]:
        r = await api.request(method, url, content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (method, raw, r.text)
        assert r.json()["error"]["code"] == "body_invalid"


# --- messages ----------------------------------------------------------------------------------------


async def message(api: httpx.AsyncClient, ticket_id: str, **body: Any) -> httpx.Response:
    return await api.post(f"/tickets/{ticket_id}/messages", json={"content": "Hello", **body})


async def test_first_public_agent_message_sets_first_response(api: httpx.AsyncClient, clock: Clock) -> None:
    t = await create(api)
    clock.advance(minutes=1)
    assert (await message(api, t["id"], sender="customer")).status_code == 201
    clock.advance(minutes=1)
    note = (await message(api, t["id"], messageType="internal")).json()["data"]
    assert note["isInternal"] is True and note["sender"] == "agent"
    clock.advance(minutes=1)
    await message(api, t["id"], sender="system")
    after_note = (await api.get(f"/tickets/{t['id']}")).json()["data"]
    assert after_note["firstResponseAt"] is None and after_note["messageCount"] == 3
    clock.advance(minutes=1)
    reply_at = clock.now
    reply = (await message(api, t["id"], content="On it")).json()["data"]
    assert reply["sender"] == "agent" and reply["isInternal"] is False
    clock.advance(minutes=1)
    await message(api, t["id"], content="Second reply")
    ticket = (await api.get(f"/tickets/{t['id']}")).json()["data"]
    assert ticket["firstResponseAt"] == iso(reply_at)
    assert ticket["messageCount"] == 5 and ticket["updatedAt"] == iso(clock.now)
    assert [m["content"] for m in ticket["messages"]] == ["Hello", "Hello", "Hello", "On it", "Second reply"]
    listed = (await api.get(f"/tickets/{t['id']}/messages")).json()["data"]
    assert listed == ticket["messages"]
    assert [m["createdAt"] for m in listed] == sorted(m["createdAt"] for m in listed)


async def test_messages_in_the_same_second_stay_in_posting_order(api: httpx.AsyncClient) -> None:
    t = await create(api)
    for i in range(12):
        await message(api, t["id"], content=f"m{i}")
    listed = (await api.get(f"/tickets/{t['id']}/messages")).json()["data"]
    assert [m["content"] for m in listed] == [f"m{i}" for i in range(12)]


async def test_message_shape_and_sender_details(api: httpx.AsyncClient, sb: Sandbox) -> None:
    t = await create(api)
    agent = sb.store.agents(sb.team_id)[2]
    m = (await message(api, t["id"], senderId=agent["id"])).json()["data"]
    assert m["object"] == "message" and m["id"].startswith("msg_") and len(m["uuid"]) == 36
    assert m["ticketId"] == t["id"] and m["senderName"] == agent["name"]
    assert m["senderAvatarUrl"] == agent["avatar_url"]
    named = (await message(api, t["id"], senderId=agent["uuid"], senderName="Nick")).json()["data"]
    assert named["senderId"] == agent["id"] and named["senderName"] == "Nick"
    customer = (await message(api, t["id"], sender="customer", senderName="Jane")).json()["data"]
    assert customer["sender"] == "customer" and customer["senderName"] == "Jane"


@pytest.mark.parametrize("body", [{"content": "   "}, {"content": ""}, {"content": None}, {"sender": "bot"},
                                  {"messageType": "private"}, {"sender": "customer", "messageType": "internal"},
                                  {"senderId": "agt_nobody000000"}, {"isInternal": True}])
async def test_bad_messages_are_400(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    t = await create(api)
    r = await message(api, t["id"], **body)
    assert r.status_code == 400, r.text
    assert (await api.get(f"/tickets/{t['id']}")).json()["data"]["messageCount"] == 0


async def test_missing_content_is_400(api: httpx.AsyncClient) -> None:
    t = await create(api)
    r = await api.post(f"/tickets/{t['id']}/messages", json={"sender": "agent"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "content"


async def test_delete_cascades_to_messages(api: httpx.AsyncClient, sb: Sandbox) -> None:
    t = await create(api)
    await message(api, t["id"])
    await message(api, t["id"], messageType="internal")
    r = await api.delete(f"/tickets/{t['uuid']}")
    assert r.status_code == 200 and r.json()["data"] == {"deleted": True, "id": t["id"]}
    assert sb.store.count_messages(t["id"]) == 0
    assert (await api.get(f"/tickets/{t['id']}")).status_code == 404
    assert (await api.get(f"/tickets/{t['id']}/messages")).status_code == 404
    assert (await api.delete(f"/tickets/{t['id']}")).status_code == 404
    assert (await api.get("/tickets")).json()["pagination"]["total"] == 0


async def test_tickets_created_in_the_same_second_page_without_overlap_or_gap(api: httpx.AsyncClient) -> None:
    made = [(await create(api, title=f"same second {i}"))["id"] for i in range(23)]  # the clock stands still
    seen: list[str] = []
    for page in range(1, 7):
        body = (await api.get("/tickets", params={"page": page, "pageSize": 4})).json()
        seen += [t["id"] for t in body["data"]]
        assert body["pagination"]["hasMore"] == (page < 6)
    assert seen == sorted(made, reverse=True)  # ties broken by id, newest-first order otherwise
