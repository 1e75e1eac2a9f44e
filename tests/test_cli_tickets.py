"""`cstar-tui tickets list` and `ticket show|create|update|delete` (issue 14), as real subprocesses against
the sandbox served on loopback: output, exit status and what the server then holds."""

from __future__ import annotations

import csv
import io
import json

import pytest

from api.sandbox import Sandbox
from tests.cli_support import all_tickets, cli, create, on_terminal, ticket
from tests.hostile_server import RAW_CONTROLS

HOSTILE = "Pay \x1b]0;pwned\x07now\x1b[2J \x9b31m\u202etxt.exe [b]x[/]"


@pytest.fixture
def sb(served_sandbox: Sandbox) -> Sandbox:
    return served_sandbox


def assert_clean(output: str) -> None:
    raw = sorted({f"U+{ord(c):04X}" for c in output if c in RAW_CONTROLS})
    assert not raw, f"raw control characters reach the terminal: {raw}\n{output!r}"


# --- tickets list ------------------------------------------------------------------------------------


def test_list_piped_is_a_json_array_of_the_newest_30(sb: Sandbox) -> None:
    done = cli(sb, "tickets", "list")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    newest = all_tickets(sb)[:30]
    assert [t["id"] for t in listed] == [t["id"] for t in newest]
    assert listed[0] == newest[0]  # every field, as the service sent it


def test_list_takes_the_filter_query_a_limit_and_json_fields(sb: Sandbox) -> None:
    done = cli(sb, "tickets", "list", "status:open", "prio:high", "--limit", "4", "--json", "id,status,priority")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    expected = all_tickets(sb, status="open", priority="high")[:4]
    assert listed == [{"id": t["id"], "status": "open", "priority": "high"} for t in expected]


def test_list_all_streams_ndjson_across_pages(sb: Sandbox) -> None:
    done = cli(sb, "tickets", "list", "--all", "--json", "id")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    every = all_tickets(sb)
    assert len(every) > 100  # more than one page
    assert rows == [{"id": t["id"]} for t in every]


def test_list_csv_has_a_header_and_the_data_cleaned(sb: Sandbox) -> None:
    made = create(sb, title='Refund "now",\nplease \x1b[2J', tags=["a", "b"], customerName="Zoë, Ltd")
    done = cli(sb, "tickets", "list", "--csv", "--limit", "3")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 3
    assert rows[0]["id"] == made["id"] and rows[0]["title"] == 'Refund "now",\nplease ␛[2J'
    assert rows[0]["customerName"] == "Zoë, Ltd" and rows[0]["tags"] == "a;b"
    assert_clean(done.stdout)


def test_list_plain_is_tab_separated_and_cleaned(sb: Sandbox) -> None:
    made = create(sb, title="Tab\there\nnewline " + HOSTILE)
    done = cli(sb, "tickets", "list", "--plain", "--limit", "2")
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0].split("\t")
    assert first[0] == made["id"] and first[1] == "new" and first[2] == "normal"
    assert first[-1].startswith("Tab here⏎newline Pay ␛]0;pwned␇now")
    assert len(done.stdout.splitlines()) == 2
    assert_clean(done.stdout)


def test_json_carries_hostile_data_exactly_and_stays_harmless(sb: Sandbox) -> None:
    made = create(sb, title=HOSTILE)
    done = cli(sb, "tickets", "list", "--limit", "1")
    assert json.loads(done.stdout)[0]["title"] == made["title"] == HOSTILE
    assert_clean(done.stdout)  # written as \uXXXX escapes, which any JSON reader turns back


def test_list_on_a_terminal_is_a_clean_table_cut_to_its_width(sb: Sandbox) -> None:
    create(sb, title=HOSTILE + " and a title far too long for eighty columns " * 3,
           customerName="名前のとても長いお客様です")
    status, output = on_terminal(sb, "tickets", "list", "--limit", "5", columns=80)
    assert status == 0, output
    assert_clean(output)
    lines = output.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "PRIO", "UPDATED", "CUSTOMER", "TITLE"]
    assert len(lines) == 6
    from app.cli.output import fit

    for line in lines:
        assert fit(line, 80).rstrip() == line.rstrip(), f"wider than 80 cells: {line!r}"
    assert "Pay ␛]0;pwned␇now" in lines[1] and lines[1].endswith("…")
    assert "[b]x[/]" not in output or "[b]x[/]" in lines[1]  # printed as text, never styled


def test_a_bad_query_is_a_usage_error(sb: Sandbox) -> None:
    done = cli(sb, "tickets", "list", "stauts:open")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "unknown filter 'stauts:'" in done.stderr and "did you mean 'status'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_an_unknown_json_field_is_a_usage_error(sb: Sandbox) -> None:
    done = cli(sb, "tickets", "list", "--json", "id,nope")
    assert done.returncode == 2 and "unknown JSON field 'nope'" in done.stderr


