"""Marks and bulk actions on the ticket list (a mixin of TicketListScreen), and the bulk's dialogs.

The list only orchestrates: marks live in `app.desk.marks.Marks` (per view), the change runs in
`app.desk.bulk.run_bulk` (journal, keys, pace), the table gets the marked ids to draw. With tickets
marked, `s` `p` `a` `A` `t` open the same pickers as for one ticket, then ONE confirmation names the
count and the change, a bar shows the progress (the list stays usable), and a summary lists each
failure and why. Delete asks for the count to be typed: one stray `y` must not delete fifty tickets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from api.models import PRIORITIES, STATUSES
from app.desk.bulk import BulkChange, BulkJournal, BulkJournals, BulkReport, run_bulk
from app.desk.marks import Marks
from widgets.agent_picker import UNASSIGN, AgentPicker
from widgets.badges import priority_badge, status_badge
from widgets.bulk_progress import BulkProgress
from widgets.pickers import ConfirmDialog, OptionPicker, TextPrompt
from widgets.safe_text import one_line, safe_content
from widgets.ticket_table import TicketTable

if TYPE_CHECKING:
    from app.tui import CStarApp

__all__ = ["BULK_BINDINGS", "BulkActions", "BulkSummaryScreen", "InterruptedBulkQuestion", "journals_for",
           "marks_for"]

BULK_BINDINGS: list[BindingType] = [
    # `space` marks and moves down, as in mutt and aerc: a run of tickets is marked by holding it.
    # Not in the key bar (no room, and the snapshots of every list would move); help and the palette
    # list it, and once something is marked the bar shows the bulk keys.
    Binding("space,x", "mark", "Mark", show=False, id="list.mark"),
    Binding("asterisk", "mark_all", "Mark all", show=False, id="list.mark_all"),
    Binding("escape", "clear_marks", "Clear marks", id="list.clear_marks"),
    Binding("s", "bulk_status", "Status…", id="list.bulk_status"),
    Binding("p", "bulk_priority", "Priority…", id="list.bulk_priority"),
    Binding("a", "bulk_assign_me", "Assign to me", id="list.bulk_assign_me"),
    Binding("A", "bulk_assign", "Assign…", id="list.bulk_assign"),
    Binding("t", "bulk_tags", "Tags…", id="list.bulk_tags"),
    Binding("d", "bulk_delete", "Delete…", id="list.bulk_delete"),
]
_NEEDS_MARKS = frozenset({"clear_marks", "bulk_status", "bulk_priority", "bulk_assign_me", "bulk_assign",
                          "bulk_tags", "bulk_delete"})


def journals_for(app: Any) -> BulkJournals:
    """The app's bulk journals (per profile, in the data dir); a test sets `app.bulk_journals` first."""
    journals = getattr(app, "bulk_journals", None)
    if journals is None:
        journals = BulkJournals.for_settings(app.settings)
        app.bulk_journals = journals
    return journals


def marks_for(app: Any) -> Marks:
    marks = getattr(app, "marks", None)
    if marks is None:
        marks = app.marks = Marks()
    return marks


# --- dialogs ----------------------------------------------------------------------------------


