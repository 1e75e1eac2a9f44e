"""MessageThread: a ticket's conversation, oldest first, as one Line-API widget.

One widget per message is far too slow for long threads (1,000 Static widgets ≈ 2 s, Markdown
worse), so this keeps the messages as data, wraps them to the current width once (cached per width)
and paints only the visible lines. Huge bodies are cut to a head (`MAX_LINES` / `MAX_CHARS`) with a
visible note; `o` asks for the whole message (`ExpandRequested`) and, by default, expands it in place.

Internal notes are unmistakable: an "INTERNAL NOTE" label in the header, a coloured stripe down the
left edge and a tinted background, so an agent never mistakes one for a public reply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message as TextualMessage
from textual.scroll_view import ScrollView
from textual.strip import Strip

from api.models import Message
from widgets.safe_text import clean, one_line
from widgets.sla import absolute_time, relative_time
from widgets.wrap import wrap_text

__all__ = ["MAX_CHARS", "MAX_LINES", "MessageThread"]

MAX_LINES = 200
MAX_CHARS = 20_000
_GUTTER = 2  # stripe + space
_RIGHT_MARGIN = 1

# Row kinds in the flattened layout.
_HEADER, _BODY, _NOTE, _BLANK = range(4)

_SENDER_LABEL = {"customer": "customer", "agent": "agent", "system": "system"}


@dataclass
class _Block:
    message: Message
    body: str
    """Cleaned text that is shown (the head only, when truncated)."""
    hidden_lines: int = 0
    hidden_chars: int = 0

    @property
    def truncated(self) -> bool:
        return bool(self.hidden_lines or self.hidden_chars)


def _make_block(message: Message, *, whole: bool = False) -> _Block:
    content = message.content or ""
    if whole:
        return _Block(message, clean(content).expandtabs(4))
    # Cut by characters first (cheap on a 1 MB body), then after MAX_LINES lines; count what's hidden
    # in the original so the note can say how much there is.
    head = content[:MAX_CHARS]
    cut = -1
    for _ in range(MAX_LINES):
        cut = head.find("\n", cut + 1)
        if cut == -1:
            break
    else:
        head = head[:cut]
    hidden_lines = hidden_chars = 0
    if len(head) < len(content):
        hidden_lines = content.count("\n", len(head))
        hidden_chars = len(content) - len(head)
    return _Block(message, clean(head).expandtabs(4), hidden_lines, hidden_chars)


class MessageThread(ScrollView, can_focus=True):
    """The messages of one ticket, oldest first, newest at the bottom."""

    BINDINGS: list[BindingType] = [
        Binding("down,j", "scroll_down", "Down", show=False, id="thread.down"),
        Binding("up,k", "scroll_up", "Up", show=False, id="thread.up"),
        Binding("space,pagedown", "page_down", "Page down", show=False, id="thread.page_down"),
        Binding("b,pageup", "page_up", "Page up", show=False, id="thread.page_up"),
        Binding("home,g", "scroll_home", "Top", show=False, id="thread.top"),
        Binding("end,G", "scroll_end", "Bottom", show=False, id="thread.bottom"),
        Binding("ctrl+down", "next_message", "Next message", show=False, id="thread.next"),
        Binding("ctrl+up", "previous_message", "Previous message", show=False, id="thread.previous"),
        Binding("o", "expand", "Whole message", id="thread.expand"),
    ]

    COMPONENT_CLASSES = {
        "message-thread--name",
        "message-thread--meta",
        "message-thread--customer",
        "message-thread--agent",
        "message-thread--system",
        "message-thread--internal",
        "message-thread--internal-label",
        "message-thread--internal-body",
        "message-thread--note",
        "message-thread--new-label",
    }

    DEFAULT_CSS = """
    MessageThread {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
        background: $surface;
        & > .message-thread--name { text-style: bold; }
        & > .message-thread--meta { color: $text-muted; }
        & > .message-thread--customer { color: $primary; }
        & > .message-thread--agent { color: $success; }
        & > .message-thread--system { color: $text-muted; }
        & > .message-thread--internal { color: $warning; }
        & > .message-thread--internal-label { color: $background; background: $warning; text-style: bold; }
        & > .message-thread--internal-body { background: $warning 12%; }
        & > .message-thread--note { color: $text-muted; text-style: italic; }
        & > .message-thread--new-label { color: $background; background: $accent; text-style: bold; }
    }
    """

    class ExpandRequested(TextualMessage):
        """The agent asked to see the whole of a truncated message (`o`)."""

        def __init__(self, thread: MessageThread, message: Message) -> None:
            super().__init__()
            self.thread = thread
            self.message = message

        @property
        def control(self) -> MessageThread:
            return self.thread

    def __init__(
        self,
        messages: Sequence[Message] = (),
        *,
        now: Callable[[], datetime] | None = None,
        expand_inline: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.expand_inline = expand_inline
        self._blocks: list[_Block] = [_make_block(m) for m in messages]
        self._expanded: set[str] = set()
        self._new: set[str] = set()
        self._rows: list[tuple[int, int, str]] = []
        self._block_starts: list[int] = []
        self._layout_width = -1
        self._pending_end = False
        # The reader is at the last line: a resize (a taller header, a notice) keeps them there.
        self._at_end = False
        self._styles: dict[str, Style] = {}
        self._strip_cache: dict[int, Strip] = {}

    # --- public API -----------------------------------------------------------------------------

    @property
    def messages(self) -> list[Message]:
        return [block.message for block in self._blocks]

    @property
    def line_count(self) -> int:
        self._ensure_layout()
        return len(self._rows)

    def set_messages(self, messages: Iterable[Message], *, now: datetime | None = None) -> None:
        """Show these messages (oldest first) and scroll to the newest."""
        if now is not None:
            fixed = now
            self.now = lambda: fixed
        self._blocks = [_make_block(m, whole=m.id in self._expanded) for m in messages]
        self._new = set()
        self._invalidate()
        self._scroll_to_end()

    def append_message(self, message: Message, *, new: bool = False) -> None:
        """Add a message at the bottom; follow it if the view was already at the bottom, else stay put.
        `new` marks it NEW (it arrived while the ticket was open)."""
        at_end = self.scroll_y >= self.max_scroll_y
        self._blocks.append(_make_block(message))
        if new:
            self._new.add(message.id)
        self._invalidate(keep_position=not at_end)
        if at_end:
            self._scroll_to_end()

    @property
    def new_ids(self) -> frozenset[str]:
        """Messages marked NEW."""
        return frozenset(self._new)

    def expand(self, message_id: str) -> bool:
        """Show the whole of a message in place (no truncation). Returns False if it isn't shown."""
        for index, block in enumerate(self._blocks):
            if block.message.id == message_id:
                self._expanded.add(message_id)
                self._blocks[index] = _make_block(block.message, whole=True)
                self._invalidate(keep_position=True)
                return True
        return False

    def scroll_to_message(self, message_id: str) -> bool:
        self._ensure_layout()
        for index, block in enumerate(self._blocks):
            if block.message.id == message_id:
                self.scroll_to(y=self._block_starts[index], animate=False, immediate=True, force=True)
                self._sync_thumb()
                return True
        return False

    # --- actions --------------------------------------------------------------------------------

    def action_expand(self) -> None:
        block = self._first_truncated_in_view()
        if block is None:
            self.app.bell()
            return
        self.post_message(self.ExpandRequested(self, block.message))
        if self.expand_inline:
            self.expand(block.message.id)

    def action_next_message(self) -> None:
        self._ensure_layout()
        top = round(self.scroll_y)
        for start in self._block_starts:
            if start > top:
                self.scroll_to(y=start, animate=False, force=True)
                return
        self.scroll_end(animate=False)

    def action_previous_message(self) -> None:
        self._ensure_layout()
        top = round(self.scroll_y)
        for start in reversed(self._block_starts):
            if start < top:
                self.scroll_to(y=start, animate=False, force=True)
                return
        self.scroll_home(animate=False)

    # --- layout ---------------------------------------------------------------------------------

    def _invalidate(self, *, keep_position: bool = False) -> None:
        self._layout_width = -1
        self._strip_cache.clear()
        self._ensure_layout(keep_position=keep_position)
        self.refresh()

    def _text_width(self) -> int:
        return max(10, self.scrollable_content_region.width - _GUTTER - _RIGHT_MARGIN)

    def _scroll_to_end(self) -> None:
        if self._layout_width < 0:
            self._pending_end = True  # not laid out yet: do it once the lines exist
            return
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)
        self._at_end = True
        self._sync_thumb()

    def _ensure_layout(self, *, keep_position: bool = False) -> None:
        if not self.scrollable_content_region.width:
            return  # not laid out yet: wrapping at a made-up width would be wasted work
        width = self._text_width()
        if width == self._layout_width:
            return
        # A re-wrap (resize, a scrollbar appearing) keeps a reader who was at the bottom there.
        follow = self._pending_end or (not keep_position and bool(self._rows) and self.scroll_y >= self.max_scroll_y)
        self._layout_width = width
        self._strip_cache.clear()
        rows: list[tuple[int, int, str]] = []
        starts: list[int] = []
        for index, block in enumerate(self._blocks):
            starts.append(len(rows))
            rows.append((index, _HEADER, ""))
            rows.extend((index, _BODY, line) for line in wrap_text(block.body, width))
            if block.truncated:
                rows.append((index, _NOTE, self._note(block)))
            rows.append((index, _BLANK, ""))
        self._rows = rows
        self._block_starts = starts
        self.virtual_size = Size(self.scrollable_content_region.width, len(rows))
        if follow:
            self._pending_end = False
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)
            self._sync_thumb()

    @staticmethod
    def _note(block: _Block) -> str:
        if block.hidden_lines:
            more = f"{block.hidden_lines:,} more lines"
        else:
            more = f"{block.hidden_chars:,} more characters"
        return f"… message truncated ({more}) — press o to view whole"

    def _first_truncated_in_view(self) -> _Block | None:
        self._ensure_layout()
        top = round(self.scroll_y)
        bottom = top + self.scrollable_content_region.height
        for index, block in enumerate(self._blocks):
            start = self._block_starts[index]
            end = self._block_starts[index + 1] if index + 1 < len(self._blocks) else len(self._rows)
            if block.truncated and start < bottom and end > top:
                return block
        return None

    # --- rendering ------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        self._styles = {}
        self._strip_cache.clear()
        super().notify_style_update()

    def on_resize(self) -> None:
        at_end = self._at_end
        self._ensure_layout()
        if at_end:
            self._scroll_to_end()

    def _sync_thumb(self) -> None:
        # An immediate scroll_to sets scroll_y without its watcher, so Textual leaves the scrollbar's thumb
        # where it was: at the top beside the last line, until the next scroll.
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = self.scroll_y

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        if shown:
            self.call_after_refresh(self._sync_thumb)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._at_end = new_value >= self.max_scroll_y

    def on_mount(self) -> None:
        if self._blocks:
            self._scroll_to_end()

    def _style(self, name: str) -> Style:
        """The widget's style, or a component's style without its background (so stripes and names
        keep the tinted background of an internal note)."""
        style = self._styles.get(name)
        if style is None:
            if not name:
                style = self.rich_style
            elif name in ("message-thread--internal-body", "message-thread--internal-label"):
                style = self.get_visual_style(name).rich_style
            else:
                full = self.get_visual_style(name).rich_style
                style = Style(color=full.color, bold=full.bold, italic=full.italic, dim=full.dim)
            self._styles[name] = style
        return style

    def _stripe(self, message: Message) -> tuple[str, Style]:
        if message.is_internal:
            return "▌", self._style("message-thread--internal")
        kind = message.sender if message.sender in _SENDER_LABEL else "system"
        return ("│" if kind == "system" else "▌"), self._style(f"message-thread--{kind}")

    def _header_segments(self, message: Message, base: Style) -> list[Segment]:
        now = self.now()
        name = one_line(message.sender_name or message.sender_id or "", 60)
        kind = _SENDER_LABEL.get(message.sender, one_line(str(message.sender), 12))
        when = f"{relative_time(message.created_at, now)} · {absolute_time(message.created_at)}"
        segments: list[Segment] = []
        if message.id in self._new:
            segments.append(Segment(" NEW ", self._style("message-thread--new-label")))
            segments.append(Segment(" ", base))
        if message.is_internal:
            segments.append(Segment(" INTERNAL NOTE ", self._style("message-thread--internal-label")))
            segments.append(Segment(" ", base))
        if name:
            segments.append(Segment(name, base + self._style("message-thread--name")))
            segments.append(Segment("  ", base))
        segments.append(Segment(f"{kind} · {when}", base + self._style("message-thread--meta")))
        return segments

    def render_line(self, y: int) -> Strip:
        self._ensure_layout()
        width = self.scrollable_content_region.width
        line = round(self.scroll_y) + y
        if not self._blocks and y == 0:
            note = Segment("  No messages yet.", self._style("") + self._style("message-thread--note"))
            return Strip([note]).adjust_cell_length(width, self._style(""))
        if not 0 <= line < len(self._rows):
            return Strip.blank(width, self.rich_style)
        cached = self._strip_cache.get(line)
        if cached is not None:
            return cached
        index, kind, text = self._rows[line]
        message = self._blocks[index].message
        base = self._style("")
        if message.is_internal and kind != _BLANK:
            base = self._style("message-thread--internal-body")
        segments: list[Segment] = []
        if kind != _BLANK:
            stripe, stripe_style = self._stripe(message)
            segments.append(Segment(stripe, base + stripe_style))
            segments.append(Segment(" ", base))
        if kind == _HEADER:
            segments.extend(self._header_segments(message, base))
        elif kind == _BODY:
            segments.append(Segment(text, base))
        elif kind == _NOTE:
            segments.append(Segment(text, base + self._style("message-thread--note")))
        strip = Strip(segments).adjust_cell_length(width, base)
        if len(self._strip_cache) > 2000:
            self._strip_cache.clear()
        self._strip_cache[line] = strip
        return strip
