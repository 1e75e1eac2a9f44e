"""The names of Textual's built-in themes, without importing Textual.

The config file is read by the scripting CLI too, which imports no Textual; checking `theme = …` against
`textual.theme.BUILTIN_THEMES` brought all of Textual in (~0.2 s). tests/test_cli_no_textual.py checks
that this list is still Textual's.
"""

from __future__ import annotations

__all__ = ["THEME_NAMES"]

THEME_NAMES: tuple[str, ...] = (
    "ansi-dark", "ansi-light", "atom-one-dark", "atom-one-light", "catppuccin-frappe", "catppuccin-latte",
    "catppuccin-macchiato", "catppuccin-mocha", "dracula", "flexoki", "gruvbox", "monokai", "nord", "rose-pine",
    "rose-pine-dawn", "rose-pine-moon", "solarized-dark", "solarized-light", "textual-dark", "textual-light",
    "tokyo-night",
)
