"""The config inside the running app: key overrides, the theme (remembered), profile switching, macro search.

The theme chosen from the palette is remembered in a small state file in the user state dir, never
written into the hand-written config. The config's `theme` still wins once it is edited: the state
remembers which config theme it was chosen over, and a different one there means the user changed it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider, SimpleProvider
from textual.content import Content
from textual.widgets import Input

from api.clean_text import one_line
from app.config import APP_NAME, LoadedConfig
from app.masking import for_terminal

if TYPE_CHECKING:
    from app.canned import Canned
    from app.tui import CStarApp

__all__ = ["ProfileCommands", "apply_config", "default_state_path", "open_macro_search"]


def default_state_path() -> Path:
    from platformdirs import user_state_path

    return user_state_path(APP_NAME, appauthor=False) / "state.json"


def _read_state(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a lost preference is no reason to refuse to start
    return data if isinstance(data, dict) else {}


def _write_state(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    temp.replace(path)


def apply_config(app: CStarApp, problems: Iterable[str] = ()) -> None:
    """Called on mount: keys, theme, and the warnings worked out at start."""
    loaded = app.config
    if loaded is None:
        return
    if loaded.file.keymap:
        app.set_keymap(dict(loaded.file.keymap))
    state = _read_state(loaded.state_path)
    configured = loaded.file.theme
    remembered = state.get("theme")
    if isinstance(remembered, str) and remembered in app.available_themes and state.get("config_theme") == configured:
        app.theme = remembered
    elif configured:
        app.theme = configured
    if loaded.state_path is not None:
        app.theme_changed_signal.subscribe(app, partial(_remember_theme, app, loaded.state_path, configured))
    for problem in problems:
        # Names and values quoted from the file may hold anything: cleaned like text from the service.
        app.notify(for_terminal(problem), title="Configuration", severity="warning", markup=False, timeout=10)


def _remember_theme(app: CStarApp, path: Path, configured: str | None, theme: Any) -> None:
    name = getattr(theme, "name", None)
    state = _read_state(path)
    if not name or (state.get("theme") == name and state.get("config_theme") == configured):
        return
    try:
        _write_state(path, {**state, "theme": name, "config_theme": configured})
    except OSError as exc:
        app.notify(f"The theme could not be remembered: {exc}", severity="warning", markup=False)


# --- switching profiles -----------------------------------------------------------------------------


async def switch_profile(app: CStarApp, name: str) -> None:
    from app.settings import SettingsError, settings_for_profile

    loaded = app.config
    profile = loaded.file.profile(name) if loaded is not None else None
    if profile is None:
        app.notify(one_line(f"There is no profile named {name!r}."), severity="error", markup=False)
        return
    try:
        if profile.is_sandbox(name):
            settings = settings_for_profile(name, profile)
        else:
            # api_key_cmd may take a while (a password manager): not on the event loop.
            settings = await asyncio.to_thread(settings_for_profile, name, profile)
    except SettingsError as exc:
        app.notify(for_terminal(str(exc)), title=one_line(f"Cannot switch to {name}"), severity="error",
                   markup=False, timeout=10)
        return
    await app.reconnect(settings)
    app.notify(one_line(f"Switched to profile {name}"), markup=False, timeout=3)


class ProfileCommands(Provider):
    """"Switch profile: NAME" for each profile of the config file, and the embedded sandbox."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app: Any = self.app
        loaded: LoadedConfig | None = getattr(app, "config", None)
        if loaded is None:
            return []
        from app.config import SANDBOX_PROFILE

        names = list(loaded.file.profiles)
        if SANDBOX_PROFILE not in names:
            names.append(SANDBOX_PROFILE)
        current = getattr(app.settings, "profile", None)
        commands = []
        for name in names:
            profile = loaded.file.profile(name)
            if profile is None:
                continue
            where = "the embedded sandbox" if profile.is_sandbox(name) else f"{profile.base_url} {profile.team_id}"
            # Names and values from the file are shown cleaned, like any text that isn't the app's own.
            help_text = one_line(f"{where}{' (current)' if name == current else ''}")
            commands.append((f"Switch profile: {one_line(name)}", help_text,
                             partial(app.run_worker, partial(switch_profile, app, name), group="profile-switch")))
        return commands

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(Content(name), callback, text=name, help=Content(help_text))  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, _highlight(matcher, name), callback, text=name,
                          help=Content(help_text))  # type: ignore[arg-type]


def _highlight(matcher: Any, text: str) -> Content:
    # Matcher.highlight parses its argument as markup; names from the config file are plain text.
    content = Content(text)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


# --- macros: ctrl+k in the composer ---------------------------------------------------------------


class _MacroProvider(SimpleProvider):
    """Built beforehand with its macros (CommandPalette calls it with the screen and the match style)."""

    def __init__(self, screen: Any, macros: list[tuple[Canned, Callable[[], Any]]]) -> None:
        super().__init__(screen, [])
        self._macros = macros

    @staticmethod
    def _help(canned: Canned) -> Content:
        preview = " ".join(canned.body.split())[:70]
        then = f"  → then {canned.describe_changes()}" if canned.has_changes else ""
        return Content(preview + then)

    async def discover(self) -> Hits:
        for canned, callback in self._macros:
            yield DiscoveryHit(Content(canned.name), callback, text=canned.name,
                               help=self._help(canned))  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for canned, callback in self._macros:
            score = matcher.match(canned.name)
            if score > 0:
                yield Hit(score, _highlight(matcher, canned.name), callback, text=canned.name,
                          help=self._help(canned))  # type: ignore[arg-type]


def _first_letter(name: str) -> str:
    return next((char.lower() for char in name if char.isalnum()), "")


class _MacroPalette(CommandPalette):
    """Fuzzy search over the canned responses; like every picker here, a first letter that only one
    name starts with picks that one at once (type on to search when several share it)."""

    def __init__(self, screen: Any, macros: list[tuple[Canned, Callable[[], Any]]]) -> None:
        super().__init__(providers=[_MacroProvider(screen, macros)],  # type: ignore[list-item]
                         placeholder="Search canned responses… (a unique first letter picks at once)")
        self._macros = macros
        self._first_key = True

    @on(Input.Changed)
    def _pick_by_first_letter(self, event: Input.Changed) -> None:
        if not self._first_key or not event.value:
            return
        self._first_key = False
        letter = event.value.lower()
        matches = [callback for canned, callback in self._macros if _first_letter(canned.name) == letter]
        if len(letter) == 1 and len(matches) == 1:
            self._cancel_gather_commands()
            self.app.post_message(CommandPalette.Closed(option_selected=True))
            self.dismiss()
            self.app.call_later(matches[0])


def open_macro_search(app: Any, macros: Iterable[Canned], chosen: Callable[[Canned], None]) -> None:
    """A fuzzy-search palette of canned responses; `chosen` gets the one picked."""
    app.push_screen(_MacroPalette(app.screen, [(canned, partial(chosen, canned)) for canned in macros]))
