"""Where the app connects and as whom: flags > CSTAR_* environment > the embedded sandbox."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from api.errors import mask_secret

if TYPE_CHECKING:
    import httpx

ENV = {
    "base_url": "CSTAR_BASE_URL",
    "team_id": "CSTAR_TEAM_ID",
    "api_key": "CSTAR_API_KEY",
    "agent_id": "CSTAR_AGENT_ID",
    "agent_name": "CSTAR_AGENT_NAME",
}


class SettingsError(Exception):
    """The command line and environment don't describe a usable connection."""


@dataclass
class Settings:
    base_url: str
    team_id: str
    api_key: str = field(repr=False)
    agent_id: str | None = None
    agent_name: str | None = None
    sandbox: bool = False
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)

    @property
    def masked_key(self) -> str:
        return mask_secret(self.api_key)

    def __repr__(self) -> str:
        return (f"Settings(base_url={self.base_url!r}, team_id={self.team_id!r}, api_key={self.masked_key!r}, "
                f"agent_id={self.agent_id!r}, sandbox={self.sandbox})")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true",
                        help="use the embedded sandbox even if a service is configured")
    parser.add_argument("--base-url", metavar="URL", help=f"the cStar API (env {ENV['base_url']}), "
                        "e.g. https://www.cstar.help or a served sandbox http://127.0.0.1:8765")
    parser.add_argument("--team", dest="team_id", metavar="TEAM", help=f"team ID (env {ENV['team_id']})")
    parser.add_argument("--api-key", metavar="KEY", help=f"API key (env {ENV['api_key']}; prefer the "
                        "environment: a flag shows in the process list). Never displayed unmasked.")
    parser.add_argument("--agent-id", metavar="AGT", help=f"your agent ID, for assignee:me and replies "
                        f"(env {ENV['agent_id']})")
    parser.add_argument("--agent-name", metavar="NAME", help=f"your name on replies (env {ENV['agent_name']})")


def resolve(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Settings | None:
    """The remote settings, or None when the app should run on the embedded sandbox."""
    env = os.environ if environ is None else environ
    values = {name: getattr(args, name, None) or env.get(var) or None for name, var in ENV.items()}
    if getattr(args, "demo", False) or not values["base_url"]:
        if not getattr(args, "demo", False) and (values["team_id"] or values["api_key"]):
            raise SettingsError("A team or API key is set but no base URL: pass --base-url or set CSTAR_BASE_URL "
                                "(or --demo for the embedded sandbox).")
        return None
    missing = [f"--{flag} / {ENV[name]}" for name, flag in (("team_id", "team"), ("api_key", "api-key"))
               if not values[name]]
    if missing:
        raise SettingsError(f"Connecting to {values['base_url']} needs {' and '.join(missing)}.")
    return Settings(base_url=values["base_url"].rstrip("/"), team_id=values["team_id"], api_key=values["api_key"],
                    agent_id=values["agent_id"], agent_name=values["agent_name"])


def sandbox_settings(agent_id: str | None = None, agent_name: str | None = None) -> Settings:
    """Open the embedded sandbox (creating and seeding it on first use) and connect to it in-process."""
    from api.sandbox import embedded_sandbox

    sandbox = embedded_sandbox()
    return Settings(base_url=sandbox.base_url, team_id=sandbox.team_id, api_key=sandbox.keys.secret,
                    agent_id=agent_id or sandbox.agent_id, agent_name=agent_name or sandbox.agent_name,
                    sandbox=True, transport=sandbox.transport())
