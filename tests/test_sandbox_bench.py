"""`python -m bench` dispatches by name, and the sandbox list bench measures what it says (tiny run)."""

from __future__ import annotations

import pytest

from api.sandbox import Sandbox
from bench import __main__ as dispatcher
from bench import sandbox_list


async def test_list_bench_times_every_scenario(sandbox: Sandbox) -> None:
    figures = await sandbox_list.measure(sandbox, 300, requests=2)
    assert [f.scenario for f in figures] == [s.name for s in sandbox_list.scenarios(sandbox)]
    assert all(f.median_ms > 0 and f.p95_ms >= f.median_ms for f in figures)
    by_name = {f.scenario: f.total for f in figures}
    assert by_name["no filter"] == 300
    assert by_name["search=refund (first page)"] == by_name["search=refund (page 2)"] > 0
    assert "tickets" in sandbox_list.table(figures, {300: 0.1}).splitlines()[0]


def test_dispatcher_lists_and_rejects_unknown_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert dispatcher.main(["list"]) == 0
    assert "sandbox" in capsys.readouterr().out
    assert dispatcher.main(["no-such-bench"]) == 2
    assert "no benchmark named" in capsys.readouterr().err


def test_bare_run_gives_each_benchmark_its_own_json_file() -> None:
    assert dispatcher._per_command_json(["--quick", "--json", "out/figures.json"], "sandbox") == [
        "--quick", "--json", "out/figures.sandbox.json"]
    assert dispatcher._per_command_json(["--quick"], "sandbox") == ["--quick"]
