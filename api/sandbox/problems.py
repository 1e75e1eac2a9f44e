"""The sandbox's error responses: one exception type that becomes the documented error envelope."""

from __future__ import annotations


class ApiProblem(Exception):
    """Raised anywhere in the sandbox; the app turns it into `{"success": false, "error": {...}}`."""

    def __init__(
        self,
        status: int,
        type_: str,
        code: str,
        message: str,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.code = code
        self.message = message
        self.param = param
        self.headers = headers or {}

    def error_object(self) -> dict[str, str]:
        error = {"type": self.type, "code": self.code, "message": self.message}
        if self.param is not None:
            error["param"] = self.param
        return error


def clip(text: str, limit: int = 60) -> str:
    """Caller input quoted in an error message, bounded: a 1 MiB id must not come back as a 1 MiB message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def invalid(message: str, param: str | None = None, code: str = "parameter_invalid") -> ApiProblem:
    return ApiProblem(400, "invalid_request_error", code, message, param)


def unknown_field(name: str, allowed: set[str]) -> ApiProblem:
    return invalid(f"Unknown field '{clip(name)}' in the request body; allowed: {', '.join(sorted(allowed))}.",
                   clip(name), "parameter_unknown")


def not_found(what: str, ident: str) -> ApiProblem:
    return ApiProblem(404, "not_found_error", "resource_missing", f"No such {what}: '{clip(ident)}'.", "id")


def forbidden(message: str) -> ApiProblem:
    return ApiProblem(403, "permission_error", "permission_denied", message)
