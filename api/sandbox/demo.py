"""Deterministic demo data for the sandbox: agents, customers, tickets and their threads.

Everything comes from one `random.Random(seed)` and the caller's `now`, so a seed names a data set
(tests and screenshots rely on that). The text is what real customers send: brackets that look like
markup, emoji, CJK and accented names, 2,000-character lines, pasted stack traces, tabs. Terminal
escape sequences are deliberately absent; they belong to a separate hostile corpus.

Derived fields (messageCount, firstResponseAt, closedAt, SLA deadlines, slaPaused) are the store's job.
"""

from __future__ import annotations

import gc
import random
import string
import unicodedata
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from math import log

_ALPHABET = string.ascii_letters + string.digits
# byte -> alphanumeric; 256 = 4 * 62 + 8 skews eight letters slightly, which demo ids can afford
_B62 = _ALPHABET.encode() * 4 + _ALPHABET[:8].encode()
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}

STATUSES = ("new", "open", "pending", "resolved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
_MAX_AGE = 60 * 86400
_MIN_AGE = 300  # leaves room for a thread even on the youngest ticket

# Backlogs age: fresh tickets are mostly untouched, old ones mostly done, but some old ones linger.
_STATUS_CUM_BY_AGE = (  # under a day, under a week, older
    list(accumulate((45, 30, 10, 12, 3))),
    list(accumulate((15, 30, 15, 30, 10))),
    list(accumulate((8, 20, 10, 32, 30))),
)
_PRIORITY_CUM = list(accumulate((20, 50, 22, 8)))
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


@dataclass
class DemoData:
    agents: list[dict] = field(default_factory=list)
    customers: list[dict] = field(default_factory=list)
    tickets: list[dict] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)


class _Ids:
    """Prefixed ids and UUIDs in the shapes of `ids.new_id`/`ids.new_uuid`, minted in bulk.

    The 100k-ticket bench spends much of its time minting ids, so random bytes are drawn a few
    kilobytes at a time and sliced; the UUIDs carry the same version/variant bits as `uuid.uuid4()`.
    """

    _CHUNK = 1024

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._ids, self._id_pos = "", 0
        self._hex, self._hex_pos = "", 0

    def id(self, prefix: str) -> str:
        p = self._id_pos
        if p >= len(self._ids):
            self._ids, p = self._rng.randbytes(12 * self._CHUNK).translate(_B62).decode("ascii"), 0
        self._id_pos = p + 12
        return f"{prefix}_{self._ids[p:p + 12]}"

    def uuid(self) -> str:
        p = self._hex_pos
        if p >= len(self._hex):
            self._hex, p = self._rng.randbytes(16 * self._CHUNK).hex(), 0
        self._hex_pos = p + 32
        h = self._hex[p:p + 32]
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def _ascii_slug(name: str, sep: str = ".") -> str:
    folded = unicodedata.normalize("NFKD", name.translate(_TRANSLIT))
    words = ["".join(c for c in w if c.isascii() and c.isalnum()) for w in folded.lower().split()]
    return sep.join(w for w in words if w)


def _agents(rng: random.Random, ids: _Ids, count: int, team_label: str) -> list[dict]:
    names = list(_AGENT_NAMES)
    while len(names) < count:
        names.append(f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}")
    domain = (_ascii_slug(team_label, "-") or "team") + ".example"
    used: set[str] = set()
    agents = []
    for name in names[:count]:
        local = _ascii_slug(name.split()[0])
        if local in used:
            local = _ascii_slug(name)
        while local in used:
            local += str(len(used))
        used.add(local)
        aid = ids.id("agt")
        agents.append({"id": aid, "uuid": ids.uuid(), "name": name, "email": f"{local}@{domain}",
                       "avatarUrl": f"https://avatars.cstar.example/{aid}.png"})
    return agents


def _customers(rng: random.Random, ids: _Ids, count: int) -> list[dict]:
    names = list(_CUSTOMER_NAMES[:count])
    while len(names) < count:
        names.append(f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}")
    used: set[str] = set()
    customers = []
    for i, name in enumerate(names):
        local = _ascii_slug(name) or f"user{i + 1}"  # CJK and Arabic names fold to nothing
        if local in used:
            local = f"{local}{i + 1}"
        used.add(local)
        customers.append({"id": ids.id("cus"), "uuid": ids.uuid(), "name": name,
                          "email": f"{local}@{_EMAIL_DOMAINS[i % len(_EMAIL_DOMAINS)]}"})
    return customers


def _greeting_name(name: str) -> str:
    # "Hi Zoë" reads right, "Hi 太郎" does not: family-name-first (CJK) names keep the whole name.
    return name if _is_cjk(name) else name.split()[0]


