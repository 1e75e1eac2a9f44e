"""The Textual application: one client for its lifetime, the header, the screens, the palette."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.timer import Timer

from api.client import HelpdeskClient
from api.filters import FilterSyntaxError, parse_query
from app.commands import ActionCommands
from app.config import NO_FILE
from app.config_app import ProfileCommands, apply_config
from app.desk.agents import AgentDirectory, agents_for
from app.desk.alerts import AlertRules, Alerts
from app.desk.connection import Connection
from app.desk.customers import CustomerDirectory, customers_for, learn_from
from app.desk.intake import apply_event
from app.desk.live import DEFAULT_INTERVAL, Poller
from app.desk.query import DEFAULT_CAP, query_view
from app.desk.seen import SeenTickets, seen_for
from app.desk.store import DeskStore
from app.drafts import drafts_for
from app.notifier import Notifier
from app.outbox import outbox_for
from app.paste_guard import install as install_paste_guard
from app.settings import Settings
from app.views import DEFAULT_VIEWS, CustomerView, View
from widgets.safe_text import clean, one_line
from widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from app.config import LoadedConfig
    from app.webhook_receiver import WebhookReceiver


def _utcnow() -> datetime:
    return datetime.now(UTC)


# How often the embedded sandbox's event log is read: one indexed SELECT, so the demo is live within this.
EVENT_FOLLOW_SECONDS = 0.5

_COPYABLE_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


def _cleans_its_pastes(widget: object) -> bool:
    from widgets.safe_input import SafeInput

    # A SafeTextArea can only exist once its module is loaded: asking does not import TextArea (~14 ms).
    text_area = sys.modules.get("widgets.safe_text_area")
    return isinstance(widget, SafeInput) or (text_area is not None and isinstance(widget, text_area.SafeTextArea))


class CStarApp(App[int]):
    TITLE = "cstar-tui"
    CSS_PATH = "styles.tcss"
    COMMANDS = App.COMMANDS | {ActionCommands, ProfileCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="app.interrupt"),
    ]

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = _utcnow,
                 views: list[View] | None = None, debounce: float = 0.15, config: LoadedConfig | None = None,
                 problems: Sequence[str] = (), refresh_seconds: float | None = None,
                 seen: SeenTickets | None = None, listen: tuple[str, int, str] | None = None,
                 agents: AgentDirectory | None = None, customers: CustomerDirectory | None = None) -> None:
        super().__init__()
        # Before the driver starts reading: a bracketed paste reaches the app as one Paste, never as keys.
        install_paste_guard(self.driver_class)
        self.settings = settings
        self.clock = clock
        # The config file: views, macros, keymap, theme and profiles; `problems` are warned about on mount.
        self.config = config
        self._config_problems = list(problems)
        config_views = [View(v.name, v.query) for v in config.file.views] if config is not None else []
        self.views = views or config_views or list(DEFAULT_VIEWS)
        self.debounce = debounce
        # Most tickets a view may hold to be read whole for a sort or a tag filter.
        self.sort_limit = config.file.sort_limit if config is not None else DEFAULT_CAP
        # Every ticket and list view the app has seen; screens render from it (see app.desk).
        self.store = DeskStore()
        # What the agent saw of each ticket, for the list's activity marks (per profile, in the data dir).
        self.seen = seen if seen is not None else seen_for(settings)
        # Names by id, learned from what the app reads and kept per profile (app.desk.agents / customers): the
        # assignee column, the header and the pickers show names, `assignee:dana` finds her, the new-ticket
        # form links a known customer.
        self.agents = agents if agents is not None else agents_for(settings)
        self.agents.learn(settings.agent_id, settings.agent_name)
        self.customers = customers if customers is not None else customers_for(settings)
        self._unlearn = learn_from(self.store, self.customers)
        if refresh_seconds is None:  # not given: the config file's, else the default
            refresh_seconds = config.file.refresh_seconds if config is not None else DEFAULT_INTERVAL
        # What "on" means when live updates are toggled from the palette (0 in the config: off, 20 s if turned on).
        self.live_interval = refresh_seconds or DEFAULT_INTERVAL
        self.poller = Poller(self.store, refresh_seconds)
        notes = (config.file if config is not None else NO_FILE).notifications
        self.notifications = notes
        self.notifier = Notifier(self, bell=notes.bell, desktop=notes.desktop)
        self.alerts = self._new_alerts()
        # `--listen`: (host, port, secret) of the webhook receiver, started on mount.
        self._listen = listen
        self.webhooks: WebhookReceiver | None = None
        self._event_poll: Timer | None = None
        self._event_follow: Timer | None = None
        self.client = HelpdeskClient(settings.base_url, settings.team_id, settings.api_key,
                                     transport=settings.transport, on_event=self._on_client_event)
        # What the headers show: the last connection state the client reported (None: no request yet).
        self.connection = Connection()

    @property
    def agent_label(self) -> str:
        s = self.settings
        if s.agent_name and s.agent_id:
            return f"{s.agent_name} ({s.agent_id})"
        return s.agent_name or s.agent_id or "no agent set"

    async def on_mount(self) -> None:
        apply_config(self, self._config_problems)
        await self.client.__aenter__()
        from app.screens.ticket_list import TicketListScreen

        outbox_for(self).load()  # replies a previous run could not get confirmed; sent at the first answer
        if self._listen is not None:
            await self._start_webhooks(*self._listen)
        self._follow_events()
        self.screen_change_signal.subscribe(self, self._show_connection)
        await self.push_screen(TicketListScreen())

    async def _start_webhooks(self, host: str, port: int, secret: str) -> None:
        from app.webhook_receiver import WebhookReceiver

        receiver = WebhookReceiver(secret, self._webhook_event, host=host, port=port)
        try:
            await receiver.start()
        except OSError as exc:
            self.notify(f"Webhooks cannot be received on {host}:{port}: {exc.strerror or exc}. "
                        "Live updates go on by polling.", severity="error", markup=False, timeout=15)
            return
        self.webhooks = receiver

    def _follow_events(self) -> None:
        """On the embedded sandbox, its events reach the desk in-process: a ticket created or answered from
        another terminal shows within `EVENT_FOLLOW_SECONDS`, polling or not, with no request to the API."""
        if self._event_follow is not None:
            self._event_follow.stop()
            self._event_follow = None
        if self.settings.events is not None:
            self._event_follow = self.set_interval(EVENT_FOLLOW_SECONDS, self._read_events)

    def _read_events(self) -> None:
        read = self.settings.events
        for body in read() if read is not None else ():
            self._webhook_event(body)

    def _webhook_event(self, body: bytes) -> None:
        """A verified event: its ticket into the store now; the views and the open ticket read soon after
        (several events in a burst cost one read)."""
        intake = apply_event(self.store, body)
        if intake is None or not intake.refresh or self._event_poll is not None:
            return
        self._event_poll = self.set_timer(0.2, self._poll_after_events)

    def ticket_changed(self, ticket_id: str) -> None:
        """Something changed a ticket outside its screens (the outbox delivered a reply): the screens showing
        it read it again."""
        for screen in self.screen_stack:
            if getattr(screen, "ticket_id", None) == ticket_id and hasattr(screen, "action_refresh"):
                screen.action_refresh()

    def _poll_after_events(self) -> None:
        self._event_poll = None
        for screen in self.screen_stack:
            poll = getattr(screen, "poll_now", None)
            if poll is not None:
                poll()

    async def on_unmount(self) -> None:
        self.save_people()
        if self.webhooks is not None:
            await self.webhooks.stop()
        await self.client.aclose()
        # Another window may write these drafts and send their replies now (a process that ends lets go
        # of its locks anyway; an app that ends inside a longer-lived process must too).
        drafts_for(self).release_all()

    async def reconnect(self, settings: Settings) -> None:
        """Another profile without a restart: a new client, the old one closed, the list screen anew."""
        from app.screens.ticket_list import TicketListScreen

        # Screens above the list go first, while the old settings still hold: a composer saves its
        # draft on the way out, and that draft belongs to the old connection.
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        old = self.client
        self.settings = settings
        self.client = HelpdeskClient(settings.base_url, settings.team_id, settings.api_key,
                                     transport=settings.transport, on_event=self._on_client_event)
        self.save_people()
        self.views = [view for view in self.views if not isinstance(view, CustomerView)]  # the old team's customer
        in_memory = self.agents.path is None
        self.agents = AgentDirectory() if in_memory else agents_for(settings)
        self.agents.learn(settings.agent_id, settings.agent_name)
        self.customers = CustomerDirectory() if self.customers.path is None else customers_for(settings)
        self._unlearn()
        self._unlearn = learn_from(self.store, self.customers)
        drafts_for(self).release_all()  # the outbox's holds; the composers above let go as they closed
        self.draft_store = None  # drafts are kept per connection (see app.drafts.profile_slug)
        self.bulk_journals = None  # so are bulk journals; marks name the old connection's tickets
        self.marks = None
        self.seen.save()
        self.seen = seen_for(settings) if self.seen.path is not None else SeenTickets()
        self.store.forget_views()  # what was seen belongs to the old connection
        self.poller = Poller(self.store, self.poller.interval)
        self.alerts = self._new_alerts()
        await self.switch_screen(TicketListScreen())
        await old.aclose()
        self.connection.reset()  # the new connection has said nothing yet
        self._follow_events()
        outbox_for(self).load()

    def watched_views(self) -> dict[str, str]:
        """View key -> name for the views whose new tickets are announced (`notifications.new_ticket_views`)."""
        watched = {}
        for view in self.views:
            if view.name in self.notifications.new_ticket_views:
                try:
                    # Named before the directory exists (at start): a view by agent name waits for it.
                    query = parse_query(view.query, me=self.settings.agent_id, agents=getattr(self, "agents", None))
                    watched[query_view(query).key] = view.name
                except FilterSyntaxError:
                    continue
        return watched

    def _new_alerts(self) -> Alerts:
        rules = AlertRules(watched_views=frozenset(self.watched_views()),
                           customer_reply=self.notifications.customer_reply,
                           sla_lead=timedelta(minutes=self.notifications.sla_minutes))
        return Alerts(rules, me=self.settings.agent_id)

    def copy_ticket(self, ticket_id: str | None, what: str = "id") -> None:
        """`y` copies the ticket's ID, `Y` its web address (`web_url` in the config), through the terminal
        (OSC 52). An ID comes from the service: one with characters an ID never has is not copied, since a
        paste into a shell could run them."""
        if not ticket_id:
            return
        if not _COPYABLE_ID.fullmatch(ticket_id):
            self.notify("This ticket's ID holds characters an ID never has; it was not copied.",
                        severity="warning", markup=False)
            return
        if what == "url":
            template = self.config.file.web_url if self.config is not None else None
            if not template:
                self.notify('Set web_url in the config (e.g. "https://app.cstar.help/tickets/{id}") '
                            "to copy a ticket's address.", severity="warning", markup=False, timeout=8)
                return
            text = template.replace("{id}", ticket_id)
        else:
            text = ticket_id
        self.copy_to_clipboard(text)
        self.notify(f"Copied {text}", markup=False, timeout=3)

    def toggle_live(self) -> None:
        """Live updates off, or back on at the configured interval (from the palette)."""
        self.poller.interval = 0 if self.poller.enabled else self.live_interval
        for screen in self.screen_stack:
            live_changed = getattr(screen, "live_changed", None)
            if live_changed is not None:
                live_changed()
        state = f"on: the list refreshes every {self.live_interval:g} s" if self.poller.enabled else "off"
        self.notify(f"Live updates {state}.", markup=False, timeout=3)

    async def on_event(self, event: events.Event) -> None:
        # A paste goes to the focused widget. Ours clean it (widgets.safe_input); Textual's own (the command
        # palette's search field) would paint a pasted ESC or OSC as it is, so its paste is cleaned here.
        if isinstance(event, events.Paste) and not _cleans_its_pastes(self.focused):
            event.text = clean(event.text)
        await super().on_event(event)

    def _on_client_event(self, event: str, details: dict[str, Any]) -> None:
        """The client reports retries, failures and answers: every header shows them (offline sticks until a
        request gets an answer), and an answer sends the replies that wait for one."""
        answered = self.connection.client_event(event, details)
        for screen in self.screen_stack:
            self._show_connection(screen)
        if answered:
            outbox_for(self).service_answered()

    def _show_connection(self, screen: object) -> None:
        header = getattr(screen, "status_header", None)
        if header is not None and self.connection.state is not None:
            header.set_state(*self.connection.state)

    def action_help(self) -> None:
        from app.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen.active_bindings))

    def new_status_header(self) -> StatusHeader:
        """The header line every screen shows: team, agent, masked key, connection state."""
        s = self.settings
        return StatusHeader(team=s.team_id, agent=self.agent_label, masked_key=s.masked_key, sandbox=s.sandbox,
                            id="status-header")

    def open_ticket(self, ticket_id: str, source: object | None = None) -> None:
        """Open the detail view; `source` is the list it came from, for `]`/`[` and row updates."""
        from app.screens.ticket_detail import TicketDetailScreen

        self.push_screen(TicketDetailScreen(ticket_id, source=source))

    def action_open_ticket_prompt(self) -> None:
        from app.screens.edit_ticket import ticket_id_problem
        from widgets.pickers import TextPrompt

        def opened(value: str | None) -> None:
            if value and value.strip():
                self.open_ticket(value.strip())

        self.push_screen(TextPrompt("Open ticket by ID", placeholder="tkt_… or a UUID", validator=ticket_id_problem),
                         opened)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        # Every notification passes here (a screen's or widget's notify too), and many echo a server's
        # words: a toast paints its text as it is, so control characters go here, and huge texts are cut.
        super().notify(clean(str(message), max_chars=None if markup else 2_000), title=one_line(str(title), 120),
                       severity=severity, timeout=timeout, markup=markup)

    def _fatal_error(self) -> None:
        # Textual's crash report (Textual's own _fatal_error, step for step) with every key masked: the
        # report prints each frame's local variables, and one of them may hold a key (see app.masking).
        import rich
        from rich.segment import Segments

        from app.masking import masked_traceback

        self.bell()
        traceback = masked_traceback(width=None, locals_max_length=5, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    @property
    def agent_names(self) -> AgentDirectory:
        """Agent id -> name, for the widgets (a read-only mapping)."""
        return self.agents

    def learn_agents(self, pairs: dict[str, str]) -> None:
        for agent_id, name in pairs.items():
            self.agents.learn(agent_id, name)

    def save_people(self) -> None:
        """Write what was learned of agents and customers (only when something changed)."""
        self.agents.save()
        self.customers.save()
