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

from .demo_text import (  # the tables the generator draws from
    _AGENT_NAMES,
    _AGENT_OUTBOUND,
    _AGENT_REPLIES,
    _ANONYMOUS_NAMES,
    _CHOICES,
    _CUSTOMER_FOLLOWUPS,
    _CUSTOMER_NAMES,
    _EMAIL_DOMAINS,
    _EXTRA_TAGS,
    _FIRST_NAMES,
    _INTERNAL_NOTES,
    _LAST_NAMES,
    _META_KEYS,
    _SIGNATURE,
    _SPECIAL_PRIORITY,
    _SPECIAL_TOPIC,
    _SPECIALS,
    _SYSTEM_EVENTS,
    _TICKET_NOTES,
    _TITLE_EMOJI,
    _TITLE_PREFIXES,
    _TOPICS,
    _TRANSLIT,
)

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
