"""Keys, permissions, team isolation, limits and the envelope, over HTTP on the in-process sandbox."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.sandbox import Sandbox, create_sandbox

REQUEST_ID = re.compile(r"^req_[A-Za-z0-9]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def base(sb: Sandbox, team: str | None = None) -> str:
    return f"/api/v1/teams/{team or sb.team_id}/tickets"


def as_key(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


@pytest.fixture
async def raw(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """No default key: each request says who it is."""
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.base_url) as client:
        yield client


async def a_ticket(http: httpx.AsyncClient, sb: Sandbox) -> dict[str, Any]:
    """A ticket of ours with one public message and one internal note."""
    t = (await http.post(base(sb), json={"title": "Access test"})).json()["data"]
    await http.post(f"{base(sb)}/{t['id']}/messages", json={"content": "public reply"})
    await http.post(f"{base(sb)}/{t['id']}/messages", json={"content": "secret note", "messageType": "internal"})
    return t


def assert_envelope(r: httpx.Response, *, success: bool) -> dict[str, Any]:
    body = r.json()
    assert r.headers["content-type"] == "application/json"
    assert body["success"] is success
    assert REQUEST_ID.match(body["meta"]["requestId"]) and TIMESTAMP.match(body["meta"]["timestamp"])
    assert r.headers["request-id"] == body["meta"]["requestId"]
    if success:
        assert set(body) <= {"success", "data", "pagination", "meta"} and "data" in body
    else:
        assert set(body) == {"success", "error", "meta"}
        assert {"type", "code", "message"} <= set(body["error"]) <= {"type", "code", "message", "param"}
        assert body["error"]["message"].endswith(".") and len(body["error"]["message"]) < 300
    return body


async def test_success_and_error_envelopes(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    t = await a_ticket(http, sandbox)
    for r in [await http.get(base(sandbox)), await http.get(f"{base(sandbox)}/{t['id']}"),
              await http.get(f"{base(sandbox)}/{t['id']}/messages"),
              await http.patch(f"{base(sandbox)}/{t['id']}", json={"notes": "n"}),
              await http.delete(f"{base(sandbox)}/{t['id']}")]:
        assert_envelope(r, success=True)
    ids = {(await http.get(base(sandbox))).json()["meta"]["requestId"] for _ in range(5)}
    assert len(ids) == 5
    assert_envelope(await http.get(f"{base(sandbox)}/tkt_missing00000"), success=False)


async def test_401_without_or_with_an_unknown_key(raw: httpx.AsyncClient, sandbox: Sandbox) -> None:
    for headers, code in [({}, "api_key_missing"), (as_key("sk_test_unknown"), "api_key_invalid"),
                          ({"Authorization": f"Basic {sandbox.keys.secret}"}, "api_key_invalid"),
                          ({"Authorization": "Bearer "}, "api_key_invalid"),
                          ({"Authorization": sandbox.keys.secret}, "api_key_invalid")]:
        r = await raw.get(base(sandbox), headers=headers)
        assert r.status_code == 401, headers
        body = assert_envelope(r, success=False)
        assert body["error"]["type"] == "authentication_error" and body["error"]["code"] == code
        assert sandbox.keys.secret not in r.text


async def test_publishable_key_reads_but_never_writes(raw: httpx.AsyncClient, http: httpx.AsyncClient,
                                                      sandbox: Sandbox) -> None:
    t = await a_ticket(http, sandbox)
    pk = as_key(sandbox.keys.publishable)
    assert (await raw.get(base(sandbox), headers=pk)).status_code == 200
    for method, url, body in [("POST", base(sandbox), {"title": "x"}),
                              ("PATCH", f"{base(sandbox)}/{t['id']}", {"title": "x"}),
                              ("POST", f"{base(sandbox)}/{t['id']}/messages", {"content": "x"}),
                              ("DELETE", f"{base(sandbox)}/{t['id']}", None)]:
        r = await raw.request(method, url, json=body, headers=pk)
        assert r.status_code == 403, (method, url)
        assert assert_envelope(r, success=False)["error"]["type"] == "permission_error"
    assert (await http.get(f"{base(sandbox)}/{t['id']}")).json()["data"]["title"] == "Access test"


async def test_publishable_key_never_sees_internal_messages(raw: httpx.AsyncClient, http: httpx.AsyncClient,
                                                            sandbox: Sandbox) -> None:
    t = await a_ticket(http, sandbox)
    pk = as_key(sandbox.keys.publishable)
    for key, expected in [(pk, ["public reply"]), (as_key(sandbox.keys.secret), ["public reply", "secret note"]),
                          (as_key(sandbox.keys.restricted), ["public reply", "secret note"])]:
        got = (await raw.get(f"{base(sandbox)}/{t['id']}", headers=key)).json()["data"]
        assert [m["content"] for m in got["messages"]] == expected
        listed = (await raw.get(f"{base(sandbox)}/{t['id']}/messages", headers=key)).json()["data"]
        assert [m["content"] for m in listed] == expected
    # Nor in the seeded data, where internal notes are plentiful.
    for row in sandbox.store.list_tickets(sandbox.team_id, {}, None, 1, 40)[0]:
        got = (await raw.get(f"{base(sandbox)}/{row['id']}/messages", headers=pk)).json()["data"]
        assert not any(m["isInternal"] for m in got)


async def test_restricted_key_writes_but_cannot_delete(raw: httpx.AsyncClient, sandbox: Sandbox) -> None:
    rk = as_key(sandbox.keys.restricted)
    t = (await raw.post(base(sandbox), json={"title": "by restricted"}, headers=rk)).json()["data"]
    assert (await raw.patch(f"{base(sandbox)}/{t['id']}", json={"status": "open"}, headers=rk)).status_code == 200
    assert (await raw.post(f"{base(sandbox)}/{t['id']}/messages", json={"content": "x"},
                           headers=rk)).status_code == 201
    r = await raw.delete(f"{base(sandbox)}/{t['id']}", headers=rk)
    assert r.status_code == 403 and "delete" in r.json()["error"]["message"]
    assert (await raw.delete(f"{base(sandbox)}/{t['id']}", headers=as_key(sandbox.keys.secret))).status_code == 200


async def test_another_teams_key_gets_403_and_no_data(raw: httpx.AsyncClient, http: httpx.AsyncClient,
                                                      sandbox: Sandbox) -> None:
    t = await a_ticket(http, sandbox)
    theirs = as_key(sandbox.other_team_secret)
    for method, url, body in [("GET", base(sandbox), None), ("GET", f"{base(sandbox)}/{t['id']}", None),
                              ("GET", f"{base(sandbox)}/{t['id']}/messages", None),
                              ("POST", base(sandbox), {"title": "x"}),
                              ("PATCH", f"{base(sandbox)}/{t['id']}", {"title": "x"}),
                              ("DELETE", f"{base(sandbox)}/{t['id']}", None),
                              ("GET", base(sandbox, "team_nonexistent"), None)]:
        r = await raw.request(method, url, json=body, headers=theirs)
        assert r.status_code == 403, (method, url)
        body_ = assert_envelope(r, success=False)
        assert "data" not in body_ and "Access test" not in r.text and t["id"] not in r.text
    # Their own path works, and our ticket is simply not there.
    assert (await raw.get(base(sandbox, sandbox.other_team_id), headers=theirs)).status_code == 200
    r = await raw.get(f"{base(sandbox, sandbox.other_team_id)}/{t['id']}", headers=theirs)
    assert r.status_code == 404
    # And our key on their path.
    assert (await http.get(base(sandbox, sandbox.other_team_id))).status_code == 403


async def test_their_ticket_ids_are_404_on_our_path(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    row = sandbox.store.list_tickets(sandbox.other_team_id, {}, None, 1, 1)[0][0]
    for ref in (row["id"], row["uuid"]):
        r = await http.get(f"{base(sandbox)}/{ref}")
        assert r.status_code == 404 and row["title"] not in r.text


async def test_unknown_routes_are_json_404(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    for url in ["/", "/api/v1/teams", "/api/v2/teams/x/tickets", f"{base(sandbox)}/", f"{base(sandbox)}/t/m/x",
                f"{base(sandbox)}/tkt_x/messages/msg_x"]:
        r = await http.get(url)
        assert r.status_code == 404, url  # the trailing slash was a 307 to another URL, with no body
        assert assert_envelope(r, success=False)["error"]["code"] == "route_missing"


async def test_wrong_method_is_405_with_allow(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    for method, url, allowed in [("PUT", base(sandbox), {"GET", "HEAD", "POST"}),
                                 ("DELETE", base(sandbox), {"GET", "HEAD", "POST"}),
                                 ("PUT", f"{base(sandbox)}/tkt_x", {"GET", "HEAD", "PATCH", "DELETE"}),
                                 ("POST", f"{base(sandbox)}/tkt_x", {"GET", "HEAD", "PATCH", "DELETE"}),
                                 ("PATCH", f"{base(sandbox)}/tkt_x/messages", {"GET", "HEAD", "POST"})]:
        r = await http.request(method, url)
        assert r.status_code == 405, (method, url)
        body = assert_envelope(r, success=False)
        assert body["error"]["code"] == "method_not_allowed"
        assert set(r.headers["allow"].split(", ")) == allowed  # Starlette named only the first route's methods


async def test_body_over_one_mib_is_413(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    huge = {"title": "x", "notes": "n" * (1024 * 1024)}
    r = await http.post(base(sandbox), json=huge)
    assert r.status_code == 413 and assert_envelope(r, success=False)["error"]["code"] == "body_too_large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the size is only known by reading
        yield b'{"title": "x", "notes": "'
        for _ in range(17):
            yield b"n" * 65536
        yield b'"}'

    r = await http.post(base(sandbox), content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    just_under = {"title": "x", "notes": "n" * (1024 * 1024 - 100)}
    assert (await http.post(base(sandbox), json=just_under)).status_code == 201


async def test_429_with_retry_after_when_the_keys_bucket_is_empty() -> None:
    sb = create_sandbox(empty=True, rate_limit=5)
    try:
        async with httpx.AsyncClient(transport=sb.transport(), base_url=sb.base_url) as client:
            statuses = [(await client.get(base(sb), headers=as_key(sb.keys.secret))).status_code for _ in range(5)]
            assert statuses == [200] * 5
            r = await client.get(base(sb), headers=as_key(sb.keys.secret))
            assert r.status_code == 429
            body = assert_envelope(r, success=False)
            assert body["error"]["type"] == "rate_limit_error"
            assert int(r.headers["retry-after"]) >= 1
            # Per key: the publishable key has a bucket of its own.
            assert (await client.get(base(sb), headers=as_key(sb.keys.publishable))).status_code == 200
    finally:
        sb.close()


async def test_error_messages_quote_input_bounded(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    long_id = "tkt_" + "x" * 5000
    r = await http.get(f"{base(sandbox)}/{long_id}")
    assert r.status_code == 404 and len(r.json()["error"]["message"]) < 120
    r = await http.post(base(sandbox), json={"title": "x", "y" * 5000: 1})
    assert r.status_code == 400 and len(r.text) < 1000
    r = await http.post(base(sandbox), json={"title": "x", "priority": "p" * 5000})
    assert r.status_code == 400 and len(r.text) < 1000


async def test_invalid_json_says_where(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    r = await http.post(base(sandbox), content=b'{"title": "x",}', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "line 1 column" in r.json()["error"]["message"]


async def test_curl_style_form_content_type_is_still_json(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    """The reference's message examples send `-d` without a JSON content type; they must work."""
    t = (await http.post(base(sandbox), json={"title": "x"})).json()["data"]
    r = await http.post(f"{base(sandbox)}/{t['id']}/messages", content=b'{ "content": "Thanks!", "sender": "agent" }',
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 201 and r.json()["data"]["content"] == "Thanks!"
