"""Where the app connects and as whom: flags > CSTAR_* environment > config profile > the embedded sandbox.

Each field is taken from the first layer that gives it, with one exception that keeps a key where it
belongs: a profile's key is only used with the profile's own base URL. Pointing a profile at another
URL (with --base-url or CSTAR_BASE_URL) needs the key from a flag or the environment too.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from api.errors import mask_secret, remember_secret

if TYPE_CHECKING:
    import httpx

    from app.config import ConfigFile, Profile

ENV = {
    "base_url": "CSTAR_BASE_URL",
    "team_id": "CSTAR_TEAM_ID",
    "api_key": "CSTAR_API_KEY",
    "agent_id": "CSTAR_AGENT_ID",
    "agent_name": "CSTAR_AGENT_NAME",
}
FLAGS = {
    "base_url": "--base-url",
    "team_id": "--team",
    "api_key": "--api-key",
    "agent_id": "--agent-id",
    "agent_name": "--agent-name",
}
PROFILE_ENV = "CSTAR_PROFILE"
WEBHOOK_SECRET_ENV = "CSTAR_WEBHOOK_SECRET"


class SettingsError(Exception):
    """The command line and environment don't describe a usable connection."""


@dataclass
class Settings:
    """Where to connect and as whom."""

    base_url: str
    team_id: str
    api_key: str = field(repr=False)
    agent_id: str | None = None
    agent_name: str | None = None
    sandbox: bool = False
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)
    profile: str | None = None
    # The embedded sandbox's events (webhook bodies) since the last call: the app follows them in-process.
    events: Callable[[], list[bytes]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        remember_secret(self.api_key)  # masked by value from here on, whatever its shape (see api.errors)

    @property
    def masked_key(self) -> str:
        return mask_secret(self.api_key)

    def __repr__(self) -> str:
        return (f"Settings(base_url={self.base_url!r}, team_id={self.team_id!r}, api_key={self.masked_key!r}, "
                f"agent_id={self.agent_id!r}, sandbox={self.sandbox}, profile={self.profile!r})")


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
    parser.add_argument("--profile", metavar="NAME", help=f"a profile of the config file (env {PROFILE_ENV}; "
                        "default: its default_profile)")
    parser.add_argument("--listen", metavar="HOST:PORT", help="receive the service's webhooks here for live "
                        f"updates within a second (needs a secret: env {WEBHOOK_SECRET_ENV})")
    parser.add_argument("--webhook-secret", metavar="SECRET", help="the webhooks' signing secret (prefer env "
                        f"{WEBHOOK_SECRET_ENV}: a flag shows in the process list)")


def webhook_listener(args: argparse.Namespace, environ: Mapping[str, str] | None = None,
                     config: ConfigFile | None = None) -> tuple[str, int, str] | None:
    """(host, port, secret) for `--listen` (or the profile's `listen`), or None; SettingsError when it can't work.

    The secret: --webhook-secret > CSTAR_WEBHOOK_SECRET > the variable the profile's `webhook_secret_env` names."""
    env = os.environ if environ is None else environ
    picked = None if getattr(args, "demo", False) else pick_profile(args, env, config)
    profile = picked[1] if picked else None
    listen = getattr(args, "listen", None) or (profile.listen if profile else None)
    if not listen:
        return None
    from app.webhook_receiver import parse_listen

    try:
        host, port = parse_listen(listen)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    from_profile = env.get(profile.webhook_secret_env, "") if profile and profile.webhook_secret_env else ""
    secret = (getattr(args, "webhook_secret", None) or env.get(WEBHOOK_SECRET_ENV) or from_profile or "").strip()
    if not secret:
        raise SettingsError(f"--listen needs the webhooks' signing secret: set {WEBHOOK_SECRET_ENV} "
                            "(or --webhook-secret, or webhook_secret_env in the profile). "
                            "Unsigned events are never applied.")
    from api.errors import remember_secret

    remember_secret(secret)  # masked by value wherever it could show up
    return host, port, secret


def pick_profile(args: argparse.Namespace, environ: Mapping[str, str] | None = None,
                 config: ConfigFile | None = None) -> tuple[str, Profile] | None:
    """--profile > CSTAR_PROFILE > default_profile; None when none is named."""
    env = os.environ if environ is None else environ
    name = getattr(args, "profile", None) or env.get(PROFILE_ENV) or (config.default_profile if config else None)
    if not name:
        return None
    from app.config import SANDBOX_PROFILE, Profile

    profile = config.profile(name) if config is not None else (Profile(sandbox=True) if name == SANDBOX_PROFILE
                                                                 else None)
    if profile is None:
        known = ", ".join(sorted(config.profiles)) if config is not None and config.profiles else "none"
        raise SettingsError(f"There is no profile named {name!r} in the config file (profiles: {known}).")
    return name, profile


def resolve(args: argparse.Namespace, environ: Mapping[str, str] | None = None,
            config: ConfigFile | None = None) -> Settings | None:
    """The remote settings, or None when the app should run on the embedded sandbox (see `sandbox_for`).

    A profile's `api_key_cmd` runs here, and only when no flag or environment variable gives the key.
    """
    env = os.environ if environ is None else environ
    if getattr(args, "demo", False):
        return None
    picked = pick_profile(args, env, config)
    name, profile = picked if picked else (None, None)
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    for key, var in ENV.items():
        flag_value = getattr(args, key, None)
        values[key] = flag_value or env.get(var) or None
        sources[key] = FLAGS[key] if flag_value else var
    if values["base_url"]:
        values["base_url"] = checked_base_url(values["base_url"], f"from {sources['base_url']}")
    if values["api_key"]:
        values["api_key"] = checked_api_key(values["api_key"], f"from {sources['api_key']}")
    from_profile = profile is not None and not profile.is_sandbox(name or "")
    if from_profile and profile is not None:
        for key in ("team_id", "agent_id", "agent_name"):
            values[key] = values[key] or getattr(profile, key)
        own_url = values["base_url"] is None or values["base_url"].rstrip("/") == (profile.base_url or "")
        values["base_url"] = values["base_url"] or profile.base_url
        if own_url and not values["api_key"]:
            values["api_key"] = _profile_key(name or "", profile, env)
    if not values["base_url"]:
        if from_profile:
            raise SettingsError(f"Profile {name!r} has no base_url: set it in the config file, or pass --base-url "
                                "or CSTAR_BASE_URL.")
        if values["team_id"] or values["api_key"]:
            raise SettingsError("A team or API key is set but no base URL: pass --base-url or set CSTAR_BASE_URL "
                                "(or --demo for the embedded sandbox).")
        return None
    missing = [f"--{flag} / {ENV[key]}" for key, flag in (("team_id", "team"), ("api_key", "api-key"))
               if not values[key]]
    if missing:
        where = f" (profile {name!r} gives none)" if from_profile else ""
        if profile is not None and from_profile and not values["api_key"] and profile.base_url \
                and values["base_url"].rstrip("/") != profile.base_url:
            where = (f" (profile {name!r} has a key, but it is only sent to the profile's own base_url "
                     f"{profile.base_url})")
        raise SettingsError(f"Connecting to {values['base_url']} needs {' and '.join(missing)}{where}.")
    return Settings(base_url=values["base_url"].rstrip("/"), team_id=values["team_id"] or "",
                    api_key=values["api_key"] or "", agent_id=values["agent_id"], agent_name=values["agent_name"],
                    profile=name if from_profile else None)


def checked_base_url(url: str, where: str) -> str:
    """The URL trimmed, or SettingsError: one sentence naming where it came from and what is wrong."""
    from api.credentials import CredentialError, check_base_url

    try:
        return check_base_url(url)
    except CredentialError as exc:
        from api.clean_text import one_line

        shown = re.sub(r"^([^:/?#]*://)[^/?#]*@", r"\1…@", url.strip())  # never a password given in the URL
        raise SettingsError(f"The base URL {where} ({one_line(shown, 80)}) {exc}.") from None


def checked_api_key(key: str, where: str) -> str:
    """The key trimmed, or SettingsError: where it came from and what is wrong, never the key itself."""
    from api.credentials import CredentialError, check_api_key

    try:
        return check_api_key(key)
    except CredentialError as exc:
        raise SettingsError(f"The API key {where} {exc}.") from None


def _profile_key(name: str, profile: Profile, env: Mapping[str, str]) -> str | None:
    from app.config_keys import KeySourceError, profile_key

    try:
        return profile_key(name, profile, env)
    except KeySourceError as exc:
        raise SettingsError(str(exc)) from None


def settings_for_profile(name: str, profile: Profile, environ: Mapping[str, str] | None = None) -> Settings:
    """A profile as written, for switching from the palette: flags and environment applied only at start."""
    if profile.is_sandbox(name):
        settings = sandbox_settings(profile.agent_id, profile.agent_name)
        settings.profile = name
        return settings
    key = _profile_key(name, profile, os.environ if environ is None else environ)
    if not profile.base_url or not profile.team_id or not key:
        raise SettingsError(f"Profile {name!r} needs base_url, team_id and a key to connect.")
    return Settings(base_url=profile.base_url, team_id=profile.team_id, api_key=key, agent_id=profile.agent_id,
                    agent_name=profile.agent_name, profile=name)


def sandbox_for(args: argparse.Namespace, environ: Mapping[str, str] | None = None,
                config: ConfigFile | None = None) -> Settings:
    """The embedded sandbox, as the agent the flags, environment or a sandbox profile name."""
    env = os.environ if environ is None else environ
    profile = None
    name = None
    if not getattr(args, "demo", False):
        picked = pick_profile(args, env, config)
        if picked is not None and picked[1].is_sandbox(picked[0]):
            name, profile = picked
    agent_id = getattr(args, "agent_id", None) or (profile.agent_id if profile else None)
    agent_name = getattr(args, "agent_name", None) or (profile.agent_name if profile else None)
    settings = sandbox_settings(agent_id, agent_name)
    settings.profile = name
    return settings


def sandbox_settings(agent_id: str | None = None, agent_name: str | None = None) -> Settings:
    """Open the embedded sandbox (creating and seeding it on first use) and connect to it in-process."""
    from api.sandbox import embedded_sandbox

    sandbox = embedded_sandbox()
    return Settings(base_url=sandbox.base_url, team_id=sandbox.team_id, api_key=sandbox.keys.secret,
                    agent_id=agent_id or sandbox.agent_id, agent_name=agent_name or sandbox.agent_name,
                    sandbox=True, transport=sandbox.transport(), events=sandbox.event_feed().read)
