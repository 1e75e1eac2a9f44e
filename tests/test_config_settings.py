"""Which connection the app uses: flags > CSTAR_* environment > profile > embedded sandbox; and the key sources."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from app.config import ConfigFile, parse_config
from app.config_cli import toml_value
from app.config_keys import KeySourceError, profile_key, run_key_command
from app.run import build_parser
from app.settings import SettingsError, pick_profile, resolve
from tests.waiting import WAIT

KEY = "sk_live_0123456789abcdefghijA1b2"
ENV_KEY = "sk_live_EnvironmentKey000000Zz99"
CMD_KEY = "sk_test_FromTheCommand00000000Cm42"


def python_cmd(code: str) -> str:
    """A real command line, as a config file would hold it."""
    return shlex.join([sys.executable, "-c", code])


def config(text: str) -> ConfigFile:
    return parse_config(text, Path("/test/config.toml"))


WORK = config(f"""
default_profile = "work"
[profiles.work]
base_url = "https://work.example"
team_id = "team_work"
agent_id = "agt_work"
agent_name = "Work Me"
api_key = "{KEY}"

[profiles.cmd]
base_url = "https://cmd.example"
team_id = "team_cmd"
api_key_cmd = {toml_value(python_cmd(f"print('{CMD_KEY}')"))}

[profiles.envkey]
base_url = "https://env.example"
team_id = "team_envkey"
api_key_env = "MY_CSTAR_KEY"