def _is_cjk(text: str) -> bool:
    return any("\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in text)


class _Ctx(dict):
    """Template values for one ticket, made on first use so a whole thread quotes one order number."""

    # Attributes set by the caller rather than in an __init__: one Python call less per ticket counts.
    __slots__ = ("r", "created")
    r: Callable[[], float]
    created: datetime

    def __missing__(self, key: str) -> str:
        r = self.r
        if key == "amount":
            value = f"${9 + int(r() * 491)}.{('00', '99', '50', '20')[int(r() * 4)]}"
        elif key == "order":
            value = f"ORD-{100000 + int(r() * 900000)}"
        elif key == "invoice":
            value = f"INV-{self.created.year}-{1000 + int(r() * 9000)}"
        elif key == "date":  # strftime is locale-dependent and slow; the bench notices
            day = self.created - timedelta(days=1 + int(r() * 20))
            value = f"{_MONTHS[day.month - 1][:3]} {day.day:02d}"
        elif key == "month":
            value = _MONTHS[self.created.month - 1]
        elif key == "year":
            value = str(self.created.year - 1)
        elif key == "last4":
            value = f"{int(r() * 10000):04d}"
        elif key == "ref":
            value = f"ENG-{1000 + int(r() * 9000)}"
        elif key == "line":
            value = str(12 + int(r() * 870))
        else:
            options = _CHOICES[key]
            value = options[int(r() * len(options))]
        self[key] = value
        return value


def _long_line(rng: random.Random) -> str:
    # A minified JSON response pasted whole: one line past 2,000 characters.
    rows = []
    total = 0
    while total < 2100:
        row = (f'{{"sku":"SKU-{rng.randint(10000, 99999)}","qty":{rng.randint(1, 40)},'
               f'"price":{rng.randint(100, 99999) / 100},"warehouse":"{rng.choice(_CHOICES["region"])}"}}')
        rows.append(row)
        total += len(row) + 1
    return '{"data":[' + ",".join(rows) + '],"error":null,"next":null}'


def _offsets(rng: random.Random, n: int, window: int) -> list[int]:
    """n strictly increasing whole-second offsets in [1, window], the first soon after creation."""
    r = rng.random
    first = 1 + int(r() * min(120, window))
    if n == 1:
        return [first]
    gap_mean = max(60.0, min(3 * 86400.0, window / (2.0 * n)))
    offs = [float(first)]
    t = float(first)
    for _ in range(n - 1):
        t += 30.0 - gap_mean * log(1.0 - r())  # exponential gaps: replies come in bursts, then silence
        offs.append(t)
    if t > window:  # squeeze the thread into the ticket's life, keeping the first message early
        scale = (window - first) / (t - first)
        offs = [first + (o - first) * scale for o in offs]
    out = [int(o) for o in offs]
    for i in range(1, n):
        if out[i] <= out[i - 1]:
            out[i] = out[i - 1] + 1
    for i in range(n - 1, -1, -1):  # whole seconds can overflow the window: pull back, still strictly
        cap = window - (n - 1 - i)
        if out[i] > cap:
            out[i] = cap
    return out


def generate(seed: int, *, now: datetime, tickets: int = 300, customers: int = 40, agents: int = 5,
             max_messages: int = 30, team_label: str = "Acme") -> DemoData:
    """Build a demo data set; the same `seed` and `now` always give the same data.

    Times are whole seconds (the API shows seconds): tickets are created within ~60 days before
    `now`, messages strictly after their ticket and strictly before `now`.
    """
    if tickets < 0 or customers < 0 or max_messages < 0:
        raise ValueError("tickets, customers and max_messages must be >= 0")
    if agents < 1:
        raise ValueError("a team needs at least one agent")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC).replace(microsecond=0)
    rng = random.Random(seed)
    ids = _Ids(rng)
    data = DemoData(agents=_agents(rng, ids, agents, team_label), customers=_customers(rng, ids, customers))
    # Hundreds of thousands of acyclic dicts: the cyclic GC would only rescan the growing heap again
    # and again (10–30% of the 100k-ticket time here) and can free nothing, so it rests meanwhile.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _tickets(rng, ids, data, now, tickets, max_messages, team_label)
    finally:
        if gc_was_enabled:
            gc.enable()
    return data


