"""wrap_text: every line fits, nothing but spaces at the breaks is lost."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from widgets.wrap import wrap_line, wrap_text

_words = st.lists(
    st.one_of(st.text(alphabet="abcdefghij", min_size=1, max_size=30), st.sampled_from(["日本語", "ÿé", "  ", " "])),
    max_size=40,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_words, st.integers(min_value=1, max_value=80))
def test_lines_fit_and_keep_every_character(text: str, width: int) -> None:
    lines = wrap_line(text, width)
    assert all(cell_len(line) <= max(width, 2) for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_paragraphs_and_words() -> None:
    assert wrap_text("hello world this is wrapped\n\nnext", 11) == ["hello world", "this is", "wrapped", "", "next"]
    assert wrap_line("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert wrap_line("日本語のテキスト", 6) == ["日本語", "のテキ", "スト"]
