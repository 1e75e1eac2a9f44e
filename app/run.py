"""Run the terminal app: parse flags, pick the connection, exit with the app's return code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app import settings as settings_mod

DESCRIPTION = """\
A keyboard-driven terminal client for the cStar ticket API.

With no configuration it opens the embedded sandbox: a local copy of the API with demo data,
marked SANDBOX in the header. Point it at a served sandbox or the real service with flags or the
CSTAR_* environment variables (flags win over the environment):

  cstar-tui --base-url http://127.0.0.1:8765 --team team_acme --agent-id agt_…   (key in CSTAR_API_KEY)

Other commands:
  cstar-tui serve --help     serve the sandbox API over HTTP
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cstar-tui", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    settings_mod.add_arguments(parser)
    return parser


def run_app(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    try:
        settings = settings_mod.resolve(args)
    except settings_mod.SettingsError as exc:
        print(f"cstar-tui: {exc}", file=sys.stderr)
        return 2
    if settings is None:
        settings = settings_mod.sandbox_settings(args.agent_id, args.agent_name)
    from app.tui import CStarApp

    app = CStarApp(settings)
    app.run()
    # A crashed Textual app still returns from run(); its return code is what says so.
    return app.return_code or 0