def _tickets(rng: random.Random, ids: _Ids, data: DemoData, now: datetime, count: int,
             max_messages: int, team_label: str) -> None:
    # Hot loop for the 100k bench: plain `r()` arithmetic instead of choice/randint/choices, which
    # cost several times more per call.
    r = rng.random
    agents, customers = data.agents, data.customers
    n_agents, n_customers = len(agents), len(customers)
    greet = [_greeting_name(c["name"]) for c in customers]
    first_names = [a["name"].split()[0] for a in agents]
    signatures = [_SIGNATURE.format(agent=first, team=team_label) for first in first_names]
    vip = {i for i in range(n_customers) if i % 9 == 4}
    topic_names = list(_TOPICS)
    topic_cum = list(accumulate(_TOPICS[t]["weight"] for t in topic_names))
    # Showcase content lands on seeded tickets, so every data set of a useful size has all of it.
    special_at = dict(zip(rng.sample(range(count), min(count, len(_SPECIALS))), _SPECIALS, strict=False))
    long_thread_at = rng.randrange(count) if count else 0  # one thread of exactly max_messages
    out_tickets, out_messages = data.tickets, data.messages
    new_id, new_uuid = ids.id, ids.uuid
    now_ts = int(now.timestamp())
    epoch = datetime.fromtimestamp(0, UTC)
    seconds = timedelta(seconds=1)

    for i in range(count):
        age = _MIN_AGE + int((_MAX_AGE - _MIN_AGE) * r() ** 1.8)  # skewed towards recent
        created_ts = now_ts - age
        created = epoch + created_ts * seconds
        if i < len(STATUSES):  # every status and priority shows up even in tiny data sets
            status = STATUSES[i]
        else:
            cum = _STATUS_CUM_BY_AGE[0 if age < 86400 else 1 if age < 7 * 86400 else 2]
            status = STATUSES[bisect(cum, r() * cum[-1])]
        if i < len(PRIORITIES):
            priority = PRIORITIES[i]
        else:
            priority = PRIORITIES[bisect(_PRIORITY_CUM, r() * _PRIORITY_CUM[-1])]
        special = special_at.get(i)
        topic_name = _SPECIAL_TOPIC[special] if special else topic_names[
            bisect(topic_cum, r() * topic_cum[-1])]
        topic = _TOPICS[topic_name]

        # Who asked: mostly known customers (a few of them file a lot), some only by a name.
        if special == "cjk" and n_customers > 1:
            ci = 1
        elif n_customers and r() >= 0.08:
            ci = int(n_customers * r() ** 1.4)
        else:
            ci = -1
        if ci >= 0:
            cust_id, cust_name, hello = customers[ci]["id"], customers[ci]["name"], greet[ci]
        else:
            cust_id, hello = None, "there"
            cust_name = "Unknown Customer" if r() < 0.7 else _ANONYMOUS_NAMES[int(r() * len(_ANONYMOUS_NAMES))]
        owner_i = int(r() * n_agents)
        unassigned = (status == "new" and r() < 0.7) or r() < 0.08
        assigned = None if unassigned else agents[owner_i]
        ctx = _Ctx(name=hello, agent=first_names[owner_i], team=team_label)
        ctx.r, ctx.created = r, created

        if special:
            title, opener = (part.format_map(ctx) for part in _SPECIALS[special])
            if special == "long_line":
                opener += "\n" + _long_line(rng)
            if i >= len(PRIORITIES):
                priority = _SPECIAL_PRIORITY.get(special, priority)
        else:
            titles, openers = topic["titles"], topic["openers"]
            title = titles[int(r() * len(titles))].format_map(ctx)
            opener = openers[int(r() * len(openers))].format_map(ctx)
            x = r()
            if x < 0.05 or (priority == "urgent" and x < 0.3):
                title = _TITLE_PREFIXES[int(r() * len(_TITLE_PREFIXES))] + title
            elif x > 0.97:
                title += _TITLE_EMOJI[int(r() * len(_TITLE_EMOJI))]

        tags = list(topic["tags"][: 1 + (r() < 0.4)])
        if ci in vip:
            tags.append("vip")
        if r() < 0.06:
            extra = _EXTRA_TAGS[int(r() * len(_EXTRA_TAGS))]
            if extra not in tags:
                tags.append(extra)
        metadata: dict[str, str] = {}
        if r() < 0.45:
            meta = topic["meta"]
            for key in meta[: 1 + int(r() * len(meta))]:
                metadata[_META_KEYS.get(key, key)] = ctx[key]
            if r() < 0.3:
                metadata["source"] = ctx["source"]
        notes = _TICKET_NOTES[int(r() * len(_TICKET_NOTES))].format_map(ctx) if r() < 0.15 else None

        # Thread length: untouched tickets have a message or two, worked ones more, a few run long.
        x = r()
        if status == "new":
            n = 0 if x < 0.15 else 1 if x < 0.8 else 2
        elif x < 0.04:
            n = 12 + int(r() * max(1, max_messages - 11))
        else:
            n = 1 + int(-5.0 * log(1.0 - r()))
        if i >= long_thread_at and status != "new":  # a worked ticket: a new one has no conversation yet
            n, long_thread_at = max_messages, count
        if special:
            n = max(n, 1)
        n = min(n, max_messages, age - 1)

        ticket_id = new_id("tkt")
        if n:
            offs = _offsets(rng, n, age - 1)
            roles = _roles(r, n, status, assigned is not None, special is not None)
            opener_used = False
            # Walk the canned lines from a seeded start with a stride coprime to their count, so a
            # long thread doesn't repeat itself until it has used them all.
            said_c = said_a = int(r() * 64)
            for k in range(n):
                role = roles[k]
                internal = False
                if role == "customer":
                    sender_id, sender_name, avatar = cust_id, cust_name, None
                    if opener_used:
                        said_c += 5
                        content = _CUSTOMER_FOLLOWUPS[said_c % len(_CUSTOMER_FOLLOWUPS)].format_map(ctx)
                    else:
                        content, opener_used = opener, True
                elif role == "system":
                    sender_id = sender_name = avatar = None
                    content = _system_text(r, status, priority, assigned, k == n - 1)
                else:
                    author_i = owner_i if r() < 0.85 else int(r() * n_agents)
                    author = agents[author_i]
                    sender_id, sender_name, avatar = author["id"], author["name"], author["avatarUrl"]
                    internal = role == "internal"
                    if internal:
                        content = _INTERNAL_NOTES[int(r() * len(_INTERNAL_NOTES))].format_map(ctx)
                    elif k == 0:
                        content = _AGENT_OUTBOUND[int(r() * len(_AGENT_OUTBOUND))].format_map(ctx)
                    else:
                        said_a += 3
                        pool = topic["replies"] if r() < 0.3 else _AGENT_REPLIES
                        content = pool[said_a % len(pool)].format_map(ctx) + signatures[author_i]
                out_messages.append({
                    "id": new_id("msg"), "uuid": new_uuid(), "ticketId": ticket_id,
                    "sender": "agent" if internal else role, "content": content, "senderId": sender_id,
                    "senderName": sender_name, "senderAvatarUrl": avatar, "isInternal": internal,
                    "createdAt": epoch + (created_ts + offs[k]) * seconds,
                })
            last_ts = created_ts + offs[-1]
            updated_ts = min(now_ts, last_ts + int(r() * 300))
        else:
            updated_ts = created_ts + int(r() * min(age, 3600))

        out_tickets.append({
            "id": ticket_id, "uuid": new_uuid(), "title": title, "priority": priority, "status": status,
            "customerId": cust_id, "customerName": cust_name,
            "assignedTo": assigned["id"] if assigned else None, "tags": tags, "notes": notes,
            "metadata": metadata, "createdAt": created, "updatedAt": epoch + updated_ts * seconds,
        })


