"""The cStar ticket API: models, filters, errors and the async client. No Textual in here."""

from __future__ import annotations

import sys

# The package's version, read by the build from here (pyproject: [tool.hatch.version]): asking
# importlib.metadata instead cost ~15 ms of every start.
__version__ = "0.1.0"

# httpx imports its own command-line client (click, rich.progress, rich.syntax, pygments: ~15 ms of every
# start of the app and of each scripting command) whenever those are installed, and Textual brings rich.
# Nothing here runs `httpx`'s CLI: a None entry makes that one import fail, and httpx defines a stand-in.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
