"""A bulk change under way: what it does, a bar, "23 of 50". Hidden while no bulk runs.

Dumb: the screen says what to show (`start`, `advance`, `stop`); the text it gets is the app's own
sentence ("Set 50 tickets to pending"), shown as plain text all the same.
"""

from __future__ import annotations

from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from widgets.safe_text import one_line, safe_content


class BulkProgress(Horizontal):
    DEFAULT_CSS = """
    BulkProgress { height: 1; display: none; padding: 0 1; background: $boost; }
    BulkProgress.-running { display: block; }
    BulkProgress #bulk-what { width: auto; max-width: 60; padding: 0 1 0 0; }
    BulkProgress ProgressBar { width: 1fr; }
    BulkProgress #bulk-count { width: auto; padding: 0 0 0 1; }
    """

    def _parts(self) -> None:
        """The label, bar and count, mounted by the first bulk: a list that never runs one (most starts)
        does not style and lay out a hidden progress bar before its first paint."""
        if not self.children:
            self.mount(Label(id="bulk-what", markup=False),
                       ProgressBar(show_eta=False, show_percentage=False, id="bulk-bar"),
                       Label(id="bulk-count", markup=False))

    def start(self, what: str, total: int, done: int = 0) -> None:
        self._parts()
        self.query_one("#bulk-what", Label).update(safe_content(one_line(what, 60)))
        self.query_one(ProgressBar).update(total=total, progress=done)
        self._count(done, total)
        self.add_class("-running")

    def advance(self, done: int, total: int, failed: int = 0) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)
        self._count(done, total, failed)

    def stop(self) -> None:
        self.remove_class("-running")

    @property
    def running(self) -> bool:
        return self.has_class("-running")

    def _count(self, done: int, total: int, failed: int = 0) -> None:
        text = f"{done} of {total}" + (f" · {failed} failed" if failed else "")
        self.query_one("#bulk-count", Label).update(safe_content(text))
