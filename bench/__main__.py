"""`python -m bench NAME [args]`: run one benchmark by name; `python -m bench` lists them.

A benchmark is either registered in COMMANDS (a module with `main(argv) -> int`) or any
`bench/NAME.py` script, which is run as `__main__` with the remaining arguments.
"""

from __future__ import annotations

import importlib
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Named entry points; add yours here (module path, one-line description).
COMMANDS: dict[str, tuple[str, str]] = {
    "sandbox": ("bench.sandbox_list", "sandbox list latency at 300 and 100,000 tickets"),
}


def _scripts() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_"))


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m bench NAME [args]\n")
        for name, (_module, about) in COMMANDS.items():
            print(f"  {name:<16} {about}")
        for name in _scripts():
            print(f"  {name:<16} bench/{name}.py")
        return 0
    name, rest = argv[0], argv[1:]
    if name in COMMANDS:
        module = importlib.import_module(COMMANDS[name][0])
        return int(module.main(rest) or 0)
    script = HERE / f"{name}.py"
    if script.is_file() and not name.startswith("_"):
        sys.argv = [str(script), *rest]
        runpy.run_path(str(script), run_name="__main__")
        return 0
    print(f"python -m bench: no benchmark named {name!r}; `python -m bench` lists them", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
