"""One subcommand's run: its settings (as the TUI resolves them), its client, and how it ends.

Exit status: 0 done; 1 the service refused or failed (one line on stderr, keys masked); 2 usage or
configuration (argparse, the config file, the connection settings, a filter query). With `--json` the
error is a JSON object on stderr instead of the sentence, so stdout only ever holds data.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Any

from api.errors import ApiError, ClientValidationError, mask_secrets
from app import settings as settings_mod
from app.cli.output import json_line
from app.config import ConfigFile
from app.masking import say

__all__ = ["CliError", "Context", "fail", "resolve_settings"]

OK, FAILED, USAGE = 0, 1, 2


class CliError(Exception):
    """A problem to report and exit with: `status` 1 (the service) or 2 (usage, configuration)."""

    def __init__(self, message: str, status: int = USAGE, *, kind: str = "usage") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.kind = kind


def resolve_settings(args: argparse.Namespace) -> tuple[settings_mod.Settings, ConfigFile]:
    """The TUI's precedence: flags > CSTAR_* environment > profile > the embedded sandbox."""
    from app.config_load import read_config

    if getattr(args, "api_key", None):
        from api.clean_text import one_line
        from api.errors import mask_secret

        say(f"warning: --api-key {one_line(mask_secret(args.api_key.strip()), 40)} can be read by other users in "
            "the process list and stays in your shell history: prefer CSTAR_API_KEY.")
    problems: list[str] = []
    loaded = read_config(args, report=problems.append)
    if loaded is None:
        raise CliError("\n".join(problems), USAGE, kind="config")
    try:
        settings = settings_mod.resolve(args, os.environ, loaded.file)
        if settings is None:
            settings = settings_mod.sandbox_for(args, os.environ, loaded.file)
        return settings, loaded.file
    except settings_mod.SettingsError as exc:
        raise CliError(str(exc), USAGE, kind="config") from None


@dataclass
class Context:
    args: argparse.Namespace
    settings: settings_mod.Settings
    config: ConfigFile
    _agents: Any = None

    @property
    def json(self) -> bool:
        return getattr(self.args, "json", None) is not None

    def client(self, **options: Any) -> Any:
        from api.client import HelpdeskClient

        return HelpdeskClient(self.settings.base_url, self.settings.team_id, self.settings.api_key,
                              transport=self.settings.transport, **options)

    @property
    def me(self) -> str | None:
        return self.settings.agent_id

    @property
    def agents(self) -> Any:
        """The profile's agent directory (names learned by the TUI and by `ticket show`): `assignee:dana`."""
        if self._agents is None:
            from app.desk.agents import agents_for

            self._agents = agents_for(self.settings)
        return self._agents


def fail(error: BaseException, *, as_json: bool) -> int:
    """Report `error` on stderr (one line, or a JSON object) and return the exit status."""
    if isinstance(error, CliError):
        status, kind, message = error.status, error.kind, error.message
        details: dict[str, Any] = {}
    elif isinstance(error, ClientValidationError):
        status, kind, message = USAGE, "usage", error.describe()
        details = {"param": error.param}
    elif isinstance(error, ApiError):
        status, kind, message = FAILED, "api", str(error)
        details = {"status": error.status, "type": error.type, "code": error.code, "param": error.param,
                   "requestId": error.request_id}
    else:
        raise error
    if as_json:
        body = {"error": {"kind": kind, "message": mask_secrets(message), **details}, "exitStatus": status}
        # ensure_ascii: on stderr, often a terminal, every odd character stays an escape.
        import json

        sys.stderr.write(json.dumps(body, ensure_ascii=True) + "\n")
    elif message:
        if status == FAILED:
            from api.clean_text import one_line

            message = one_line(message)  # a server's words may hold newlines: one line, as promised
        say(message)
    return status


__all__ += ["FAILED", "OK", "USAGE", "json_line"]