def _roles(r: Callable[[], float], n: int, status: str, assigned: bool, opens_with_customer: bool) -> list[str]:
    """Who speaks in turn: customer, agent (public), internal (an agent's note) or system."""
    x = r()
    if opens_with_customer or x < 0.88:
        roles = ["customer"]
    else:
        roles = ["system" if x < 0.94 or status == "new" else "agent"]
    if status == "new":
        # Nobody on the team has answered yet: at most the customer chasing, or the router.
        roles += ["customer" if r() < 0.8 else "system" for _ in range(n - 1)]
        return roles
    if assigned and n > 2 and r() < 0.5:
        roles.append("system")  # "Ticket assigned to …" right after the ticket came in
    while len(roles) < n:
        prev = roles[-1]
        x = r()
        if prev == "customer":
            roles.append("internal" if x < 0.15 else "agent")
        elif prev == "agent":
            roles.append("customer" if x < 0.75 else "system" if x < 0.88 else "agent")
        elif prev == "internal":
            roles.append("agent" if x < 0.8 else "internal")
        else:
            roles.append("agent" if x < 0.6 else "customer")
    roles = roles[:n]
    if n >= 3 and status in ("resolved", "closed", "pending"):
        roles[-1] = "system"  # the status change that ended (or paused) the conversation
    return roles


def _system_text(r: Callable[[], float], status: str, priority: str, assigned: dict | None, last: bool) -> str:
    if last and status in ("resolved", "closed", "pending"):
        return f"Status changed to {status}"
    x = r()
    if assigned is not None and x < 0.5:
        return f"Ticket assigned to {assigned['name']}"
    if x > 0.85:
        return f"Priority changed to {priority}"
    return _SYSTEM_EVENTS[int(r() * len(_SYSTEM_EVENTS))]


# --- text -----------------------------------------------------------------------------------------
# Templates use str.format_map over a `_Ctx`, so literal braces are doubled.

_TRANSLIT = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "ß": "ss", "đ": "d", "Đ": "D"})

_AGENT_NAMES = ("Alex Morgan", "Priya Shah", "Jonas Becker", "Mei Lin", "Carlos Mendoza",
                "Hannah Okafor", "Sven Lindqvist", "Aisha Rahman")

