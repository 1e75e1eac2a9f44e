"""SLA clock rules, time formatting and badges (pure functions, no app)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from widgets.badges import PRIORITY_BADGES, STATUS_BADGES, priority_badge, status_badge, status_text
from widgets.samples import NOW, make_ticket
from widgets.sla import absolute_time, format_duration, relative_time, sla_content, sla_state

H = timedelta(hours=1)
M = timedelta(minutes=1)


def ticket(**fields: object):  # noqa: ANN201
    base = {
        "status": "open",
        "first_response_at": None,
        "response_deadline": NOW + 2 * H + 14 * M,
        "resolution_deadline": NOW + 3 * 24 * H,
        "closed_at": None,
        "sla_paused": False,
    }
    base.update(fields)
    return make_ticket(0, **base)


def test_response_deadline_until_first_response_then_resolution() -> None:
    state = sla_state(ticket(), NOW)
    assert (state.kind, state.which, state.label) == ("ok", "response", "2h14m")
    state = sla_state(ticket(first_response_at=NOW - H), NOW)
    assert (state.which, state.label) == ("resolution", "3d")


def test_overdue_warn_paused_met_and_none() -> None:
    overdue = sla_state(ticket(response_deadline=NOW - 45 * M), NOW)
    assert (overdue.kind, overdue.label) == ("overdue", "-45m")
    assert "$error" in overdue.style
    assert sla_state(ticket(response_deadline=NOW + 20 * M), NOW).kind == "warn"
    assert sla_state(ticket(sla_paused=True, status="pending"), NOW).label == "paused"
    met = sla_state(ticket(status="resolved", closed_at=NOW - H), NOW)
    assert (met.kind, met.label) == ("met", "✓ met")
    late = sla_state(ticket(status="closed", closed_at=NOW, resolution_deadline=NOW - H), NOW)
    assert late.kind == "late"
    assert sla_state(ticket(response_deadline=None, resolution_deadline=None), NOW).label == "—"
    assert sla_content(ticket(), NOW).plain == "2h14m"


def test_format_duration() -> None:
    cases = {0: "0m", 59: "0m", 45 * 60: "45m", 2 * 3600 + 14 * 60: "2h14m", 26 * 3600: "1d2h", 3 * 86400: "3d"}
    for seconds, text in cases.items():
        assert format_duration(timedelta(seconds=seconds)) == text
    assert format_duration(timedelta(minutes=-45)) == "-45m"


def test_relative_and_absolute_time() -> None:
    assert relative_time(NOW - timedelta(seconds=20), NOW) == "just now"
    assert relative_time(NOW - 3 * M, NOW) == "3m ago"
    assert relative_time(NOW - 2 * H, NOW) == "2h ago"
    assert relative_time(NOW - 5 * 24 * H, NOW) == "5d ago"
    assert relative_time(NOW - 40 * 24 * H, NOW) == "Sep 23"
    assert relative_time(datetime(2025, 3, 30, tzinfo=UTC), NOW) == "Mar 2025"
    assert relative_time(None, NOW) == "—"
    assert absolute_time(datetime(2026, 3, 30, 10, 35, tzinfo=UTC)) == "2026-03-30 10:35 UTC"


def test_badges_read_without_colour_and_line_up() -> None:
    assert status_badge("pending").plain == "◌ pending"
    assert priority_badge("urgent").plain == "▴▴ urgent"
    assert len({len(status_badge(s, pad=True).plain) for s in STATUS_BADGES}) == 1
    assert len({len(priority_badge(p, pad=True).plain) for p in PRIORITY_BADGES}) == 1
    assert len({badge.symbol for badge in STATUS_BADGES.values()}) == len(STATUS_BADGES)
    assert status_text("open").plain == "▸ open"
    # A status this client doesn't know yet is shown, safely, instead of crashing.
    assert "[/]" in status_badge("[/]\x1b").plain and "\x1b" not in status_badge("[/]\x1b").plain
