"""What an API key and a base URL must look like, checked wherever one comes in.

A key copied from a web page or a password manager often brings a no-break space or a newline along;
sent as it is, it fails deep inside the HTTP stack (a traceback, or "cannot be reached"). A base URL
like `http://` or `http://[::1` fails the same way. Checked where they enter (a flag, the environment,
the config file, a key command, `config init`), each problem is one sentence that names what is wrong
and never quotes the key: the caller says where the value came from.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .errors import mask_secret

__all__ = ["MAX_KEY_LENGTH", "MIN_KEY_LENGTH", "CredentialError", "check_api_key", "check_base_url"]

MIN_KEY_LENGTH = 8
MAX_KEY_LENGTH = 512


class CredentialError(ValueError):
    """A key or base URL that can't work. `str()` is the rest of a sentence: "is empty", "has a space…"."""


def _describe(char: str) -> str:
    if char.isspace():
        return "a space" if char == " " else f"a space character (U+{ord(char):04X})"
    if ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F:
        return f"a control character (U+{ord(char):04X})"
    return f"a character that is not plain ASCII (U+{ord(char):04X})"


def check_api_key(raw: str) -> str:
    """The key with surrounding whitespace (no-break spaces and newlines included) removed.

    Raises CredentialError unless what is left is 8 to 512 printable ASCII characters with no space.
    """
    key = raw.strip()  # str.strip() knows every Unicode space, U+00A0 included
    if not key:
        raise CredentialError("is empty" if not raw else "is only whitespace")
    for position, char in enumerate(key, start=1):
        if not "!" <= char <= "~":
            # The mask only shows the key's prefix and (for a long key) its last four characters; a bad
            # character among those would be printed, so the mask is left out then.
            masked = mask_secret(key)
            plain = masked.replace("…", "")
            shown = f" of {masked}" if plain.isascii() and plain.isprintable() else ""
            raise CredentialError(f"has {_describe(char)} at character {position}{shown}: copy the key again, "
                                  "exactly as it was issued")
    if len(key) < MIN_KEY_LENGTH:
        raise CredentialError(f"is too short to be a key ({len(key)} characters; keys have at least "
                              f"{MIN_KEY_LENGTH})")
    if len(key) > MAX_KEY_LENGTH:
        raise CredentialError(f"is too long to be a key ({len(key)} characters; at most {MAX_KEY_LENGTH})")
    return key


def check_base_url(raw: str) -> str:
    """The URL, trimmed and without a trailing `/`, or CredentialError naming what is wrong with it."""
    url = raw.strip()
    example = "write it like https://www.cstar.help or http://127.0.0.1:8765"
    if not url:
        raise CredentialError(f"is empty: {example}")
    bad = next((char for char in url if char.isspace() or not char.isprintable()), None)
    if bad is not None:
        raise CredentialError(f"has {_describe(bad)} in it: {example}")
    scheme, separator, _rest = url.partition("://")
    if not separator:
        raise CredentialError(f"must start with http:// or https://: {example}")
    if scheme.lower() not in ("http", "https"):
        raise CredentialError(f"uses {scheme}://, but only http:// and https:// are supported: {example}")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that isn't a number from 0 to 65535
    except ValueError as exc:
        raise CredentialError(f"is not a valid URL ({exc}): {example}") from None
    if not parts.hostname:
        raise CredentialError(f"has no host name after {scheme}://: {example}")
    if port == 0:
        raise CredentialError(f"has port 0, which nothing can listen on: {example}")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise CredentialError(f"has a query (?…) or fragment (#…), which a base URL can't have: {example}")
    if parts.username is not None or parts.password is not None:
        raise CredentialError("holds a user name or password (user:pass@host): the API key is all the "
                              f"service needs; {example}")
    import httpx  # last: httpx refuses a few hosts that urlsplit lets through (`http://a..b`)

    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise CredentialError(f"is not a valid URL ({exc}): {example}") from None
    return url.rstrip("/")
