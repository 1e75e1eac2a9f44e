"""Notifications: a new ticket in a watched view, a new message on one of my tickets, a deadline of mine
coming; each once, through a toast, the bell and (as configured) a desktop notification."""

from __future__ import annotations

from datetime import timedelta

from api.sandbox import Sandbox
from app.config import NotificationsConfig
from app.desk.alerts import Alert
from app.notifier import desktop_sequences
from tests.detail_support import create_ticket, list_screen, table, wait_for_list
from tests.helpers import make_app, settle

SIZE = (130, 36)


def _kinds(app) -> list[str]:  # noqa: ANN001
    return [alert.kind for alert in app.notifier.sent]


async def test_a_new_ticket_in_the_watched_view_rings_once(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for_list(pilot)
        bells: list[None] = []
        app.bell = lambda: bells.append(None)  # type: ignore[method-assign]  # headless rings nothing: count
        create_ticket(sandbox, title="Nobody assigned", status="new")
        list_screen(app).poll_now()
        await settle(pilot, lambda: bool(app.notifier.sent))
        assert app.notifier.sent == [Alert("new_ticket", "", "1 new ticket in New")]
        assert len(bells) == 1
        assert any("1 new ticket in New" in str(n.message) for n in app._notifications)

        list_screen(app).poll_now()  # nothing new: nothing said again
        await settle(pilot)
        assert len(app.notifier.sent) == 1 and len(bells) == 1


async def test_a_message_on_my_ticket_and_a_near_deadline_alert_me(sandbox: Sandbox) -> None:
    app = make_app(sandbox)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("tab")  # the Mine view
        await settle(pilot, lambda: bool(table(app).tickets)
                     and all(t.assigned_to == sandbox.agent_id for t in table(app).tickets))
        mine = next(t for t in table(app).tickets if t.status in ("new", "open"))
        sandbox.api.service.add_message(sandbox.team_id, mine.id, {"content": "Hello?", "sender": "customer"})
        list_screen(app).poll_now()
        await settle(pilot, lambda: "customer_reply" in _kinds(app))
        assert [a.ticket_id for a in app.notifier.sent if a.kind == "customer_reply"] == [mine.id]
        assert list_screen(app).status_header.unseen >= 1
        assert "unseen" in str(list_screen(app).status_header.render())


async def test_deadlines_within_the_lead_time_are_announced_once(sandbox: Sandbox) -> None:
    from app.desk.alerts import AlertRules, Alerts

    app = make_app(sandbox)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        ticket_id = create_ticket(sandbox, title="Urgent and mine", priority="urgent")["id"]
        sandbox.api.service.update(sandbox.team_id, ticket_id, {"assignedTo": sandbox.agent_id})
        await wait_for_list(pilot)
        ticket = await app.client.get_ticket(ticket_id)
        assert ticket.response_deadline is not None
        now = ticket.response_deadline - timedelta(minutes=20)
        alerts = Alerts(AlertRules(sla_lead=timedelta(minutes=30)), me=sandbox.agent_id)
        found = alerts.deadlines([ticket], now)
        assert [(a.kind, a.ticket_id) for a in found] == [("sla", ticket_id)]
        assert "Response due in 20 min: Urgent and mine" == found[0].title
        assert alerts.deadlines([ticket], now) == [], "each deadline once"
        assert Alerts(AlertRules(sla_lead=timedelta(minutes=10)), me=sandbox.agent_id).deadlines([ticket], now) == []
        assert Alerts(AlertRules(), me="agt_someone_else").deadlines([ticket], now) == []


def test_off_means_off() -> None:
    from app.desk.alerts import AlertRules, Alerts

    alerts = Alerts(AlertRules(customer_reply=False, sla_lead=timedelta(0)), me="agt_x")
    assert alerts.new_messages([]) == [] and alerts.deadlines([], now=None) == []  # type: ignore[arg-type]
    assert alerts.new_in_view("status=new", []) == []
    assert NotificationsConfig().desktop == "off", "no desktop popups unless asked for"


def test_a_hostile_title_cannot_break_out_of_the_desktop_notification() -> None:
    evil = Alert("new_ticket", "tkt_x", "New ticket: \x1b]0;PWNED\x07 \x1b[2J \x9b31m;evil\x07")
    sequences = desktop_sequences(evil)
    # Exactly the two OSCs we write, each ended by its own BEL: nothing from the title reaches the terminal raw.
    assert sequences.count("\x1b") == 2 and sequences.count("\x07") == 2 and "\x9b" not in sequences
    assert sequences.startswith("\x1b]9;New ticket: ") and "PWNED" in sequences
