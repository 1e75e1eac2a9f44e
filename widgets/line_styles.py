"""Turn styled text runs into Strips for Line-API widgets, with per-theme style caches."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["PieceRenderer"]


class PieceRenderer:
    """Renders (text, style string) runs on a widget's component style.

    Span styles are Textual style strings ("bold $error"); theme variables are resolved through the
    widget, once per theme. Call `clear()` when the widget's styles change (theme, focus, CSS).
    """

    def __init__(self, widget: Widget) -> None:
        self._widget = widget
        self._bases: dict[tuple[str, ...], Style] = {}
        self._spans: dict[str, Style] = {}

    def clear(self) -> None:
        self._bases = {}
        self._spans = {}

    def base(self, component_classes: tuple[str, ...] = ()) -> Style:
        # get_visual_style walks the DOM to build its cache key: once per theme/focus is plenty.
        style = self._bases.get(component_classes)
        if style is None:
            style = self._bases[component_classes] = self._widget.get_visual_style(*component_classes).rich_style
        return style

    def to_strip(self, pieces: Sequence[tuple[str, str]], width: int, component_classes: tuple[str, ...] = ()) -> Strip:
        base = self.base(component_classes)
        spans = self._spans
        segments = []
        for text, style in pieces:
            if style:
                rich_style = spans.get(style)
                if rich_style is None:
                    rich_style = spans[style] = self._widget._get_style(style).rich_style  # noqa: SLF001
                segments.append(Segment(text, base + rich_style))
            else:
                segments.append(Segment(text, base))
        strip = Strip(segments)
        return strip if strip.cell_length == width else strip.adjust_cell_length(width, base)
