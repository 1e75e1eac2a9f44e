"""`cstar-tui config path|show|init`, and what the app's start does with a broken config file."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from api.sandbox import Sandbox
from app import run
from app.config import load_config
from app.config_cli import main as config_main

KEY = "sk_live_0123456789abcdefghijA1b2"


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "conf" / "config.toml"
    monkeypatch.setenv("CSTAR_CONFIG", str(path))
    return path


def _cli(*args: str, config: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CSTAR_CONFIG": str(config)}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=60,
                          env=env, input=stdin)


def _init(argv: list[str], answers: str = "") -> tuple[int, str]:
    err = io.StringIO()
    code = config_main(["init", *argv], stdin=io.StringIO(answers), stderr=err)
    return code, err.getvalue()


def test_path_prints_the_file(cfg: Path) -> None:
    result = _cli("config", "path", config=cfg)
    assert result.returncode == 0 and result.stdout.strip() == str(cfg)
    assert "does not exist yet" in result.stderr


def test_show_masks_keys_and_reports_problems(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text(f'[profiles.w]\nbase_url = "https://x.example"\nteam_id = "t"\napi_key = "{KEY}"\n'
                   '[keymap]\n"list.fliter" = "f"\n')
    cfg.chmod(0o644)
    result = _cli("config", "show", config=cfg)
    assert result.returncode == 0
    assert KEY not in result.stdout + result.stderr
    assert 'api_key = "sk_live_…A1b2"' in result.stdout
    assert "others can read it (mode 0644)" in result.stderr
    assert "unknown binding id 'list.fliter' (did you mean 'list.filter'?)" in result.stderr


def test_show_and_the_app_refuse_a_broken_file_with_path_and_field(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text('[profiles.w]\nbase_ur = "https://x"\n')
    for args in (("config", "show"), ()):
        result = _cli(*args, config=cfg)
        assert result.returncode == 2, result
        assert str(cfg) in result.stderr and "profiles.w.base_ur: unknown field" in result.stderr
        assert "Traceback" not in result.stderr


def test_demo_starts_on_the_sandbox_despite_a_broken_file(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg.parent.mkdir()
    cfg.write_text("default_profile = 'nope'\n")
    args = run.build_parser().parse_args(["--demo"])
    loaded = run.load(args)
    assert loaded is not None and loaded.file.profiles == {}
    # The error becomes a start-up warning: printed before the app runs, and notified inside it.
    assert len(loaded.warnings) == 1 and str(cfg) in loaded.warnings[0]
    assert "default_profile: no profile named 'nope'" in loaded.warnings[0] and "--demo" in loaded.warnings[0]
    settings = run.settings_mod.resolve(args, {}, loaded.file)
    assert settings is None, "the embedded sandbox"
    assert run.load(run.build_parser().parse_args([])) is None
    assert "default_profile: no profile named 'nope'" in capsys.readouterr().err


def test_init_from_stdin_checks_against_the_service_and_writes_0600(cfg: Path, served_sandbox: Sandbox) -> None:
    sb = served_sandbox
    answers = f"{sb.base_url}\n{sb.team_id}\n{sb.keys.secret}\n{sb.agent_id}\n{sb.agent_name}\n"
    code, err = _init(["--profile", "local"], answers)
    assert code == 0, err
    assert "OK:" in err and "tickets in team team_acme" in err
    assert sb.keys.secret not in err
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    loaded = load_config(cfg)
    assert loaded.warnings == []
    profile = loaded.file.profiles["local"]
    assert (profile.base_url, profile.team_id, profile.agent_id, profile.agent_name) == (
        sb.base_url, sb.team_id, sb.agent_id, sb.agent_name)
    assert profile.api_key is not None and profile.api_key.get_secret_value() == sb.keys.secret
    assert loaded.file.default_profile == "local"  # the first profile becomes the default


def test_init_with_flags_asks_nothing_and_adds_to_a_hand_written_file(cfg: Path, served_sandbox: Sandbox,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    sb = served_sandbox
    cfg.parent.mkdir()
    hand_written = '# my settings\ndefault_profile = "other"\ntheme = "nord"\n\n[profiles.other]\n' \
                   'base_url = "https://other.example"  # keep me\n'
    cfg.write_text(hand_written)
    monkeypatch.setenv("LOCAL_CSTAR_KEY", sb.keys.secret)
    code, err = _init(["--profile", "local", "--base-url", sb.base_url, "--team", sb.team_id,
                       "--api-key-env", "LOCAL_CSTAR_KEY", "--agent-id", sb.agent_id, "--agent-name", "Me"])
    assert code == 0, err
    assert "?" not in err.split("Checking")[0], "no question was asked"
    text = cfg.read_text()
    assert text.startswith(hand_written), "the hand-written part is kept as it was"
    assert 'api_key_env = "LOCAL_CSTAR_KEY"' in text and sb.keys.secret not in text
    loaded = load_config(cfg)
    assert loaded.file.default_profile == "other" and set(loaded.file.profiles) == {"other", "local"}
    # --force replaces the profile in place; --default makes it the default.
    code, err = _init(["--profile", "local", "--base-url", sb.base_url, "--team", sb.team_id,
                       "--api-key-env", "LOCAL_CSTAR_KEY", "--agent-name", "Renamed", "--force", "--default"],
                      "\n")
    assert code == 0, err
    loaded = load_config(cfg)
    assert loaded.file.default_profile == "local" and loaded.file.profiles["local"].agent_name == "Renamed"
    assert "# keep me" in cfg.read_text()


def test_init_refuses_to_replace_a_profile_without_force(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text('[profiles.default]\nbase_url = "https://x.example"\n')
    code, err = _init([], "")
    assert code == 1 and "already has a profile named 'default'" in err


def test_init_writes_nothing_when_the_check_fails(cfg: Path, served_sandbox: Sandbox) -> None:
    sb = served_sandbox
    wrong = "sk_test_WrongKeyWrongKeyWrongKey0000"
    code, err = _init(["--base-url", sb.base_url, "--team", sb.team_id, "--agent-id", "", "--agent-name", ""],
                      f"{wrong}\n\n\n")
    assert code == 1 and "Not written: The API key was not accepted" in err
    assert wrong not in err and "sk_test_…0000" in err
    assert not cfg.exists()


def test_init_stops_cleanly_when_stdin_runs_out(cfg: Path) -> None:
    code, err = _init([], "https://x.example\n")
    assert code == 1 and "nothing was written" in err and not cfg.exists()


def test_init_as_a_command_reads_a_piped_stdin(cfg: Path, served_sandbox: Sandbox) -> None:
    sb = served_sandbox
    result = _cli("config", "init", "--profile", "piped", config=cfg,
                  stdin=f"{sb.base_url}\n{sb.team_id}\n{sb.keys.secret}\n\n\n")
    assert result.returncode == 0, result.stderr
    assert sb.keys.secret not in result.stdout + result.stderr
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert load_config(cfg).file.profiles["piped"].agent_id is None
