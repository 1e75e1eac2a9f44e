"""Every time formatting and SLA computation is total over the datetimes a server can send, in any zone;
badges show status and priority values this version does not know, cleaned and whole where they fit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from api.models import Ticket
from tests.conftest import FIXED_NOW
from tests.test_models import REFERENCE_LIST
from widgets.badges import PRIORITY_WIDTH, STATUS_WIDTH, priority_badge, status_badge, status_text
from widgets.sla import absolute_time, relative_time, sla_content, sla_state
from widgets.ticket_columns import layout_columns, pieces_to_content, row_pieces
from widgets.ticket_header import header_content, sla_clock

EDGES = [
    datetime.min.replace(tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-1))),
]
ZONES = [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)), None]


@pytest.mark.parametrize("when", EDGES)
@pytest.mark.parametrize("zone", ZONES)
def test_time_formatting_is_total(when: datetime, zone: timezone | None) -> None:
    now = FIXED_NOW.astimezone(zone)
    assert absolute_time(when, zone)
    assert relative_time(when, now)
    assert sla_clock(when, None, paused=False, closed=False, now=now).plain
    assert sla_clock(when, FIXED_NOW, paused=False, closed=False, now=now).plain
    assert sla_clock(FIXED_NOW, when, paused=False, closed=False, now=now).plain


def test_edge_years_are_written_with_four_digits() -> None:
    assert absolute_time(datetime.min.replace(tzinfo=UTC)) == "0001-01-01 00:00 UTC"
    assert absolute_time(datetime.max.replace(tzinfo=UTC)) == "9999-12-31 23:59 UTC"
    assert relative_time(datetime.min.replace(tzinfo=UTC), FIXED_NOW) == "Jan 0001"
    assert relative_time(datetime.max.replace(tzinfo=UTC), FIXED_NOW) == "Dec 9999"
    assert relative_time(FIXED_NOW + timedelta(hours=2), FIXED_NOW) == "in 2h00m"


def test_the_sla_of_a_ticket_with_edge_deadlines() -> None:
    raw = dict(REFERENCE_LIST["data"][0], responseDeadline="0001-01-01T00:00:00+01:00",
               resolutionDeadline="9999-12-31T23:59:59-01:00", firstResponseAt="9999-12-31T23:59:59-01:00",
               createdAt="0001-01-01T00:00:00+01:00", updatedAt="9999-12-31T23:59:59-01:00")
    ticket = Ticket.model_validate(raw)
    assert sla_state(ticket, FIXED_NOW).kind == "ok"
    assert sla_content(ticket, FIXED_NOW).plain
    text = header_content(ticket, FIXED_NOW, {}).plain
    assert "0001-01-01 00:00 UTC" in text and "9999-12-31 23:59 UTC" in text
    row = pieces_to_content(row_pieces(ticket, layout_columns(160), FIXED_NOW, {})).plain
    assert "Dec 9999" in row


def test_unknown_values_get_a_neutral_badge_with_the_whole_word() -> None:
    assert status_badge("on_hold").plain == "on_hold"
    assert priority_badge("critical", pad=True).plain == "critical".ljust(PRIORITY_WIDTH)
    assert len("on_hold") <= STATUS_WIDTH and len("critical") <= PRIORITY_WIDTH
    hostile = status_text("\x1b]0;PWNED\x07[b]x[/b]" + "y" * 10_000)
    assert "\x1b" not in hostile.plain and "\x07" not in hostile.plain
    assert hostile.plain.startswith("␛]0;PWNED␇[b]x[/b]") and len(hostile.plain) == 40
    assert status_badge("").plain == "?"
    assert status_badge("open").plain == "▸ open"  # known values keep their symbols


def test_the_collision_dialog_cleans_a_grown_sender_and_an_edge_time() -> None:
    # `sender` was a closed set; now that any text a newer server sends is read, it is untrusted text.
    from api.models import Message
    from app.screens.collision import CollisionDialog

    message = Message.model_validate({
        "id": "msg_x", "ticketId": "tkt_x", "sender": "\x1b]0;PWNED\x07bot", "content": "hi",
        "createdAt": "0001-01-01T00:00:00+01:00"})
    text = CollisionDialog._describe(message).plain
    assert "\x1b" not in text and "\x07" not in text and "␛]0;PWNED␇bot" in text
    assert "0001-01-01 00:00 UTC" in text
