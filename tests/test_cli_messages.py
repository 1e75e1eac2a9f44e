"""`cstar-tui reply` and `cstar-tui note` (issue 14): through the TUI's drafts and send protocol, as real
subprocesses against the served sandbox. A reply whose answer the fault mode drops is kept pending on disk
with its Idempotency-Key and sent again by the next run: the ticket gets exactly one message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.sandbox import Sandbox
from api.sandbox.faults import Fault, FaultPlan
from app.drafts import DraftStore
from tests.cli_support import cli, create, ticket
from tests.helpers import settings_for


@pytest.fixture
def sb(served_sandbox: Sandbox) -> Sandbox:
    return served_sandbox


def _contents(sb: Sandbox, ticket_id: str) -> list[tuple[str, bool]]:
    return [(m["content"], m["isInternal"]) for m in ticket(sb, ticket_id)["messages"]]


def _drafts(sb: Sandbox) -> DraftStore:
    settings = settings_for(sb)
    settings.sandbox = False  # the subprocess connects by URL: its drafts are under the URL's profile
    return DraftStore.for_settings(settings)


def test_reply_posts_one_public_message_and_opens_a_new_ticket(sb: Sandbox) -> None:
    made = create(sb, title="Reply to me")
    done = cli(sb, "reply", made["id"], "-m", "Thanks, looking into it.")
    assert done.returncode == 0, done.stderr
    after = ticket(sb, made["id"])
    assert [(m["id"], m["content"], m["isInternal"], m["senderId"]) for m in after["messages"]] == \
        [(done.stdout.strip(), "Thanks, looking into it.", False, sb.agent_id)]
    assert after["status"] == "open"  # a first public reply opens a new ticket, as in the TUI
    assert _drafts(sb).load(made["id"]) is None


def test_note_reads_stdin_and_changes_no_status(sb: Sandbox) -> None:
    made = create(sb, title="Note on me")
    done = cli(sb, "note", made["id"], "-", stdin="Customer is on the Pro plan\n", )
    assert done.returncode == 0, done.stderr
    assert _contents(sb, made["id"]) == [("Customer is on the Pro plan\n", True)]
    assert ticket(sb, made["id"])["status"] == "new"


def test_reply_from_a_file_then_sets_the_status(sb: Sandbox, tmp_path: Path) -> None:
    made = create(sb, title="Answer from a file")
    answer = tmp_path / "answer.txt"
    answer.write_text("Line one\nLine two\n")
    done = cli(sb, "reply", made["id"], "--file", str(answer), "--status", "pending", "--json")
    assert done.returncode == 0, done.stderr
    sent = json.loads(done.stdout)
    assert sent["content"] == "Line one\nLine two\n" and sent["ticket"]["status"] == "pending"
    assert _contents(sb, made["id"]) == [("Line one\nLine two\n", False)]
    assert ticket(sb, made["id"])["status"] == "pending"


def test_a_reply_whose_answer_is_dropped_is_resent_with_its_key_and_posted_once(sb: Sandbox) -> None:
    made = create(sb, title="Lossy network")
    sb.faults = FaultPlan(Fault("drop-after-commit", methods=frozenset({"POST"}), path=r"/messages$"))
    lost = cli(sb, "reply", made["id"], "-m", "We refunded you.", "--status", "resolved")
    assert lost.returncode == 1, lost
    assert "was not confirmed; it is kept" in lost.stderr and len(lost.stderr.strip().splitlines()) == 1
    # The service stored it (only the answer was lost, each retry too); the draft waits with its key.
    assert _contents(sb, made["id"]) == [("We refunded you.", False)]
    pending = _drafts(sb).load(made["id"])
    assert pending is not None and pending.pending is not None and pending.idempotency_key
    assert ticket(sb, made["id"])["status"] == "new"  # the status waits for a confirmed send

    sb.faults = None
    again = cli(sb, "reply", made["id"], "--status", "resolved")  # no text: the pending one, with its key
    assert again.returncode == 0, again.stderr
    assert _contents(sb, made["id"]) == [("We refunded you.", False)]
    assert ticket(sb, made["id"])["status"] == "resolved"
    assert _drafts(sb).load(made["id"]) is None


def test_the_same_text_sent_again_after_a_lost_answer_is_not_posted_twice(sb: Sandbox) -> None:
    made = create(sb, title="Impatient agent")
    sb.faults = FaultPlan(Fault("drop-after-commit", methods=frozenset({"POST"}), path=r"/messages$"))
    assert cli(sb, "note", made["id"], "-m", "Escalated to billing").returncode == 1
    sb.faults = None
    done = cli(sb, "note", made["id"], "-m", "Escalated to billing")
    assert done.returncode == 0, done.stderr
    assert _contents(sb, made["id"]) == [("Escalated to billing", True)]


def test_another_text_while_one_is_unconfirmed_is_refused(sb: Sandbox) -> None:
    made = create(sb, title="Two replies")
    sb.faults = FaultPlan(Fault("drop-after-commit", methods=frozenset({"POST"}), path=r"/messages$"))
    assert cli(sb, "reply", made["id"], "-m", "First").returncode == 1
    sb.faults = None
    done = cli(sb, "reply", made["id"], "-m", "Second")
    assert done.returncode == 1 and "never confirmed" in done.stderr
    assert _contents(sb, made["id"]) == [("First", False)]


def test_a_refused_reply_exits_1_and_posts_nothing(sb: Sandbox) -> None:
    done = cli(sb, "reply", "tkt_doesnotexist0", "-m", "hello", "--json")
    assert done.returncode == 1 and done.stdout == ""
    assert json.loads(done.stderr)["error"]["status"] == 404


def test_reply_without_text_is_a_usage_error(sb: Sandbox) -> None:
    made = create(sb, title="Silent")
    done = cli(sb, "reply", made["id"])
    assert done.returncode == 2 and "give the text" in done.stderr
    assert _contents(sb, made["id"]) == []
