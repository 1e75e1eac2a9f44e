"""The filter language's words: tokens, comma-separated values, and the mistakes found in them.

`api.filters` gives them meaning. Every mistake is collected (with where it is), so the agent sees all
of them at once instead of fixing one to learn of the next.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["FilterSyntaxError", "Problem", "Token", "suggest", "tokenize"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a query: what is wrong, the token as typed, and where it starts."""

    message: str
    token: str  # the token as typed
    position: int  # 0-based index of the token's first character in the query text

    def __str__(self) -> str:
        return f"{self.message} (at column {self.position + 1}: {self.token!r})"


class FilterSyntaxError(ValueError):
    """A filter query the app can't answer. `problems` lists every mistake in the order they appear;
    `message`, `token` and `position` are the first one's."""

    def __init__(self, message: str, token: str, position: int,
                 problems: Sequence[Problem] | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems) if problems else (Problem(message, token, position),)
        first = self.problems[0]
        self.message = first.message
        self.token = first.token
        self.position = first.position
        if len(self.problems) == 1:
            text = str(first)
        else:
            text = f"{len(self.problems)} mistakes: " + "; ".join(str(p) for p in self.problems)
        super().__init__(text)

    @classmethod
    def of(cls, problems: Sequence[Problem]) -> FilterSyntaxError:
        ordered = sorted(problems, key=lambda p: p.position)
        return cls(ordered[0].message, ordered[0].token, ordered[0].position, ordered)


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a query, as the tokenizer split it."""

    text: str  # the token as typed, for error messages
    position: int
    key: str | None  # the key as typed, when the token is key:value
    pieces: tuple[tuple[str, bool], ...]  # the value's runs, each with whether it was quoted

    @property
    def value(self) -> str:
        return "".join(text for text, _ in self.pieces)

    @property
    def quoted(self) -> bool:
        """Any part of the value was quoted: take it literally."""
        return any(quoted for _, quoted in self.pieces)

    def values(self) -> list[tuple[str, bool]]:
        """The comma-separated values (`open,pending`), each with whether it is literal; a comma inside
        quotes is part of the value."""
        out: list[tuple[str, bool]] = []
        current: list[str] = []
        literal = False
        for text, quoted in self.pieces:
            if quoted:
                current.append(text)
                literal = True
                continue
            for i, chunk in enumerate(text.split(",")):
                if i:
                    out.append(("".join(current), literal))
                    current, literal = [], False
                current.append(chunk)
        out.append(("".join(current), literal))
        return out


def tokenize(text: str, problems: list[Problem]) -> list[Token]:
    """Split the query into tokens; an unterminated quote is a problem and ends the query there."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        pieces: list[tuple[str, bool]] = []
        key: str | None = None
        while i < n and not text[i].isspace():
            if text[i] == '"':
                quote_at = i
                i += 1
                chunk: list[str] = []
                while i < n and text[i] != '"':
                    if text[i] == "\\" and i + 1 < n and text[i + 1] in '"\\':
                        i += 1
                    chunk.append(text[i])
                    i += 1
                if i >= n:
                    problems.append(Problem("unterminated quote", text[start:], quote_at))
                    return tokens
                i += 1  # closing quote
                pieces.append(("".join(chunk), True))
                continue
            j = i
            while j < n and not text[j].isspace() and text[j] != '"':
                j += 1
            run = text[i:j]
            # Only a colon before any quote splits key from value: `"a:b"` and `x"a:b"` are words.
            if key is None and not pieces and ":" in run:
                key, run = run.split(":", 1)
            pieces.append((run, False))
            i = j
        tokens.append(Token(text[start:i], start, key, tuple(pieces)))
    return tokens


def suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word.lower(), list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
