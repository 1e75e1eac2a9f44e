"""What the command line prints (issue 11): text from a server or any other untrusted source is cleaned
like the app's, the key the client holds is masked by value wherever it could surface, keys and base
URLs are checked where they enter, and a config file that isn't there is said to be missing.

The command line runs as a real subprocess (`python -m app.cli`) against a service served on loopback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.client import HelpdeskClient
from api.errors import AuthenticationError
from tests.hostile_server import RAW_CONTROLS, refusing_app, served

ROOT = Path(__file__).resolve().parent.parent

# Keys the old shape-based masking let through: no sk_ prefix; a hyphen in the body; shaped but too
# short to show a tail; an opaque token with no separator at all.
ODD_KEYS = ["abc-def-123456", "sk_live_abc-def-0123456789", "sk_live_abcd1234", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg"]


@pytest.fixture(scope="module")
def refusing_url() -> Iterator[str]:
    with served(refusing_app) as url:
        yield url


def cli(*args: str, env: dict[str, str] | None = None, stdin: str = "",
        config: Path | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **(env or {})}
    if config is not None:
        full["CSTAR_CONFIG"] = str(config)
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=60,
                          env=full, input=stdin, cwd=ROOT)


def assert_clean(output: str) -> None:
    raw = sorted({f"U+{ord(c):04X}" for c in output if c in RAW_CONTROLS})
    assert not raw, f"raw control characters reach the terminal: {raw}\n{output!r}"


def assert_hidden(key: str, output: str) -> None:
    """No piece of the key longer than the four characters a mask shows (its sk_live_ prefix aside)."""
    body = key.split("_", 2)[-1] if key.startswith(("sk_", "pk_", "rk_")) else key
    pieces = [body[i:i + 5] for i in range(len(body) - 4)]
    shown = [piece for piece in pieces if piece in output]
    assert not shown, f"pieces of the key {key!r} are shown: {shown}\n{output}"


# --- 1. server text is cleaned before it reaches the terminal -------------------------------------------


def test_config_init_prints_a_hostile_server_error_cleaned(tmp_path: Path, refusing_url: str) -> None:
    key = "sk_live_0123456789abcdefghijA1b2"
    done = cli("config", "init", "--base-url", refusing_url, "--team", "team_acme", "--agent-id", "",
               "--agent-name", "", stdin=f"{key}\n\n\n", config=tmp_path / "config.toml")
    assert done.returncode == 1, done
    assert "Not written: The API key was not accepted" in done.stderr
    assert_clean(done.stdout + done.stderr)
    # What the server sent is still there to read, as visible stand-ins.
    assert "␛]0;pwned␇␛[2J␛]52;c;ZXZpbA==␇⟨9B⟩31m␡⟨RLO⟩txt.exe" in done.stderr
    assert "req_␛[5mblink" in done.stderr
    assert_hidden(key, done.stdout + done.stderr)
    assert not (tmp_path / "config.toml").exists()


# --- 2. the key the client holds is masked by value, whatever its shape ----------------------------------


@pytest.mark.parametrize("key", ODD_KEYS)
def test_config_init_masks_the_echoed_key_whatever_its_shape(tmp_path: Path, refusing_url: str, key: str) -> None:
    done = cli("config", "init", "--base-url", refusing_url, "--team", "team_acme", "--agent-id", "",
               "--agent-name", "", stdin=f"{key}\n\n\n", config=tmp_path / "config.toml")
    assert done.returncode == 1 and "Invalid API key" in done.stderr, done
    assert_hidden(key, done.stdout + done.stderr)
    tail = key[-4:] if len(key.split("_", 2)[-1]) >= 12 else ""
    assert f"Invalid API key {key[:8] if key.startswith('sk_') else ''}…{tail};" in done.stderr


@pytest.mark.parametrize("key", ODD_KEYS)
async def test_the_client_errors_mask_the_key_it_holds(key: str) -> None:
    transport = httpx.ASGITransport(app=refusing_app)
    async with HelpdeskClient("http://hostile.test", "team_acme", key, transport=transport, max_retries=0) as client:
        with pytest.raises(AuthenticationError) as refused:
            await client.list_tickets()
    error = refused.value
    assert "Invalid API key" in str(error)
    for text in (str(error), repr(error), error.message, str(error.args), error.describe()):
        assert_hidden(key, text)


def test_a_key_shaped_string_touched_by_letters_or_hyphens_is_masked() -> None:
    from api.errors import mask_secrets

    # Nobody holds these keys here: they are masked for their shape alone.
    text = "Xsk_live_abcd1234efgh5678Y key=sk_test_abc-def-ghi-jkl-0000 _pk_live_Zz9Zz9Zz9Zz9Zz9"
    masked = mask_secrets(text)
    for piece in ("abcd1234", "def-ghi", "Zz9Zz9"):
        assert piece not in masked, masked
    assert mask_secrets(masked) == masked  # masking stays idempotent


async def test_the_connection_screen_masks_a_key_of_no_known_shape() -> None:
    from app.screens.connection_error import ConnectionErrorScreen
    from app.settings import Settings
    from app.tui import CStarApp
    from tests.helpers import settle
    from tests.hostile_corpus import check_painted

    key = "abc-def-123456"
    settings = Settings(base_url="http://hostile.test", team_id="team_acme", api_key=key,
                        transport=httpx.ASGITransport(app=refusing_app))
    app = CStarApp(settings)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, ConnectionErrorScreen))
        # The box's lines, joined back into the sentences they wrap.
        text = " ".join(line.strip(" ┃") for line in check_painted(app).splitlines())
        assert "Invalid API key …3456; X…3456Y; key=…3456-old." in text
        assert_hidden(key, text)
        await pilot.press("q")
    assert app.return_code == 1


def test_config_show_prints_hostile_values_escaped_or_cleaned(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    # TOML escapes let a file hold any character; a shared or downloaded file may hold these.
    config.write_text('[profiles.w]\nbase_url = "https://x.example"\nteam_id = "t\\u009b31m\\u202e"\n'
                      'api_key_cmd = "pass show \\u001b]0;pwned\\u0007"\nagent_name = "\\u001b[2J"\n')
    done = cli("config", "show", config=config)
    assert done.returncode == 0, done
    assert_clean(done.stdout + done.stderr)
    # Values keep their meaning as TOML escapes; the comment naming the command shows stand-ins.
    assert 'team_id = "t\\u009b31m\\u202e"' in done.stdout and 'agent_name = "\\u001b[2J"' in done.stdout
    assert "# key: printed by the command: pass show ␛]0;pwned␇" in done.stdout


async def test_the_client_log_masks_the_key_an_observer_quotes(caplog: pytest.LogCaptureFixture) -> None:
    key = "abc-def-1234567890"

    def observer(name: str, details: dict[str, object]) -> None:
        raise RuntimeError(f"observer saw Authorization: {key}")  # someone else's code, logged by the client

    caplog.set_level("DEBUG")
    transport = httpx.ASGITransport(app=refusing_app)
    async with HelpdeskClient("http://hostile.test", "team_acme", key, transport=transport, max_retries=0,
                              on_event=observer) as client:
        with pytest.raises(AuthenticationError):
            await client.list_tickets()
    assert "on_event hook failed" in caplog.text and "observer saw Authorization: …7890" in caplog.text
    assert_hidden(key, caplog.text)


def test_a_crash_report_masks_a_key_of_no_known_shape(tmp_path: Path) -> None:
    from tests.test_secrets import CRASHING_APP

    key = "abc-def-1234567890"
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_APP)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path), "COLUMNS": "100"}
    done = subprocess.run([sys.executable, str(script), key], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    output = done.stdout + done.stderr
    assert "return code 1" in done.stdout and "RuntimeError: boom while holding …7890" in output, output
    assert "key = '…7890'" in output and "'Bearer …7890'" in output, output
    assert_hidden(key, output)


async def test_profile_names_and_values_from_the_file_are_cleaned_in_the_palette(sandbox: object,
                                                                                   tmp_path: Path) -> None:
    from textual.command import CommandPalette

    from tests.helpers import make_app, settle
    from tests.hostile_corpus import check_painted
    from tests.test_config_app import loaded

    config = loaded(tmp_path, '[profiles."w\\u001b]0;pwned\\u0007\\u202e"]\nbase_url = "http://127.0.0.1:9"\n'
                              'team_id = "t\\u009b31m\\u001b[2J"\n')
    app = make_app(sandbox, config=config)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+p")
        await settle(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"switch")
        await settle(pilot, lambda: app.screen.query_one("CommandList").option_count >= 2)
        text = check_painted(app)
        assert "Switch profile: w␛]0;pwned␇⟨RLO⟩" in text and "t⟨9B⟩31m␛[2J" in text
