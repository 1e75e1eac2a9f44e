"""The detail header's text: SLA clocks in every state, and untrusted values shown literally."""

from __future__ import annotations

from datetime import timedelta

from api.models import Customer, Ticket
from widgets.samples import NOW, make_ticket
from widgets.ticket_header import agent_label, header_content, sla_clock

H = timedelta(hours=1)


def _clock(deadline=NOW + H, done=None, *, paused=False, closed=False) -> str:
    return sla_clock(deadline, done, paused=paused, closed=closed, now=NOW).plain


def test_sla_clock_states() -> None:
    assert _clock(NOW + 2 * H).startswith("due in 2h00m")
    assert _clock(NOW - H / 4).startswith("overdue by 15m")
    assert _clock(done=NOW).startswith("✓ met")
    assert _clock(NOW - H, done=NOW).startswith("✗ missed by 1h00m")
    assert _clock(paused=True).startswith("‖ paused")
    assert _clock(closed=True) == "— closed without one"
    assert _clock(None) == "—"
    assert "(2026-11-02 10:30 UTC)" in _clock()


def test_agent_label() -> None:
    assert agent_label(None, {}) == "unassigned"
    assert agent_label("agt_1", {"agt_1": "Alex [b]"}) == "Alex [b] (agt_1)"
    assert agent_label("agt_2", {}) == "agt_2"


def test_header_shows_hostile_values_literally_without_control_characters() -> None:
    base = make_ticket(1)
    ticket = Ticket.model_validate({
        **base.model_dump(), "title": "[/] [@click=app.quit]x[/] \x1b]0;PWNED\x07", "tags": ["[red]t[/red]"],
        "notes": "line one\nline two \x1b[2J", "metadata": {"k": "\x9b31m"},
        "customer": Customer(id="cus_1", name="Eve\u202e", email="eve@example.com"),
    })
    text = header_content(ticket, NOW, {}).plain
    assert "[/] [@click=app.quit]x[/] ␛]0;PWNED␇" in text
    assert "[red]t[/red]" in text and "line two ␛[2J" in text and "⟨9B⟩31m" in text
    assert "Eve⟨RLO⟩ <eve@example.com>" in text
    assert not any(ord(c) < 32 and c != "\n" or 0x7F <= ord(c) <= 0x9F for c in text)
