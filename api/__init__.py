"""The cStar ticket API: models, filters, errors and the async client. No Textual in here."""

from __future__ import annotations

# The package's version, read by the build from here (pyproject: [tool.hatch.version]): asking
# importlib.metadata instead cost ~15 ms of every start.
__version__ = "0.1.0"
