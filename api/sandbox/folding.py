"""What `search` compares: text folded for accents and case, and bounded in length.

Both sides are folded the same way (NFKD, case folding, combining marks dropped), so `garcia` finds
"García", `STRASSE` finds "Straße" and `ﬁle` finds "file". The stored side is cut to a bounded length:
a substring search costs the needle's length times the text's, and a database written before the API
capped titles may hold a title of megabytes.
"""

from __future__ import annotations

import unicodedata

from api.limits import CUSTOMER_NAME_MAX, TITLE_MAX

# Folding can lengthen text (NFKD of "ﷺ" is 18 characters, "ß" folds to "ss"); twice the cap keeps
# any title that was accepted whole in practice while still bounding the pathological ones.
TITLE_SEARCHED = 2 * TITLE_MAX
CUSTOMER_NAME_SEARCHED = 2 * CUSTOMER_NAME_MAX


def fold(text: str) -> str:
    if text.isascii():
        return text.lower()  # the same as the general path for ASCII, and most text is
    # Case folding can produce characters that decompose further (and NFKD uppercase ones), hence NFKD twice.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_text(title: str, customer_name: str) -> str:
    """The stored, indexed text a ticket's search matches against."""
    return (fold(title[:TITLE_MAX])[:TITLE_SEARCHED] + "\n"
            + fold(customer_name[:CUSTOMER_NAME_MAX])[:CUSTOMER_NAME_SEARCHED])
