"""`python -m bench [NAME] [--quick] [--json PATH] …`: run one benchmark by name, or every registered one.

A benchmark is either registered in COMMANDS (a module with `main(argv) -> int` that accepts `--quick`
and `--json PATH`) or any `bench/NAME.py` script, run as `__main__` with the remaining arguments.
Without a NAME every registered benchmark runs in turn with the same options; `--json out.json` then
becomes one file per benchmark (`out.sandbox.json`, …). `python -m bench list` lists them.
"""

from __future__ import annotations

import importlib
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Named entry points, run in this order by a bare `python -m bench`: name -> (module, one line).
COMMANDS: dict[str, tuple[str, str]] = {
    "startup": ("bench.startup", "1. start to the first interactive list, against bare-Textual floors"),
    "filter": ("bench.filter_change", "2. filter change, key to repainted rows, against a plain DataTable"),
    "open": ("bench.open_ticket", "3-4. open 100 and 1,000 messages; ] to the next ticket"),
    "scroll": ("bench.scroll_10k", "5. 10,000 loaded tickets: appended page time and RSS"),
    "sandbox": ("bench.sandbox_list", "6. sandbox list latency at 300 and 100,000 tickets"),
    "requests": ("bench.requests_per_action", "7. HTTP requests per action"),
    "idle": ("bench.idle", "8. idle on a live view: requests per minute and CPU, against bare Textual"),
    "cli": ("bench.cli_list", "9. `tickets list --json` against curl on the same served sandbox"),
}


def _scripts() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_") and p.stem not in
                  {module.rsplit(".", 1)[-1] for module, _ in COMMANDS.values()})


def _listing() -> str:
    lines = ["usage: python -m bench [NAME] [--quick] [--json PATH]", ""]
    lines += [f"  {name:<16} {about}" for name, (_module, about) in COMMANDS.items()]
    lines += [f"  {name:<16} bench/{name}.py (script)" for name in _scripts()]
    return "\n".join(lines)


def _run_command(name: str, argv: list[str]) -> int:
    module = importlib.import_module(COMMANDS[name][0])
    return int(module.main(argv) or 0)


def _per_command_json(argv: list[str], name: str) -> list[str]:
    out = list(argv)
    if "--json" in out and out.index("--json") + 1 < len(out):
        i = out.index("--json") + 1
        path = Path(out[i])
        out[i] = str(path.with_name(f"{path.stem}.{name}{path.suffix or '.json'}"))
    return out


def _run_all(argv: list[str]) -> int:
    """Every figure in this one process tree, then one table of them all (ratios against their floors)."""
    import json

    from bench._report import load_average, load_line, table

    quick = "--quick" in argv
    before = load_average()
    rows: list[dict] = []
    status = 0
    for name, (module_name, about) in COMMANDS.items():
        print(f"== {name}: {about}", file=sys.stderr, flush=True)
        module = importlib.import_module(module_name)
        if hasattr(module, "run"):
            rows += module.run(quick)
        else:  # a benchmark with a table of its own
            status = max(status, int(module.main(_per_command_json(argv, name)) or 0))
    print(table(rows))
    print(load_line(before, load_average()))
    if "--json" in argv and argv.index("--json") + 1 < len(argv):
        Path(argv[argv.index("--json") + 1]).write_text(json.dumps(rows, indent=2))
    return status


def main(argv: list[str]) -> int:
    if argv[:1] in (["list"], ["-h"], ["--help"]):
        print(_listing())
        return 0
    if not argv or argv[0].startswith("-"):
        return _run_all(argv)
    name, rest = argv[0], argv[1:]
    if name in COMMANDS:
        return _run_command(name, rest)
    script = HERE / f"{name}.py"
    if script.is_file() and not name.startswith("_"):
        sys.argv = [str(script), *rest]
        runpy.run_path(str(script), run_name="__main__")
        return 0
    print(f"python -m bench: no benchmark named {name!r}; `python -m bench list` lists them", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
