"""clean() and friends: the guarantees every widget relies on for untrusted text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text
from textual.content import Content

from widgets.safe_text import MAX_COMBINING, MAX_ZERO_WIDTH, clean, one_line, safe_content, safe_text

FORBIDDEN = (
    {chr(c) for c in range(0x20) if c not in (0x09, 0x0A)}
    | {"\x7f"}
    | {chr(c) for c in range(0x80, 0xA0)}
    | {chr(c) for c in range(0x202A, 0x202F)}
    | {chr(c) for c in range(0x2066, 0x206A)}
    | {"\u200e", "\u200f", "\u061c", "\u2028", "\u2029"}
    | {chr(c) for c in range(0xD800, 0xE000)}
)

# Text biased towards the interesting characters, plus anything at all.
_nasty = st.sampled_from(sorted(FORBIDDEN) + ["\u0301", "\u200b", "\u200d", "\U000e0041", "\U0001d167", "é"])
_any_text = st.lists(st.one_of(_nasty, st.characters(codec=None)), max_size=200).map("".join)


@settings(max_examples=400, deadline=None)
@given(_any_text)
def test_clean_output_has_no_control_or_bidi_characters(text: str) -> None:
    out = clean(text)
    assert not (set(out) & FORBIDDEN)
    assert not (set(one_line(text, 50)) & (FORBIDDEN | {"\n", "\t"}))


@settings(max_examples=200, deadline=None)
@given(_any_text, st.integers(min_value=1, max_value=60))
def test_clean_is_idempotent_and_bounded(text: str, limit: int) -> None:
    once = clean(text)
    assert clean(once) == once
    assert len(one_line(text, limit)) <= limit


def test_visible_placeholders() -> None:
    assert clean("a\x1b]0;PWNED\x07b") == "a␛]0;PWNED␇b"
    assert clean("\x00\x08\x7f") == "␀␈␡"
    assert clean("x\x9b31m") == "x⟨9B⟩31m"
    assert clean("admin\u202etxt.exe") == "admin⟨RLO⟩txt.exe"
    assert clean("\u2066x\u2069\u200f") == "⟨LRI⟩x⟨PDI⟩⟨RLM⟩"
    assert clean("bad\ud800") == "bad\ufffd"


def test_newlines_tabs_and_crlf() -> None:
    assert clean("a\r\nb\tc\rd") == "a\nb\tc␍d"
    assert clean("a\u2028b") == "a\nb"
    assert one_line("a\nb\tc") == "a⏎b c"


def test_zalgo_and_zero_width_runs_are_capped() -> None:
    zalgo = "Z" + "\u0301\u0302\u0303" * 100 + "a"
    out = clean(zalgo)
    assert out == "Z" + "\u0301\u0302\u0303"[:MAX_COMBINING] + "a"
    assert clean("a" + "\u200b" * 500 + "b") == "a" + "\u200b" * MAX_ZERO_WIDTH + "b"
    # Real text keeps its marks: Vietnamese stacks two, an emoji ZWJ sequence keeps its joiners.
    assert clean("Việt Nam") == "Việt Nam"
    family = "👨\u200d👩\u200d👧"
    assert clean(family) == family


def test_max_chars_marker() -> None:
    assert clean("x" * 50, max_chars=10) == "x" * 10 + "… (40 more characters)"
    assert clean("short", max_chars=10) == "short"
    huge = clean("y" * 1_000_000, max_chars=100)
    assert huge.startswith("y" * 100) and huge.endswith("(999,900 more characters)")
    assert one_line("abcdefgh", 5) == "abcd…"


def test_markup_is_never_parsed() -> None:
    hostile = "[/] [@click=app.quit]x[/] [link='http://e.vil']y[/link] :smile:"
    content = safe_content(hostile, "bold")
    assert isinstance(content, Content) and content.plain == hostile
    text = safe_text(hostile)
    assert isinstance(text, Text) and text.plain == hostile and not text.spans
    assert safe_content(None).plain == ""


def test_huge_input_is_bounded_and_fully_cleaned() -> None:
    """How fast is a figure of bench/widgets_timing.py; here: what a widget paints stays bounded."""
    title = "Refund please é " * 65_000  # ~1 MB
    body = "\n".join(f"line {i} café \x1b[31m" for i in range(100_000))  # 2.6 MB, 100k ESCs
    assert len(one_line(title, 200)) <= 200
    head = clean(body, max_chars=20_000)
    assert len(head) < 20_100 and "more characters" in head and "\x1b" not in head
    whole = clean(body)
    assert "\x1b" not in whole and whole.count("␛") == 100_000
