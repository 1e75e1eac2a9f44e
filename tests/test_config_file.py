"""The config file: where it is, what a valid one holds, and how each kind of mistake is reported."""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path

import pytest

from app.config import ConfigError, config_path, load_config, load_or_empty
from app.config_cli import render
from app.config_keys import write_private

KEY = "sk_live_0123456789abcdefghijA1b2"

FULL = f"""
default_profile = "work"
theme = "nord"

[profiles.work]
base_url = "https://www.cstar.help"
team_id = "team_acme"
agent_id = "agt_me"
agent_name = "Dana Agent"
api_key_cmd = "pass show cstar/live"

[profiles.staging]
base_url = "http://127.0.0.1:8765"
team_id = "team_acme"
api_key = "{KEY}"

[profiles.demo]
sandbox = true
agent_name = "Demo Dana"

[[views]]
name = "My open"
query = "assignee:me status:open"

[[views]]
name = "Urgent"
query = "prio:urgent"

[[macros]]
name = "Resolved — thanks"
body = "Hi {{customer_name}}, this is fixed. {{agent_name}}"
status = "resolved"
add_tags = ["solved"]
assign_to_me = true

[keymap]
"list.filter" = "f"
"detail.reply" = "R"
"""


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    path.chmod(mode)
    return path


def problems(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message, "every report names the file"
    return path, message


def test_the_path_is_in_the_user_config_dir_unless_cstar_config_says_otherwise(tmp_path: Path) -> None:
    default = config_path({})
    assert default.name == "config.toml" and default.parent.name == "cstar-tui"
    assert config_path({"CSTAR_CONFIG": str(tmp_path / "x.toml")}) == tmp_path / "x.toml"


def test_a_missing_file_is_an_empty_configuration(tmp_path: Path) -> None:
    loaded = load_config(tmp_path / "nope.toml")
    assert not loaded.exists and loaded.file.profiles == {} and loaded.warnings == []


def test_a_full_example_loads(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, FULL))
    config = loaded.file
    assert config.default_profile == "work" and config.theme == "nord"
    assert set(config.profiles) == {"work", "staging", "demo"}
    assert config.profiles["demo"].is_sandbox("demo") and not config.profiles["work"].is_sandbox("work")
    assert [v.name for v in config.views] == ["My open", "Urgent"]
    assert config.macros[0].status == "resolved" and config.macros[0].add_tags == ["solved"]
    assert config.keymap == {"list.filter": "f", "detail.reply": "R"}
    assert loaded.warnings == []  # 0600: no warning
    assert KEY not in repr(config)


def test_bad_toml_syntax_is_reported_with_its_line(tmp_path: Path) -> None:
    _, message = problems(tmp_path, '[profiles.work]\nbase_url = "https://x"\nteam_id = team_acme\n')
    assert "not valid TOML" in message and "line 3" in message


def test_an_unknown_field_is_named_with_a_suggestion(tmp_path: Path) -> None:
    _, message = problems(tmp_path, '[profiles.work]\nbase_ur = "https://x"\n')
    assert "profiles.work.base_ur: unknown field (did you mean 'base_url'?)" in message


def test_a_wrong_type_names_the_field(tmp_path: Path) -> None:
    _, message = problems(tmp_path, '[profiles.work]\nbase_url = "https://x"\nsandbox = "perhaps"\n'
                                    '[[macros]]\nname = "x"\nbody = "y"\nadd_tags = "solved"\n')
    assert "profiles.work.sandbox: Input should be a valid boolean" in message
    assert "macros[1] 'x'.add_tags: Input should be a valid list" in message


def test_an_unknown_default_profile_is_reported(tmp_path: Path) -> None:
    _, message = problems(tmp_path, 'default_profile = "wrok"\n[profiles.work]\nbase_url = "https://x"\n')
    assert "default_profile: no profile named 'wrok' (did you mean 'work'?)" in message


def test_a_bad_view_query_is_reported_with_the_view_name(tmp_path: Path) -> None:
    _, message = problems(tmp_path, '[[views]]\nname = "Mine"\nquery = "assignee:me"\n'
                                    '[[views]]\nname = "Broken"\nquery = "status:opne"\n')
    assert "views[2] 'Broken'.query: not a valid filter query: unknown status 'opne'" in message
    assert "Mine" not in message


@pytest.mark.parametrize(("text", "needle"), [
    ('theme = "nrod"\n', "theme: unknown theme 'nrod' (did you mean 'nord'?)"),
    ('[profiles.w]\nbase_url = "ftp://x"\n', "profiles.w.base_url: uses ftp://, but only http:// and https://"),
    (f'[profiles.w]\napi_key = "{KEY}"\napi_key_env = "K"\n', "give only one of api_key, api_key_env and "
                                                           "api_key_cmd"),
    ('[profiles.w]\napi_key_cmd = "pass \'unclosed"\n', "profiles.w.api_key_cmd: cannot be split"),
    ('[[macros]]\nname = "x"\nbody = "y"\nstatus = "done"\n', "macros[1] 'x'.status: should be 'new'"),
    ('[keymap]\n"list.filter" = ""\n', "keymap: 'list.filter' needs a key"),
    ('[profile.work]\nbase_url = "https://x"\n', "profile: unknown field (did you mean 'profiles'?)"),
])
def test_other_mistakes_name_their_field(tmp_path: Path, text: str, needle: str) -> None:
    _, message = problems(tmp_path, text)
    assert needle in message


def test_reports_never_hold_a_key(tmp_path: Path) -> None:
    # A key where a boolean belongs, and a key in an unknown field: neither value is echoed back.
    _, message = problems(tmp_path, f'[profiles.w]\nsandbox = "{KEY}"\napi_kye = "{KEY}"\n')
    assert KEY not in message and "api_kye" in message


def test_several_problems_are_reported_at_once(tmp_path: Path) -> None:
    _, message = problems(tmp_path, 'theme = "nope"\n[profiles.w]\nbase_ur = "x"\n[[views]]\nname = "V"\n'
                                    'query = "prio:extreme"\n')
    assert "theme:" in message and "profiles.w.base_ur" in message and "views[1] 'V'.query" in message


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_key_in_a_file_others_can_read_is_warned_about(tmp_path: Path) -> None:
    path = write(tmp_path, f'[profiles.w]\nbase_url = "https://x"\napi_key = "{KEY}"\n', mode=0o644)
    loaded = load_config(path)
    assert len(loaded.warnings) == 1
    assert "others can read it (mode 0644)" in loaded.warnings[0] and "chmod 600" in loaded.warnings[0]
    assert KEY not in loaded.warnings[0]
    path.chmod(0o600)
    assert load_config(path).warnings == []
    # No key in the file: its mode is nobody's business.
    path.write_text('[profiles.w]\nbase_url = "https://x"\napi_key_env = "K"\n')
    path.chmod(0o644)
    assert load_config(path).warnings == []


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_private_files_are_written_0600_even_over_a_readable_one(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    write_private(path, "x = 1\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    write_private(path, "x = 2\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == "x = 2\n"
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left behind


def test_load_or_empty_survives_a_broken_file(tmp_path: Path) -> None:
    loaded = load_or_empty(write(tmp_path, "[[[\n"))
    assert loaded.file.profiles == {}


def test_show_renders_toml_with_the_key_masked(tmp_path: Path) -> None:
    text = render(load_config(write(tmp_path, FULL)).file)
    assert KEY not in text
    assert 'api_key = "sk_live_…A1b2"' in text
    assert "# key: printed by the command: pass show cstar/live" in text
    assert '"list.filter" = "f"' in text and 'query = "assignee:me status:open"' in text
