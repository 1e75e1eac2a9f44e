"""`python -m app.cli …`, as the installed `cstar-tui` entry point."""

from app.cli import entry

entry()