# The first few are always present (tests and screenshots look for them); the rest are padding.
_CUSTOMER_NAMES = (
    "Zoë Ångström", "山田 太郎", "José Álvarez", "Emily Carter", "François Lefèvre", "Siobhán O'Connor",
    "Michael Brown", "김민준", "Łukasz Wiśniewski", "Sarah Johnson", "Nguyễn Văn An", "Kate 🌻 Miller",
    "David Kim", "ليلى حداد", "Björn Nyström", "Olu Adeyemi", "王芳", "María García", "Tom O'Brien",
    "Chloé Dubois", "Priya Natarajan", "Jean-Luc Picard-Moreau", "Ana Beatriz da Silva Santos",
    "Yuki Tanaka", "Rahul Verma",
)
_FIRST_NAMES = ("Liam", "Olivia", "Noah", "Emma", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "Mateo", "Hannah",
                "Aarav", "Fatima", "Ingrid", "Rafael", "Anika", "Tomás", "Grace", "Omar", "Léa", "Kenji",
                "Amara", "Nikolai", "Isabela")
_LAST_NAMES = ("Smith", "Müller", "Rossi", "Novak", "Tanaka", "Okafor", "Silva", "Jensen", "Kowalski",
               "Dubois", "Patel", "Nakamura", "Haddad", "Schmidt", "Lindqvist", "Moreau", "Costa",
               "Ivanova", "Walsh", "Hernández", "Søndergaard")
_ANONYMOUS_NAMES = ("noreply@payments.example", "Jordan (via chat)", "accounts payable", "J.")
_EMAIL_DOMAINS = ("example.com", "globex.example", "initech.example", "example.org", "umbrella.example",
                  "hooli.example", "mail.example.jp")

_CHOICES: dict[str, tuple[str, ...]] = {
    "plan": ("free", "starter", "pro", "pro", "enterprise"),
    "browser": ("Chrome 124", "Safari 17.4", "Firefox 125", "Edge 123", "Arc"),
    "device": ("iPhone 15 Pro", "Pixel 8", "Galaxy S23", "iPad Air", "OnePlus 11"),
    "os": ("iOS 17.4", "Android 14", "macOS 14.4", "Windows 11"),
    "version": ("4.12.0", "4.12.1", "4.13.0-beta.2", "4.11.3"),
    "endpoint": ("POST /v1/orders", "GET /v1/orders?page=3", "PATCH /v1/customers/{id}", "GET /v1/exports"),
    "status_code": ("500", "502", "503", "429", "401", "422"),
    "region": ("eu-west-1", "us-east-1", "ap-northeast-1", "us-west-2"),
    "source": ("email", "web", "chat", "api", "phone"),
    "idp": ("Okta", "Azure AD", "Google Workspace", "OneLogin", "JumpCloud"),
    "integration": ("Slack", "Shopify", "Salesforce", "Zapier", "HubSpot"),
    "feature": ("dark mode", "bulk edit", "saved filters", "keyboard shortcuts", "a public status page"),
    "event": ("order.updated", "invoice.paid", "customer.created", "refund.succeeded"),
}

_META_KEYS = {"order": "orderId", "version": "appVersion"}  # template name -> metadata key
_SIGNATURE = "\n\n— {agent}, {team} Support"
_TITLE_PREFIXES = ("[URGENT] ", "URGENT!!! ", "Re: ", "Fwd: ", "[TODO] ", "Question: ", "[#4821] ", "RE: RE: ")
_TITLE_EMOJI = (" 🙏", " 😡", " 🔥", " 😕", " ‼️")
_EXTRA_TAGS = ("bug", "feature-request", "onboarding", "security", "docs", "integration", "churn-risk")

_T = tuple  # keeps the topic table below readable


