"""The `cstar-tui` command: run the app, or `serve` the sandbox."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["serve"]:
        from api.sandbox import serve
        from app.masking import MaskingArgumentParser

        parser = MaskingArgumentParser(prog="cstar-tui serve",
                                       description="Serve the cStar sandbox API over HTTP (uvicorn).")
        serve.add_arguments(parser)
        return serve.run(parser.parse_args(args_list[1:]))
    from app.run import run_app

    return run_app(args_list)


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
