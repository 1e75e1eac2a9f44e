"""Hostile pastes in a real terminal: tmux pastes the bytes bracketed (`paste-buffer -p`), as a terminal
does when an agent pastes, into the app running on the sandbox with its own data directories.

Without the paste guard (app.paste_guard) Textual's parser turned the text after a pasted ESC into keys:
`see log: ␛` + ctrl+t + ctrl+s made an internal note public and sent it, and `note ␛Ody` pressed `d`, `y`
and deleted the ticket. tmux, like xterm, does not escape an end marker inside the text it pastes.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pytest

from api.sandbox import create_sandbox
from tests.terminal import Tmux, needs_tmux
from tests.test_composer_terminal import ROOT, RUNNER

pytestmark = needs_tmux  # the `tmux` fixture (tests/conftest.py): a tmux server of its own, killed afterwards

NOTE = "Internal note — not visible to the customer"


def _start(tmux: Tmux, tmp_path: Path) -> tuple[Path, str]:
    """The app on a fresh sandbox, showing the first ticket's detail; the database and that ticket's ID."""
    db, drafts = tmp_path / "sandbox.sqlite3", tmp_path / "drafts"
    create_sandbox(db, rate_limit=0).close()
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    homes = " ".join(f"XDG_{kind}_HOME={tmp_path / kind.lower()}" for kind in ("DATA", "CONFIG", "STATE", "CACHE"))
    tmux.start(f"cd {ROOT} && exec env {homes} TERM=xterm-256color {sys.executable} {runner} {db} {drafts}")
    tmux.wait_for(lambda s: " of " in s, "the list")
    tmux.keys("Enter")
    screen = tmux.wait_for(lambda s: "SLA response" in s, "the detail view")
    match = re.search(r"\btkt_\w+", screen)
    assert match is not None, screen
    return db, match.group(0)


def _paste(tmux: Tmux, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "clipboard"
    path.write_bytes(data)
    tmux.run("load-buffer", "-b", "clip", str(path))
    tmux.run("paste-buffer", "-p", "-d", "-b", "clip", "-t", "app")  # -p: bracketed, as the app asked


def _query(db: Path, sql: str, *args: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(sql, args).fetchone()[0]


def _messages(db: Path, ticket_id: str) -> int:
    return _query(db, "SELECT count(*) FROM messages WHERE ticket_id = ?", ticket_id)


def test_a_pasted_esc_ctrl_t_ctrl_s_stays_text_in_an_internal_note(tmux: Tmux, tmp_path: Path) -> None:
    db, ticket_id = _start(tmux, tmp_path)
    before = _messages(db, ticket_id)
    tmux.keys("i")
    tmux.wait_for(lambda s: NOTE in s, "the internal note composer")

    _paste(tmux, tmp_path, b"see log: \x1b\x14\x13")
    # (Without the guard, ctrl+t flipped the note to public and ctrl+s sent it: the composer went away.)
    screen = tmux.wait_for(lambda s: "␛␔␓" in s or NOTE not in s, "the pasted text, or the composer gone")
    assert "see log: ␛␔␓" in screen and NOTE in screen, screen

    # A fake end marker inside the pasted text does not end the paste: ctrl+s after it is text too.
    _paste(tmux, tmp_path, b" then\x1b[201~\x13 and \x1b[201~\x14more")
    screen = tmux.wait_for(lambda s: "more" in s or NOTE not in s, "the second paste, or the composer gone")
    assert "see log: ␛␔␓ then␛[201~␓ and ␛[201~␔more" in screen and NOTE in screen, screen
    assert "PUBLIC" not in screen

    tmux.keys("Escape")  # leave, keeping the draft: back to the ticket, which got no message
    tmux.wait_for(lambda s: "SLA response" in s and ticket_id in s, "the detail view again")
    assert _messages(db, ticket_id) == before


def test_a_pasted_esc_o_d_y_does_not_delete_the_ticket(tmux: Tmux, tmp_path: Path) -> None:
    db, ticket_id = _start(tmux, tmp_path)
    for attack in (b"note \x1bOdy", b"x\x1b[201~dy"):
        _paste(tmux, tmp_path, attack)
    # Keys typed after the pastes reach the app after them: once help is up, the pastes were handled.
    tmux.keys("?")
    screen = tmux.wait_for(lambda s: re.search(r"key +action +id", s) is not None or "Deleted" in s,
                           "the help screen")
    assert "cannot be undone" not in screen and "Deleted" not in screen, screen  # no confirmation, no delete
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "SLA response" in s and ticket_id in s, "the same ticket's detail view")
    assert _query(db, "SELECT count(*) FROM tickets WHERE id = ?", ticket_id) == 1


@pytest.mark.parametrize("data", [b"bad \xff\xfe caf\xe9"])
def test_undecodable_pasted_bytes_do_not_take_the_app_down(tmux: Tmux, tmp_path: Path, data: bytes) -> None:
    _start(tmux, tmp_path)
    tmux.keys("i")
    tmux.wait_for(lambda s: NOTE in s, "the internal note composer")
    _paste(tmux, tmp_path, data)
    screen = tmux.wait_for(lambda s: "caf" in s or NOTE not in s, "the pasted text, or the app gone")
    assert "bad �� caf�" in screen and NOTE in screen, screen


def test_a_paste_into_the_command_palette_does_not_retitle_the_terminal(tmux: Tmux, tmp_path: Path) -> None:
    _start(tmux, tmp_path)
    title = tmux.run("display-message", "-p", "-t", "app", "#{pane_title}").strip()
    tmux.keys("C-p")
    tmux.wait_for(lambda s: "Search for commands" in s, "the command palette")
    _paste(tmux, tmp_path, b"x\x1b]0;PWNED\x07y")
    tmux.wait_for(lambda s: "x␛]0;PWNED␇y" in s or "Search for commands" not in s, "the pasted text")
    assert tmux.run("display-message", "-p", "-t", "app", "#{pane_title}").strip() == title
    assert "\x1b]" not in tmux.run("capture-pane", "-p", "-e", "-t", "app")
