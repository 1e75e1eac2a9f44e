"""A bracketed paste is text, never keys: the terminal input parser the app's driver reads with.

Textual 8.2.8's `XTermParser` keeps parsing escape sequences inside a bracketed paste, and when one is not
understood it "reissues" it as key events: a pasted `\\x1b\\x13` pressed ctrl+s, a pasted `\\x1bOdy` pressed
`d` and `y`. Pasted text comes from anywhere (a customer's log, a web page), so that turned the clipboard
into a keyboard. `PasteGuardParser` cuts every paste out of the byte stream before Textual's parser can look
inside it and hands it over as one `events.Paste`; every other byte goes through Textual's parser untouched.

Where a paste ends. A terminal like xterm (or tmux's `paste-buffer -p`) does not escape an end marker
inside the text it pastes, so pasting `a\\x1b[201~\\x13b` arrives as `\\x1b[200~a\\x1b[201~\\x13b\\x1b[201~`.
The rule here: a paste runs from its start marker to the LAST end marker of the same burst of input, where
a burst ends when no input has arrived for `BURST_GAP` seconds. Start markers in between don't end it
either (`a\\x1b[201~X\\x1b[200~b` pasted would otherwise press X). So after an end marker the paste is held
until the input goes quiet (or until another end marker extends it), and only then delivered; the input
that came after it is then parsed as usual, in order.

Residual limits, honestly:
- Delivery waits for a quiet gap: a paste shows up `BURST_GAP` (plus the driver's 0.1 s poll) after it
  arrived, and keys typed right after a paste without a pause of `BURST_GAP` (key repeat, say) wait with it
  (never lost, never reordered).
- If the terminal's bytes for ONE paste arrive with a pause longer than `BURST_GAP` exactly after an end
  marker that is part of the pasted text (a slow link splitting the paste there), the paste ends at that
  marker and what follows it is parsed as typed input. Only xterm-like terminals that pass end markers
  through unescaped can produce that; no rule that looks at bytes alone can tell the two apart.
- Two separate pastes within one burst (no `BURST_GAP` between them) become one Paste, the markers
  between them part of its text: from bytes alone that is the same as one paste holding both markers.
- A start marker that never gets its end marker keeps the input in the paste, as Textual does itself.
- NUL characters are dropped from a paste, as Textual does (Textual issue 1661).

Undecodable bytes. The drivers decode input with a strict UTF-8 decoder, so one invalid byte in a paste
(`\\xff`, or Latin-1 text) raised UnicodeDecodeError in the input thread and took the whole app down
(Textual issue 6456). `install` gives the driver a decoder that turns such bytes into U+FFFD instead.

Installing: the drivers build their parser by the name `XTermParser` and their decoder with
`getincrementaldecoder`, both names of their own module, so `install` rebinds those two names in the
module of the app's driver. `problems()` says what no longer holds on a newer Textual; the tests fail on
it, while a user's app runs on with Textual's own parser.
"""

from __future__ import annotations

import codecs
import functools
import inspect
import sys
import time
from collections.abc import Callable, Iterator

from textual import events
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.message import Message

__all__ = ["BURST_GAP", "PasteGuardParser", "install", "lenient_decoder", "problems"]

START = "\x1b[200~"
END = "\x1b[201~"
BURST_GAP = 0.1
"""Seconds without input that end a burst (the same order as Textual's own ESCAPE_DELAY)."""


