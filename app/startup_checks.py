"""Problems worth a warning before the app runs: the config's own warnings and keymap mistakes.

Kept apart from `app.config_app` (which the App imports) because checking the keymap imports every screen
and the App itself: from there it would close an import cycle.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from app.config import LoadedConfig

__all__ = ["print_problems", "startup_problems"]


def startup_problems(loaded: LoadedConfig) -> list[str]:
    """Warnings to give at start (stderr before the app runs, notifications once it does)."""
    problems = list(loaded.warnings)
    if loaded.file.keymap:
        # Only then: the check imports every screen, which a start without a keymap does not need yet.
        from app.keymap import check_keymap

        problems += [str(problem) for problem in check_keymap(loaded.file.keymap)]
    return problems


def print_problems(problems: Iterable[str]) -> None:
    from app.masking import say

    for problem in problems:
        with contextlib.suppress(OSError):
            say(f"warning: {problem}")
