"""API keys are masked everywhere they could surface (issue 8): the pictures and reports the project keeps
(snapshots, screenshots, README, the snapshot report, bench results), `--help` and command-line errors,
and Textual's crash report, which prints every frame's local variables.

A masked key keeps its prefix and last four characters (`sk_test_…p7dc`). README documents the sandbox's
fixed test keys on purpose (public test keys, like Stripe's): only those exact keys are allowed there.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from api.sandbox import OTHER_TEAM_SECRET, SandboxKeys
from app.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_KEYS = (SandboxKeys().secret, SandboxKeys().restricted, SandboxKeys().publishable, OTHER_TEAM_SECRET)
# Unmasked: the prefix followed by the key's body. A masked key has "…" right after the prefix.
UNMASKED = re.compile(r"(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{6,}")
LIVE_KEY = "sk_live_" + "Q7vR2mX9" * 3  # looks real
LIVE_MASKED = "sk_live_…2mX9"


def _kept_outputs() -> list[Path]:
    """Everything the project keeps or the suite writes that a person or a CI log could read."""
    paths = [*sorted((ROOT / "tests" / "__snapshots__").rglob("*.svg")),
             *sorted(p for p in (ROOT / "screenshots").iterdir() if p.is_file()), ROOT / "README.md"]
    paths += [p for p in (ROOT / "snapshot_report.html",) if p.exists()]
    paths += sorted(p for p in (ROOT / "bench" / "results").rglob("*") if p.is_file())
    paths += sorted(ROOT.glob("*.log"))
    return paths


def _texts(path: Path) -> list[str]:
    """The file as text, and for SVG/HTML also its visible text (a key could be split across elements)."""
    raw = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix in (".svg", ".html"):
        return [raw, html.unescape("".join(re.findall(r">([^<]*)<", raw)))]
    return [raw]


def test_no_unmasked_key_in_snapshots_screenshots_readme_or_reports() -> None:
    paths = _kept_outputs()
    assert len([p for p in paths if p.suffix == ".svg"]) >= 10  # the scan is looking where the pictures are
    leaks = []
    for path in paths:
        for text in _texts(path):
            if path.name == "README.md":
                for key in SANDBOX_KEYS:  # the documented public test keys, and nothing else
                    text = text.replace(key, "")
            else:
                leaks += [(path, key) for key in SANDBOX_KEYS if key in text]
            leaks += [(path, match) for match in UNMASKED.findall(text)]
    assert not leaks, leaks
    # The pictures do show keys, masked (the header of every screen): the scan would see a real one.
    assert any("sk_test_…p7dc" in _texts(p)[1] for p in paths if p.suffix == ".svg")


def test_png_screenshots_are_pictures_of_scanned_svgs() -> None:
    pngs = sorted((ROOT / "screenshots").glob("*.png"))
    assert all(png.with_suffix(".svg").exists() for png in pngs), "a PNG without the SVG it was made from"


def test_help_and_command_line_errors_never_echo_a_key(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSTAR_API_KEY", LIVE_KEY)
    for argv in (["--help"], ["serve", "--help"], ["config", "--help"]):
        with pytest.raises(SystemExit) as done:
            cli_main(argv)
        assert done.value.code == 0
        out = capsys.readouterr()
        assert "usage:" in out.out and LIVE_KEY not in out.out + out.err
    # A key pasted where argparse doesn't expect it is echoed in its error: masked.
    for argv in ([LIVE_KEY], ["--apikey", LIVE_KEY], ["config", "init", "--api-key", LIVE_KEY],
                 ["serve", "--port", LIVE_KEY]):
        with pytest.raises(SystemExit) as done:
            cli_main(argv)
        assert done.value.code == 2
        err = capsys.readouterr().err
        assert "error:" in err and LIVE_KEY not in err and not UNMASKED.search(err), err


CRASHING_APP = textwrap.dedent("""
    import sys
    from pathlib import Path

    from textual.screen import Screen

    import app.tui
    from api.sandbox import SandboxKeys
    from app.settings import Settings
    from app.tui import CStarApp

    KEY = sys.argv[1]


    class Boom(Screen):
        def on_mount(self) -> None:
            client = self.app.client
            settings = self.app.settings
            key = settings.api_key
            headers = {"Authorization": f"Bearer {key}"}
            sandbox_keys = SandboxKeys()  # a dataclass whose fields hold the sandbox's keys
            raise RuntimeError(f"boom while holding {key}")


    class CrashingApp(CStarApp):
        CSS_PATH = str(Path(app.tui.__file__).parent / "styles.tcss")

        async def on_mount(self) -> None:
            await super().on_mount()
            await self.push_screen(Boom())


    # Nothing listens there: the screen crashes before the first request could matter.
    settings = Settings(base_url="http://127.0.0.1:9", team_id="team_acme", api_key=KEY)
    crashing = CrashingApp(settings)
    crashing.run(headless=True, size=(100, 30))
    print("return code", crashing.return_code)
""")


def test_a_crash_report_shows_locals_with_every_key_masked(tmp_path: Path) -> None:
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_APP)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path), "COLUMNS": "100"}
    done = subprocess.run([sys.executable, str(script), LIVE_KEY], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    output = done.stdout + done.stderr
    assert "return code 1" in done.stdout, output
    # The report is Textual's usual one: the exception, the frame, its locals, with every key masked: the
    # local holding the key, the bearer header, the client's and settings' reprs, the sandbox's keys.
    assert f"RuntimeError: boom while holding {LIVE_MASKED}" in output, output
    for local in (f"key = '{LIVE_MASKED}'", f"'Bearer {LIVE_MASKED}'", "secret='sk_test_…p7dc'"):
        assert local in output, (local, output)
    assert LIVE_KEY not in output and not UNMASKED.search(output), output
    assert not any(key in output for key in SANDBOX_KEYS)


async def test_logs_of_requests_and_refusals_hold_no_key(caplog: pytest.LogCaptureFixture, served_sandbox) -> None:
    """Everything logged while the client talks to a served sandbox over real HTTP (httpx and httpcore at
    DEBUG, uvicorn, the client, the sandbox): a good key, a refused one, a failing event hook."""
    from api.client import HelpdeskClient
    from api.errors import AuthenticationError

    sb = served_sandbox

    def broken_hook(name: str, details: dict) -> None:
        raise RuntimeError(f"hook broke on {name}: {details}")  # the client logs it, with the details

    caplog.set_level("DEBUG")
    async with HelpdeskClient(sb.base_url, sb.team_id, sb.keys.secret, on_event=broken_hook) as client:
        await client.list_tickets()
    async with HelpdeskClient(sb.base_url, sb.team_id, LIVE_KEY) as client:
        with pytest.raises(AuthenticationError) as refused:
            await client.list_tickets()
    assert any(r.name.startswith("httpcore") for r in caplog.records), "no transport log: it would prove nothing"
    logged = caplog.text
    assert LIVE_KEY not in logged and LIVE_KEY not in str(refused.value) + repr(refused.value)
    assert not any(key in logged for key in SANDBOX_KEYS) and not UNMASKED.search(logged)
