"""API keys never leave the process unmasked: not in a crash report, not in a command-line error. And
nothing the command line prints reaches the terminal as a control or escape sequence (`for_terminal`).

Textual's crash report shows every frame's local variables, so a key held in one (a profile switch that
failed while building its client, a settings object being resolved) would be printed in full. The report
here is the same one, with every key-looking string masked *before* it is laid out: masking the printed
text afterwards could miss a key that the panel wrapped across two lines.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, NoReturn, TextIO

from api.clean_text import clean
from api.errors import mask_secrets

if TYPE_CHECKING:  # rich.traceback brings pygments: only a crash should pay for importing it
    from rich import pretty
    from rich.traceback import Stack, Trace, Traceback

__all__ = ["MaskingArgumentParser", "for_terminal", "masked_traceback", "say"]


def for_terminal(text: str) -> str:
    """Text for stdout/stderr, cleaned like the app's screens: a server's error, a path or a name from the
    environment could set the title, clear the screen or write the clipboard. Keys masked too."""
    return mask_secrets(clean(text))


def say(text: str, *, file: TextIO | None = None) -> None:
    """One message of the command line's own, on stderr unless told otherwise."""
    print(f"cstar-tui: {for_terminal(text)}", file=sys.stderr if file is None else file)


def _mask_node(node: pretty.Node) -> None:
    node.key_repr = mask_secrets(node.key_repr)
    node.value_repr = mask_secrets(node.value_repr)
    for child in node.children or ():
        _mask_node(child)


def _mask_stack(stack: Stack) -> None:
    stack.exc_value = for_terminal(stack.exc_value)  # an exception may quote a server's words
    stack.notes = [for_terminal(note) for note in stack.notes]
    if stack.syntax_error is not None:
        stack.syntax_error.line = mask_secrets(stack.syntax_error.line)
        stack.syntax_error.msg = mask_secrets(stack.syntax_error.msg)
    for frame in stack.frames:
        frame.line = mask_secrets(frame.line)
        for node in (frame.locals or {}).values():
            _mask_node(node)
    for group in stack.exceptions:
        _mask_trace(group)


def _mask_trace(trace: Trace) -> None:
    for stack in trace.stacks:
        _mask_stack(stack)


def masked_traceback(**options: object) -> Traceback:
    """Rich's traceback of the exception being handled (with locals, as Textual shows it), keys masked.

    The source lines around each frame are read from the files when the report is drawn; the app's own
    source holds no keys (the sandbox's public test keys aside).
    """
    from rich.traceback import Traceback

    exc_type, exc_value, tb = sys.exc_info()
    assert exc_type is not None and exc_value is not None, "masked_traceback() outside an except block"
    trace = Traceback.extract(exc_type, exc_value, tb, show_locals=True,
                              locals_max_length=int(options.get("locals_max_length", 5)))  # type: ignore[arg-type]
    _mask_trace(trace)
    return Traceback(trace, show_locals=True, **options)  # type: ignore[arg-type]


class MaskingArgumentParser(argparse.ArgumentParser):
    """argparse echoes what it didn't understand (`unrecognized arguments: sk_live_…`): a key pasted in
    the wrong place, or after a mistyped flag, would be printed in full on the terminal and in logs,
    and an argument holding an escape sequence would reach the terminal as one."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {for_terminal(message)}\n")
