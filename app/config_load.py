"""Reading the config file at start, for the TUI and the scripting CLI alike (no Textual here).

A broken or missing-but-named file is reported on stderr in one message; `--demo` goes on without it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping

from app.config import CONFIG_ENV, ConfigError, LoadedConfig, config_path, load_config
from app.masking import say

__all__ = ["read_config", "read_config_or_fallback"]


def read_config(args: argparse.Namespace, environ: Mapping[str, str] | None = None, *,
                report: Callable[[str], None] = say) -> LoadedConfig | None:
    """The config, or None when it is broken (then `report`ed; `--demo` goes on with the sandbox)."""
    return read_config_or_fallback(args, environ, report=report)[0]


def read_config_or_fallback(args: argparse.Namespace, environ: Mapping[str, str] | None = None, *,
                            report: Callable[[str], None] = say) -> tuple[LoadedConfig | None, bool]:
    """`read_config`, and whether the file was read (False: None, or `--demo` going on without it)."""
    env = os.environ if environ is None else environ
    path = config_path(env)
    demo = getattr(args, "demo", False)
    if env.get(CONFIG_ENV) and not path.exists():
        # Named on purpose, so not the first run: a typo here would otherwise open the sandbox unasked.
        missing = (f"{path} does not exist (CSTAR_CONFIG names it): `cstar-tui config init` writes it, "
                   "or unset CSTAR_CONFIG to use the default file.")
        if demo:
            return LoadedConfig(path=path, warnings=[f"{missing} Starting on the embedded sandbox (--demo)."]), False
        report(missing)
        return None, False
    try:
        return load_config(path), True
    except ConfigError as exc:
        if demo:
            # Warned about like any other problem: on stderr now and in the app once it runs.
            return LoadedConfig(path=path, warnings=[f"{exc}\nStarting on the embedded sandbox (--demo) "
                                                     "without the config file."]), False
        report(f"{exc}\nFix the file (cstar-tui config path shows where it is), or start with --demo.")
        return None, False
