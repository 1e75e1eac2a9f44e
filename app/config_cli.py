"""`cstar-tui config path|show|init`: where the config file is, what it says (keys masked), a first-run setup.

`init` asks for the base URL, team, key (not echoed) and agent, checks them with one real request
(`list_tickets` with pageSize=1) and only then writes the profile, into a file only its owner can read.
Every question can be answered by a flag instead, and when stdin is not a terminal the answers are read
from it line by line, so `init` runs in scripts and tests as well as by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from pydantic import ValidationError

from api.errors import mask_secret, remember_secret
from app.config import ConfigError, ConfigFile, Profile, config_path, load_config, parse_config
from app.config_keys import KeySourceError, profile_key, write_private
from app.masking import MaskingArgumentParser, for_terminal, say
from app.settings import SettingsError, checked_api_key, checked_base_url

__all__ = ["main", "render", "toml_key", "toml_value"]

DEFAULT_BASE_URL = "https://www.cstar.help"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_INVISIBLE = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    # A JSON string is a TOML basic string, except that TOML wants DEL escaped too. C1 controls and
    # bidi/format characters are escaped as well: the same value, and nothing that acts on a terminal.
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(str(value), ensure_ascii=False))


def toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else toml_value(key)


def _profile_lines(name: str, profile: Profile, *, mask: bool) -> list[str]:
    lines = [f"[profiles.{toml_key(name)}]"]
    for field, value in profile.model_dump(exclude_defaults=True).items():
        if field == "api_key" and profile.api_key is not None:
            secret = profile.api_key.get_secret_value()
            value = mask_secret(secret) if mask else secret
        lines.append(f"{field} = {toml_value(value)}")
    return lines


def render(config: ConfigFile) -> str:
    """The configuration as TOML, keys masked: what `config show` prints."""
    out: list[str] = []
    for field in ("default_profile", "theme"):
        if getattr(config, field) is not None:
            out.append(f"{field} = {toml_value(getattr(config, field))}")
    if not config.builtin_macros:
        out.append("builtin_macros = false")
    for name, profile in config.profiles.items():
        note = "# the embedded sandbox: no key needed" if profile.is_sandbox(name) else f"# key: {profile.key_source}"
        out += ["", *_profile_lines(name, profile, mask=True), note]
    for view in config.views:
        out += ["", "[[views]]", f"name = {toml_value(view.name)}", f"query = {toml_value(view.query)}"]
    for macro in config.macros:
        out += ["", "[[macros]]"]
        out += [f"{field} = {toml_value(value)}" for field, value in macro.model_dump(exclude_defaults=True).items()]
    if config.keymap:
        out += ["", "[keymap]"] + [f"{toml_key(k)} = {toml_value(v)}" for k, v in config.keymap.items()]
    return for_terminal("\n".join(out).strip() + "\n")


# --- the commands ---------------------------------------------------------------------------------


def _path_command(args: argparse.Namespace) -> int:
    path = config_path()
    print(for_terminal(str(path)))
    if not path.exists():
        print("(it does not exist yet: `cstar-tui config init` writes it)", file=sys.stderr)
    return 0


def _show_command(args: argparse.Namespace) -> int:
    try:
        loaded = load_config()
    except ConfigError as exc:
        say(str(exc))
        return 2
    print(for_terminal(f"# {loaded.path}{'' if loaded.exists else ' (does not exist: the defaults are in use)'}"))
    print(render(loaded.file), end="")
    from app.startup_checks import startup_problems

    for problem in startup_problems(loaded):
        say(f"warning: {problem}")
    return 0


class _Asker:
    """Questions on stderr, answers from the terminal, or from stdin line by line when it is not one."""

    def __init__(self, stdin: TextIO, stderr: TextIO) -> None:
        self.stdin = stdin
        self.stderr = stderr
        self.interactive = stdin.isatty()

    def ask(self, question: str, default: str | None = None, *, secret: bool = False) -> str:
        prompt = f"{question}{f' [{default}]' if default else ''}: "
        if self.interactive and secret:
            answer = getpass.getpass(prompt, stream=self.stderr)
        else:
            self.stderr.write(prompt)
            self.stderr.flush()
            line = self.stdin.readline()
            if not line:
                raise EOFError(question)
            answer = line.rstrip("\r\n")
            if not self.interactive:
                self.stderr.write("\n")
        return answer.strip() or (default or "")


async def _check(profile: Profile, key: str) -> str:
    """One real request with these settings; a sentence for the person on failure (never the key)."""
    from api.client import HelpdeskClient
    from api.errors import ApiError
    from api.filters import TicketFilters

    try:
        async with HelpdeskClient(profile.base_url or "", profile.team_id or "", key, max_retries=1) as client:
            page = await client.list_tickets(TicketFilters(page_size=1))
    except ApiError as exc:
        raise KeySourceError(str(exc)) from None
    return f"{page.pagination.total} tickets in team {profile.team_id}"


def _with_profile(text: str, name: str, block: str, make_default: bool) -> str:
    header = re.compile(rf"^\s*\[\s*profiles\.(?:{re.escape(name)}|\"{re.escape(name)}\")\s*\]\s*(?:#.*)?$")
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is not None:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
        lines[start:end] = block.splitlines() + [""]
    else:
        lines += ([""] if lines and lines[-1].strip() else []) + block.splitlines()
    if make_default:
        lines = [line for line in lines if not re.match(r"^default_profile\s*=", line)]
        lines.insert(0, f"default_profile = {toml_value(name)}")
    return "\n".join(lines).rstrip("\n") + "\n"


def _init_command(args: argparse.Namespace, stdin: TextIO, stderr: TextIO,
                  check: Callable[[Profile, str], Any] = _check) -> int:
    def fail(message: str) -> int:
        say(message, file=stderr)  # it may quote the server: cleaned, as everything printed here
        return 1

    path = config_path()
    try:
        loaded = load_config(path)
    except ConfigError as exc:
        return fail(f"{exc}\nFix the file first: init adds to it and will not overwrite a file it cannot read.")
    asker = _Asker(stdin, stderr)
    name = args.profile
    if name in loaded.file.profiles and not args.force:
        return fail(f"{path} already has a profile named {name!r}: pass --force to replace it, or --profile NAME.")
    try:
        # A base URL or key that can't work is said at once (exit 2), before the next question.
        base_url = args.base_url or asker.ask("Base URL of the cStar API", DEFAULT_BASE_URL)
        base_url = checked_base_url(base_url, "from --base-url" if args.base_url else "given")
        team_id = args.team or asker.ask("Team ID")
        key_fields: dict[str, str] = {}
        if args.api_key_env:
            key_fields["api_key_env"] = args.api_key_env
        elif args.api_key_cmd:
            key_fields["api_key_cmd"] = args.api_key_cmd
        else:
            key = asker.ask("API key (sk_live_… or sk_test_…; not shown)", secret=True)
            key_fields["api_key"] = checked_api_key(key, "given")
        agent_id = args.agent_id or asker.ask("Your agent ID (agt_…; for assignee:me and your replies; optional)")
        agent_name = args.agent_name or asker.ask("Your name on replies (optional)")
    except (EOFError, KeyboardInterrupt):
        return fail("init stopped before every answer was given; nothing was written.")
    except SettingsError as exc:
        say(f"{exc} Nothing was written.", file=stderr)
        return 2
    fields: dict[str, Any] = {"base_url": base_url, "team_id": team_id, **key_fields,
                              "agent_id": agent_id or None, "agent_name": agent_name or None}
    try:
        profile = Profile.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:  # its str() quotes the input, which may be the key: rebuilt from the parts
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'profile'}: {e['msg'].removeprefix('Value error, ')}"
                             for e in exc.errors())
        return fail(f"Not written: {problems}")
    if not profile.team_id:
        return fail("Not written: a team ID is needed.")
    try:
        key = profile_key(name, profile)
        if not key:
            return fail("Not written: an API key is needed.")
        remember_secret(key)
        print(for_terminal(f"Checking {profile.base_url} as team {profile.team_id} with key {mask_secret(key)}…"),
              file=stderr)
        summary = asyncio.run(check(profile, key))
    except KeySourceError as exc:
        return fail(f"Not written: {exc}")
    print(for_terminal(f"OK: {summary}."), file=stderr)
    block = "\n".join(_profile_lines(name, profile, mask=False)) + "\n"
    old_text = path.read_text(encoding="utf-8") if loaded.exists else ""
    make_default = args.default or loaded.file.default_profile is None
    new_text = _with_profile(old_text, name, block, make_default)
    try:
        parse_config(new_text, path)
    except ConfigError as exc:
        return fail(f"Not written: the profile could not be added to the file by itself ({exc}); "
                    "add it by hand.")
    write_private(path, new_text)
    print(for_terminal(f"Wrote profile {name!r} to {path} (mode 0600){' as the default' if make_default else ''}."),
          file=stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = MaskingArgumentParser(prog="cstar-tui config", description="The config file (CSTAR_CONFIG names "
                                   "another one than the default).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{path,show,init}")
    commands.add_parser("path", help="print where the config file is")
    commands.add_parser("show", help="print the configuration, keys masked, and what is wrong with it")
    init = commands.add_parser("init", help="add a profile: asks, checks it with one request, writes it (0600)",
                               description="Add a profile to the config file. Each flag answers one question; "
                               "without a terminal the answers are read from stdin, one per line.")
    init.add_argument("--profile", default="default", metavar="NAME", help="the profile's name (default: default)")
    init.add_argument("--base-url", metavar="URL", help=f"the cStar API (asked; default {DEFAULT_BASE_URL})")
    init.add_argument("--team", metavar="TEAM", help="your team ID")
    source = init.add_mutually_exclusive_group()
    source.add_argument("--api-key-env", metavar="VAR", help="keep the key in this environment variable instead "
                        "of the file")
    source.add_argument("--api-key-cmd", metavar="CMD", help="get the key from this command's output "
                        "(e.g. \"pass show cstar/live\") instead of the file")
    init.add_argument("--agent-id", metavar="AGT", help="your agent ID")
    init.add_argument("--agent-name", metavar="NAME", help="your name on replies")
    init.add_argument("--default", action="store_true", help="make it the default profile (the first one is)")
    init.add_argument("--force", action="store_true", help="replace a profile of the same name")
    return parser


def main(argv: Sequence[str], stdin: TextIO | None = None, stderr: TextIO | None = None) -> int:
    args = build_parser().parse_args(list(argv))
    if args.command == "path":
        return _path_command(args)
    if args.command == "show":
        return _show_command(args)
    return _init_command(args, stdin or sys.stdin, stderr or sys.stderr)