_TOPICS: dict[str, dict] = {
    "billing": {"weight": 14, "tags": ("billing", "payments"), "meta": ("plan", "order"), "titles": _T((
        "Charged twice for {month} subscription", "Card declined but payment went through",
        "Why did my bill go up this month?", "Need to update the billing address on invoices",
        "Double charge on card ending {last4}", "Can't change payment method")), "openers": _T((
        "Hi,\n\nI was charged {amount} twice on {date} for the same subscription (order {order}). "
        "Can you refund one of them please?",
        "My card ending {last4} was declined at checkout, but my bank shows the payment as pending. "
        "Did it go through or not?",
        "Our bill jumped to {amount} and nobody on our side added seats. What changed?",
        "We moved offices. How do I change the billing address so it shows on the next invoice?")),
        "replies": _T((
            "Hi {name}, I can see both charges of {amount}. I've voided the duplicate; the hold should drop "
            "off within 3–5 business days.",
            "Hi {name}, the increase comes from the seats added on {date}. I've attached the breakdown.",
        ))},
    "invoice": {"weight": 7, "tags": ("invoice", "billing"), "meta": ("plan",), "titles": _T((
        "Invoice {invoice} missing VAT number", "Need all invoices for {year} for our accountant",
        "Invoice PDF is blank", "Company name wrong on invoice {invoice}")), "openers": _T((
        "Hello, invoice {invoice} doesn't show our VAT number, so finance can't book it. Could you reissue it?",
        "Our accountant needs every invoice from {year} in one go. Is there a bulk download?",
        "The PDF for {invoice} opens as an empty page in both Preview and Acrobat.")),
        "replies": _T(("Hi {name}, I've reissued {invoice} with the VAT number; you'll find it under "
                       "Settings → Billing.",))},
    "refund": {"weight": 8, "tags": ("refund", "billing"), "meta": ("order", "plan"), "titles": _T((
        "Refund request for order {order}", "Still waiting for my refund from {date}",
        "Cancel and refund the annual plan", "Refund went to an expired card")), "openers": _T((
        "I'd like a refund for order {order} ({amount}). We signed up by mistake and never used it.",
        "You confirmed a refund of {amount} on {date} and it still hasn't arrived. Where is it?",
        "Please cancel our annual plan and refund the unused months.")),
        "replies": _T(("Hi {name}, I've issued a refund of {amount} for {order}; it should appear within "
                       "5–10 business days.",))},
    "login": {"weight": 12, "tags": ("login", "account"), "meta": ("browser", "plan"), "titles": _T((
        "Can't log in after password reset", "2FA codes not accepted", "Locked out of my account",
        "Magic link expires immediately", "Login page keeps refreshing")), "openers": _T((
        "I reset my password an hour ago and the new one says 'invalid credentials'. Using {browser}.",
        "My authenticator codes are rejected every time. The phone clock is correct, I checked.",
        "After too many attempts I'm locked out, and the unlock email never arrives.",
        "The magic link says 'expired' the moment I click it, even straight away.")),
        "replies": _T(("Hi {name}, I've cleared the lockout on your account. Could you try a private "
                       "window in {browser}?",))},
    "sso": {"weight": 5, "tags": ("sso", "login"), "meta": ("plan",), "titles": _T((
        "SSO login fails with SAML error", "{idp} integration stuck in a redirect loop",
        "New {idp} users can't sign in", "SCIM provisioning not creating users")), "openers": _T((
        "Since this morning every SSO login via {idp} fails with 'SAMLResponse signature invalid'.",
        "Users bounce between {idp} and your login page forever. Nothing changed on our side.",
        "Accounts we create in {idp} never show up in {team}.")),
        "replies": _T(("Hi {name}, your {idp} signing certificate rotated yesterday; please upload the new "
                       "one under Settings → SSO.",))},
    "api": {"weight": 10, "tags": ("api", "bug"), "meta": ("version", "region"), "titles": _T((
        "API returns {status_code} on {endpoint}", "429 Too Many Requests at low volume",
        "Getting 401 with a valid API key", "Pagination returns duplicate records",
        "Rate limit headers missing")), "openers": _T((
        "{endpoint} started answering {status_code} about an hour ago, region {region}.",
        "We send maybe 5 requests a second and still get 429s. Our limit is supposed to be 50/s.",
        "Brand new key, copied twice, every call answers 401. Is there a propagation delay?",
        "Walking pages with page=1,2,3… returns some records twice and skips others.")),
        "replies": _T(("Hi {name}, we had elevated errors in {region} between 09:10 and 09:40 UTC; it's "
                       "resolved now. Retries with the same Idempotency-Key are safe.",))},
    "export": {"weight": 6, "tags": ("export", "bug"), "meta": ("plan", "browser"), "titles": _T((
        "CSV export is missing columns", "Excel export mangles accented names",
        "Export job stuck at 99%", "Scheduled export didn't run")), "openers": _T((
        "The CSV export no longer includes the 'tags' and 'notes' columns.",
        "Names like Zoë or François come out as ZoÃ« in Excel.",
        "Our export has said 99% since yesterday afternoon.")),
        "replies": _T(("Hi {name}, Excel needs a BOM to read UTF-8; tick 'Excel-compatible' in the export "
                       "dialog and it will look right.",))},
    "webhooks": {"weight": 5, "tags": ("webhooks", "api"), "meta": ("version",), "titles": _T((
        "Webhooks not firing for {event}", "Webhook signature verification fails",
        "Duplicate webhook deliveries", "Webhook retries hammering our server")), "openers": _T((
        "We stopped receiving {event} events on {date}. The endpoint answers 200 to curl.",
        "Our HMAC check fails for every event. We sign the raw body with the secret from the dashboard.",
        "We get every {event} event two or three times.")),
        "replies": _T(("Hi {name}, make sure you compute the HMAC over the raw request body, before any "
                       "JSON parsing; re-serialised JSON won't match.",))},
    "mobile": {"weight": 9, "tags": ("mobile", "bug"), "meta": ("device", "version"), "titles": _T((
        "iOS app crashes on launch after update", "Android app won't sync offline changes",
        "Push notifications stopped working", "App stuck on splash screen on {device}")), "openers": _T((
        "Since {version} the app crashes as soon as I open it. {device}, {os}.",
        "Changes I make offline on the Android app are gone once I'm back online.",
        "We stopped getting push notifications on all our phones around {date}.")),
        "replies": _T(("Hi {name}, a fix is in {version}, rolling out today. Could you update and let me "
                       "know?",))},
    "feature": {"weight": 8, "tags": ("feature-request",), "meta": ("plan",), "titles": _T((
        "Feature request: {feature}", "Any plans for {feature}?", "Integration with {integration}?",
        "Would love {feature} 🙏")), "openers": _T((
        "Is {feature} on the roadmap? Our team lives in this app all day.",
        "We'd pay extra for a proper {integration} integration.",
        "Small request: {feature}. That's it, thanks!")),
        "replies": _T(("Hi {name}, thanks! I've added your vote for {feature}; I can't promise a date, but "
                       "it's on the list.",))},
    "bug": {"weight": 9, "tags": ("bug",), "meta": ("browser", "version"), "titles": _T((
        "Dashboard charts show the wrong timezone", "Search doesn't find tickets with emoji",
        "Save button does nothing in {browser}", "Numbers in reports don't add up")), "openers": _T((
        "Everything on the dashboard is shifted by two hours. We're in Europe/Berlin.",
        "Searching for 🚀 or any emoji finds nothing, even though the title has it.",
        "In {browser} the Save button greys out and nothing happens. Works in Chrome.")),
        "replies": _T(("Hi {name}, I reproduced it and filed it with engineering; I'll update you here.",))},
    "account": {"weight": 5, "tags": ("account",), "meta": ("plan",), "titles": _T((
        "Delete my account and data (GDPR)", "Transfer account ownership", "How do I add more seats?",
        "Change the email on my account")), "openers": _T((
        "Please delete my account and all personal data under GDPR Art. 17.",
        "Our admin left the company. How do we move ownership to me?",
        "We need 5 more seats before Monday. Can I do that without talking to sales?")),
        "replies": _T(("Hi {name}, done. You'll get a confirmation email shortly.",))},
    "performance": {"weight": 4, "tags": ("performance", "bug"), "meta": ("region", "browser"),
                    "titles": _T(("App very slow since yesterday", "Reports take minutes to load",
                                  "Timeouts in {region}")), "openers": _T((
        "Every page takes 10+ seconds since yesterday. Region {region}.",
        "The monthly report used to load in seconds, now it's several minutes.")),
        "replies": _T(("Hi {name}, a slow database replica in {region} caused this; it's been replaced.",))},
}

