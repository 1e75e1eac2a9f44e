"""`python -m bench cli` measures `tickets list --json` and its curl floor on one served sandbox (tiny run)."""

from __future__ import annotations

import shutil

import pytest

from bench import __main__ as dispatcher
from bench import cli_list


@pytest.mark.skipif(shutil.which("curl") is None, reason="the floor is curl")
def test_the_cli_bench_times_the_cli_and_curl() -> None:
    rows = cli_list.measure(rounds=1)
    assert [row["figure"].split(" (")[0].strip() for row in rows] == [
        "tickets list --json", "floor: curl ?pageSize=30", "tickets list --all --json",
        "floor: curl, 3 pages of 100, one connection"]
    assert all(row["median"] > 0 for row in rows)
    assert rows[0]["ratio"] > 0 and rows[2]["ratio"] > 0
    assert "cli" in dispatcher.COMMANDS
