"""The cStar ticket API: models, filters, errors and the async client. No Textual in here."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cstar-tui")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.1.0"
