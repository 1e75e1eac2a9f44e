"""A bracketed paste is text, never keys: raw terminal bytes through the parser the app's driver builds.

The bytes go through the same incremental UTF-8 decoder the Linux driver uses, in one read, split at every
position and one byte per read, with a tick() after every read as the driver does. Time is a clock the
test moves (Textual's escape-key delay and the paste guard's burst gap both read it), never a sleep.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import textual._parser
from textual import events
from textual._xterm_parser import XTermParser
from textual.command import CommandInput
from textual.drivers import linux_driver
from textual.drivers.headless_driver import HeadlessDriver
from textual.drivers.linux_driver import LinuxDriver
from textual.drivers.linux_inline_driver import LinuxInlineDriver
from textual.drivers.web_driver import WebDriver
from textual.message import Message

from api.sandbox import Sandbox
from app.paste_guard import BURST_GAP, PasteGuardParser, install, problems
from tests.helpers import make_app, settle
from tests.hostile_corpus import check_painted

START, END = b"\x1b[200~", b"\x1b[201~"

# What the agents pasted, and what else a clipboard may hold. Each is pasted between the markers.
PAYLOADS = {
    "ctrl+t ctrl+s after an ESC (flipped a note public and sent it)": b"see log: \x1b\x14\x13",
    "ESC O d y (deleted the ticket)": b"note \x1bOdy",
    "a fake end marker, then ctrl+s": b"a\x1b[201~\x13b",
    "a fake end marker, a key, a fake start marker": b"a\x1b[201~X\x1b[200~b",
    "two fake end markers": b"\x1b[201~\x1b[201~d\x1b[201~y",
    "an ESC right before the end marker": b"tail \x1b",
    "a partial end marker right before the end marker": b"x\x1b[201",
    "partial CSI and OSC, SGR, an unterminated OSC": b"\x1b[31mred\x1b[0m \x1b]0;PWNED\x07 \x1b]52;c;cm0= \x1b[",
    "every C0 control and DEL": bytes(range(32)) + b"\x7f",
    "C1 controls as UTF-8, bidi overrides": "\u009b31m \u202eevil\u202c".encode(),
    "multi-byte UTF-8 (split across reads below)": "García ✓ 😀 日本".encode(),
    "a mouse report and a focus event": b"\x1b[<0;10;5M\x1b[I",
    "a nested start marker": b"\x1b[200~inner",
    "long text around an ESC": b"A" * 300 + b"\x1bd" + b"B" * 300,
    "undecodable bytes (crashed the app's input thread)": b"bad \xff\xfe latin-1 caf\xe9 cut \xe2\x82",
    "empty": b"",
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(textual._parser, "get_time", clock)  # Textual's escape-key timeout
    return clock


def guarded(clock: Clock) -> XTermParser:
    """The parser exactly as the Linux driver builds it (`XTermParser(debug)`), after the app's install."""
    assert install(LinuxDriver)
    parser = linux_driver.XTermParser(False, clock=clock)  # type: ignore[call-arg]
    assert isinstance(parser, PasteGuardParser)
    return parser


def run(parser: XTermParser, clock: Clock, chunks: list[bytes], *, quiet: float = 1.0) -> list[Message]:
    """Feed reads as the driver does (decode, feed, tick), then let the input go quiet: two ticks `quiet` s
    apart (an ESC held back with a paste's burst only starts Textual's escape-key delay when released)."""
    decode = linux_driver.getincrementaldecoder("utf-8")().decode  # the driver's own decoder
    out: list[Message] = []
    for chunk in chunks:
        text = decode(chunk)
        if text:  # the driver never feeds "" (that would be end of input)
            out += parser.feed(text)
        out += parser.tick()
    for _ in range(2):
        clock.now += quiet
        out += parser.tick()
    return out


def splits(wire: bytes) -> Iterator[list[bytes]]:
    yield [wire]
    for at in range(1, len(wire)):
        yield [wire[:at], wire[at:]]
    yield [wire[i:i + 1] for i in range(len(wire))]


