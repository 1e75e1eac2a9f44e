"""Run the terminal app: parse flags, read the config, pick the connection, exit with the app's return code."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from app import settings as settings_mod
from app.config import LoadedConfig
from app.config_load import read_config_or_fallback
from app.masking import MaskingArgumentParser, say

if TYPE_CHECKING:
    from textual.app import App

DESCRIPTION = """\
A keyboard-driven terminal client for the cStar ticket API.

With no configuration it opens the embedded sandbox: a local copy of the API with demo data,
marked SANDBOX in the header. Point it at a served sandbox or the real service with a profile in the
config file (`cstar-tui config init` writes one), flags, or the CSTAR_* environment variables.
Precedence: flags > CSTAR_* environment > profile > the embedded sandbox.

  cstar-tui --profile work
  cstar-tui --base-url http://127.0.0.1:8765 --team team_acme --agent-id agt_…   (key in CSTAR_API_KEY)

Other commands:
  cstar-tui config {path,show,init}   the config file (CSTAR_CONFIG names another one)
  cstar-tui serve --help              serve the sandbox API over HTTP
  cstar-tui tickets|ticket|reply|note|completion --help   the desk from a script (no TUI; --json)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = MaskingArgumentParser(prog="cstar-tui", description=DESCRIPTION,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    settings_mod.add_arguments(parser)
    return parser


def _say(text: str) -> None:
    say(text)


def warn_about_key_flag(key: str) -> None:
    """`--help` says it, but who reads it again: a key on the command line is in `ps` and the shell history."""
    from api.clean_text import one_line
    from api.errors import mask_secret

    _say(f"warning: --api-key {one_line(mask_secret(key.strip()), 40)} can be read by other users in the process "
         "list and stays in your shell history: prefer CSTAR_API_KEY, or a profile's api_key_env / api_key_cmd.")


def load(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> LoadedConfig | None:
    """The config, or None when it is broken (then reported; `--demo` goes on with the sandbox)."""
    loaded, read = read_config_or_fallback(args, environ)
    if loaded is None or not read:
        return loaded
    from app.config_app import default_state_path

    loaded.state_path = default_state_path()
    return loaded


def run_app(argv: Sequence[str]) -> int:
    argv = list(argv)
    if argv[:1] == ["config"]:
        from app.config_cli import main as config_main

        return config_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.api_key:
        warn_about_key_flag(args.api_key)
    loaded = load(args)
    if loaded is None:
        return 2
    try:
        settings = settings_mod.resolve(args, os.environ, loaded.file)
        if settings is None:
            settings = settings_mod.sandbox_for(args, os.environ, loaded.file)
    except settings_mod.SettingsError as exc:
        _say(str(exc))
        return 2
    from app.startup_checks import print_problems, startup_problems

    problems = startup_problems(loaded)
    print_problems(problems)
    from app.tui import CStarApp

    try:
        listener = settings_mod.webhook_listener(args, os.environ, loaded.file)
    except settings_mod.SettingsError as exc:
        _say(str(exc))
        return 2
    return run_until_exit(CStarApp(settings, config=loaded, problems=problems, listen=listener))


def run_until_exit(app: App[object], *, headless: bool = False) -> int:
    """Run the app; its exit status. A crashed Textual app still returns from run(): its return code says so."""
    app.run(headless=headless)
    return app.return_code or 0
