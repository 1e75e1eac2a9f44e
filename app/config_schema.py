"""The config file's schema: pydantic models that refuse unknown fields and report every mistake at once.

Loaded only when there is a file to check (`app.config.parse_config`): building these models costs a
start with no config file ~60 ms of pydantic it does not need. Reports name the field (`profiles.work.base_url`,
`views[2] "Mine".query`) and what is wrong, never the value: it may be a key.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from api.credentials import CredentialError, check_api_key, check_base_url
from api.filters import FilterSyntaxError, parse_query
from api.models import STATUSES
from app.config_common import ME_FOR_CHECKS, SANDBOX_PROFILE, ConfigError, Priority, Problem, Status, did_you_mean

__all__ = ["ConfigFile", "MacroConfig", "NotificationsConfig", "Profile", "ViewConfig", "validate"]

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEY_LIKE = re.compile(r"^(?:sk|pk|rk)_(?:live|test)_")


class _Strict(BaseModel):
    # A misspelt field must be an error: silently ignoring `api_kye` would connect with no key.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Profile(_Strict):
    """One place to connect to, and who you are there. At most one of the three key sources."""

    base_url: str | None = None
    team_id: str | None = None
    agent_id: str | None = None
    agent_name: str | None = None
    api_key: SecretStr | None = None
    api_key_env: str | None = None
    api_key_cmd: str | None = None
    sandbox: bool = False
    listen: str | None = None
    """HOST:PORT for the service's webhooks (as `--listen`)."""
    webhook_secret_env: str | None = None
    """The environment variable holding the webhooks' signing secret (never the secret itself in the file)."""

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from app.webhook_receiver import parse_listen

        parse_listen(value)  # its ValueError says what is wrong
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            return check_base_url(value)
        except CredentialError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("api_key")
    @classmethod
    def _usable_key(cls, value: SecretStr | None) -> SecretStr | None:
        # Trimmed here, so the key read from the file is the key sent; never quoted back when it is wrong.
        if value is None:
            return value
        try:
            return SecretStr(check_api_key(value.get_secret_value()))
        except CredentialError as exc:
            raise ValueError(f"the key {exc}") from None

    @field_validator("api_key_cmd")
    @classmethod
    def _splittable(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            argv = shlex.split(value)
        except ValueError as exc:
            raise ValueError(f"cannot be split into a command and arguments ({exc})") from None
        if not argv:
            raise ValueError("is empty")
        return value

    @field_validator("api_key_env")
    @classmethod
    def _variable_name(cls, value: str | None) -> str | None:
        if value is not None and _KEY_LIKE.match(value):
            # Reported without the value: it is a key pasted into the wrong field.
            raise ValueError("holds what looks like a key: it takes the name of an environment variable that holds "
                             "the key, e.g. CSTAR_WORK_KEY")
        if value is not None and not _VARIABLE.match(value):
            raise ValueError("must be the name of an environment variable, e.g. CSTAR_WORK_KEY")
        return value

    @model_validator(mode="after")
    def _one_key_source(self) -> Profile:
        given = [name for name in ("api_key", "api_key_env", "api_key_cmd") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"give only one of api_key, api_key_env and api_key_cmd (found {', '.join(given)})")
        if self.sandbox and (self.base_url or given):
            raise ValueError("a sandbox profile uses the embedded sandbox: drop base_url and the key")
        return self

    def is_sandbox(self, name: str) -> bool:
        return self.sandbox or (name == SANDBOX_PROFILE and not self.base_url)

    @property
    def key_source(self) -> str:
        """How the key is found, for `config show` (never the key itself)."""
        if self.api_key is not None:
            from api.errors import mask_secret

            return f"in this file ({mask_secret(self.api_key.get_secret_value())})"
        if self.api_key_env:
            return f"from the environment variable {self.api_key_env}"
        if self.api_key_cmd:
            return f"printed by the command: {self.api_key_cmd}"
        return "not set (give it with --api-key or CSTAR_API_KEY)"


class ViewConfig(_Strict):
    name: str = Field(min_length=1)
    query: str = ""

    @field_validator("query")
    @classmethod
    def _parses(cls, value: str) -> str:
        try:
            parse_query(value, me=ME_FOR_CHECKS)
        except FilterSyntaxError as exc:
            raise ValueError(f"not a valid filter query: {exc}") from None
        return value


class MacroConfig(_Strict):
    """A canned response, and the ticket changes to make once the message has been sent."""

    name: str = Field(min_length=1)
    body: str = Field(min_length=1)
    status: Status | None = None
    priority: Priority | None = None
    add_tags: list[str] = []
    assign_to_me: bool = False

    @field_validator("add_tags")
    @classmethod
    def _clean_tags(cls, value: list[str]) -> list[str]:
        if any(not tag.strip() for tag in value):
            raise ValueError("tags cannot be empty")
        return [tag.strip() for tag in value]


class NotificationsConfig(_Strict):
    """What interrupts the agent (a toast each time; the bell and a desktop notification as set here)."""

    bell: bool = True
    desktop: Literal["auto", "osc", "notify-send", "off"] = "off"
    new_ticket_views: list[str] = ["New"]
    """Names of views whose new tickets are announced."""
    customer_reply: bool = True
    """A new message on a ticket assigned to you."""
    sla_minutes: int = Field(default=30, ge=0, le=1440)
    """Warn this long before one of your tickets' deadlines; 0 is off."""


class ConfigFile(_Strict):
    default_profile: str | None = None
    theme: str | None = None
    web_url: str | None = None
    """A ticket's page in the web app, with `{id}` for its ID: what `Y` copies."""
    auto_advance: bool = True
    """After a change takes the open ticket out of the view, go on to the next one (at the end, back to the list)."""
    first_reply_opens: bool = True
    """A first public reply to a `new` ticket sets it `open` (a macro's own status wins)."""
    send_and_status: str | None = None
    """The status ctrl+g in the composer sets once the message is confirmed; unset, it asks."""
    refresh_seconds: float = Field(default=20, ge=0, le=3600)
    """How often the open list view refreshes itself (live updates); 0 turns it off."""
    sort_limit: int = Field(default=2000, ge=0, le=100_000)
    """Most tickets a view may hold to be sorted (or filtered by tag): it is read whole, 100 a request."""
    notifications: NotificationsConfig = NotificationsConfig()
    builtin_macros: bool = True
    profiles: dict[str, Profile] = {}
    views: list[ViewConfig] = []
    macros: list[MacroConfig] = []
    keymap: dict[str, str] = {}

    @field_validator("send_and_status")
    @classmethod
    def _a_status(cls, value: str | None) -> str | None:
        if value is not None and value not in STATUSES:
            raise ValueError(f"must be one of {', '.join(STATUSES)}")
        return value

    @field_validator("web_url")
    @classmethod
    def _has_id(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith(("https://", "http://")) or "{id}" not in value):
            raise ValueError('must be an http(s) address with {id} where the ticket ID goes, '
                             'e.g. "https://app.cstar.help/tickets/{id}"')
        return value

    @field_validator("theme")
    @classmethod
    def _known_theme(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from app.themes import THEME_NAMES  # not textual.theme: the scripting CLI reads this file too

        if value not in THEME_NAMES:
            raise ValueError(f"unknown theme {value!r}{did_you_mean(value, list(THEME_NAMES))}; "
                             f"themes: {', '.join(sorted(THEME_NAMES))}")
        return value

    @field_validator("keymap")
    @classmethod
    def _keys_given(cls, value: dict[str, str]) -> dict[str, str]:
        for binding_id, keys in value.items():
            if not keys.strip() or any(not key.strip() for key in keys.split(",")):
                raise ValueError(f"{binding_id!r} needs a key, e.g. \"f\" or \"ctrl+f\" (several: \"f,ctrl+f\")")
        return value

    @model_validator(mode="after")
    def _default_exists(self) -> ConfigFile:
        name = self.default_profile
        if name is not None and name not in self.profiles and name != SANDBOX_PROFILE:
            known = ", ".join(sorted(self.profiles)) or "none yet"
            raise ValueError(f"default_profile: no profile named {name!r}{did_you_mean(name, list(self.profiles))}"
                             f" (profiles: {known})")
        return self

    def has_plain_key(self) -> bool:
        return any(p.api_key is not None for p in self.profiles.values())

    def profile(self, name: str) -> Profile | None:
        if name in self.profiles:
            return self.profiles[name]
        return Profile(sandbox=True) if name == SANDBOX_PROFILE else None


_FIELDS: dict[str, list[str]] = {
    "top": list(ConfigFile.model_fields),
    "profiles": list(Profile.model_fields),
    "views": list(ViewConfig.model_fields),
    "macros": list(MacroConfig.model_fields),
}


def _field_name(loc: tuple[Any, ...], raw: dict[str, Any]) -> str:
    """`("views", 1, "query")` -> `views[2] "Mine".query`: the view's name is how people find it."""
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"[{item + 1}]")
            section = raw.get(str(loc[0]))
            entry = section[item] if isinstance(section, list) and item < len(section) else None
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                parts.append(f" {entry['name']!r}")
        else:
            parts.append(("." if i else "") + str(item))
    return "".join(parts)


def _problem(error: Mapping[str, Any], raw: dict[str, Any]) -> Problem:
    loc = tuple(part for part in error["loc"] if part not in ("function-after",))
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden" and loc:
        section = "top" if len(loc) == 1 else str(loc[0])
        message = f"unknown field{did_you_mean(str(loc[-1]), _FIELDS.get(section, []))}"
    elif error["type"] == "literal_error":
        message = message.replace("Input should be", "should be")
    if message.startswith("default_profile: "):
        return Problem("default_profile", message.removeprefix("default_profile: "))
    return Problem(_field_name(loc, raw), message)


def validate(raw: dict[str, Any], path: Path) -> ConfigFile:
    """The parsed TOML as a ConfigFile; ConfigError listing every problem."""
    try:
        return ConfigFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(path, [_problem(error, raw) for error in exc.errors()]) from None
