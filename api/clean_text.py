"""Untrusted text made safe for a terminal: plain functions, no Textual, for the app and the command line.

The widgets build on this (`widgets.safe_text`), and the command line prints through it too: neither
Textual nor `print()` strips escape sequences, so every title, name, tag, message body and server error
goes through `clean()` (or `one_line()`) before it reaches a widget or stdout/stderr. Dangerous or
invisible characters are replaced by *visible* stand-ins rather than silently dropped: an agent should
see that a customer sent an ESC or a right-to-left override, not be fooled by it.

What `clean()` guarantees about its output:
- no C0 control except `\\n` and `\\t` (ESC, NUL, BEL, CR, backspace… become control pictures ␛ ␀ ␇ ␍ ␈),
  no DEL (␡), no C1 control (0x80–0x9F become `⟨9B⟩`);
- no bidi override, embedding, isolate or mark (shown as `⟨RLO⟩`, `⟨LRM⟩`…);
- no lone surrogate (would crash the terminal encoder; becomes U+FFFD);
- at most `MAX_COMBINING` combining marks in a row (zalgo) and `MAX_ZERO_WIDTH` zero-width characters
  in a row;
- `\\r\\n` becomes `\\n`; U+2028/U+2029 become `\\n` so every layer agrees on where lines break.
"""

from __future__ import annotations

import re
from functools import cache

from .combining_marks import marks as combining_marks

__all__ = ["MAX_COMBINING", "MAX_ZERO_WIDTH", "clean", "one_line"]

MAX_COMBINING = 3
MAX_ZERO_WIDTH = 2

_BIDI_NAMES = {
    0x061C: "ALM",
    0x200E: "LRM",
    0x200F: "RLM",
    0x202A: "LRE",
    0x202B: "RLE",
    0x202C: "PDF",
    0x202D: "LRO",
    0x202E: "RLO",
    0x2066: "LRI",
    0x2067: "RLI",
    0x2068: "FSI",
    0x2069: "PDI",
}

# Other format characters (Unicode category Cf) with no business in a helpdesk ticket: Arabic number
# signs that swallow the following digits, interlinear annotation, deprecated shaping controls,
# musical/hieroglyph/shorthand format controls. Shown by code point so nothing is hidden.
_OTHER_FORMAT = [
    *range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2,
    *range(0x206A, 0x2070), *range(0xFFF9, 0xFFFC), 0x110BD, 0x110CD,
    *range(0x13430, 0x13439), *range(0x1BCA0, 0x1BCA4), *range(0x1D173, 0x1D17B), 0xE0001,
]  # fmt: skip


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in range(0x20):
        if code not in (0x09, 0x0A):
            table[code] = chr(0x2400 + code)
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):
        table[code] = f"⟨{code:02X}⟩"
    for code, name in _BIDI_NAMES.items():
        table[code] = f"⟨{name}⟩"
    for code in _OTHER_FORMAT:
        table[code] = f"⟨U+{code:04X}⟩"
    # Soft hyphen: invisible by definition, but terminals disagree on its width (0 or 1 cells), which
    # shifts every cell after it; dropping it loses nothing the reader could see.
    table[0xAD] = None
    table[0x2028] = "\n"
    table[0x2029] = "\n"
    return table


_TABLE = _build_table()
# Only the ASCII part, for the fast path: ASCII text can't contain anything else we touch.
_ASCII_TABLE = {code: value for code, value in _TABLE.items() if code < 0x80}
_ONE_LINE_TABLE = {0x0A: "⏎", 0x09: " "}


def _char_class(codes: list[int]) -> str:
    return "".join(re.escape(chr(code)) for code in codes)


def _astral_class(codes: list[int]) -> str:
    """A regex for one astral character among `codes`, fast on text full of other astral characters.

    A class of astral ranges can't compile to a bitmap and is checked range by range, so it is only
    tried (as a lookbehind) on characters inside a few coarse ranges around `codes`: a page of emoji,
    which lies outside them, costs a handful of comparisons per character.
    """
    return _astral_ranges_class(_ranges(codes))


