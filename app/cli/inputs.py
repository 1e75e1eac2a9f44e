"""What the subcommands read besides their flags: text from stdin, KEY=VALUE pairs, a yes or a no."""

from __future__ import annotations

import sys

from app.cli.context import USAGE, CliError

__all__ = ["confirm", "metadata_changes", "read_text"]


def read_text(value: str, what: str) -> str:
    """`value`, or stdin for `-`; refused when blank (the service would refuse it too)."""
    text = sys.stdin.read() if value == "-" else value
    if not text.strip():
        raise CliError(f"{what} is empty", USAGE)
    return text


def metadata_changes(items: list[str], *, allow_remove: bool) -> dict[str, str | None]:
    changes: dict[str, str | None] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise CliError(f"--meta takes KEY=VALUE (or KEY= to remove a key), not {item!r}", USAGE)
        if not value and not allow_remove:
            raise CliError(f"--meta {key}= has no value", USAGE)
        changes[key] = value or None
    return changes


def confirm(question: str) -> bool:
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")
