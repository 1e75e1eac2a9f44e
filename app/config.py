"""The config file: one TOML file of profiles, views, canned responses, key overrides and a theme.

`config.toml` lives in the platformdirs user config dir for `cstar-tui` (`CSTAR_CONFIG` names another
file). It is validated by pydantic models that refuse unknown fields (`app.config_schema`, loaded only
when there is a file), and every mistake is reported with the file's path, the field
(`profiles.work.base_url`, `views[2] "Mine".query`) and what is wrong, all of them at once. Nothing in a
report ever contains a key: values are not echoed back, and the text is passed through `mask_secrets` as well.
"""

from __future__ import annotations

import os
import shlex
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config_common import APP_NAME, CONFIG_ENV, SANDBOX_PROFILE, ConfigError, Problem

if TYPE_CHECKING:
    from app.config_schema import ConfigFile, MacroConfig, NotificationsConfig, Profile, ViewConfig

__all__ = [
    "APP_NAME",
    "CONFIG_ENV",
    "NO_FILE",
    "SANDBOX_PROFILE",
    "ConfigError",
    "ConfigFile",
    "LoadedConfig",
    "MacroConfig",
    "NotificationsConfig",
    "Problem",
    "Profile",
    "ViewConfig",
    "config_path",
    "load_config",
    "load_or_empty",
    "permission_warning",
]

_SCHEMA = frozenset({"ConfigFile", "MacroConfig", "NotificationsConfig", "Profile", "ViewConfig"})


def __getattr__(name: str) -> Any:
    if name in _SCHEMA:  # the pydantic models, loaded on first use
        from app import config_schema

        return getattr(config_schema, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    override = env.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


@dataclass(frozen=True)
class _DefaultNotifications:
    """`NotificationsConfig()`'s values (tests/test_start_path.py checks they stay the same)."""

    bell: bool = True
    desktop: str = "off"
    new_ticket_views: tuple[str, ...] = ("New",)
    customer_reply: bool = True
    sla_minutes: int = 30


class _NoFile:
    """`ConfigFile()` (no config file) without building pydantic's models at start: the values the app reads
    at start are here; anything else (a profile, a dump) builds the real empty ConfigFile on first use.
    tests/test_start_path.py checks these stay equal to ConfigFile()'s defaults."""

    default_profile: str | None = None
    theme: str | None = None
    web_url: str | None = None
    auto_advance = True
    first_reply_opens = True
    send_and_status: str | None = None
    refresh_seconds: float = 20
    sort_limit = 2000
    notifications = _DefaultNotifications()
    builtin_macros = True
    profiles: Mapping[str, Any] = {}
    views: tuple[Any, ...] = ()
    macros: tuple[Any, ...] = ()
    keymap: Mapping[str, str] = {}

    def has_plain_key(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(_empty_file(), name)


def _empty_file() -> ConfigFile:
    from app.config_schema import ConfigFile

    global _EMPTY
    if _EMPTY is None:
        _EMPTY = ConfigFile()
    return _EMPTY


_EMPTY: ConfigFile | None = None


NO_FILE: Any = _NoFile()


@dataclass
class LoadedConfig:
    """The parsed file (empty when there is none) with where it came from and what to warn about."""

    path: Path
    file: ConfigFile = field(default=NO_FILE)
    exists: bool = False
    warnings: list[str] = field(default_factory=list)
    state_path: Path | None = None


def parse_config(text: str, path: Path) -> ConfigFile:
    import tomllib  # only when there is a file to read

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)" and never quotes the file's content.
        raise ConfigError(path, [Problem("", f"not valid TOML: {exc}")]) from None
    from app.config_schema import validate

    return validate(raw, path)


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
