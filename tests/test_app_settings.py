"""Where the app connects: flags win over the environment; the sandbox is the default; keys stay masked."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.run import build_parser
from app.settings import SettingsError, resolve

KEY = "sk_live_0123456789abcdefghijA1b2"


def _resolve(argv: list[str], env: dict[str, str]):
    return resolve(build_parser().parse_args(argv), env)


def test_no_configuration_means_the_embedded_sandbox() -> None:
    assert _resolve([], {}) is None


def test_environment_points_the_app_at_a_service() -> None:
    s = _resolve([], {"CSTAR_BASE_URL": "https://api.example/", "CSTAR_TEAM_ID": "team_x", "CSTAR_API_KEY": KEY,
                      "CSTAR_AGENT_ID": "agt_env", "CSTAR_AGENT_NAME": "Env Agent"})
    assert s is not None
    assert (s.base_url, s.team_id, s.api_key, s.agent_id, s.agent_name) == (
        "https://api.example", "team_x", KEY, "agt_env", "Env Agent")
    assert not s.sandbox


def test_flags_win_over_the_environment() -> None:
    env = {"CSTAR_BASE_URL": "https://env.example", "CSTAR_TEAM_ID": "team_env", "CSTAR_API_KEY": "sk_test_env",
           "CSTAR_AGENT_ID": "agt_env"}
    s = _resolve(["--base-url", "http://127.0.0.1:8765", "--team", "team_flag", "--api-key", KEY,
                  "--agent-id", "agt_flag"], env)
    assert s is not None
    assert (s.base_url, s.team_id, s.api_key, s.agent_id) == ("http://127.0.0.1:8765", "team_flag", KEY, "agt_flag")


def test_demo_forces_the_sandbox_even_when_a_service_is_configured() -> None:
    env = {"CSTAR_BASE_URL": "https://env.example", "CSTAR_TEAM_ID": "t", "CSTAR_API_KEY": KEY}
    assert _resolve(["--demo"], env) is None


@pytest.mark.parametrize(("argv", "env", "needle"), [
    (["--base-url", "https://x.example"], {}, "--team / CSTAR_TEAM_ID and --api-key / CSTAR_API_KEY"),
    (["--base-url", "https://x.example", "--team", "t"], {}, "--api-key / CSTAR_API_KEY"),
    ([], {"CSTAR_API_KEY": KEY}, "no base URL"),
])
def test_an_incomplete_connection_is_explained(argv: list[str], env: dict[str, str], needle: str) -> None:
    with pytest.raises(SettingsError, match=needle.replace("/", "/")) as info:
        _resolve(argv, env)
    assert KEY not in str(info.value)


def test_settings_repr_masks_the_key() -> None:
    s = _resolve(["--base-url", "https://x", "--team", "t", "--api-key", KEY], {})
    assert KEY not in repr(s)
    assert "sk_live_…A1b2" in repr(s)
    assert s.masked_key == "sk_live_…A1b2"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=60,
                          env=env)


def test_help_explains_flags_and_environment() -> None:
    result = _cli("--help")
    assert result.returncode == 0
    for needle in ("--base-url", "--team", "--api-key", "--agent-id", "--agent-name", "--demo", "CSTAR_BASE_URL",
                   "CSTAR_TEAM_ID", "CSTAR_API_KEY", "CSTAR_AGENT_ID", "CSTAR_AGENT_NAME", "serve"):
        assert needle in result.stdout


def test_a_bad_configuration_exits_non_zero_without_a_traceback_or_the_key() -> None:
    import os

    env = {**os.environ, "CSTAR_API_KEY": KEY}
    env.pop("CSTAR_BASE_URL", None)
    result = _cli(env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "no base URL" in result.stderr
    assert KEY not in result.stderr + result.stdout


def test_a_crashed_app_exits_non_zero() -> None:
    """Textual returns from run() after a crash; the entry point must turn that into a failing status."""
    code = (
        "import sys\n"
        "from textual.app import App\n"
        "from app.run import run_until_exit\n"
        "class Crashes(App):\n"
        "    def on_mount(self):\n"
        "        raise RuntimeError('boom')\n"
        "sys.exit(run_until_exit(Crashes(), headless=True))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "boom" in result.stdout + result.stderr


def test_a_clean_quit_exits_zero() -> None:
    code = (
        "import sys\n"
        "from textual.app import App\n"
        "from app.run import run_until_exit\n"
        "class Quits(App):\n"
        "    def on_mount(self):\n"
        "        self.exit()\n"
        "sys.exit(run_until_exit(Quits(), headless=True))\n"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60).returncode == 0