_CUSTOMER_FOLLOWUPS = (
    "Thanks, that worked! 🙏", "Still broken, same error.", "Any update on this?",
    "Tried that, no luck 😕", "It's been 3 days. This is blocking our launch!!",
    "Ok, thanks for the quick reply 👍", "Here's the screenshot you asked for (attached).",
    "Sorry, one more thing: it also happens on my colleague's account.",
    "Great, closing this on our side.\n\n> On {date}, {agent} wrote:\n> Could you try again and let me know?",
    "Which plan are we on again? {plan}?", "Hello?? Is anyone there?",
    "Works now. No idea what changed but I'll take it 🎉", "Could you call me instead? It's easier.",
    "Same here — 同じ問題が発生しています。",
)
_AGENT_REPLIES = (
    "Hi {name}, thanks for reaching out! I'm looking into this now.",
    "Hi {name}, could you send a screenshot and roughly when this happened (with timezone)?",
    "I've escalated this to our engineering team and will update you as soon as I hear back.",
    "Good news: this should be fixed. Could you try again and let me know?",
    "Hi {name}, could you sign out, clear the cache and sign back in? That resets the session.",
    "Just checking in: is this still happening for you?",
    "Hi {name}, thanks for your patience. We found the cause and a fix ships tomorrow.",
    "Hi {name}, I've updated your account. Anything else I can help with?",
)
_AGENT_OUTBOUND = (
    "Hi {name}, your last payment of {amount} failed. Could you update your card?",
    "Hi {name}, reaching out about the errors we saw from your integration today.",
)
_INTERNAL_NOTES = (
    "FYI customer is on the {plan} plan", "VIP account, keep {agent} in the loop",
    "Checked logs: 502s from the {region} load balancer around the time they mention.",
    "Filed {ref}. Repro steps in the ticket.", "Refund approved by finance.",
    "Probably a duplicate of the SSO thread from last week.", "Churned once before, be extra nice.",
    "Reproduced on staging with {browser}.", "@{agent} can you take this one? I'm out tomorrow.",
)
_TICKET_NOTES = (
    "Prefers email over phone.", "VIP: handle with care.", "Waiting on eng fix ({ref}).",
    "Customer is on the {plan} plan.", "Asked for a call back Tuesday.", "Check again after the release.",
)
_SYSTEM_EVENTS = ("Auto-reply sent to customer", "Ticket reopened by customer reply", "SLA reminder sent",
                  "Ticket merged into this one", "Ticket escalated to tier 2")

