"""MessageThread: order, internal notes, truncation and expansion, hostile text, scrolling."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult

from widgets.samples import NOW, make_message, make_thread
from widgets.thread import MAX_LINES, MessageThread


class ThreadApp(App[None]):
    def __init__(self, messages=(), expand_inline: bool = True) -> None:  # noqa: ANN001
        super().__init__()
        self.initial = list(messages)
        self.expand_inline = expand_inline
        self.expand_requests: list[str] = []

    def compose(self) -> ComposeResult:
        yield MessageThread(now=lambda: NOW, expand_inline=self.expand_inline)

    def on_mount(self) -> None:
        thread = self.query_one(MessageThread)
        thread.set_messages(self.initial)
        thread.focus()

    @on(MessageThread.ExpandRequested)
    def _expand(self, event: MessageThread.ExpandRequested) -> None:
        self.expand_requests.append(event.message.id)


def all_lines(thread: MessageThread) -> list[str]:
    """Every line of the thread as text, by scrolling through it page by page."""
    out: list[str] = []
    height = thread.scrollable_content_region.height
    for top in range(0, thread.line_count, height):
        thread.scroll_to(y=top, animate=False, immediate=True)
        skip = top - round(thread.scroll_y)  # the last page can't scroll all the way
        out.extend(thread.render_line(y).text.rstrip() for y in range(skip, height))
    thread.scroll_to(y=0, animate=False, immediate=True)
    return out[: thread.line_count]


async def test_messages_oldest_first_with_sender_kind_name_and_time() -> None:
    messages = make_thread(4)
    app = ThreadApp(messages)
    async with app.run_test(size=(100, 35)) as pilot:
        await pilot.pause()
        text = all_lines(app.query_one(MessageThread))
        headers = [line for line in text if " · " in line and "UTC" in line]
        assert len(headers) == 4
        assert "Jane Doe" in headers[0] and "customer" in headers[0]
        assert "Alex Agent" in headers[1] and "agent" in headers[1]
        assert "system" in headers[3]
        assert text.index(headers[0]) < text.index(headers[1]) < text.index(headers[3])


async def test_internal_notes_are_labelled() -> None:
    note = make_message(1, is_internal=True, sender="agent", content="Refund approved, don't tell yet")
    app = ThreadApp([make_message(0), note])
    async with app.run_test(size=(100, 35)) as pilot:
        await pilot.pause()
        text = all_lines(app.query_one(MessageThread))
        header = next(line for line in text if "INTERNAL NOTE" in line)
        assert "Alex Agent" in header
        assert sum("INTERNAL NOTE" in line for line in text) == 1


async def test_huge_message_is_truncated_then_expanded() -> None:
    body = "\n".join(f"log line {i}" for i in range(100_000))
    app = ThreadApp([make_message(0, content=body), make_message(1)])
    async with app.run_test(size=(100, 35)) as pilot:
        await pilot.pause()
        thread = app.query_one(MessageThread)
        assert thread.line_count < MAX_LINES + 20
        text = all_lines(thread)
        note = next(line for line in text if "message truncated" in line)
        assert "99,800 more lines" in note and "press o" in note
        thread.scroll_to(y=0, animate=False, immediate=True)
        await pilot.press("o")
        await pilot.pause()
        assert app.expand_requests == ["msg_000000000000"]
        assert thread.line_count > 100_000


async def test_expand_request_without_inline_expansion() -> None:
    app = ThreadApp([make_message(0, content="x" * 50_000)], expand_inline=False)
    async with app.run_test(size=(100, 35)) as pilot:
        await pilot.pause()
        thread = app.query_one(MessageThread)
        before = thread.line_count
        assert any("more characters" in line for line in all_lines(thread))
        thread.scroll_to(y=0, animate=False, immediate=True)
        await pilot.press("o")
        await pilot.pause()
        assert app.expand_requests == ["msg_000000000000"]
        assert thread.line_count == before
        assert thread.expand("msg_000000000000")
        assert thread.line_count > before


async def test_hostile_content_is_literal() -> None:
    hostile = make_message(
        0,
        content="[@click=app.quit]click[/] [/] \x1b]0;PWNED\x07 \u202eevil",
        sender_name="[b]Boss[/b]\x1b[2J",
    )
    app = ThreadApp([hostile])
    async with app.run_test(size=(100, 35)) as pilot:
        await pilot.pause()
        text = "\n".join(all_lines(app.query_one(MessageThread)))
        assert "[@click=app.quit]click[/] [/] ␛]0;PWNED␇ ⟨RLO⟩evil" in text
        assert "[b]Boss[/b]␛[2J" in text
        await pilot.click(MessageThread, offset=(4, 1))
        await pilot.click(MessageThread, offset=(6, 1))
        await pilot.pause()
        assert app.is_running


async def test_starts_at_the_newest_and_scrolls_with_keys() -> None:
    app = ThreadApp(make_thread(60))
    async with app.run_test(size=(100, 35)) as pilot:
        await pilot.pause()
        thread = app.query_one(MessageThread)
        assert thread.scroll_y == thread.max_scroll_y > 0
        await pilot.press("g")
        assert thread.scroll_y == 0
        await pilot.press("j", "j")
        assert thread.scroll_y == 2
        await pilot.press("space")
        assert thread.scroll_y > 20
        await pilot.press("G")
        await pilot.pause()
        assert thread.scroll_y == thread.max_scroll_y
        # Appending while at the bottom follows the new message.
        thread.append_message(make_message(60, content="the newest one"))
        await pilot.pause()
        assert thread.scroll_y == thread.max_scroll_y
        bottom = [thread.render_line(y).text for y in range(thread.scrollable_content_region.height)]
        assert any("the newest one" in line for line in bottom)


async def test_wraps_to_width_and_rewraps_on_resize() -> None:
    long = make_message(0, content="word " * 200)
    app = ThreadApp([long])
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        thread = app.query_one(MessageThread)
        narrow = thread.line_count
        assert all(len(line) <= 60 for line in all_lines(thread))
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert thread.line_count < narrow


async def test_empty_thread_says_so() -> None:
    app = ThreadApp([])
    async with app.run_test(size=(100, 35)) as pilot:
        await pilot.pause()
        assert "No messages yet." in app.query_one(MessageThread).render_line(0).text
