"""Bodies JSON allows but text can't hold: lone surrogates, nesting deep enough to exhaust the parser.

Each must be a 400 in the usual envelope, and must leave its Idempotency-Key free: the same key is used
again at once with a corrected body. Over the in-process app, and over loopback uvicorn with raw bytes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.sandbox import Sandbox
from tests.test_sandbox_access import assert_envelope, base

# Raw request bodies, as a careless or hostile script would send them (a JSON escape is ASCII on the wire).
LONE = b"\\ud83d"
BAD_BODIES: dict[str, bytes] = {
    "surrogate_in_value": b'{"title": "broken ' + LONE + b' emoji"}',
    "low_surrogate_in_value": b'{"title": "x\\udc00"}',
    "surrogate_in_name": b'{"title": "x", "' + LONE + b'": 1}',
    "surrogate_in_metadata_key": b'{"title": "x", "metadata": {"k' + LONE + b'": "v"}}',
    "surrogate_in_metadata_value": b'{"title": "x", "metadata": {"k": "' + LONE + b'"}}',
    "surrogate_in_tag": b'{"title": "x", "tags": ["ok", "' + LONE + b'"]}',
    "pair_reversed": b'{"title": "\\ude00\\ud83d"}',
    "nested_1000_in_value": b'{"title": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    "nested_1000_objects": b'{"title": "x", "metadata": ' + b'{"a":' * 1000 + b"1" + b"}" * 1001,
    "nested_100_000": b'{"title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "nested_900_unclosed": b"[" * 900,
}
PARAM = {"surrogate_in_value": "title", "low_surrogate_in_value": "title", "surrogate_in_tag": "tags",
         "surrogate_in_metadata_value": "metadata", "surrogate_in_metadata_key": "metadata",
         "pair_reversed": "title"}


def _check_400(r: httpx.Response, case: str) -> None:
    assert r.status_code == 400, (case, r.status_code, r.text[:300])
    body = assert_envelope(r, success=False)
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["code"] == "body_invalid"
    if case in PARAM:
        assert body["error"]["param"] == PARAM[case]
    r.content.decode("utf-8")  # the answer itself is valid UTF-8


async def _bad_then_corrected(http: httpx.AsyncClient, sb: Sandbox, case: str) -> None:
    headers = {"Content-Type": "application/json", "Idempotency-Key": f"key-{case}"}
    bad = await http.post(base(sb), content=BAD_BODIES[case], headers=headers)
    _check_400(bad, case)
    # The rejected request did not claim the key: the corrected one goes through on the same key, now.
    good = await http.post(base(sb), json={"title": "Corrected"}, headers=headers)
    assert good.status_code == 201, (case, good.text[:300])
    assert "idempotent-replayed" not in good.headers
    again = await http.post(base(sb), json={"title": "Corrected"}, headers=headers)
    assert again.headers.get("idempotent-replayed") == "true"


@pytest.mark.parametrize("case", list(BAD_BODIES))
async def test_bad_bodies_are_400_and_free_their_key_in_process(http: httpx.AsyncClient, sandbox: Sandbox,
                                                               case: str) -> None:
    await _bad_then_corrected(http, sandbox, case)


@pytest.mark.parametrize("case", ["surrogate_in_value", "surrogate_in_name", "nested_1000_in_value"])
async def test_a_bad_patch_or_message_body_is_400_too(http: httpx.AsyncClient, sandbox: Sandbox, case: str) -> None:
    t = (await http.post(base(sandbox), json={"title": "Target"})).json()["data"]
    patch_body = BAD_BODIES[case].replace(b'"title"', b'"notes"', 1)
    message_body = BAD_BODIES[case].replace(b'"title"', b'"content"', 1)
    for method, url, raw in [("PATCH", f"{base(sandbox)}/{t['id']}", patch_body),
                             ("POST", f"{base(sandbox)}/{t['id']}/messages", message_body)]:
        headers = {"Idempotency-Key": f"{method}-{case}"}
        r = await http.request(method, url, content=raw, headers=headers)
        assert r.status_code == 400, (method, r.text[:300])
        assert_envelope(r, success=False)
        fixed = {"notes": "fine"} if method == "PATCH" else {"content": "fine"}
        ok = await http.request(method, url, json=fixed, headers=headers)
        assert ok.status_code in (200, 201), ok.text[:300]
    assert (await http.get(f"{base(sandbox)}/{t['id']}")).json()["data"]["notes"] == "fine"


async def test_a_valid_surrogate_pair_is_one_character_and_kept(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    r = await http.post(base(sandbox), content=b'{"title": "smile \\ud83d\\ude00", "tags": ["\\ud83d\\ude00"]}')
    assert r.status_code == 201, r.text
    assert r.json()["data"]["title"] == "smile \U0001f600" and r.json()["data"]["tags"] == ["\U0001f600"]


@pytest.fixture
async def served_http(served_sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served_sandbox.base_url, timeout=30,
                                 headers={"Authorization": f"Bearer {served_sandbox.keys.secret}"}) as client:
        yield client


# Raw bytes only a real socket carries as they are: UTF-8-encoded surrogates (invalid UTF-8) and
# percent-encoded ones in the path and the query.
RAW_UTF8 = {
    "utf8_surrogate_in_value": b'{"title": "x\xed\xa0\xbd"}',
    "utf8_surrogate_in_name": b'{"title": "x", "\xed\xa0\xbd": 1}',
}


@pytest.mark.parametrize("case", list(BAD_BODIES) + list(RAW_UTF8))
async def test_bad_bodies_over_loopback_http(served_http: httpx.AsyncClient, served_sandbox: Sandbox,
                                            case: str) -> None:
    raw = BAD_BODIES.get(case) or RAW_UTF8[case]
    headers = {"Content-Type": "application/json", "Idempotency-Key": f"wire-{case}"}
    bad = await served_http.post(base(served_sandbox), content=raw, headers=headers)
    assert bad.status_code == 400, (case, bad.status_code, bad.headers.get("content-type"), bad.text[:300])
    assert_envelope(bad, success=False)
    good = await served_http.post(base(served_sandbox), json={"title": "Corrected"}, headers=headers)
    assert good.status_code == 201, (case, good.text[:300])


async def test_percent_encoded_surrogates_in_path_and_query_are_answered(served_http: httpx.AsyncClient,
                                                                        served_sandbox: Sandbox) -> None:
    path = base(served_sandbox)
    r = await served_http.get(f"{path}/tkt_%ED%A0%BD")
    assert r.status_code == 404 and assert_envelope(r, success=False)
    r = await served_http.get(f"{path}?search=%ED%A0%BD")
    assert r.status_code == 200 and assert_envelope(r, success=True)
    r = await served_http.get(f"{path}?search=%5Cud83d&status=%ED%A0%BD")
    assert r.status_code == 400 and assert_envelope(r, success=False)["error"]["param"] == "status"
