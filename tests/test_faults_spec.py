"""The fault mode's plan: the --faults syntax, filters, shares, and the seed that makes a run repeatable."""

from __future__ import annotations

from collections import Counter

import pytest

from api.sandbox.faults import Fault, FaultPlan

MSG = "/api/v1/teams/team_acme/tickets/tkt_abcdefabcdef/messages"
LIST = "/api/v1/teams/team_acme/tickets"


def test_the_documented_example_parses_and_describes_itself_back() -> None:
    plan = FaultPlan.parse("latency=200ms,error=0.2,drop-after-commit=0.1@POST,seed=7")
    assert plan.seed == 7
    assert [f.kind for f in plan.faults] == ["latency", "error", "drop-after-commit"]
    latency, error, drop = plan.faults
    assert latency.delay == (0.2, 0.2) and latency.rate == 1.0
    assert error.rate == 0.2 and error.statuses == (500, 502, 503)
    assert drop.methods == frozenset({"POST"}) and drop.rate == 0.1
    assert plan.describe() == "latency=200ms,error=0.2,drop-after-commit=0.1@POST,seed=7"
    assert FaultPlan.parse(plan.describe()).describe() == plan.describe()


@pytest.mark.parametrize(("spec", "kind", "checks"), [
    ("latency=50ms-2s:0.5", "latency", {"delay": (0.05, 2.0), "rate": 0.5}),
    ("latency=1.5s", "latency", {"delay": (1.5, 1.5), "rate": 1.0}),
    ("503=20%", "error", {"statuses": (503,), "rate": 0.2}),
    ("error=0.3:500:502", "error", {"statuses": (500, 502)}),
    ("429=0.1:2s", "rate-limit", {"delay": (2.0, 2.0), "rate": 0.1}),
    ("rate-limit", "rate-limit", {"rate": 1.0, "delay": None}),
    ("mid-body=1:10b", "cut-body", {"size": 10}),
    ("drip=1:20ms:64b", "drip", {"delay": (0.02, 0.02), "size": 64}),
    ("html=0.05@GET", "html", {"methods": frozenset({"GET"})}),
    ("drop@post|patch@/messages$", "drop", {"methods": frozenset({"POST", "PATCH"}), "path": "/messages$"}),
])
def test_each_kind_and_its_arguments(spec: str, kind: str, checks: dict[str, object]) -> None:
    (fault,) = FaultPlan.parse(spec + ",seed=1").faults
    assert fault.kind == kind
    for name, value in checks.items():
        assert getattr(fault, name) == value, name
    assert FaultPlan.parse(fault.describe()).faults == (fault,)


@pytest.mark.parametrize(("spec", "words"), [
    ("", "no faults"),
    ("seed=3", "no faults"),
    ("explode=0.1", "unknown fault"),
    ("error=1.5", "between 0 and 1"),
    ("error=0.1:404", "statuses"),
    ("latency=200", "between 0 and 1"),
    ("latency=fast", "not a rate"),
    ("latency=2s-1s", "low to high"),
    ("drop@get post", "neither methods"),
    ("drop@/([", "bad path pattern"),
    ("error,seed=x", "whole number"),
    ("cut-body=1:0b", "at least 1"),
])
def test_a_bad_spec_is_one_clear_error(spec: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        FaultPlan.parse(spec)


def test_without_a_seed_one_is_picked_and_shown() -> None:
    plan = FaultPlan.parse("error=0.5")
    assert plan.seed > 0 and plan.describe().endswith(f"seed={plan.seed}")


def _run(plan: FaultPlan, n: int = 200) -> list[str]:
    for i in range(n):
        plan.decide("POST" if i % 3 == 0 else "GET", MSG if i % 3 == 0 else LIST)
    return plan.outcomes()


def test_the_same_seed_gives_the_same_faults_and_another_seed_others() -> None:
    spec = "latency=10ms-90ms:0.3,error=0.2,429=0.1,drop-after-commit=0.2@POST,html=0.05"
    first = _run(FaultPlan.parse(spec, seed=7))
    assert first == _run(FaultPlan.parse(spec, seed=7))
    assert first != _run(FaultPlan.parse(spec, seed=8))
    assert len(set(first)) > 5  # plenty of different outcomes, latency amounts included


def test_rates_are_shares_of_requests_and_faults_are_exclusive() -> None:
    plan = FaultPlan(Fault("error", 0.2), Fault("html", 0.1), Fault("drop", 0.9), seed=3)
    counts = Counter(d.fault.kind if d.fault else "ok" for d in (plan.decide("GET", LIST) for _ in range(2000)))
    # One draw picks at most one: error gets its 20 %, html its 10 %, drop only the 70 % left.
    assert 0.17 < counts["error"] / 2000 < 0.23
    assert 0.08 < counts["html"] / 2000 < 0.12
    assert counts["ok"] == 0 and counts["drop"] == 2000 - counts["error"] - counts["html"]


def test_filters_pick_methods_and_paths() -> None:
    plan = FaultPlan(Fault("drop", methods={"POST"}, path=r"/messages$"), seed=1)
    assert plan.decide("POST", MSG).fault is not None
    assert plan.decide("GET", MSG).fault is None
    assert plan.decide("POST", LIST).fault is None


def test_latency_adds_to_another_fault_and_stays_in_its_range() -> None:
    plan = FaultPlan(Fault("latency", delay=(0.1, 0.3)), Fault("error", statuses=(503,)), seed=5)
    decisions = [plan.decide("GET", LIST) for _ in range(50)]
    assert all(0.1 <= d.latency <= 0.3 and d.status == 503 for d in decisions)
    assert decisions[0].outcome.startswith("error:503+")


def test_history_is_bounded() -> None:
    plan = FaultPlan(Fault("html", 0.0))
    for _ in range(10_050):
        plan.decide("GET", LIST)
    assert len(plan.history) == 10_000
