"""The `cstar-tui` command: run the app, `serve` the sandbox, `config`, or a scripting subcommand.

The scripting subcommands (`tickets`, `ticket`, `reply`, `note`, `completion`) import no Textual: a
script pays only for what it uses. Only running the TUI (no subcommand) brings Textual in.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

#: The scripting subcommands, each run by app.cli.commands without Textual.
SCRIPTING = ("tickets", "ticket", "reply", "note", "completion")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["serve"]:
        from api.sandbox import serve
        from app.masking import MaskingArgumentParser

        parser = MaskingArgumentParser(prog="cstar-tui serve",
                                       description="Serve the cStar sandbox API over HTTP (uvicorn).")
        serve.add_arguments(parser)
        return serve.run(parser.parse_args(args_list[1:]))
    if args_list[:1] and args_list[0] in SCRIPTING:
        from app.cli.commands import run_command

        return run_command(args_list)
    from app.run import run_app

    return run_app(args_list)


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