def shape(messages: list[Message]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for m in messages:
        if isinstance(m, events.Paste):
            out.append(("paste", m.text))
        elif isinstance(m, events.Key):
            out.append(("key", m.key))
        else:
            out.append((type(m).__name__, None))
    return out


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_a_paste_is_one_paste_event_whatever_it_holds_however_it_is_split(clock: Clock, payload: bytes) -> None:
    expected = [("paste", payload.decode(errors="replace").replace("\x00", ""))]
    for chunks in splits(START + payload + END):
        assert shape(run(guarded(clock), clock, chunks)) == expected, chunks


@pytest.mark.parametrize("payload", [PAYLOADS["ctrl+t ctrl+s after an ESC (flipped a note public and sent it)"],
                                     PAYLOADS["ESC O d y (deleted the ticket)"],
                                     PAYLOADS["a fake end marker, a key, a fake start marker"]])
def test_keys_around_a_hostile_paste_stay_keys_in_order(clock: Clock, payload: bytes) -> None:
    wire = b"x\x1b[A" + START + payload + END + b"z\r"
    expected = [("key", "x"), ("key", "up"), ("paste", payload.decode()), ("key", "z"), ("key", "enter")]
    for chunks in splits(wire):
        assert shape(run(guarded(clock), clock, chunks)) == expected, chunks


def test_the_unguarded_parser_turns_these_pastes_into_keys(clock: Clock) -> None:
    """What the guard is for (this documents Textual 8.2.8; if it fails, Textual may have fixed it)."""
    for payload, keys in ((PAYLOADS["ctrl+t ctrl+s after an ESC (flipped a note public and sent it)"],
                           ["ctrl+t", "ctrl+s"]),
                          (PAYLOADS["ESC O d y (deleted the ticket)"], ["d", "y"]),
                          (PAYLOADS["a fake end marker, then ctrl+s"], ["ctrl+s"])):
        pressed = [k for kind, k in shape(run(XTermParser(), clock, [START + payload + END])) if kind == "key"]
        assert set(keys) <= set(pressed)


# Input with no paste in it: the guard must parse it exactly as Textual does.
PLAIN_INPUT = {
    "letters and enter": b"ab\r",
    "ESC alone": b"\x1b",
    "alt+d and alt+shift+x": b"\x1bd\x1bX",
    "arrows and F5": b"\x1b[A\x1b[B\x1bOC\x1b[15~",
    "ctrl keys": b"\x13\x14\x04",
    "SGR mouse down and up": b"\x1b[<0;10;5M\x1b[<0;10;5m",
    "focus in and out": b"\x1b[I\x1b[O",
    "a stray end marker": END + b"q",
    "kitty key protocol ctrl+s": b"\x1b[115;5u",
    "UTF-8": "ñ 😀".encode(),
}


@pytest.mark.parametrize("wire", list(PLAIN_INPUT.values()), ids=list(PLAIN_INPUT))
def test_input_without_a_paste_is_parsed_as_textual_parses_it(clock: Clock, wire: bytes) -> None:
    expected = shape(run(XTermParser(), clock, [wire]))
    assert expected  # the comparison means something
    for chunks in splits(wire):
        assert shape(run(guarded(clock), clock, chunks)) == expected, chunks


@pytest.mark.parametrize("payload", [b"plain text", b"two\nlines\ttab", "ünïcødé ✓".encode(), b""])
def test_a_normal_paste_among_keys_comes_out_as_textual_makes_it(clock: Clock, payload: bytes) -> None:
    wire = b"\x1b" + START + payload + END + b"d" + START + b"again" + END + b"\x1b[<0;3;4M"
    expected = shape(run(XTermParser(), clock, [wire]))
    assert ("key", "escape") in expected and ("key", "d") in expected  # an ESC just before: not alt+d
    for chunks in splits(wire):
        got = shape(run(guarded(clock), clock, chunks))
        # One burst, so the guard makes the two pastes one (the second's markers are its text); Textual
        # would give two. Apart from that, the same events in the same order.
        joined = payload.decode() + END.decode() + "d" + START.decode() + "again"
        assert got == [("key", "escape"), ("paste", joined), ("MouseDown", None)], chunks


def test_separate_bursts_are_separate_pastes_and_keys_after_a_pause_are_keys(clock: Clock) -> None:
    parser = guarded(clock)
    assert shape(run(parser, clock, [START + b"first" + END])) == [("paste", "first")]
    assert shape(run(parser, clock, [b"\x13"])) == [("key", "ctrl+s")]
    assert shape(run(parser, clock, [START + b"second" + END + b"\x1b"], quiet=0.5)) == [
        ("paste", "second"), ("key", "escape")]


def test_the_paste_waits_for_the_burst_to_end(clock: Clock) -> None:
    parser = guarded(clock)
    assert list(parser.feed("\x1b[200~abc\x1b[201~")) == []
    clock.now += BURST_GAP / 2
    assert list(parser.tick()) == []
    # More of the same paste, within the burst: the first end marker was text.
    assert list(parser.feed("\x13def\x1b[201~")) == []
    clock.now += BURST_GAP / 2
    assert list(parser.tick()) == []
    clock.now += BURST_GAP
    assert shape(list(parser.tick())) == [("paste", "abc\x1b[201~\x13def")]


def test_a_read_after_the_gap_delivers_the_paste_first_even_without_a_tick(clock: Clock) -> None:
    parser = guarded(clock)
    assert list(parser.feed("\x1b[200~abc\x1b[201~")) == []
    clock.now += BURST_GAP
    assert shape(list(parser.feed("\x13"))) == [("paste", "abc"), ("key", "ctrl+s")]


def test_a_large_paste_in_driver_sized_reads_with_a_fake_end_marker(clock: Clock) -> None:
    payload = (b"line of log output \x1b[31m\x13\n" * 4000)[:60_000] + END + b"dy" + b"z" * 60_000
    wire = START + payload + END
    chunks = [wire[i:i + 4096] for i in range(0, len(wire), 4096)]
    assert shape(run(guarded(clock), clock, chunks)) == [("paste", payload.decode())]


def test_end_of_input_delivers_a_finished_paste(clock: Clock) -> None:
    parser = guarded(clock)
    assert list(parser.feed("\x1b[200~bye\x1b[201~")) == []
    assert shape(list(parser.feed(""))) == [("paste", "bye")]


def test_textual_still_has_what_the_guard_relies_on() -> None:
    """Fails on a Textual upgrade that renames the parser, builds it differently or changes its interface."""
    for driver in (LinuxDriver, LinuxInlineDriver, WebDriver):
        assert problems(driver) == [], driver
        assert install(driver)
    assert not install(HeadlessDriver)


def test_the_app_installs_the_guard_for_its_driver(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linux_driver, "XTermParser", XTermParser)
    app = make_app(sandbox)
    assert app.driver_class is LinuxDriver
    assert linux_driver.XTermParser is PasteGuardParser


async def test_a_paste_into_the_command_palette_is_cleaned_too(sandbox: Sandbox) -> None:
    """Textual's command palette has an Input of its own (not a SafeInput): a paste for it is cleaned by the app,
    or a pasted OSC retitled the terminal (seen in tmux) from the palette's search field."""
    app = make_app(sandbox)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot, lambda: isinstance(app.focused, CommandInput))
        app.post_message(events.Paste("x\x1b]0;PWNED\x07y\u202eevil"))
        await settle(pilot, lambda: "y" in app.focused.value)  # type: ignore[union-attr]
        assert app.focused.value == "x␛]0;PWNED␇y⟨RLO⟩evil"  # type: ignore[union-attr]
        assert "x␛]0;PWNED␇y⟨RLO⟩evil" in check_painted(app)
