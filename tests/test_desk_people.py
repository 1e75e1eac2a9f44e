"""The agent and customer directories (app.desk.agents, app.desk.customers) and a customer's ticket counts,
without Textual: learning from what the real sandbox sends, persistence per profile, hostile names, bounds."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from api.client import HelpdeskClient
from api.sandbox import Sandbox, create_sandbox
from app.desk.agents import AgentDirectory, agents_for
from app.desk.customers import CustomerCounts, CustomerDirectory, count_tickets, customers_for
from app.settings import Settings
from tests.helpers import RecordingTransport


@pytest.fixture
def empty_sandbox() -> Iterator[Sandbox]:
    sb = create_sandbox(rate_limit=0, empty=True)
    yield sb
    sb.close()


def customers(sb: Sandbox) -> list[dict[str, str]]:
    rows = sb.store._all("SELECT id, name, email FROM customers WHERE team_id = ? ORDER BY id", (sb.team_id,))
    return [dict(row) for row in rows]


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[HelpdeskClient]:
    async with HelpdeskClient(sandbox.base_url, sandbox.team_id, sandbox.keys.secret,
                              transport=sandbox.transport()) as c:
        yield c


# --- agents ---------------------------------------------------------------------------------------


async def test_agents_are_learned_from_the_messages_the_service_sends(sandbox: Sandbox,
                                                                      client: HelpdeskClient) -> None:
    agents = {row["id"]: row["name"] for row in sandbox.store.agents(sandbox.team_id)}
    directory = AgentDirectory()
    async for ticket in client.iter_tickets():
        if ticket.message_count:
            full = await client.get_ticket(ticket.id)
            directory.learn_messages(full.messages or [])
        if len(directory) == len(agents):
            break
    assert dict(directory) == agents  # every agent's name, by the id the service uses for them


def test_ids_named_ignores_case_and_accents_and_matches_the_start_of_a_word() -> None:
    directory = AgentDirectory()
    directory.learn("agt_dana00000001", "Dana Scully")
    directory.learn("agt_zoe000000001", "Zoë Ångström")
    directory.learn("agt_dan000000002", "Daniel Nakamura")
    assert directory.ids_named("dana") == ["agt_dana00000001"]
    assert directory.ids_named("DAN") == ["agt_dana00000001", "agt_dan000000002"]
    assert directory.ids_named("scu") == ["agt_dana00000001"]
    assert directory.ids_named("zoe angs") == ["agt_zoe000000001"]
    assert directory.ids_named("ana") == []  # the middle of a word is noise
    assert directory.ids_named("") == []
    assert directory.ids_named("agt_dana") == []  # a name lookup: ids are the filter's own business


def test_hostile_names_are_kept_as_one_clean_short_line_and_odd_ids_are_refused() -> None:
    directory = AgentDirectory()
    assert directory.learn("agt_evil00000001", "Eve\x1b]0;pwned\x07 [b]x[/b]\nroot\u202e" + "x" * 500)
    name = directory["agt_evil00000001"]
    assert "\x1b" not in name and "\x07" not in name and "\n" not in name and "\u202e" not in name
    assert len(name) <= 80 and name.endswith("…")
    assert not directory.learn("agt_x status:closed", "Mallory")  # would become part of a filter
    assert not directory.learn("../../etc", "Mallory")
    assert not directory.learn("agt_blank0000001", "   ")
    assert not directory.learn(None, "Nobody")
    assert list(directory) == ["agt_evil00000001"]


def test_the_directory_is_bounded_forgetting_the_agent_learned_longest_ago() -> None:
    directory = AgentDirectory(limit=3)
    for n in range(4):
        directory.learn(f"agt_{n:012d}", f"Agent {n}")
    directory.learn("agt_000000000001", "Agent 1")  # seen again: kept longer
    directory.learn("agt_000000000004", "Agent 4")
    assert list(directory) == ["agt_000000000003", "agt_000000000001", "agt_000000000004"]


def test_the_directory_is_kept_per_profile_and_survives_a_restart(tmp_path: Path) -> None:
    work = Settings(base_url="https://api.example.com", team_id="team_a", api_key="sk_test_x",
                    agent_id="agt_me0000000001", agent_name="Me Myself")
    other = Settings(base_url="https://api.example.com", team_id="team_b", api_key="sk_test_y")
    directory = agents_for(work, tmp_path)
    directory.learn("agt_dana00000001", "Dana Scully")
    directory.save()
    assert directory.path is not None and directory.path.parent == tmp_path / "agents"
    again = agents_for(work, tmp_path)
    assert dict(again) == {"agt_me0000000001": "Me Myself", "agt_dana00000001": "Dana Scully"}
    assert dict(agents_for(other, tmp_path)) == {}  # another team's agents are not this one's


def test_a_damaged_or_hand_edited_file_costs_only_the_bad_entries(tmp_path: Path) -> None:
    path = tmp_path / "agents.json"
    path.write_text(json.dumps([["agt_good00000001", "Good"], ["bad id!", "Bad"], ["agt_esc000000001", "E\x1b[31m"],
                                "junk", ["agt_empty0000001", ""]]))
    directory = AgentDirectory(path)
    assert dict(directory) == {"agt_good00000001": "Good", "agt_esc000000001": "E␛[31m"}
    path.write_text("{not json")
    assert dict(AgentDirectory(path)) == {}


# --- customers ------------------------------------------------------------------------------------


async def test_customers_are_learned_from_list_pages_and_expanded_objects(sandbox: Sandbox,
                                                                          client: HelpdeskClient) -> None:
    directory = CustomerDirectory()
    page = await client.list_tickets()
    directory.learn_tickets(page.items)
    first = next(t for t in page.items if t.customer_id)
    assert directory.get(first.customer_id).name == first.customer_name  # type: ignore[arg-type, union-attr]
    assert directory.get(first.customer_id).email == ""  # type: ignore[arg-type, union-attr]
    full = await client.get_ticket(first.id, expand=("customer",))
    directory.learn_tickets([full])
    row = next(c for c in customers(sandbox) if c["id"] == first.customer_id)
    assert directory.get(first.customer_id).email == row["email"]  # type: ignore[arg-type, union-attr]
    directory.learn_tickets(page.items)  # a page without the email keeps the one known
    assert directory.get(first.customer_id).email == row["email"]  # type: ignore[arg-type, union-attr]


def test_customer_search_by_name_email_or_id_and_persistence(tmp_path: Path) -> None:
    settings = Settings(base_url="https://api.example.com", team_id="team_a", api_key="sk_test_x")
    directory = customers_for(settings, tmp_path)
    directory.learn("cus_jane00000001", "Jane Doe", "jane@example.com")
    directory.learn("cus_john00000001", "John Roe", "jr@corp.example")
    directory.learn("cus_evil00000001", "\x1b]52;c;cm0gLXJm\x07Evil", "e@x")
    assert [c.id for c in directory.search("jane")] == ["cus_jane00000001"]
    assert [c.id for c in directory.search("jr@")] == ["cus_john00000001"]
    assert [c.id for c in directory.search("doe")] == ["cus_jane00000001"]
    assert [c.id for c in directory.search("cus_john00000001")] == ["cus_john00000001"]
    assert directory.search("") == []
    assert "\x1b" not in directory.get("cus_evil00000001").name  # type: ignore[union-attr]
    directory.save()
    assert customers_for(settings, tmp_path).get("cus_jane00000001").email == "jane@example.com"  # type: ignore[union-attr]


# --- a customer's ticket counts -------------------------------------------------------------------


async def test_counts_take_one_request_when_the_customer_has_a_page_of_tickets_or_less(
        empty_sandbox: Sandbox) -> None:
    sb = empty_sandbox
    jane, other = customers(sb)[:2]
    for status in ("open", "open", "new", "closed", "open"):
        sb.api.service.create(sb.team_id, {"title": "t", "customerId": jane["id"], "status": status})
    sb.api.service.create(sb.team_id, {"title": "t", "customerId": other["id"], "status": "open"})
    rec = RecordingTransport(sb.transport())
    async with HelpdeskClient(sb.base_url, sb.team_id, sb.keys.secret, transport=rec) as client:
        counts = await count_tickets(client, jane["id"])
    assert counts == CustomerCounts(open=3, total=5) and str(counts) == "3 open · 5 in all"
    assert [s.params for s in rec.seen] == [{"customerId": jane["id"], "pageSize": "100"}]


async def test_counts_take_a_second_request_when_the_customer_has_more_than_a_page(
        empty_sandbox: Sandbox) -> None:
    sb = empty_sandbox
    jane = customers(sb)[0]
    for n in range(103):
        sb.api.service.create(sb.team_id, {"title": f"t{n}", "customerId": jane["id"],
                                           "status": "open" if n % 2 else "pending"})
    rec = RecordingTransport(sb.transport())
    async with HelpdeskClient(sb.base_url, sb.team_id, sb.keys.secret, transport=rec) as client:
        counts = await count_tickets(client, jane["id"])
    assert counts == CustomerCounts(open=51, total=103)
    assert [s.params for s in rec.seen] == [{"customerId": jane["id"], "pageSize": "100"},
                                            {"customerId": jane["id"], "status": "open", "pageSize": "1"}]


async def test_an_unreadable_ticket_on_the_page_is_not_counted_as_not_open(empty_sandbox: Sandbox) -> None:
    sb = empty_sandbox
    jane = customers(sb)[0]
    made = [sb.api.service.create(sb.team_id, {"title": "t", "customerId": jane["id"], "status": "open"})
            for _ in range(2)]

    class Garble(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await sb.transport().handle_async_request(request)
            await response.aread()
            if request.url.params.get("pageSize") != "100":
                return response
            body = json.loads(response.content)
            body["data"] = [dict(item, createdAt="garbled") if item["id"] == made[0]["id"] else item
                            for item in body["data"]]
            return httpx.Response(response.status_code, json=body)

    async with HelpdeskClient(sb.base_url, sb.team_id, sb.keys.secret, transport=Garble()) as client:
        assert await count_tickets(client, jane["id"]) == CustomerCounts(open=2, total=2)


def test_the_picker_search_lists_everyone_for_nothing_typed_and_ids_only_once_they_look_like_ids() -> None:
    directory = AgentDirectory()
    directory.learn("agt_dana00000001", "Dana Scully")
    directory.learn("agt_fox000000001", "Fox Mulder")
    assert [name for _, name in directory.search("")] == ["Dana Scully", "Fox Mulder"]
    assert directory.search("a") == []  # a name being typed, not the start of every agt_…
    assert [name for _, name in directory.search("agt_f")] == ["Fox Mulder"]
    assert [name for _, name in directory.search("mul")] == ["Fox Mulder"]
