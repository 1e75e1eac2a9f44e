"""The sandbox's SLA policy: deadlines and tier names by priority."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SlaTier:
    """A named promise: answer or resolve within a time."""

    name: str
    within: timedelta


# (response, resolution) per priority; the tier name says the promise so an agent can read it.
POLICY: dict[str, tuple[SlaTier, SlaTier]] = {
    "urgent": (SlaTier("urgent-1h", timedelta(hours=1)), SlaTier("urgent-4h", timedelta(hours=4))),
    "high": (SlaTier("high-4h", timedelta(hours=4)), SlaTier("high-24h", timedelta(hours=24))),
    "normal": (SlaTier("normal-8h", timedelta(hours=8)), SlaTier("normal-3d", timedelta(days=3))),
    "low": (SlaTier("low-24h", timedelta(hours=24)), SlaTier("low-7d", timedelta(days=7))),
}


@dataclass(frozen=True)
class SlaClock:
    """A ticket's deadlines and the tiers they come from."""

    response_deadline: datetime
    resolution_deadline: datetime
    response_tier: str
    resolution_tier: str


def clock_for(priority: str, created_at: datetime) -> SlaClock:
    """Deadlines run from creation, so changing priority re-targets them without resetting the clock."""
    response, resolution = POLICY[priority]
    return SlaClock(
        response_deadline=created_at + response.within,
        resolution_deadline=created_at + resolution.within,
        response_tier=response.name,
        resolution_tier=resolution.name,
    )