class BulkSummaryScreen(ModalScreen[str | None]):
    """What a bulk did: how many were changed, and each failure with its reason; `r` sends again those
    that had no clear answer (with their keys: a change that did land is replayed, not repeated)."""

    DEFAULT_CSS = """
    BulkSummaryScreen { align: center middle; background: $background 60%; }
    BulkSummaryScreen > Vertical { width: 100; max-width: 95%; height: auto; max-height: 90%;
                                   border: round $accent; background: $surface; padding: 0 1; }
    BulkSummaryScreen .title { text-style: bold; padding: 1 0 0 0; }
    BulkSummaryScreen .counts { padding: 0 0 1 0; }
    BulkSummaryScreen VerticalScroll { height: auto; max-height: 20; }
    BulkSummaryScreen .failure { padding: 0 0 0 2; }
    BulkSummaryScreen .keys { color: $text-muted; padding: 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape,q", "close", "Close", id="bulk_summary.close"),
        Binding("r", "retry", "Retry", id="bulk_summary.retry"),
    ]

    def __init__(self, title: str, succeeded: int, failures: list[tuple[str, str, str]],
                 not_done: list[tuple[str, str]] | None = None, retryable: int = 0) -> None:
        super().__init__()
        self._retryable = retryable
        self._title = title
        self._succeeded = succeeded
        self._failures = failures
        self._not_done = not_done or []

    def compose(self) -> ComposeResult:
        counts = f"{self._succeeded} changed · {len(self._failures)} failed"
        if self._not_done:
            counts += f" · {len(self._not_done)} not done"
        with Vertical():
            yield Static(safe_content(self._title), classes="title")
            yield Static(safe_content(counts), classes="counts")
            with VerticalScroll():
                for ticket_id, title, reason in self._failures:
                    line = Text()
                    line.append("✗ ", style="bold red")
                    line.append(one_line(ticket_id, 40), style="bold")
                    if title:
                        line.append(f" “{one_line(title, 50)}”")
                    line.append(f": {one_line(reason, 200)}")
                    yield Static(line, classes="failure")
                for ticket_id, reason in self._not_done:
                    line = Text()
                    line.append("? ", style="bold yellow")
                    line.append(one_line(ticket_id, 40), style="bold")
                    line.append(f": {one_line(reason, 200)}")
                    yield Static(line, classes="failure")
            keys = "enter close"
            if self._retryable:
                keys += f"    r retry the {self._retryable} without a clear answer"
            yield Static(Text(keys), classes="keys")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_retry(self) -> None:
        if self._retryable:
            self.dismiss("retry")


class InterruptedBulkQuestion(ModalScreen[str]):
    """A bulk the last run did not finish: `r` resume (same keys: nothing is applied twice), `s` show what
    is known, `d` discard (forget it; the tickets stay as they are)."""

    DEFAULT_CSS = """
    InterruptedBulkQuestion { align: center middle; background: $background 60%; }
    InterruptedBulkQuestion > Vertical { width: 84; height: auto; border: heavy $warning; background: $surface;
                                         padding: 0 1; }
    InterruptedBulkQuestion .title { text-style: bold; color: $warning; padding: 1 0 0 0; }
    InterruptedBulkQuestion .keys { color: $text-muted; padding: 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "answer('resume')", "Resume", id="bulk_resume.resume"),
        Binding("s", "answer('show')", "Show", id="bulk_resume.show"),
        Binding("d", "answer('discard')", "Discard", id="bulk_resume.discard"),
        Binding("escape", "answer('later')", "Later", id="bulk_resume.later"),
    ]

    def __init__(self, question: str, resumable: bool) -> None:
        super().__init__()
        self._question = question
        self._resumable = resumable

    def compose(self) -> ComposeResult:
        keys = ("r resume    " if self._resumable else "") + "s show    d discard    esc ask again next start"
        with Vertical():
            yield Static(safe_content(self._question), classes="title")
            yield Static(Text(keys), classes="keys")

    def action_answer(self, answer: str) -> None:
        if answer == "resume" and not self._resumable:
            return
        self.dismiss(answer)


def interrupted_question(journal: BulkJournal, names: dict[str, str]) -> str:
    report = journal.report
    what = journal.change.describe(report.total, names)
    if journal.resumable():
        return (f"A bulk change ({what}) was interrupted after {report.done} of {report.total}. "
                "Resuming sends the rest with the same keys: nothing is applied twice.")
    return (f"A bulk change ({what}) was interrupted after {report.done} of {report.total}, over a day ago: "
            "the service no longer remembers its keys, so it cannot be resumed safely. Show what is known?")


# --- the list's side --------------------------------------------------------------------------