_PY_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/jobs/sync_orders.py", line {line}, in run\n'
    "    page = client.orders.list(page=n, page_size=100)\n"
    '  File "/srv/app/.venv/lib/python3.11/site-packages/acme/resources/orders.py", line 88, in list\n'
    '    return self._request("GET", "/v1/orders", params=params)\n'
    '  File "/srv/app/.venv/lib/python3.11/site-packages/acme/_client.py", line 412, in _request\n'
    "    raise APIStatusError(resp.status_code, resp.text)\n"
    "acme.errors.APIStatusError: 500 Internal Server Error: upstream request timeout"
)
_JAVA_TRACE = (
    "java.lang.IllegalStateException: Fragment OrderDetailFragment not attached to a context.\n"
    "\tat androidx.fragment.app.Fragment.requireContext(Fragment.java:900)\n"
    "\tat com.acme.orders.ui.OrderDetailFragment.onSyncFinished(OrderDetailFragment.kt:212)\n"
    "\tat com.acme.sync.SyncManager$1.run(SyncManager.java:87)\n"
    "\tat android.os.Handler.handleCallback(Handler.java:942)\n"
    "\tat android.os.Looper.loop(Looper.java:288)\n"
    "Caused by: java.lang.NullPointerException: Attempt to invoke virtual method "
    "'int java.lang.String.length()' on a null object reference\n"
    "\tat com.acme.sync.SyncManager.parse(SyncManager.java:143)\n"
    "\t... 5 more"
)

# Showcase content, each placed on one ticket: (title, first customer message).
_SPECIALS: dict[str, tuple[str, str]] = {
    "py_trace": ("[URGENT] Production sync failing, API returns 500",
                 "Our nightly sync died at 02:13 UTC with this, every retry since:\n\n" + _PY_TRACE
                 + "\n\nPlease help, orders are piling up."),
    "java_trace": ("Android app crashes when opening an order",
                   "Crash log from adb logcat ({device}, app {version}):\n\n" + _JAVA_TRACE),
    "todo": ("[TODO] send the {invoice} correction before month end",
             "Reminder for myself and you: the corrected {invoice} has to reach us before month end."),
    "close_tag": ("Template error: unexpected closing tag [/] in email footer",
                  "Our footer is `Best, [b]{{{{name}}}}[/b] [/]` and the preview shows an error about [/]."),
    "markup": ("Formatting shows up as [bold]raw tags[/bold]",
               "We pasted this from our old forum and it shows literally:\n"
               "[b]Order status[/b] [i]shipped[/i] [link=https://shop.example/track]track it[/link]\n"
               "[red]ERROR[/red] and [@click=app.quit]Cancel[/] and [/] [[escaped]] [dim]\n"
               "Is BBCode supported?"),
    "long_line": ("Export API returns truncated JSON?",
                  "Full response body below (sorry, it's one long line), the `next` cursor is missing:"),
    "tsv": ("Invoices don't match our records (spreadsheet attached)",
            "Pasting from our sheet:\n\nInvoice\tAmount\tDate\tStatus\n{invoice}\t{amount}\t{date}\tpaid\n"
            "INV-2026-0042\t$49.00\tMar 02\tunpaid\nINV-2026-0043\t$49.00\tMar 09\t\tdisputed"),
    "emoji": ("🔥🔥 Checkout totally broken 🔥🔥",
              "Nobody can pay 😡😡 we're losing money every minute 💸 👩‍💻 our dev says it's your side 🇩🇪"),
    "cjk": ("ログインできません（パスワード再設定後）",
            "お世話になっております。\nパスワードを再設定した後、ログインできなくなりました。"
            "\n確認をお願いいたします。\n\n山田"),
    "long_title": ("Since the update last Tuesday, when we try to export all tickets from the EU workspace "
                   "to CSV with custom fields, tags and notes included, the file downloads but is empty, "
                   "and the same thing happens with the XLSX option and with the scheduled nightly export",
                   "Title says it all, really. We need this for an audit on Friday."),
    "quoted": ("Re: Re: Fwd: your invoice",
               "See below.\n\n-----Original Message-----\nFrom: Billing <billing@{team}.example>\n"
               "Subject: your invoice\n\n> Your invoice {invoice} for {amount} is ready.\n>\n> Thanks,\n"
               "> The {team} team"),
}
_SPECIAL_TOPIC = {"py_trace": "api", "java_trace": "mobile", "todo": "invoice", "close_tag": "bug",
                  "markup": "bug", "long_line": "export", "tsv": "invoice", "emoji": "billing",
                  "cjk": "login", "long_title": "export", "quoted": "billing"}
_SPECIAL_PRIORITY = {"py_trace": "urgent", "java_trace": "high", "emoji": "urgent", "todo": "low"}
