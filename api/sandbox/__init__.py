"""A faithful local implementation of the cStar ticket API: embedded in the app, served for curl, used by tests.

    sandbox = create_sandbox()                       # in-memory, seeded demo data
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.base_url) as http: ...
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .events import EventFeed, EventLog
from .ids import utcnow
from .ratelimit import RateLimiter
from .server import REQUEST_SECONDS, SandboxApi
from .service import TicketService
from .store import Store

if TYPE_CHECKING:
    import httpx

    from .faults import FaultPlan
    from .webhooks import WebhookDispatcher

TEAM_ID = "team_acme"
OTHER_TEAM_ID = "team_globex"
IN_PROCESS_URL = "http://sandbox.local"
DEFAULT_SEED = 1


@dataclass(frozen=True)
class SandboxKeys:
    """Fixed test keys: the sandbox holds no real data, and stable keys make docs and scans simple."""

    secret: str = "sk_test_AcmeSecret4eC39HqLyjWDarjtT1zdp7dc"
    restricted: str = "sk_test_AcmeRestrictedKx9Pw2Lm5Qz8Rt3Vb6N1"
    publishable: str = "pk_test_AcmePublishableTYooMQauvdEDq54NiTphI7"


OTHER_TEAM_SECRET = "sk_test_GlobexSecretZ7yX6wV5uT4sR3qP2oN1m"


@dataclass
class Sandbox:
    """One sandbox: its API, database, keys and the agent it starts as."""

    api: SandboxApi
    store: Store
    team_id: str
    keys: SandboxKeys
    agent_id: str
    agent_name: str
    other_team_id: str
    other_team_secret: str
    base_url: str = IN_PROCESS_URL
    webhooks: WebhookDispatcher | None = None
    #: The fault mode (see faults.py): read on every request, so tests can switch it while serving.
    faults: FaultPlan | None = None
    _asgi: Callable[..., Any] | None = field(default=None, repr=False)

    @property
    def app(self) -> Callable[..., Any]:
        """The ASGI app: the API, behind the fault middleware from the first request that finds `faults` set."""
        if self._asgi is None:
            inner = self.api.asgi()
            faulty: Callable[..., Any] | None = None

            async def app(scope: Any, receive: Any, send: Any) -> None:
                nonlocal faulty
                if faulty is None:
                    if self.faults is None:
                        await inner(scope, receive, send)
                        return
                    # Imported on first use: the embedded sandbox of a normal start never has faults.
                    from .faults import FaultMiddleware

                    faulty = FaultMiddleware(inner, lambda: self.faults, self.api.clock)
                await faulty(scope, receive, send)

            self._asgi = app
        return self._asgi

    def event_feed(self) -> EventFeed:
        """The team's events from now on, whichever process writes them (see events.py)."""
        return EventFeed(self.store, self.team_id)

    def transport(self) -> httpx.ASGITransport:
        import httpx

        return httpx.ASGITransport(app=self.app)

    def info(self) -> dict[str, Any]:
        """The shape `cstar-tui serve --json` prints."""
        return {
            "baseUrl": self.base_url,
            "teamId": self.team_id,
            "keys": {"secret": self.keys.secret, "restricted": self.keys.restricted,
                     "publishable": self.keys.publishable},
            "agent": {"id": self.agent_id, "name": self.agent_name},
            "otherTeam": {"teamId": self.other_team_id, "secret": self.other_team_secret},
        }

    def close(self) -> None:
        if self.webhooks is not None:
            self.webhooks.close()
        self.store.close()


def create_sandbox(
    db_path: str | Path = ":memory:",
    *,
    seed: int = DEFAULT_SEED,
    empty: bool = False,
    tickets: int = 300,
    max_messages: int = 30,
    rate_limit: float = 50.0,
    clock: Callable[[], datetime] = utcnow,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    faults: FaultPlan | None = None,
    request_seconds: float = REQUEST_SECONDS,
) -> Sandbox:
    """Open (and on first use create and seed) a sandbox database; nothing here touches the network."""
    keys = SandboxKeys()
    with _opening(db_path):
        store = Store(db_path)
        if store.get_meta("seeded") is None:
            data = _seed_data(seed=seed, empty=empty, tickets=tickets, max_messages=max_messages, now=clock())
            # Checked again under the write lock too: a file shared without the lock file (another
            # machine's mount) must still not be seeded twice.
            with store.transaction():
                if store.get_meta("seeded") is None:
                    _seed(store, keys, data, seed=seed, empty=empty)
    webhooks = None
    if webhook_url:
        from .webhooks import WebhookDispatcher

        webhooks = WebhookDispatcher(webhook_url, webhook_secret or "")
    service = TicketService(store, clock, webhooks.emit if webhooks else None, EventLog(store, clock).record)
    api = SandboxApi(store, service, RateLimiter(rate_limit), clock, request_seconds)
    me = store.agents(TEAM_ID)[0]
    return Sandbox(api=api, store=store, team_id=TEAM_ID, keys=keys, agent_id=me["id"], agent_name=me["name"],
                   other_team_id=OTHER_TEAM_ID, other_team_secret=OTHER_TEAM_SECRET, webhooks=webhooks,
                   faults=faults)


@contextmanager
def _opening(db_path: str | Path) -> Iterator[None]:
    """One opener of a file at a time, across processes and threads, while it is set up and seeded.

    SQLite's busy timeout alone was not enough: three openers of one new file on a loaded machine (the app,
    `cstar-tui ticket …`, `serve --db`) could still meet "database is locked", when switching to WAL or when
    seeding outlasted the 10 s wait. The others now wait here, then find the file seeded and skip generating.
    """
    if str(db_path) == ":memory:":
        yield
        return
    try:
        import fcntl
    except ImportError:  # no flock (Windows): SQLite's own locking and busy timeout are all there is
        yield
        return
    with open(f"{db_path}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _seed_data(*, seed: int, empty: bool, tickets: int, max_messages: int, now: datetime) -> tuple[Any, Any]:
    from . import demo

    ours = demo.generate(seed, now=now, tickets=0 if empty else tickets, max_messages=max_messages)
    # Another team with data of its own, so isolation is tested against something real.
    other_seed = random.Random(seed).randrange(1 << 30) + 1
    theirs = demo.generate(other_seed, now=now, tickets=12, customers=4, agents=2, team_label="Globex")
    return ours, theirs


def _seed(store: Store, keys: SandboxKeys, data: tuple[Any, Any], *, seed: int, empty: bool) -> None:
    from . import seed as seeding

    ours, theirs = data
    store.add_team(TEAM_ID, "Acme Support", {"secret": keys.secret, "restricted": keys.restricted,
                                             "publishable": keys.publishable})
    store.add_team(OTHER_TEAM_ID, "Globex Support", {"secret": OTHER_TEAM_SECRET})
    seeding.load_all(store, [(TEAM_ID, ours, not empty), (OTHER_TEAM_ID, theirs, True)])
    store.set_meta("seeded", str(seed))


def embedded_sandbox(data_dir: Path | None = None, **options: Any) -> Sandbox:
    """The app's default: a database in the user data dir, created and seeded on first use."""
    if data_dir is None:
        from platformdirs import user_data_path

        data_dir = user_data_path("cstar-tui", appauthor=False)
    data_dir.mkdir(parents=True, exist_ok=True)
    return create_sandbox(data_dir / "sandbox.sqlite3", **options)
