"""Exit statuses and errors of the scripting subcommands (issue 14): 0 done, 1 the service refused or
failed (one line on stderr, the key masked), 2 usage or configuration; with --json the error is a JSON
object on stderr. The connection comes from the same flags, environment and profiles as the TUI."""

from __future__ import annotations

import json
from pathlib import Path

from api.sandbox import Sandbox
from tests.cli_support import cli, env_for
from tests.conftest import free_port
from tests.test_cli_output import assert_clean, assert_hidden


def test_a_refused_key_exits_1_with_one_masked_line(served_sandbox: Sandbox) -> None:
    key = "sk_test_NotAKeyAnyoneIssued1234567"
    done = cli(served_sandbox, "tickets", "list", env=env_for(served_sandbox, CSTAR_API_KEY=key))
    assert done.returncode == 1 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("cstar-tui: ") and "key" in done.stderr.lower()
    assert_hidden(key, done.stderr)


def test_a_refused_key_with_json_is_a_json_error_without_the_key(served_sandbox: Sandbox) -> None:
    key = "sk_test_NotAKeyAnyoneIssued1234567"
    done = cli(served_sandbox, "tickets", "list", "--json", env=env_for(served_sandbox, CSTAR_API_KEY=key))
    assert done.returncode == 1 and done.stdout == ""
    error = json.loads(done.stderr)
    assert error["exitStatus"] == 1 and error["error"]["status"] == 401 and error["error"]["kind"] == "api"
    assert_hidden(key, done.stderr)


def test_a_key_on_the_command_line_is_warned_about_masked(served_sandbox: Sandbox) -> None:
    env = env_for(served_sandbox)
    key = env.pop("CSTAR_API_KEY")
    done = cli(served_sandbox, "tickets", "list", "--limit", "1", "--api-key", key, env=env)
    assert done.returncode == 0, done.stderr
    assert "warning: --api-key" in done.stderr
    assert_hidden(key, done.stderr)


def test_no_answer_from_the_service_exits_1(served_sandbox: Sandbox) -> None:
    env = env_for(served_sandbox, CSTAR_BASE_URL=f"http://127.0.0.1:{free_port()}")
    done = cli(served_sandbox, "ticket", "show", "tkt_abcdefabcdef", env=env)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_team_without_a_base_url_is_a_configuration_error(served_sandbox: Sandbox) -> None:
    env = env_for(served_sandbox)
    del env["CSTAR_BASE_URL"]
    done = cli(served_sandbox, "tickets", "list", env=env)
    assert done.returncode == 2 and "no base URL" in done.stderr


def test_a_broken_config_file_is_exit_2_and_a_json_error_with_json(served_sandbox: Sandbox, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[profiles.w]\nbase_url = "ftp://x"\napi_kye = "sk_live_abcdefghijklmnop1234"\n')
    env = env_for(served_sandbox, CSTAR_CONFIG=str(config))
    done = cli(served_sandbox, "tickets", "list", env=env)
    assert done.returncode == 2 and "invalid configuration" in done.stderr
    as_json = cli(served_sandbox, "tickets", "list", "--json", env=env)
    assert as_json.returncode == 2 and as_json.stdout == ""
    error = json.loads(as_json.stderr)
    assert error["exitStatus"] == 2 and error["error"]["kind"] == "config"
    assert "invalid configuration" in error["error"]["message"]
    assert_hidden("sk_live_abcdefghijklmnop1234", done.stderr + as_json.stderr)


def test_a_profile_connects_as_the_tui_does(served_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = served_sandbox
    config = tmp_path / "config.toml"
    config.write_text(f'default_profile = "work"\n[profiles.work]\nbase_url = "{sb.base_url}"\n'
                      f'team_id = "{sb.team_id}"\nagent_id = "{sb.agent_id}"\napi_key_env = "WORK_KEY"\n')
    env = {k: v for k, v in env_for(sb, CSTAR_CONFIG=str(config), WORK_KEY=sb.keys.secret).items()
           if k not in ("CSTAR_BASE_URL", "CSTAR_TEAM_ID", "CSTAR_API_KEY", "CSTAR_AGENT_ID")}
    done = cli(sb, "tickets", "list", "assignee:me", "--limit", "3", "--json", "assignedTo", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"assignedTo": sb.agent_id}] * 3


def test_usage_errors_exit_2(served_sandbox: Sandbox) -> None:
    for argv in (["ticket", "update", "--status", "open"],  # neither an ID nor --where
                 ["tickets", "list", "--limit", "0"],
                 ["ticket", "update", "tkt_abcdefabcdef", "--assign", "somebody"],
                 ["ticket", "show", "not-an-id"],
                 ["ticket", "update", "tkt_abcdefabcdef", "--title", "   "],
                 ["ticket", "update", "tkt_abcdefabcdef", "--meta", "k=" + "v" * 501],
                 ["ticket", "update", "tkt_abcdefabcdef", "--title", "t" * 5000],
                 ["completion", "tcsh"]):
        done = cli(served_sandbox, *argv)
        assert done.returncode == 2, (argv, done)
        assert done.stdout == "" and "Traceback" not in done.stderr


def test_an_error_quoting_hostile_input_reaches_the_terminal_cleaned(served_sandbox: Sandbox) -> None:
    done = cli(served_sandbox, "tickets", "list", "status:\x1b]0;pwned\x07")
    assert done.returncode == 2
    assert_clean(done.stderr)


def test_a_usage_error_with_json_is_a_json_error(served_sandbox: Sandbox) -> None:
    done = cli(served_sandbox, "tickets", "list", "--json", "--limit", "zero")
    assert done.returncode == 2 and done.stdout == ""
    error = json.loads(done.stderr)
    assert error["exitStatus"] == 2 and error["error"]["kind"] == "usage"
    assert "--limit" in error["error"]["message"]


def test_a_reader_that_stops_early_is_not_an_error(served_sandbox: Sandbox) -> None:
    """300 tickets of NDJSON are more than a pipe holds: the writer meets the closed pipe."""
    import subprocess
    import sys

    from tests.cli_support import ROOT

    done = subprocess.run(f"{sys.executable} -m app.cli tickets list --all --json | head -n 1", shell=True,
                          capture_output=True, text=True, env=env_for(served_sandbox), cwd=ROOT, timeout=120)
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr == ""