[profiles.demo]
sandbox = true
agent_name = "Demo Me"
""")


def _resolve(argv: list[str], env: dict[str, str], cfg: ConfigFile | None = WORK):
    return resolve(build_parser().parse_args(argv), env, cfg)


def test_the_default_profile_is_used_when_nothing_else_is_given() -> None:
    s = _resolve([], {})
    assert s is not None
    assert (s.base_url, s.team_id, s.api_key, s.agent_id, s.agent_name, s.profile) == (
        "https://work.example", "team_work", KEY, "agt_work", "Work Me", "work")
    assert KEY not in repr(s)


def test_the_environment_wins_over_the_profile_field_by_field() -> None:
    s = _resolve([], {"CSTAR_TEAM_ID": "team_env", "CSTAR_AGENT_NAME": "Env Me"})
    assert s is not None
    assert (s.base_url, s.team_id, s.api_key, s.agent_id, s.agent_name) == (
        "https://work.example", "team_env", KEY, "agt_work", "Env Me")


def test_flags_win_over_the_environment_and_the_profile() -> None:
    env = {"CSTAR_TEAM_ID": "team_env", "CSTAR_AGENT_ID": "agt_env", "CSTAR_API_KEY": ENV_KEY}
    s = _resolve(["--team", "team_flag", "--agent-id", "agt_flag"], env)
    assert s is not None
    assert (s.team_id, s.agent_id, s.api_key) == ("team_flag", "agt_flag", ENV_KEY)


def test_profile_selection_flag_then_environment_then_default() -> None:
    parse = build_parser().parse_args
    assert pick_profile(parse(["--profile", "cmd"]), {"CSTAR_PROFILE": "envkey"}, WORK)[0] == "cmd"
    assert pick_profile(parse([]), {"CSTAR_PROFILE": "envkey"}, WORK)[0] == "envkey"
    assert pick_profile(parse([]), {}, WORK)[0] == "work"
    assert pick_profile(parse([]), {}, ConfigFile()) is None


def test_an_unknown_profile_is_an_error_that_lists_the_profiles() -> None:
    with pytest.raises(SettingsError, match="no profile named 'nope'.*cmd, demo, envkey, work"):
        _resolve(["--profile", "nope"], {})


def test_a_profile_key_is_only_sent_to_its_own_base_url() -> None:
    with pytest.raises(SettingsError, match="only sent to the profile's own base_url") as info:
        _resolve(["--base-url", "https://elsewhere.example"], {})
    assert KEY not in str(info.value)
    # With its own key, another URL is fine; the profile still gives the team.
    s = _resolve(["--base-url", "https://elsewhere.example"], {"CSTAR_API_KEY": ENV_KEY})
    assert s is not None and (s.base_url, s.team_id, s.api_key) == ("https://elsewhere.example", "team_work", ENV_KEY)
    # The profile's own URL given again (trailing slash and all) still uses the profile's key.
    s = _resolve(["--base-url", "https://work.example/"], {})
    assert s is not None and s.api_key == KEY


def test_api_key_cmd_runs_a_real_command() -> None:
    s = _resolve(["--profile", "cmd"], {})
    assert s is not None and s.api_key == CMD_KEY and s.base_url == "https://cmd.example"


def test_api_key_cmd_does_not_run_when_the_key_comes_from_elsewhere(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    cfg = config(f"""
[profiles.cmd]
base_url = "https://cmd.example"
team_id = "t"
api_key_cmd = {toml_value(python_cmd(f"open({str(marker)!r}, 'w'); print('{CMD_KEY}')"))}
""")
    s = _resolve(["--profile", "cmd"], {"CSTAR_API_KEY": ENV_KEY}, cfg)
    assert s is not None and s.api_key == ENV_KEY and not marker.exists()
    assert _resolve(["--profile", "cmd"], {}, cfg).api_key == CMD_KEY and marker.exists()


def test_api_key_env_names_the_variable() -> None:
    s = _resolve(["--profile", "envkey"], {"MY_CSTAR_KEY": ENV_KEY})
    assert s is not None and s.api_key == ENV_KEY
    with pytest.raises(SettingsError, match="profiles.envkey.api_key_env: the environment variable MY_CSTAR_KEY "
                                            "is not set"):
        _resolve(["--profile", "envkey"], {})


@pytest.mark.parametrize(("code", "timeout", "needle"), [
    # A command that ends is given all the time a loaded machine needs to start Python; only the one
    # that hangs meets the short timeout (and it hangs far longer than that).
    (f"import sys; print('{CMD_KEY}'); print('{CMD_KEY}', file=sys.stderr); sys.exit(3)", WAIT,
     "failed with exit status 3 (its output is not shown"),
    ("pass", WAIT, "printed nothing on stdout"),
    ("import time; time.sleep(600)", 0.5, "did not finish within 0.5 s"),
])
def test_a_failing_key_command_is_reported_without_its_output(code: str, timeout: float, needle: str,
                                                              capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(KeySourceError) as info:
        run_key_command(python_cmd(code), "profiles.x.api_key_cmd", timeout=timeout)
    message = str(info.value)
    assert message.startswith("profiles.x.api_key_cmd: ") and needle in message
    assert CMD_KEY not in message
    out, err = capfd.readouterr()
    assert CMD_KEY not in out + err, "the command's output is captured, not passed through"


def test_a_missing_key_command_says_which() -> None:
    with pytest.raises(KeySourceError, match="command not found: 'no-such-password-manager-xyz'"):
        run_key_command("no-such-password-manager-xyz show cstar", "profiles.x.api_key_cmd")


def test_the_command_runs_without_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    # In a shell the `;` would run touch; split by shlex it is just an argument to echo.
    # echo prints `KEY ; touch …` as one line, which is no key (it has spaces): refused, and nothing ran.
    with pytest.raises(KeySourceError, match="has a space"):
        run_key_command(f"echo {CMD_KEY} ; touch {marker}", "f")
    assert not marker.exists()


def test_a_profile_without_a_key_source_leaves_the_key_to_flags_or_environment() -> None:
    cfg = config('[profiles.p]\nbase_url = "https://p.example"\nteam_id = "t"\n')
    assert profile_key("p", cfg.profiles["p"], {}) is None
    with pytest.raises(SettingsError, match="needs --api-key / CSTAR_API_KEY \\(profile 'p' gives none\\)"):
        _resolve(["--profile", "p"], {}, cfg)
    assert _resolve(["--profile", "p"], {"CSTAR_API_KEY": ENV_KEY}, cfg).api_key == ENV_KEY


def test_a_sandbox_profile_and_demo_mean_the_embedded_sandbox() -> None:
    assert _resolve(["--profile", "demo"], {}) is None
    assert _resolve(["--profile", "sandbox"], {}) is None  # "sandbox" exists without being written down
    assert _resolve(["--demo"], {}) is None  # even with a default profile
    # Flags still win over a sandbox profile.
    s = _resolve(["--profile", "demo", "--base-url", "http://127.0.0.1:1", "--team", "t", "--api-key", ENV_KEY], {})
    assert s is not None and s.base_url == "http://127.0.0.1:1"


def test_no_config_and_no_flags_is_still_the_sandbox() -> None:
    assert _resolve([], {}, None) is None
    assert _resolve([], {}, ConfigFile()) is None


def test_a_key_pasted_into_the_wrong_field_is_not_quoted_back() -> None:
    with pytest.raises(Exception) as info:
        config(f'[profiles.w]\nbase_url = "https://w.example"\napi_key_env = "{KEY}"\n')
    assert "holds what looks like a key" in str(info.value) and KEY not in str(info.value)
    cfg = config(f'[profiles.w]\nbase_url = "https://w.example"\nteam_id = "t"\napi_key_cmd = "{KEY}"\n')
    with pytest.raises(SettingsError) as error:
        _resolve(["--profile", "w"], {}, cfg)
    assert "command not found: 'sk_live_…A1b2'" in str(error.value) and KEY not in str(error.value)
