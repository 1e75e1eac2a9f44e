"""Request bodies: a JSON object whose text is valid Unicode, nested no deeper than a body needs.

JSON allows what text can't hold: `"\\ud83d"` (or UTF-8-encoded surrogate bytes, which `json.loads`
takes with surrogatepass) parses to a lone surrogate that no UTF-8 encoder, SQLite included, accepts; and
`[[[[…` a thousand deep exhausts the recursion of the parser and of everything that walks the result.
Both are refused here, before an Idempotency-Key is claimed, as 400s naming the field.
"""

from __future__ import annotations

import json
from typing import Any

from .problems import clip, invalid

# The deepest body of this API is two levels (metadata or tags inside the body); this leaves room for
# mistakes that validation names properly ("must be a string") while keeping every walk shallow.
MAX_DEPTH = 32


def parse(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise invalid(f"The request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.",
                      code="body_invalid") from None
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError):
        raise invalid("The request body is not valid JSON (it must be UTF-8).", code="body_invalid") from None
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.", code="body_invalid")
    # Fewer brackets than the limit can't nest past it (brackets inside strings only overcount).
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _depth(body) > MAX_DEPTH:
        raise _too_deep()
    _check_text(body)
    return body


def _too_deep() -> Exception:
    return invalid(f"The request body is nested more than {MAX_DEPTH} levels deep.", code="body_invalid")


def _depth(value: Any) -> int:
    """How deep the containers go, without recursion (the point is that recursion would fail)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _encodes(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


def _check_text(body: dict[str, Any]) -> None:
    # One C-speed pass over the whole body; the per-field search runs only when it fails.
    if _encodes(body):
        return
    for name, value in body.items():
        if not _encodes(name):
            shown = clip(name.encode("utf-8", "backslashreplace").decode())
            raise invalid(f"A field name in the request body holds a lone UTF-16 surrogate ('{shown}'); "
                          "text must be valid Unicode.", shown, code="body_invalid")
        if not _encodes(value):
            raise invalid(f"Field '{clip(name)}' holds a lone UTF-16 surrogate (half of an emoji or other "
                          "character); text must be valid Unicode.", clip(name), code="body_invalid")
    raise invalid("The request body holds a lone UTF-16 surrogate; text must be valid Unicode.",
                  code="body_invalid")
