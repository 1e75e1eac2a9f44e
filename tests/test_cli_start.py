"""What the command line checks at start (issue 11): API keys (trimmed, then validated wherever they come
from), `--api-key` on the command line, base URLs, and a config file named by CSTAR_CONFIG that isn't
there. Each problem is one clear line on stderr and exit status 2, never a traceback.

The command line runs as a real subprocess (`python -m app.cli`); keys that work are tried against the
sandbox served on loopback.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from api.client import HelpdeskClient
from api.credentials import CredentialError, check_api_key, check_base_url
from api.sandbox import Sandbox
from app import run
from app import settings as settings_mod
from app.config import load_config

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk_live_0123456789abcdefghijA1b2"
EXAMPLE = "write it like https://www.cstar.help or http://127.0.0.1:8765"


def cli(*args: str, env: dict[str, str] | None = None, stdin: str = "",
        config: Path | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("CSTAR_") or k == "CSTAR_CONFIG"}
    full.update(env or {})
    if config is not None:
        full["CSTAR_CONFIG"] = str(config)
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=60,
                          env=full, input=stdin, cwd=ROOT)


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    """The run ended at start with exit status 2 and one line on stderr (a warning line aside)."""
    lines = [line for line in done.stderr.splitlines() if line.strip() and "warning:" not in line
             and not line.endswith(": ")]  # `config init` asks its questions on stderr too
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1 and lines[0].startswith("cstar-tui: "), done.stderr
    return lines[0]


# --- 3. keys: trimmed, then checked, wherever they come from ---------------------------------------------

WHITESPACE = ["\u00a0", "\n", "\r\n", " \t", "\u2003\u00a0"]


@pytest.mark.parametrize("around", WHITESPACE, ids=["nbsp", "newline", "crlf", "space-tab", "emspace-nbsp"])
@pytest.mark.parametrize("source", ["flag", "env", "profile", "api_key_env", "api_key_cmd"])
async def test_a_key_with_whitespace_around_it_is_trimmed_and_works(
        source: str, around: str, served_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = served_sandbox
    padded = f"{around}{sb.keys.secret}{around}"
    config = tmp_path / "config.toml"
    profile = {"profile": f"api_key = {_toml(padded)}", "api_key_env": 'api_key_env = "MY_KEY"',
               "api_key_cmd": f"api_key_cmd = {_toml(shlex.join([sys.executable, '-c', _printer(padded)]))}"}
    config.write_text(f'[profiles.w]\nbase_url = "{sb.base_url}"\nteam_id = "{sb.team_id}"\n'
                      f'{profile.get(source, "")}\n')
    argv = ["--profile", "w"] + (["--api-key", padded] if source == "flag" else [])
    env = {"CSTAR_CONFIG": str(config)}
    env.update({"CSTAR_API_KEY": padded} if source == "env" else {"MY_KEY": padded} if source == "api_key_env" else {})
    args = run.build_parser().parse_args(argv)
    loaded = run.load(args, env)
    assert loaded is not None
    settings = settings_mod.resolve(args, env, loaded.file)
    assert settings is not None and settings.api_key == sb.keys.secret
    async with HelpdeskClient(settings.base_url, settings.team_id, settings.api_key) as client:
        assert (await client.list_tickets()).items


def _toml(text: str) -> str:
    from app.config_cli import toml_value

    return toml_value(text)


def _printer(text: str) -> str:
    return f"import sys; sys.stdout.write({text!r})"


def test_config_init_trims_the_key_it_is_given(tmp_path: Path, served_sandbox: Sandbox) -> None:
    sb = served_sandbox
    config = tmp_path / "new" / "config.toml"
    done = cli("config", "init", "--base-url", sb.base_url, "--team", sb.team_id, config=config,
               stdin=f"\u00a0{sb.keys.secret}\u00a0\n\n\n")
    assert done.returncode == 0, done.stderr
    written = load_config(config).file.profiles["default"].api_key
    assert written is not None and written.get_secret_value() == sb.keys.secret


BAD_KEYS = {
    "inner space": ("sk_live_0123 456789abcdefA1b2", "has a space at character 13 of sk_live_…A1b2"),
    "inner nbsp": ("sk_live_0123\u00a0456789abcdefA1b2", "has a space character (U+00A0) at character 13"),
    "control": ("sk_live_0123456789\x1b[2Jabcdef", "has a control character (U+001B) at character 19"),
    "not ascii": ("sk_live_0123456789ßabcdefA1b2", "has a character that is not plain ASCII (U+00DF)"),
    "too short": ("sk_x", "is too short to be a key (4 characters; keys have at least 8)"),
    "too long": ("sk_live_" + "a1" * 300, "is too long to be a key (608 characters; at most 512)"),
}


@pytest.mark.parametrize("case", list(BAD_KEYS))
def test_check_api_key_says_what_is_wrong_without_the_key(case: str) -> None:
    key, message = BAD_KEYS[case]
    with pytest.raises(CredentialError) as bad:
        check_api_key(key)
    assert message in str(bad.value)
    assert "0123456789" not in str(bad.value) and "a1a1a1a1" not in str(bad.value) and "\x1b" not in str(bad.value)


def _config_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2 and "Traceback" not in done.stderr, done
    return " ".join(done.stderr.split("\n"))


# Each place a key comes in, with one of the bad keys (every one of them is used once).
KEY_SOURCES = {"flag": "inner space", "env": "control", "profile": "not ascii", "api_key_env": "inner nbsp",
               "api_key_cmd": "too long", "init": "too short"}


@pytest.mark.parametrize("source", list(KEY_SOURCES))
def test_a_bad_key_is_one_line_naming_its_source_and_the_problem(source: str, tmp_path: Path) -> None:
    key, message = BAD_KEYS[KEY_SOURCES[source]]
    config = tmp_path / "config.toml"
    lines = {"profile": f"api_key = {_toml(key)}", "api_key_env": 'api_key_env = "MY_KEY"',
             "api_key_cmd": f"api_key_cmd = {_toml(shlex.join([sys.executable, '-c', _printer(key)]))}"}
    config.write_text('[profiles.w]\nbase_url = "http://127.0.0.1:9"\nteam_id = "team_acme"\n'
                      f'{lines.get(source, "")}\n')
    config.chmod(0o600)
    where = {"flag": "The API key from --api-key", "env": "The API key from CSTAR_API_KEY",
             "profile": "profiles.w.api_key: the key", "api_key_env": "the key in the environment variable MY_KEY",
             "api_key_cmd": f"profiles.w.api_key_cmd: the key printed by {sys.executable!r}",
             "init": "The API key given"}[source]
    if source == "init":
        done = cli("config", "init", "--profile", "new", "--base-url", "http://127.0.0.1:9", "--team", "t",
                   config=config, stdin=f"{key}\n\n\n")
    else:
        done = cli("--profile", "w", *(["--api-key", key] if source == "flag" else []), config=config,
                   env={"CSTAR_API_KEY": key} if source == "env" else {"MY_KEY": key})
    line = _config_error(done) if source == "profile" else one_line_error(done)
    assert f"{where} {message}" in line, done.stderr
    assert key.strip() not in done.stderr and "0123456789" not in done.stderr and "a1a1a1a1" not in done.stderr
    assert "\x1b" not in done.stderr


async def test_the_client_refuses_a_key_or_base_url_it_could_not_use() -> None:
    from api.errors import ClientValidationError

    with pytest.raises(ClientValidationError, match=r"has a space character \(U\+00A0\) at character 13"):
        HelpdeskClient("http://127.0.0.1:9", "team_acme", "sk_live_0123\u00a0456789abcdefA1b2")
    async with HelpdeskClient("http://127.0.0.1:9", "team_acme", f"{KEY}\n") as client:  # trimmed, as everywhere
        assert "Bearer " + KEY == client._http.headers["Authorization"]
    for url, problem in BAD_URLS.items():  # used as a library, the client says the same as the command line
        with pytest.raises(ClientValidationError, match=re.escape(f"the base URL {problem}")):
            HelpdeskClient(url, "team_acme", KEY)


def test_check_api_key_trims_and_keeps_a_good_key() -> None:
    assert check_api_key(f"\u00a0 {KEY}\r\n") == KEY
    with pytest.raises(CredentialError, match="is only whitespace"):
        check_api_key(" \u00a0\n")


# --- 4. --api-key on the command line -----------------------------------------------------------------


def test_a_key_given_as_a_flag_is_warned_about_on_stderr_masked() -> None:
    done = cli("--api-key", KEY, "--base-url", "http://127.0.0.1:9")  # no team: stops right after the check
    warnings = [line for line in done.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 1, done.stderr
    assert "--api-key" in warnings[0] and "sk_live_…A1b2" in warnings[0] and "CSTAR_API_KEY" in warnings[0]
    assert KEY not in done.stderr
    assert done.stderr.splitlines()[0] == warnings[0], "the warning comes first, at start"
    quiet = cli("--base-url", "http://127.0.0.1:9", env={"CSTAR_API_KEY": KEY})
    assert "warning:" not in quiet.stderr


# --- 5. base URLs ------------------------------------------------------------------------------------

BAD_URLS = {
    "ftp://x": "uses ftp://, but only http:// and https:// are supported",
    "not-a-url": "must start with http:// or https://",
    "http://": "has no host name after http://",
    "http://[::1": "is not a valid URL (Invalid IPv6 URL)",
    "http://x:99999": "is not a valid URL (Port out of range 0-65535)",
}


@pytest.mark.parametrize("url", list(BAD_URLS))
def test_a_bad_base_url_from_flag_env_or_profile_is_one_sentence(url: str) -> None:
    from app.config import ConfigError, parse_config

    for argv, env, where in ((["--base-url", url], {}, "--base-url"), ([], {"CSTAR_BASE_URL": url}, "CSTAR_BASE_URL")):
        with pytest.raises(settings_mod.SettingsError) as bad:
            settings_mod.resolve(run.build_parser().parse_args(argv), {**env, "CSTAR_API_KEY": KEY})
        assert str(bad.value) == f"The base URL from {where} ({url}) {BAD_URLS[url]}: {EXAMPLE}."
    with pytest.raises(ConfigError) as broken:
        parse_config(f'[profiles.w]\nbase_url = {_toml(url)}\n', Path("config.toml"))
    assert [str(problem) for problem in broken.value.problems] == [f"profiles.w.base_url: {BAD_URLS[url]}: {EXAMPLE}"]


def test_a_password_in_a_base_url_is_not_quoted_back() -> None:
    with pytest.raises(settings_mod.SettingsError) as bad:
        settings_mod.resolve(run.build_parser().parse_args(["--base-url", "https://dana:hunter2@x.example"]), {})
    assert "(https://…@x.example) holds a user name or password" in str(bad.value)
    assert "hunter2" not in str(bad.value) and "dana" not in str(bad.value)


# Each place a base URL comes in, with one of the bad URLs.
URL_SOURCES = {"flag": "ftp://x", "env": "http://", "profile": "http://[::1", "init-flag": "not-a-url",
               "init-answer": "http://x:99999"}


@pytest.mark.parametrize("source", list(URL_SOURCES))
def test_a_bad_base_url_is_one_line_and_exit_2(source: str, tmp_path: Path) -> None:
    url = URL_SOURCES[source]
    config = tmp_path / "config.toml"
    env = {"CSTAR_API_KEY": KEY, "CSTAR_TEAM_ID": "team_acme"}
    if source == "flag":
        done = cli("--base-url", url, env=env)
    elif source == "env":
        done = cli(env={**env, "CSTAR_BASE_URL": url})
    elif source == "profile":
        config.write_text(f'default_profile = "w"\n[profiles.w]\nbase_url = {_toml(url)}\nteam_id = "t"\n')
        done = cli(env={"CSTAR_API_KEY": KEY}, config=config)
    elif source == "init-flag":
        done = cli("config", "init", "--base-url", url, config=config)
    else:
        done = cli("config", "init", config=config, stdin=f"{url}\nteam_acme\n{KEY}\n\n\n")
    line = _config_error(done) if source == "profile" else one_line_error(done)
    assert BAD_URLS[url] in line, done.stderr
    where = {"flag": "from --base-url", "env": "from CSTAR_BASE_URL", "profile": "profiles.w.base_url",
             "init-flag": "from --base-url", "init-answer": "given"}[source]
    assert where in line, done.stderr
    if source == "init-flag":
        assert len(done.stderr.splitlines()) == 1, "no question was asked"
    assert not config.exists() or source == "profile"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765", "https://www.cstar.help/", "http://[::1]:8765",
                                 "https://helpdesk.example/api/"])
def test_good_base_urls_pass(url: str) -> None:
    assert check_base_url(f" {url}\n") == url.rstrip("/")


# --- 6. a config file named by CSTAR_CONFIG that does not exist ---------------------------------------


def test_a_missing_config_named_by_cstar_config_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent.toml"
    line = one_line_error(cli(config=missing))
    assert str(missing) in line and "does not exist" in line and "CSTAR_CONFIG" in line


def test_demo_goes_on_with_a_warning_when_cstar_config_names_no_file(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent.toml"
    env = {"CSTAR_CONFIG": str(missing)}
    loaded = run.load(run.build_parser().parse_args(["--demo"]), env)
    assert loaded is not None and loaded.file.profiles == {}
    assert len(loaded.warnings) == 1 and str(missing) in loaded.warnings[0] and "--demo" in loaded.warnings[0]
    assert run.load(run.build_parser().parse_args([]), env) is None


def test_config_init_creates_the_file_cstar_config_names(tmp_path: Path, served_sandbox: Sandbox) -> None:
    sb = served_sandbox
    new = tmp_path / "fresh" / "config.toml"
    done = cli("config", "init", "--base-url", sb.base_url, "--team", sb.team_id, config=new,
               stdin=f"{sb.keys.secret}\n\n\n")
    assert done.returncode == 0, done.stderr
    assert new.exists() and stat.S_IMODE(new.stat().st_mode) == 0o600
