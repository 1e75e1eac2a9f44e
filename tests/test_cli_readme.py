"""The README's five scripting examples (issue 14), run as written by bash against the served sandbox, with
the installed `cstar-tui` on the PATH; each is checked by what it printed, wrote, or left on the server."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.sandbox import Sandbox
from tests.cli_support import ROOT, all_tickets, create, env_for, ticket

FENCE = "`" * 3
EXAMPLE = re.compile(r"<!-- scripting-example: (\w+) -->\n" + FENCE + r"sh\n(.*?)" + FENCE, re.S)


def examples() -> dict[str, str]:
    return dict(EXAMPLE.findall((ROOT / "README.md").read_text(encoding="utf-8")))


def test_the_readme_has_the_five_examples() -> None:
    assert set(examples()) == {"csv", "bulk", "reply", "jq", "completion"}


def run(sandbox: Sandbox, name: str, home: Path) -> subprocess.CompletedProcess[str]:
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "cstar-tui").exists(), "the project is installed in this environment (pip install -e .)"
    env = env_for(sandbox, HOME=str(home), PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", examples()[name]], cwd=home, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_export_to_csv(served_sandbox: Sandbox, tmp_path: Path) -> None:
    run(served_sandbox, "csv", tmp_path)
    with (tmp_path / "tickets.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["id"] for row in rows] == [t["id"] for t in all_tickets(served_sandbox)]


def test_bulk_assign_with_where_and_dry_run(served_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = served_sandbox
    ids = {create(sb, title=f"Checkout outage in region {i}")["id"] for i in range(3)}
    matching = {t["id"] for t in all_tickets(sb, search="outage", status="new")}
    assert ids <= matching
    done = run(sb, "bulk", tmp_path)
    assert f"would change {len(matching)} tickets" in done.stderr and f"changed {len(matching)} tickets" in done.stderr
    for ticket_id in matching:
        after = ticket(sb, ticket_id)
        assert after["assignedTo"] == sb.agent_id and "oncall" in after["tags"]


def test_reply_from_a_file(served_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = served_sandbox
    first_open = all_tickets(sb, status="open")[0]
    run(sb, "reply", tmp_path)
    after = ticket(sb, first_open["id"])
    assert after["messages"][-1]["content"] == "Thanks for your patience: the duplicate charge is refunded.\n"
    assert after["status"] == "pending"


@pytest.mark.skipif(shutil.which("jq") is None, reason="needs jq")
def test_pipe_to_jq(served_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = served_sandbox
    made = create(sb, title="Site down", priority="urgent", status="open")
    done = run(sb, "jq", tmp_path)
    expected = [f"{t['id']}\t{t['title']}" for t in all_tickets(sb, status="open", priority="urgent")
                if t["assignedTo"] is None]
    assert done.stdout.splitlines() == expected and f"{made['id']}\tSite down" in expected


def test_completion(served_sandbox: Sandbox, tmp_path: Path) -> None:
    run(served_sandbox, "completion", tmp_path)
    script = tmp_path / ".local/share/bash-completion/completions/cstar-tui"
    done = subprocess.run(["bash", "-c", f"source {script}; complete -p cstar-tui"], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "complete -o default -F _cstar_tui cstar-tui"
