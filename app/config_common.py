"""What the config file's reader and its schema share, free of pydantic: names, and how problems are reported.

`app.config` (on the start path) and `app.config_schema` (pydantic, loaded only when there is a file to
check) both import from here, so neither imports the other at start.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from api.errors import mask_secrets

__all__ = ["APP_NAME", "CONFIG_ENV", "ME_FOR_CHECKS", "SANDBOX_PROFILE", "ConfigError", "Priority", "Problem", "Status",
           "did_you_mean"]

APP_NAME = "cstar-tui"
CONFIG_ENV = "CSTAR_CONFIG"
SANDBOX_PROFILE = "sandbox"
# `assignee:me` needs an agent ID to parse; the real one is only known once a profile is chosen.
ME_FOR_CHECKS = "agt_configcheck"

Status = Literal["new", "open", "pending", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]


@dataclass(frozen=True)
class Problem:
    """One mistake in the config file: where, and what is wrong."""

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



def did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