def _ranges(codes: list[int]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for code in sorted(codes):
        if out and out[-1][1] == code - 1:
            out[-1][1] = code
        else:
            out.append([code, code])
    return [(first, last) for first, last in out]


def _astral_ranges_class(ranges: list[tuple[int, int]]) -> str:
    """`_astral_class` from (first, last) ranges: the class lists ranges, not every code point."""
    coarse: list[list[int]] = []
    for first, last in ranges:
        if coarse and first - coarse[-1][1] < 0x800:
            coarse[-1][1] = last
        else:
            coarse.append([first, last])
    prefilter = "".join(f"{_char_class([low])}-{_char_class([high])}" for low, high in coarse)
    return f"[{prefilter}](?<=[{_range_class(ranges)}])"


def _range_class(ranges: list[tuple[int, int]]) -> str:
    return "".join(_char_class([first]) if first == last else f"{_char_class([first])}-{_char_class([last])}"
                   for first, last in ranges)


# str.translate does a dict lookup per character (~80 ms per MB of non-ASCII text); a regex that finds
# the rare bad character and substitutes it is ~8x faster. BMP and astral classes are separate
# because `re` only compiles a class into a fast bitmap when every member is in the BMP.
_BMP_BAD = re.compile(f"[{_char_class([c for c in _TABLE if c <= 0xFFFF])}\ud800-\udfff]")
_ASTRAL_BAD = re.compile(_astral_class([c for c in _TABLE if c > 0xFFFF]))
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e"
_ZERO_WIDTH_RUN = re.compile(f"[{_ZERO_WIDTH}]{{{MAX_ZERO_WIDTH + 1},}}")
# A subdivision flag (🏴 + "gbsct" + cancel tag) needs up to 7 tag characters; longer runs are
# "ASCII smuggling" (invisible text meant for machines), so cap them too.
_MAX_TAG_RUN = 7
_TAG_RUN = re.compile(f"[\U000e0020-\U000e007f]{{{_MAX_TAG_RUN + 1},}}")


def _replace_bad(text: str, pattern: re.Pattern[str]) -> str:
    # Find which bad characters occur, then str.replace each: a regex callback per occurrence costs
    # ~3 µs, which a body with 100,000 ESC sequences would feel (300 ms against 20 ms).
    for char in set(pattern.findall(text)):
        text = text.replace(char, _TABLE.get(ord(char), "\ufffd") or "")
    return text


@cache
def _mark_classes() -> tuple[str, str]:
    """Regex classes for one combining mark (Mn, Mc, Me): (in the BMP, astral).

    Built on first use of non-ASCII text rather than at import, from a precomputed table of ranges
    (`api.combining_marks`, for the running Python's Unicode version; scanning the code space cost ~25 ms).
    Astral marks are tested only on astral characters (the lookbehind) because their class can't be a
    bitmap and checking it everywhere costs ~2 s per MB.
    """
    ranges = combining_marks()
    bmp = f"[{_range_class([r for r in ranges if r[1] <= 0xFFFF])}]"
    return bmp, _astral_ranges_class([r for r in ranges if r[0] > 0xFFFF])


@cache
def _combining_runs() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(runs of marks in the BMP, any astral mark): what accented text needs, on the first non-ASCII text."""
    bmp, astral = _mark_classes()
    return re.compile(f"{bmp}{{{MAX_COMBINING + 1},}}"), re.compile(astral)


@cache
def _any_combining_runs() -> re.Pattern[str]:
    """Runs of marks anywhere: only text holding an astral mark needs it, and it takes 2–16 ms to compile
    (a start that paid for it on the demo's accented names lost that much)."""
    bmp, astral = _mark_classes()
    return re.compile(f"(?:{bmp}|{astral}){{{MAX_COMBINING + 1},}}")


def _keep_combining(match: re.Match[str]) -> str:
    return match.group()[:MAX_COMBINING]


def _keep_zero_width(match: re.Match[str]) -> str:
    return match.group()[:MAX_ZERO_WIDTH]


def _keep_tags(match: re.Match[str]) -> str:
    return match.group()[:_MAX_TAG_RUN]


def _clean_unbounded(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if text.isascii():
        return text.translate(_ASCII_TABLE)
    text = _replace_bad(text, _BMP_BAD)
    marks, astral_mark = _combining_runs()
    if _ASTRAL.search(text) is not None:
        text = _replace_bad(text, _ASTRAL_BAD)
        text = _TAG_RUN.sub(_keep_tags, text)
        if astral_mark.search(text) is not None:
            marks = _any_combining_runs()
    text = marks.sub(_keep_combining, text)
    # `in` is a memchr per character, far cheaper than a regex pass over text that has none.
    if any(char in text for char in _ZERO_WIDTH):
        text = _ZERO_WIDTH_RUN.sub(_keep_zero_width, text)
    return text


def clean(text: str, *, max_chars: int | None = None) -> str:
    """Make untrusted text safe to render: see the module docstring for the guarantees.

    With `max_chars`, text longer than that is cut and ends with a visible
    "… (N more characters)" marker (N counts characters of the original that aren't shown).
    """
    if not text:
        return ""
    if max_chars is None or len(text) <= max_chars:
        cleaned = _clean_unbounded(text)
        if max_chars is None or len(cleaned) <= max_chars:
            return cleaned
        return f"{cleaned[:max_chars]}… ({len(cleaned) - max_chars:,} more characters)"
    # Clean only a generous head of a huge text: placeholders lengthen it and run-capping shortens
    # it, but never by more than this margin in practice, and a 1 MB body costs nothing past here.
    head = text[: max_chars * 2 + 64]
    cleaned = _clean_unbounded(head)
    shown = cleaned[:max_chars]
    # Count hidden characters in the original's terms, approximately: what's left of the head
    # (in cleaned characters) plus everything after the head.
    hidden = len(cleaned) - len(shown) + len(text) - len(head)
    return f"{shown}… ({hidden:,} more characters)"


def one_line(text: str | None, max_chars: int | None = None) -> str:
    """Clean text for a single-line place (table cell, title bar): newline -> ⏎, tab -> space.

    `max_chars` bounds the length, ending in "…" when cut (the ellipsis counts towards the bound).
    """
    if not text:
        return ""
    cut = max_chars is not None and len(text) > max_chars * 2 + 64
    if cut:
        text = text[: max_chars * 2 + 64]  # type: ignore[operator]
    line = _clean_unbounded(text).translate(_ONE_LINE_TABLE)
    if max_chars is not None and (len(line) > max_chars or cut):
        # Capping a flood of combining marks can shrink the head below the bound; the text still went
        # on, so it still ends in "…".
        line = (line[: max(0, max_chars - 1)] if len(line) >= max_chars else line) + "…"
    return line
