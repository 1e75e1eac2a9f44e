"""A bulk killed hard (SIGKILL) mid-way: the next start resumes it from the journal, and the service applies
nothing twice. A real process, a real served sandbox over loopback, a real kill: only the disk survives.

The fault mode's latency holds PATCHes on the server after the first 23: four are in flight when the
process dies, and the server completes them with nobody left to hear. Those are the ones a fresh key
would apply a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from api.client import HelpdeskClient
from api.sandbox import create_sandbox
from api.sandbox.faults import Fault, FaultPlan
from app.desk.bulk import BulkJournal, BulkJournals, run_bulk
from app.desk.store import DeskStore
from tests.conftest import _ServedSandbox
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent

RUNNER = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from api.client import HelpdeskClient
    from api.models import TicketUpdate
    from app.desk.bulk import BulkChange, BulkJournals, run_bulk
    from app.desk.store import DeskStore

    base_url, team, key, journals, *ids = sys.argv[1:]

    async def main():
        async with HelpdeskClient(base_url, team, key, timeout=120) as client:
            journal = BulkJournals(Path(journals)).start(BulkChange(update=TicketUpdate(status="pending")), ids)
            await run_bulk(client, DeskStore(), journal)

    asyncio.run(main())
""")


def test_a_bulk_killed_with_sigkill_resumes_and_applies_nothing_twice(tmp_path: Path) -> None:
    sb = create_sandbox(rate_limit=0, tickets=80)
    ids = [row["id"] for row in sb.store._all("SELECT id FROM tickets WHERE team_id = ? AND status != 'pending' "
                                              "ORDER BY id LIMIT 50", (sb.team_id,))]
    assert len(ids) == 50
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    journals_dir = tmp_path / "bulk"
    released = threading.Event()
    reached: list[int] = []

    async def hold(_seconds: float) -> None:
        reached.append(1)
        if len(reached) <= 23:
            return
        while not released.is_set():  # held on the server until the test lets it go: after the kill
            await asyncio.sleep(0.01)

    def status(ticket_id: str) -> str:
        return str(sb.store.get_ticket(sb.team_id, ticket_id)["status"])

    def stored_keys() -> list[str]:
        return [row["key"] for row in sb.store._all("SELECT key FROM idempotency WHERE state = 'done'")]

    with _ServedSandbox(sb) as served, contextlib.ExitStack() as cleanup:
        cleanup.callback(released.set)
        served.faults = FaultPlan(Fault("latency", delay=(0.001, 0.001), methods={"PATCH"}), sleep=hold)
        process = subprocess.Popen([sys.executable, str(runner), served.base_url, sb.team_id, sb.keys.secret,
                                    str(journals_dir), *ids], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cleanup.callback(lambda: process.poll() is None and process.kill())

        def journal() -> BulkJournal | None:
            found = list(journals_dir.glob("bulk-*.jsonl"))
            return BulkJournal.load(found[0]) if found else None

        wait_until(lambda: len(reached) == 27 and (j := journal()) is not None and j.report.done == 23,
                   "23 outcomes on disk and 4 PATCHes held on the server")
        process.send_signal(signal.SIGKILL)  # no cleanup, no last write: only what is on disk counts
        process.wait()
        released.set()
        in_limbo = [i for i in ids if i not in journal().report.outcomes]  # type: ignore[union-attr]
        wait_until(lambda: sum(status(i) == "pending" for i in ids) == 27, "the server to finish the orphans")
        orphans = [i for i in in_limbo if status(i) == "pending"]
        assert len(orphans) == 4
        served.faults = FaultPlan(Fault("drop", 0.0))  # no faults from here on
        # Someone reopens one of the four meanwhile: a second application would set it back to pending.
        sb.api.service.update(sb.team_id, orphans[0], {"status": "open"})

        async def resume() -> tuple[int, list[str]]:
            left = BulkJournals(journals_dir).left_over()  # the kernel dropped the dead process's lock
            assert len(left) == 1 and left[0].resumable()
            async with HelpdeskClient(served.base_url, sb.team_id, sb.keys.secret) as client:
                report = await run_bulk(client, DeskStore(), left[0])
            return len(report.succeeded), report.remaining

        succeeded, remaining = asyncio.run(resume())
    assert succeeded == 50 and remaining == []
    assert status(orphans[0]) == "open"  # replayed, not applied again
    assert all(status(i) == "pending" for i in ids if i != orphans[0])
    keys = stored_keys()
    assert len(keys) == 50 and set(keys) == set(journal().keys.values())  # type: ignore[union-attr]
    sb.close()
