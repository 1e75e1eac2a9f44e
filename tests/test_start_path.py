"""The start stays light: what reaching the first list imports, and what the read models cost per ticket.

Times are not tested here (they belong to `python -m bench`); these tests fail when something heavy comes
back onto the start path: pydantic (the write bodies and the config schema are loaded on first use),
importlib.metadata, TextArea, the sandbox's fault middleware, the keymap check, the other screens and
httpx's command-line client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from api.combining_marks import RANGES, UNICODE_VERSION, scan
from api.models import Customer, Message, Ticket
from app.config import NO_FILE, LoadedConfig

ROOT = Path(__file__).resolve().parents[1]

#: Modules a start on the embedded sandbox with no config file must not load before its first list.
NOT_AT_START = (
    "pydantic",
    "pydantic_core",
    "importlib.metadata",
    "textual.widgets._text_area",
    "api.bodies",
    "api.sandbox.faults",
    "app.config_schema",
    "app.keymap",
    "app.screens.ticket_detail",
    "app.screens.composer",
    "uvicorn",
    "tomllib",
    "click",  # httpx's command-line client, with rich.syntax and pygments (api/__init__.py keeps it out)
    "pygments",
    "rich.syntax",
)

# The steps of `app.run.run_app(["--demo"])`, with the app run headless until its list has rows.
_TO_FIRST_LIST = """
import json, os, sys
from app.run import build_parser, load
from app import settings as settings_mod
from app.startup_checks import startup_problems
from app.tui import CStarApp
from widgets.ticket_table import TicketTable

args = build_parser().parse_args(["--demo"])
loaded = load(args)
settings = (settings_mod.resolve(args, os.environ, loaded.file)
            or settings_mod.sandbox_for(args, os.environ, loaded.file))
app = CStarApp(settings, config=loaded, problems=startup_problems(loaded))
rows = []

async def until_listed(pilot):
    while not (pilot.app.screen.query(TicketTable) and pilot.app.screen.query_one(TicketTable).row_count):
        await pilot.pause(0.01)
    rows.append(pilot.app.screen.query_one(TicketTable).row_count)
    pilot.app.exit()

app.run(headless=True, size=(120, 35), auto_pilot=until_listed)
print(json.dumps({"rows": rows, "modules": sorted(sys.modules)}))
"""


def _start(tmp_path: Path, code: str = _TO_FIRST_LIST) -> dict[str, object]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CSTAR_")}
    env |= {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _loaded(modules: object, prefix: str) -> list[str]:
    assert isinstance(modules, list)
    return [name for name in modules if name == prefix or name.startswith(prefix + ".")]


def test_the_first_list_on_the_embedded_sandbox_loads_nothing_it_does_not_need(tmp_path: Path) -> None:
    result = _start(tmp_path)
    assert result["rows"] and result["rows"][0] > 0  # type: ignore[index]  # it really reached the list
    modules = result["modules"]
    assert _loaded(modules, "app.screens.ticket_list") and _loaded(modules, "api.sandbox.server")
    present = {prefix: _loaded(modules, prefix)[:3] for prefix in NOT_AT_START if _loaded(modules, prefix)}
    assert not present, f"loaded before the first list: {present}"


def test_the_check_would_notice_a_heavy_import(tmp_path: Path) -> None:
    code = _TO_FIRST_LIST.replace("from app.tui import CStarApp", "from app.tui import CStarApp\nimport api.bodies")
    modules = _start(tmp_path, code)["modules"]
    assert _loaded(modules, "pydantic") and _loaded(modules, "api.bodies")


@pytest.mark.parametrize("name", ["TicketCreate", "TicketUpdate", "MessageCreate"])
def test_write_bodies_still_come_from_api_models_when_asked_for(name: str) -> None:
    import api.bodies
    import api.models

    assert getattr(api.models, name) is getattr(api.bodies, name)


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def test_no_config_file_reads_as_the_empty_config_file() -> None:
    """NO_FILE stands in for `ConfigFile()` at start; its values must be the schema's defaults."""
    from app.config_schema import ConfigFile, NotificationsConfig

    empty = ConfigFile()
    for name in ConfigFile.model_fields:
        ours, theirs = getattr(NO_FILE, name), getattr(empty, name)
        if name == "notifications":
            ours = {field: _plain(getattr(ours, field)) for field in NotificationsConfig.model_fields}
            theirs = theirs.model_dump()
        assert _plain(ours) == theirs, name
    assert NO_FILE.has_plain_key() is False
    assert NO_FILE.profile("sandbox") == empty.profile("sandbox")  # the rest comes from the real one
    assert LoadedConfig(path=Path("x")).file is NO_FILE


def test_the_combining_mark_table_is_this_pythons_unicode() -> None:
    """Regenerate api/combining_marks.py (`python -m api.combining_marks`) when this fails after an upgrade."""
    assert unicodedata.unidata_version == UNICODE_VERSION
    assert scan() == RANGES


# --- what a loaded ticket costs ------------------------------------------------------------------------


def _ticket(number: int) -> Ticket:
    return Ticket.model_validate({
        "id": f"tkt_{number:012d}", "title": f"Ticket {number}", "priority": "normal", "status": "open",
        "customerName": "Jane Doe", "tags": ["billing"], "createdAt": "2026-03-30T10:00:00Z",
        "updatedAt": "2026-03-30T10:30:00Z", "responseDeadline": "2026-03-30T14:00:00Z",
    })


def test_read_models_carry_no_per_instance_dict() -> None:
    # pydantic kept a __dict__ and a fields-set per instance (2.26 KB of a ticket's 4.35 KB).
    for obj in (_ticket(1), Customer(id="cus_1"), Message(id="m", ticket_id="t", content="c",
                                                          created_at=_ticket(1).created_at)):
        assert not hasattr(obj, "__dict__"), type(obj).__name__


def test_a_ticket_read_from_json_is_small() -> None:
    import tracemalloc

    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    tickets = [_ticket(n) for n in range(1000)]
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    per_ticket = sum(stat.size_diff for stat in after.compare_to(before, "filename")) / len(tickets)
    assert per_ticket < 1500, f"{per_ticket:.0f} bytes per ticket"


def test_dataclasses_on_the_start_path_have_a_docstring() -> None:
    """Python builds a missing dataclass docstring with inspect.signature: ~0.3 ms a class, 23 of them."""
    code = """
import dataclasses, json, sys
import app.run, app.tui, app.screens.ticket_list, app.startup_checks, api.sandbox
print(json.dumps([
    f"{name}.{obj.__name__}"
    for name, module in sorted(sys.modules.items()) if name.split(".")[0] in ("api", "app", "widgets")
    for obj in list(vars(module).values())
    if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == name
    and (obj.__doc__ or "").startswith(f"{obj.__name__}(")
]))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         check=True)
    assert json.loads(out.stdout) == []