class PasteGuardParser(XTermParser):
    """Textual's parser with pastes taken out of its hands (see the module's docstring for the rule)."""

    def __init__(self, debug: bool = False, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tail = ""  # the last few characters Textual's parser was given: a start marker may span reads
        self._in_paste = False
        self._chunks: list[str] = []  # everything after the start marker, as it arrived
        self._size = 0
        self._carry = ""  # the last len(END) - 1 characters of the paste: an end marker may span reads
        self._last_end: int | None = None  # where the last end marker seen so far starts, in the paste
        self._last_input = 0.0
        super().__init__(debug)

    def feed(self, data: str) -> Iterator[Message]:
        if not data:  # end of input: a paste that has its end marker still counts
            if self._in_paste and self._last_end is not None:
                yield from self._deliver()
            yield from self._textual(data)
            return
        now = self._clock()
        if self._in_paste and self._last_end is not None and now - self._last_input >= BURST_GAP:
            yield from self._deliver()  # the burst ended before this read, even if no tick() said so yet
        self._last_input = now
        yield from self._route(data)

    def tick(self) -> Iterator[Message]:
        if self._in_paste and self._last_end is not None and self._clock() - self._last_input >= BURST_GAP:
            yield from self._deliver()
        for message in super().tick():
            if not isinstance(message, events.Paste):
                yield message

    def _route(self, data: str) -> Iterator[Message]:
        while data:
            if self._in_paste:
                self._take(data)
                return
            region = self._tail + data
            at = region.find(START)
            if at == -1:
                yield from self._textual(data)
                return
            cut = at + len(START) - len(self._tail)
            # Textual's parser sees the start marker itself, so whatever it was in the middle of (an ESC
            # pressed just before) ends as it would without this class; it then waits in its paste state.
            yield from self._textual(data[:cut])
            self._in_paste = True
            data = data[cut:]

    def _textual(self, data: str) -> Iterator[Message]:
        """Textual's own parsing, for everything outside a paste. Any Paste it makes is for the empty paste
        this class shows it (start marker, then end marker), so it is dropped: pastes come from here."""
        self._tail = (self._tail + data)[-(len(START) - 1):]
        for message in super().feed(data):
            if not isinstance(message, events.Paste):
                yield message

    def _take(self, data: str) -> None:
        region = self._carry + data
        at = region.rfind(END)
        if at != -1:
            self._last_end = self._size - len(self._carry) + at
        self._chunks.append(data)
        self._size += len(data)
        self._carry = region[-(len(END) - 1):]

    def _deliver(self) -> Iterator[Message]:
        assert self._last_end is not None
        text = "".join(self._chunks)
        pasted, after = text[: self._last_end], text[self._last_end + len(END):]
        self._in_paste, self._chunks, self._size, self._carry, self._last_end = False, [], 0, "", None
        yield from self._textual(END)  # Textual's parser leaves its paste state
        yield events.Paste(pasted.replace("\x00", ""))
        yield from self._route(after)


def lenient_decoder(encoding: str) -> Callable[[], codecs.IncrementalDecoder]:
    """`codecs.getincrementaldecoder`, whose decoders replace undecodable bytes instead of raising."""
    return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")


def install(driver_class: type) -> bool:
    """Make `driver_class` read its input with `PasteGuardParser` and a decoder that never raises. False
    when its module does not build Textual's `XTermParser` by that name (the headless driver of tests, or a
    Textual that changed); the decoder is swapped only where it is codecs' own."""
    module = sys.modules.get(driver_class.__module__)
    if getattr(module, "getincrementaldecoder", None) is codecs.getincrementaldecoder:
        module.getincrementaldecoder = lenient_decoder  # type: ignore[union-attr]
    current = getattr(module, "XTermParser", None)
    if current is PasteGuardParser:
        return True
    if current is not XTermParser:
        return False
    module.XTermParser = PasteGuardParser  # type: ignore[union-attr]
    return True


def problems(driver_class: type) -> list[str]:
    """What this module relies on and no longer holds for `driver_class` (empty: all is well).

    For the tests: if Textual renames its parser, builds it another way, or changes the markers or the
    parser's feed/tick interface, the patch would silently stop working; this is where that shows."""
    found: list[str] = []
    if (BRACKETED_PASTE_START, BRACKETED_PASTE_END) != (START, END):
        found.append("Textual's bracketed paste markers changed")
    for name in ("feed", "tick", "parse"):
        if not callable(getattr(XTermParser, name, None)):
            found.append(f"XTermParser.{name} is gone")
    if list(inspect.signature(XTermParser.__init__).parameters)[:2] != ["self", "debug"]:
        found.append("XTermParser.__init__ no longer takes (debug)")
    module = sys.modules.get(driver_class.__module__)
    if getattr(module, "XTermParser", None) not in (XTermParser, PasteGuardParser):
        found.append(f"{driver_class.__module__} no longer has XTermParser")
    else:
        source = inspect.getsource(driver_class)
        if "XTermParser(" not in source:
            found.append(f"{driver_class.__qualname__} no longer builds its parser as XTermParser(...)")
        if getattr(module, "getincrementaldecoder", None) not in (codecs.getincrementaldecoder, lenient_decoder) \
                or 'getincrementaldecoder("utf-8")()' not in source:
            found.append(f"{driver_class.__qualname__} no longer builds its decoder as getincrementaldecoder(...)()")
    return found