# --- ticket show -------------------------------------------------------------------------------------


def test_show_json_has_the_ticket_and_its_messages(sb: Sandbox) -> None:
    some = next(t for t in all_tickets(sb) if t["messageCount"] >= 2)
    done = cli(sb, "ticket", "show", some["id"], "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    server = ticket(sb, some["id"])
    assert shown["id"] == some["id"] and shown["title"] == server["title"]
    assert [m["id"] for m in shown["messages"]] == [m["id"] for m in server["messages"]]
    assert shown["messages"][0]["content"] == server["messages"][0]["content"]


def test_show_on_a_terminal_prints_the_thread_cleaned(sb: Sandbox) -> None:
    made = create(sb, title=HOSTILE)
    from tests.cli_support import api

    with api(sb) as http:
        http.post(f"/tickets/{made['id']}/messages",
                  json={"content": "line one\n\x1b[31mred\x1b[0m", "sender": "customer"})
    status, output = on_terminal(sb, "ticket", "show", made["id"])
    assert status == 0, output
    assert_clean(output)
    assert made["id"] in output and "␛[31mred␛[0m" in output and "line one" in output


def test_show_an_unknown_ticket_fails_with_one_line(sb: Sandbox) -> None:
    done = cli(sb, "ticket", "show", "tkt_doesnotexist0")
    assert done.returncode == 1
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert "not found" in done.stderr.lower()


def test_show_an_unknown_ticket_with_json_fails_with_a_json_error(sb: Sandbox) -> None:
    done = cli(sb, "ticket", "show", "tkt_doesnotexist0", "--json")
    assert done.returncode == 1 and done.stdout == ""
    error = json.loads(done.stderr)
    assert error["exitStatus"] == 1 and error["error"]["status"] == 404 and error["error"]["kind"] == "api"


# --- ticket create -----------------------------------------------------------------------------------


def test_create_files_a_ticket_with_a_first_message_from_stdin(sb: Sandbox) -> None:
    done = cli(sb, "ticket", "create", "--title", "Disk full on db-3", "--priority", "urgent", "--tag", "outage",
               "--tag", "db", "--customer", "Ops bot", "--meta", "host=db-3", "--message", "-",
               stdin="ERROR 28 no space left on device\n")
    assert done.returncode == 0, done.stderr
    ticket_id = done.stdout.strip()
    made = ticket(sb, ticket_id)
    assert made["title"] == "Disk full on db-3" and made["priority"] == "urgent"
    assert made["tags"] == ["outage", "db"] and made["customerName"] == "Ops bot"
    assert made["metadata"] == {"host": "db-3"}
    assert [(m["content"], m["isInternal"]) for m in made["messages"]] == [("ERROR 28 no space left on device\n", True)]


def test_create_with_json_prints_the_new_ticket(sb: Sandbox) -> None:
    done = cli(sb, "ticket", "create", "--title", "From a script", "--json", "id,title,status")
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    assert made["title"] == "From a script" and made["status"] == "new"
    assert ticket(sb, made["id"])["title"] == "From a script"


def test_create_with_a_blank_title_is_a_usage_error_and_creates_nothing(sb: Sandbox) -> None:
    before = len(all_tickets(sb))
    done = cli(sb, "ticket", "create", "--title", "   ")
    assert done.returncode == 2, done
    assert len(all_tickets(sb)) == before


# --- ticket update -----------------------------------------------------------------------------------


def test_update_one_ticket_status_assign_tags_and_metadata(sb: Sandbox) -> None:
    made = create(sb, title="Update me", tags=["old", "keep"], metadata={"gone": "x", "stay": "y"})
    done = cli(sb, "ticket", "update", made["id"], "--status", "pending", "--priority", "high", "--assign", "me",
               "--tag", "+new", "-old", "--meta", "k=v", "gone=")
    assert done.returncode == 0, done.stderr
    after = ticket(sb, made["id"])
    assert (after["status"], after["priority"], after["assignedTo"]) == ("pending", "high", sb.agent_id)
    assert after["tags"] == ["keep", "new"]
    assert after["metadata"] == {"stay": "y", "k": "v"}


def test_update_assign_none_unassigns(sb: Sandbox) -> None:
    made = create(sb, title="Unassign me")
    assert cli(sb, "ticket", "update", made["id"], "--assign", "me").returncode == 0
    assert ticket(sb, made["id"])["assignedTo"] == sb.agent_id
    done = cli(sb, "ticket", "update", made["id"], "--assign", "none", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["assignedTo"] is None
    assert ticket(sb, made["id"])["assignedTo"] is None


def test_update_without_a_change_is_a_usage_error(sb: Sandbox) -> None:
    made = create(sb, title="Nothing asked")
    done = cli(sb, "ticket", "update", made["id"])
    assert done.returncode == 2 and "nothing to change" in done.stderr


def test_update_refused_by_the_service_exits_1(sb: Sandbox) -> None:
    made = create(sb, title="Bad agent")
    done = cli(sb, "ticket", "update", made["id"], "--assign", "agt_nobodyhere1")
    assert done.returncode == 1, done
    assert len(done.stderr.strip().splitlines()) == 1
    assert ticket(sb, made["id"])["assignedTo"] is None


def _outage(sb: Sandbox, count: int) -> list[str]:
    return [create(sb, title=f"Zebrafrost outage report {i}", tags=["outage"])["id"] for i in range(count)]


def test_update_where_dry_run_changes_nothing(sb: Sandbox) -> None:
    ids = _outage(sb, 5)
    done = cli(sb, "ticket", "update", "--where", "zebrafrost", "--assign", "me", "--tag", "+oncall", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert sorted(line.split("\t")[0] for line in done.stdout.splitlines()) == sorted(ids)
    assert f"assignedTo={sb.agent_id}" in done.stdout and "tags=outage,oncall" in done.stdout
    assert "would change 5 tickets" in done.stderr
    assert all(ticket(sb, i)["assignedTo"] is None for i in ids)


def test_update_where_needs_yes_without_a_terminal(sb: Sandbox) -> None:
    ids = _outage(sb, 3)
    done = cli(sb, "ticket", "update", "--where", "zebrafrost", "--assign", "me")
    assert done.returncode == 2 and "--yes" in done.stderr
    assert all(ticket(sb, i)["assignedTo"] is None for i in ids)


def test_update_where_changes_120_tickets_across_pages(sb: Sandbox) -> None:
    ids = _outage(sb, 120)
    done = cli(sb, "ticket", "update", "--where", "zebrafrost status:new", "--assign", "me", "--status", "open",
               "--tag", "+oncall", "--yes")
    assert done.returncode == 0, done.stderr
    assert "changed 120 tickets" in done.stderr
    assert sorted(line.split("\t")[0] for line in done.stdout.splitlines()) == sorted(ids)
    server = {t["id"]: t for t in all_tickets(sb, search="zebrafrost")}
    assert set(server) == set(ids)
    assert {(t["assignedTo"], t["status"], tuple(t["tags"])) for t in server.values()} == \
        {(sb.agent_id, "open", ("outage", "oncall"))}
    # Run again: nothing left that the query finds (they are open now).
    again = cli(sb, "ticket", "update", "--where", "zebrafrost status:new", "--assign", "me", "--yes")
    assert again.returncode == 0 and "changed 0 tickets" in again.stderr


# --- ticket delete -----------------------------------------------------------------------------------


def test_delete_needs_yes_without_a_terminal_then_deletes(sb: Sandbox) -> None:
    made = create(sb, title="Delete me")
    refused = cli(sb, "ticket", "delete", made["id"])
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert ticket(sb, made["id"])["id"] == made["id"]
    done = cli(sb, "ticket", "delete", made["id"], "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"deleted": True, "id": made["id"]}
    assert made["id"] not in {t["id"] for t in all_tickets(sb)}


# --- the TUI's query language, answered by the desk's query runner --------------------------------


def test_list_takes_any_of_values_and_tags_across_several_streams(sb: Sandbox) -> None:
    done = cli(sb, "tickets", "list", "status:open,pending", "tag:billing", "--all", "--json", "id,status,tags")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    expected = [t for t in all_tickets(sb) if t["status"] in ("open", "pending") and "billing" in t["tags"]]
    assert expected and [r["id"] for r in rows] == [t["id"] for t in expected]  # merged in the API's order


def test_list_excludes_values_and_knows_unsolved(sb: Sandbox) -> None:
    done = cli(sb, "tickets", "list", "unsolved", "-prio:low", "--limit", "500", "--json", "id")
    assert done.returncode == 0, done.stderr
    expected = [t["id"] for t in all_tickets(sb) if t["status"] in ("new", "open", "pending")
                and t["priority"] != "low"]
    assert [r["id"] for r in json.loads(done.stdout)] == expected


def test_list_sorts_as_the_tui_does(sb: Sandbox) -> None:
    done = cli(sb, "tickets", "list", "--sort", "-updated", "--limit", "40", "--json", "id,updatedAt")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 40
    stamps = [r["updatedAt"] for r in rows]
    assert stamps == sorted(stamps)  # -updated: the oldest change first
    assert stamps[0] == min(t["updatedAt"] for t in all_tickets(sb))
    in_query = cli(sb, "tickets", "list", "sort:-updated", "--limit", "40", "--json", "id,updatedAt")
    assert json.loads(in_query.stdout) == rows
    bad = cli(sb, "tickets", "list", "--sort", "colour")
    assert bad.returncode == 2 and "cannot sort by" in bad.stderr


def test_update_where_takes_tags(sb: Sandbox) -> None:
    ids = [create(sb, title=f"Tagged {i}", tags=["zebratag"])["id"] for i in range(3)]
    create(sb, title="Not tagged")
    done = cli(sb, "ticket", "update", "--where", "tag:zebratag", "--priority", "urgent", "--yes")
    assert done.returncode == 0, done.stderr
    assert {t["id"] for t in all_tickets(sb, priority="urgent") if "zebratag" in t["tags"]} == set(ids)


def test_update_where_goes_through_the_bulk_runner_past_429s(sb: Sandbox) -> None:
    from api.sandbox.faults import FaultPlan
    from app.desk.bulk import BulkJournals
    from tests.helpers import settings_for

    ids = _outage(sb, 24)
    sb.faults = FaultPlan.parse("rate-limit=50ms:0.3@PATCH,seed=3")  # 3 PATCHes in 10 answered 429
    done = cli(sb, "ticket", "update", "--where", "zebrafrost", "--status", "pending", "--tag", "-outage", "+p1",
               "--yes", "--json", "id,status,tags")
    sb.faults = None
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert sorted(r["id"] for r in rows) == sorted(ids) and all(r["ok"] for r in rows)
    assert {(r["ticket"]["status"], tuple(r["ticket"]["tags"])) for r in rows} == {("pending", ("p1",))}
    server = [ticket(sb, i) for i in ids]
    assert {(t["status"], tuple(t["tags"])) for t in server} == {("pending", ("p1",))}
    # One Idempotency-Key per ticket and change, made by the bulk runner; its journal is gone once reported.
    keys = [row["key"] for row in sb.store._all("SELECT key FROM idempotency")]
    assert len([k for k in keys if k.startswith("cstar-bulk-")]) == 2 * len(ids)
    settings = settings_for(sb)
    settings.sandbox = False
    assert BulkJournals.for_settings(settings).left_over() == []


def test_agents_by_name_once_ticket_show_has_learned_them(sb: Sandbox) -> None:
    writer = next((t, m) for t in all_tickets(sb) if t["messageCount"]
                  for m in ticket(sb, t["id"])["messages"]
                  if m["sender"] == "agent" and m["senderId"] not in (None, sb.agent_id) and m["senderName"])
    seen_in, message = writer
    first_name = message["senderName"].split()[0]
    made = create(sb, title="Give me to a colleague")
    unknown = cli(sb, "ticket", "update", made["id"], "--assign", first_name)
    assert unknown.returncode == 2 and "no agent named" in unknown.stderr
    assert cli(sb, "ticket", "show", seen_in["id"]).returncode == 0  # learns the names in the thread
    done = cli(sb, "ticket", "update", made["id"], "--assign", first_name)
    assert done.returncode == 0, done.stderr
    assert ticket(sb, made["id"])["assignedTo"] == message["senderId"]
    listed = cli(sb, "tickets", "list", f"assignee:{first_name}", "--all", "--json", "id,assignedTo")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert made["id"] in {r["id"] for r in rows} and {r["assignedTo"] for r in rows} == {message["senderId"]}


def test_update_resume_finishes_a_killed_bulk_with_its_journaled_keys(sb: Sandbox) -> None:
    from api.models import TicketUpdate
    from app.desk.bulk import BulkChange, BulkJournals, Outcome
    from tests.helpers import settings_for

    ids = _outage(sb, 5)
    settings = settings_for(sb)
    settings.sandbox = False  # the subprocess connects by URL: its journals are under the URL's profile
    journals = BulkJournals.for_settings(settings)
    journal = journals.start(BulkChange(update=TicketUpdate(status="pending")), ids)
    journal.record(Outcome(ids[0], True))  # the killed run got this far (and no further)
    journals.release(journal)  # ... and let go of it, as a killed process does

    done = cli(sb, "ticket", "update", "--resume", "--json")
    assert done.returncode == 0, done.stderr
    assert "resumed: Set 5 tickets to pending: 5 done" in done.stderr
    assert [ticket(sb, i)["status"] for i in ids] == ["new"] + ["pending"] * 4  # the first: the journal's word
    used = {row["key"] for row in sb.store._all("SELECT key FROM idempotency")}
    assert {journal.keys[i] for i in ids[1:]} <= used and journal.keys[ids[0]] not in used
    assert journals.left_over() == []
    again = cli(sb, "ticket", "update", "--resume")
    assert again.returncode == 0 and "no unfinished bulk change" in again.stderr
