"""The config file: one TOML file of profiles, views, canned responses, key overrides and a theme.

`config.toml` lives in the platformdirs user config dir for `cstar-tui` (`CSTAR_CONFIG` names another
file). It is validated by pydantic models that refuse unknown fields, and every mistake is reported
with the file's path, the field (`profiles.work.base_url`, `views[2] "Mine".query`) and what is wrong,
all of them at once. Nothing in a report ever contains a key: values are not echoed back, and the
text is passed through `mask_secrets` as well.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import stat
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from api.credentials import CredentialError, check_api_key, check_base_url
from api.errors import mask_secrets
from api.filters import FilterSyntaxError, parse_query
from api.models import STATUSES

__all__ = [
    "APP_NAME",
    "CONFIG_ENV",
    "SANDBOX_PROFILE",
    "ConfigError",
    "ConfigFile",
    "LoadedConfig",
    "MacroConfig",
    "Problem",
    "Profile",
    "ViewConfig",
    "config_path",
    "load_config",
    "load_or_empty",
    "permission_warning",
]

APP_NAME = "cstar-tui"
CONFIG_ENV = "CSTAR_CONFIG"
SANDBOX_PROFILE = "sandbox"
# `assignee:me` needs an agent ID to parse; the real one is only known once a profile is chosen.
_ME_FOR_CHECKS = "agt_configcheck"

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEY_LIKE = re.compile(r"^(?:sk|pk|rk)_(?:live|test)_")

Status = Literal["new", "open", "pending", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    override = env.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


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
            parse_query(value, me=_ME_FOR_CHECKS)
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
            raise ValueError(f"unknown theme {value!r}{_did_you_mean(value, list(THEME_NAMES))}; "
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
            raise ValueError(f"default_profile: no profile named {name!r}{_did_you_mean(name, list(self.profiles))}"
                             f" (profiles: {known})")
        return self

    def has_plain_key(self) -> bool:
        return any(p.api_key is not None for p in self.profiles.values())

    def profile(self, name: str) -> Profile | None:
        if name in self.profiles:
            return self.profiles[name]
        return Profile(sandbox=True) if name == SANDBOX_PROFILE else None


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ConfigError(Exception):
    """The config file can't be used. `str()` names the file and every bad field; never a key."""

    def __init__(self, path: Path, problems: Sequence[Problem]) -> None:
        self.path = path
        self.problems = list(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(mask_secrets(f"{path}: invalid configuration:\n{lines}"))


@dataclass
class LoadedConfig:
    """The parsed file (empty when there is none) with where it came from and what to warn about."""

    path: Path
    file: ConfigFile = field(default_factory=ConfigFile)
    exists: bool = False
    warnings: list[str] = field(default_factory=list)
    state_path: Path | None = None


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


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
        message = f"unknown field{_did_you_mean(str(loc[-1]), _FIELDS.get(section, []))}"
    elif error["type"] == "literal_error":
        message = message.replace("Input should be", "should be")
    if message.startswith("default_profile: "):
        return Problem("default_profile", message.removeprefix("default_profile: "))
    return Problem(_field_name(loc, raw), message)


def parse_config(text: str, path: Path) -> ConfigFile:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)" and never quotes the file's content.
        raise ConfigError(path, [Problem("", f"not valid TOML: {exc}")]) from None
    try:
        return ConfigFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(path, [_problem(error, raw) for error in exc.errors()]) from None


def permission_warning(path: Path, config: ConfigFile) -> str | None:
    """A key written into the file is only as safe as the file: others must not be able to read it."""
    if os.name != "posix" or not config.has_plain_key():
        return None
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if mode & 0o077:
        return (f"{path} holds an API key but others can read it (mode {mode:04o}): run "
                f"chmod 600 {shlex.quote(str(path))}, or move the key to api_key_env / api_key_cmd.")
    return None


def load_config(path: Path | None = None) -> LoadedConfig:
    """Read and validate the file; a missing file is an empty configuration, anything wrong a ConfigError."""
    path = config_path() if path is None else path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadedConfig(path=path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(path, [Problem("", f"cannot be read: {reason}")]) from None
    config = parse_config(text, path)
    loaded = LoadedConfig(path=path, file=config, exists=True)
    warning = permission_warning(path, config)
    if warning:
        loaded.warnings.append(warning)
    return loaded


def load_or_empty(path: Path) -> LoadedConfig:
    """For `--demo`: the sandbox must start even when the file is broken."""
    try:
        return load_config(path)
    except ConfigError:
        return LoadedConfig(path=path)
