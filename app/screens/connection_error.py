"""Shown when the service can't be used at all: wrong key, wrong team, host unreachable."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from api.errors import ApiError, AuthenticationError, ConnectionFailedError, PermissionDeniedError
from app.settings import Settings
from widgets.safe_text import clean


def diagnosis(error: ApiError, settings: Settings) -> tuple[str, str]:
    """A title and a hint an agent can act on, naming what to check."""
    if isinstance(error, AuthenticationError):
        return ("The API key was refused",
                f"The key {settings.masked_key} is missing, mistyped or revoked. Check CSTAR_API_KEY or --api-key.")
    if isinstance(error, PermissionDeniedError):
        return ("This key cannot open that team",
                f"Team '{settings.team_id}' does not belong to the key {settings.masked_key}. "
                "Check CSTAR_TEAM_ID or --team.")
    if isinstance(error, ConnectionFailedError):
        return ("The service cannot be reached",
                f"Nothing answered at {settings.base_url}. Check the URL, your network or VPN.")
    return ("The service answered with an error", "Try again; if it persists, send the request ID to support.")


class ConnectionErrorScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConnectionErrorScreen { align: center middle; }
    ConnectionErrorScreen > Vertical { width: 76; height: auto; border: heavy $error; background: $surface;
                                       padding: 1 2; }
    ConnectionErrorScreen .title { text-style: bold; color: $error; }
    ConnectionErrorScreen .keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r,enter", "retry", "Retry", id="connect.retry"),
        Binding("q,escape", "quit_app", "Quit", id="connect.quit"),
    ]

    def __init__(self, error: ApiError, settings: Settings) -> None:
        super().__init__()
        self.error = error
        self.settings = settings

    def compose(self) -> ComposeResult:
        title, hint = diagnosis(self.error, self.settings)
        with Vertical():
            yield Static(Text(title), classes="title")
            yield Static(Text(clean(hint)))
            yield Static(Text(clean(str(self.error)), style="dim"))
            yield Static(Text("r retry    q quit"), classes="keys")

    def action_retry(self) -> None:
        self.dismiss(True)

    def action_quit_app(self) -> None:
        self.dismiss(False)