class BulkActions:
    """Marks and bulk actions for TicketListScreen (which adds BULK_BINDINGS to its own)."""

    if TYPE_CHECKING:
        cstar: CStarApp
        app: Any
        _view: Any

        def left_view(self, ticket: Any) -> bool: ...

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def _show_status(self) -> None: ...
        def refresh_bindings(self) -> None: ...
        def _show_activity(self, ticket_ids: Any) -> None: ...

    _bulk_running: bool = False
    _quiet_before_bulk: frozenset[str] | set[str] = frozenset()
    _titles: dict[str, str] | None = None

    # --- marks ---------------------------------------------------------------------------------

    @property
    def marks(self) -> Marks:
        return marks_for(self.app)

    @property
    def _marks_key(self) -> str | None:
        return self._view.key if self._view is not None else None

    def marked_ids(self) -> list[str]:
        key = self._marks_key
        return self.marks.of(key) if key is not None else []

    def marked_text(self) -> str:
        count = len(self.marked_ids())
        return f"{count} marked" if count else ""

    def _show_marks(self) -> None:
        self.query_one(TicketTable).set_marked(self.marked_ids())
        self._show_status()
        self.refresh_bindings()  # the bulk keys show in the key bar only with marks

    def _prune_marks(self, ticket_ids: list[str]) -> None:
        """The view's rows changed: a ticket that left it loses its mark."""
        key = self._marks_key
        if key is not None and self.marks.keep_only(key, ticket_ids):
            self._show_marks()

    def bulk_check_action(self, action: str) -> bool | None:
        """None when this is not a marks action; else whether it applies now (no marks: the key is free)."""
        if action in _NEEDS_MARKS:
            return bool(self.marked_ids())
        return None

    def action_mark(self) -> None:
        table = self.query_one(TicketTable)
        ticket = table.current_ticket
        key = self._marks_key
        if ticket is None or key is None:
            return
        self.marks.toggle(key, ticket.id)
        table.action_cursor_down()
        self._show_marks()

    def action_mark_all(self) -> None:
        key = self._marks_key
        if key is None:
            return
        table = self.query_one(TicketTable)
        self.marks.mark_all(key, table.ticket_ids)
        self._show_marks()
        total = self.cstar.store.view(key).total
        if total is not None and total > len(table.ticket_ids):
            self.notify(f"Marked the {len(table.ticket_ids)} loaded tickets of {total}; scroll down to load "
                        "(and then mark) more.", markup=False, timeout=6)

    def action_clear_marks(self) -> None:
        key = self._marks_key
        if key is not None:
            self.marks.clear(key)
        self._show_marks()

    # --- the pickers, then one confirmation ---------------------------------------------------

    def _pick(self, title: str, options: list[Any], chosen: Callable[[Any], None]) -> None:
        self.app.push_screen(OptionPicker(title, options), lambda value: value is not None and chosen(value))

    def _for_count(self, what: str) -> str:
        count = len(self.marked_ids())
        return f"{what} for {count} marked ticket" + ("" if count == 1 else "s")

    def action_bulk_status(self) -> None:
        self._pick(self._for_count("Status"), [(s, status_badge(s)) for s in STATUSES],
                   lambda value: self.confirm_bulk(_change(status=value)))

    def action_bulk_priority(self) -> None:
        self._pick(self._for_count("Priority"), [(p, priority_badge(p)) for p in PRIORITIES],
                   lambda value: self.confirm_bulk(_change(priority=value)))

    def action_bulk_assign_me(self) -> None:
        me = self.cstar.settings.agent_id
        if not me:
            self.notify("No agent ID is configured (--agent-id or CSTAR_AGENT_ID).", severity="error")
            return
        self.confirm_bulk(_change(assigned_to=me))

    def action_bulk_assign(self) -> None:
        def chosen(value: Any) -> None:
            if value == UNASSIGN:
                self.confirm_bulk(_change(assigned_to=None))
            elif isinstance(value, str):
                self.confirm_bulk(_change(assigned_to=value))

        # The same picker as one ticket's `A`: agents by name with type-to-search, or an agent ID typed whole.
        self.app.push_screen(AgentPicker(self.cstar.agents.search, me=self.cstar.settings.agent_id,
                                         title=self._for_count("Assign")), chosen)

    def action_bulk_tags(self) -> None:
        def typed(text: str | None) -> None:
            if text is None:
                return
            add, remove = parse_tag_edit(text)
            if add or remove:
                self.confirm_bulk(BulkChange(add_tags=tuple(add), remove_tags=tuple(remove)))

        self.app.push_screen(TextPrompt(self._for_count("Tags") + ": a tag adds it, -tag removes it (commas "
                                        "between)", validator=tag_edit_problem, placeholder="billing, -login"),
                             typed)

    def action_bulk_delete(self) -> None:
        ids = self.marked_ids()
        count = len(ids)
        change = BulkChange(delete=True)
        question = (f"{change.describe(count)} and all their messages? This cannot be undone. "
                    f"Type {count} to delete them.")

        def typed(text: str | None) -> None:
            if text is not None and text.strip() == str(count):
                self._start_bulk(change, ids)

        self.app.push_screen(TextPrompt(question, validator=lambda text: None if text.strip() == str(count)
                                        else f"Type {count} to delete, or esc to keep them.",
                                        placeholder=str(count)), typed)

    def confirm_bulk(self, change: BulkChange) -> None:
        ids = self.marked_ids()
        if not ids:
            return
        question = change.describe(len(ids), self.cstar.agent_names) + "?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._start_bulk(change, ids)

        self.app.push_screen(ConfirmDialog(question, "Apply"), answered)

    # --- running ------------------------------------------------------------------------------

    def _start_bulk(self, change: BulkChange, ids: list[str]) -> None:
        if self._bulk_running:
            self.notify("A bulk change is still running; wait for its summary.", severity="warning")
            return
        try:
            journal = journals_for(self.app).start(change, ids)
        except OSError as exc:
            # Without the journal on disk a kill could make a resend a second change: nothing is sent.
            self.notify(f"Nothing was changed: the bulk could not be recorded ({exc.strerror or exc}).",
                        severity="error", markup=False)
            return
        # The marks stay (esc clears them), so a second change can follow for the same tickets (assign, then
        # set pending); those the change takes out of the view lose their marks as their rows go.
        self._run_bulk(journal)

    @work(group="bulk", exit_on_error=False)
    async def _run_bulk(self, journal: BulkJournal) -> None:
        self._bulk_running = True
        progress = self.query_one(BulkProgress)
        report = journal.report
        progress.start(journal.change.describe(report.total, self.cstar.agent_names), report.total, report.done)
        # The agent's own change is no news to mark; news that was already there (a new message) stays.
        seen, store = self.cstar.seen, self.cstar.store
        quiet = {i for i in report.remaining if (t := store.ticket(i)) is None or seen.activity(t) is None}  # type: ignore[arg-type]
        self._quiet_before_bulk = quiet
        # Titles for the summary, kept now: a ticket found deleted leaves the store on the way.
        self._titles = {i: t.title for i in report.ids if (t := store.ticket(i)) is not None}  # type: ignore[attr-defined]
        try:
            await run_bulk(self.cstar.client, self.cstar.store, journal,
                           on_progress=lambda r: self._bulk_progress(r, progress))
        except OSError as exc:
            # An outcome that cannot be journaled must not be lost silently: the bulk stops, and what the
            # journal holds (every key) lets the next start resume it without applying anything twice.
            journals_for(self.app).release(journal)
            self.notify(f"The bulk change stopped after {report.done} of {report.total}: its journal could not "
                        f"be written ({exc.strerror or exc}). The next start offers to resume it.",
                        severity="error", markup=False, timeout=12)
            return
        finally:
            self._bulk_running = False
            progress.stop()
        self._show_summary(journal)

    def _bulk_progress(self, report: BulkReport, progress: BulkProgress) -> None:
        progress.advance(report.done, report.total, len(report.failed))
        latest = next(reversed(report.outcomes.values()))
        if latest.ok:
            self._after_change(latest.ticket_id)

    def _after_change(self, ticket_id: str) -> None:
        """One ticket changed: no activity mark for the agent's own change, and out of the shown view
        when it no longer matches it (its row goes, the count drops)."""
        store = self.cstar.store
        ticket = store.ticket(ticket_id)
        if ticket is None:
            return
        if ticket_id in self._quiet_before_bulk:
            self.cstar.seen.opened(ticket)  # type: ignore[arg-type]
            self._show_activity([ticket_id])
        self.left_view(ticket)  # the list's own rule, as for a change made in the detail view

    def _show_summary(self, journal: BulkJournal) -> None:
        report = journal.report
        store = self.cstar.store
        titles = self._titles or {}
        failures = [(o.ticket_id, titles.get(o.ticket_id) or getattr(store.ticket(o.ticket_id), "title", ""), o.reason)
                    for o in report.failed]
        not_done = [(i, "not known whether it was changed (interrupted); check it") for i in report.remaining]
        title = journal.change.describe(report.total, self.cstar.agent_names)
        journals = journals_for(self.app)
        retryable = len(report.unknown) if journal.retryable() else 0

        def closed(answer: str | None) -> None:
            if answer == "retry":
                journal.reopen(o.ticket_id for o in report.unknown)
                self._run_bulk(journal)
            else:
                journals.discard(journal)

        self.app.push_screen(BulkSummaryScreen(title, len(report.succeeded), failures, not_done, retryable), closed)

    # --- a bulk the last run left ---------------------------------------------------------------

    def ask_about_left_over(self) -> None:
        """At start: a bulk the last run did not finish is resumed, shown or discarded, as the agent says;
        one that finished but whose summary was never seen is shown."""
        try:
            left = journals_for(self.app).left_over()
        except OSError:
            return
        journals = journals_for(self.app)
        for journal in left:
            if journal.report.finished:
                self._show_summary(journal)
                continue

            def answered(answer: str | None, journal: BulkJournal = journal) -> None:
                if answer == "resume":
                    self._run_bulk(journal)
                elif answer == "show":
                    self._show_summary(journal)
                elif answer == "discard":
                    journals.discard(journal)
                else:
                    journals.release(journal)

            self.app.push_screen(InterruptedBulkQuestion(interrupted_question(journal, self.cstar.agent_names),
                                                         journal.resumable()), answered)


def _change(**fields: Any) -> BulkChange:
    from api.models import TicketUpdate  # pydantic: loaded on the first bulk change, not at start

    return BulkChange(update=TicketUpdate(**fields))


def parse_tag_edit(text: str) -> tuple[list[str], list[str]]:
    """`billing, -login` -> (["billing"], ["login"]); `+x` adds too."""
    from app.screens.new_ticket import split_tags  # the form (and TextArea) only once tags are edited

    add: list[str] = []
    remove: list[str] = []
    for item in split_tags(text):
        if item.startswith("-") and item[1:].strip():
            remove.append(item[1:].strip())
        elif item.lstrip("+").strip():
            add.append(item.lstrip("+").strip())
    return add, remove


def tag_edit_problem(text: str) -> str | None:
    from app.screens.new_ticket import tags_problem

    add, remove = parse_tag_edit(text)
    if not add and not remove:
        return "Type a tag to add, or -tag to remove."
    return tags_problem(add) or tags_problem(remove)
