"""Finding a profile's API key, and writing files that hold one.

A key comes from the file itself, from an environment variable, or from a command that prints it
(`api_key_cmd = "pass show cstar/live"`, the way password managers are used). The command runs without
a shell (split with shlex), with no stdin and a timeout, and everything it prints is captured: a
failure says which command and how it failed, never what it printed, since that may be the key.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from api.credentials import CredentialError, check_api_key
from api.errors import mask_secrets, remember_secret
from app.config import Profile

__all__ = ["KEY_COMMAND_TIMEOUT", "KeySourceError", "profile_key", "run_key_command", "write_private"]

KEY_COMMAND_TIMEOUT = 20.0
"""Seconds; long enough for a password manager to ask for its passphrase, short enough not to hang."""


class KeySourceError(Exception):
    """The profile's key could not be found. The message names the field and never holds output."""

    def __init__(self, message: str) -> None:
        # A key pasted into the wrong field (the command line, say) would otherwise be quoted back.
        super().__init__(mask_secrets(message))


def run_key_command(command: str, field: str, timeout: float = KEY_COMMAND_TIMEOUT) -> str:
    """The first non-empty line the command prints on stdout."""
    argv = shlex.split(command)
    program = argv[0] if argv else command
    try:
        result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise KeySourceError(f"{field}: command not found: {program!r}") from None
    except subprocess.TimeoutExpired:
        raise KeySourceError(f"{field}: {program!r} did not finish within {timeout:g} s") from None
    except OSError as exc:
        raise KeySourceError(f"{field}: {program!r} could not be started ({exc.strerror or 'error'})") from None
    if result.returncode != 0:
        raise KeySourceError(f"{field}: {program!r} failed with exit status {result.returncode} (its output is not "
                             "shown, as it may hold the key; run the command yourself to see why)")
    text = result.stdout.decode("utf-8", errors="replace")
    key = next((line for line in text.splitlines() if line.strip()), "")
    if not key:
        raise KeySourceError(f"{field}: {program!r} printed nothing on stdout")
    return _checked(key, f"{field}: the key printed by {program!r}")


def _checked(key: str, where: str) -> str:
    try:
        key = check_api_key(key)
    except CredentialError as exc:
        raise KeySourceError(f"{where} {exc}") from None
    remember_secret(key)
    return key


def profile_key(name: str, profile: Profile, environ: Mapping[str, str] | None = None,
                timeout: float = KEY_COMMAND_TIMEOUT) -> str | None:
    """The profile's key, or None when it names no key source (flags or CSTAR_API_KEY must give one)."""
    env = os.environ if environ is None else environ
    if profile.api_key is not None:
        remember_secret(profile.api_key.get_secret_value())
        return profile.api_key.get_secret_value()
    if profile.api_key_env:
        value = env.get(profile.api_key_env, "")
        if not value.strip():
            raise KeySourceError(f"profiles.{name}.api_key_env: the environment variable {profile.api_key_env} "
                                 "is not set")
        return _checked(value, f"profiles.{name}.api_key_env: the key in the environment variable "
                               f"{profile.api_key_env}")
    if profile.api_key_cmd:
        return run_key_command(profile.api_key_cmd, f"profiles.{name}.api_key_cmd", timeout)
    return None


def write_private(path: Path, text: str) -> None:
    """Replace `path` atomically with a file only its owner can read (0600), whatever it was before."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
