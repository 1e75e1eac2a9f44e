"""Lengths the API refuses past, shared by the sandbox (which answers 400) and the client (which checks first).

The reference sets none; these are the sandbox's contract (README, "Where it differs from the real
service"). Lengths are in characters (Unicode code points, Python's `len`), not bytes. A search is a
substring match, so its cost grows with its length times the text it is matched against: bounding both
is what keeps one request from holding the server.
"""

from __future__ import annotations

from typing import Final

#: The list endpoint's `search` query parameter.
SEARCH_MAX: Final = 200
#: A ticket's `title`, on create and update. The demo data's longest is 257.
TITLE_MAX: Final = 500
#: `customerName` on create.
CUSTOMER_NAME_MAX: Final = 200
