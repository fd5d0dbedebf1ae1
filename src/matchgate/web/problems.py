"""The one place the web adapter turns errors into HTTP: problem+json (RFC 9457).

Every `MatchgateError` becomes the status of its category (`HTTP_STATUS`, the
web's twin of the CLI's exit codes, locked by a test) and a problem document
with the error's safe public message; an unexpected exception becomes a bare
500 that names no value. Missing or bad credentials are the web's own
concern (`Unauthenticated`, 401): the services never see an anonymous call.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from matchgate.errors import ErrorCategory, MatchgateError

PROBLEM_JSON = "application/problem+json"

#: The one mapping from an error's category to the HTTP status the API answers with.
HTTP_STATUS: Mapping[ErrorCategory, int] = MappingProxyType(
    {
        ErrorCategory.BAD_INPUT: 422,
        ErrorCategory.NOT_FOUND: 404,
        ErrorCategory.NOT_READY: 503,
        ErrorCategory.FORBIDDEN: 403,
        ErrorCategory.CONFLICT: 409,
        ErrorCategory.TAMPERED: 500,
        ErrorCategory.INTERNAL: 500,
    }
)

TITLES: Mapping[int, str] = MappingProxyType(
    {
        401: "Not authenticated",
        403: "Forbidden",
        404: "Not found",
        409: "Conflict",
        422: "Unprocessable content",
        500: "Internal error",
        503: "Not ready",
    }
)


class Unauthenticated(Exception):
    """No valid session or API token came with the call."""

    def __init__(self, detail: str = "log in, or send an API token as a Bearer credential") -> None:
        super().__init__(detail)
        self.detail = detail


class CsrfRejected(Exception):
    """A form or a session-authenticated API call came without this session's CSRF token."""


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status}
    body["detail"] = detail
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_of(error: MatchgateError) -> int:
    return HTTP_STATUS[error.category]


async def on_matchgate_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, MatchgateError)
    return problem(status_of(error), error.message, category=error.category.value)


async def on_unauthenticated(_request: Request, error: Exception) -> Response:
    assert isinstance(error, Unauthenticated)
    return problem(401, error.detail)


async def on_csrf(_request: Request, _error: Exception) -> Response:
    return problem(403, "missing or wrong CSRF token")


async def on_validation(_request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    # Say where and what, never the value sent (it may be taxpayer data).
    problems = [
        {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in error.errors()
    ]
    return problem(422, "the request is not valid", errors=problems)


async def on_internal(_request: Request, error: Exception) -> Response:
    return problem(500, f"internal error ({type(error).__name__})")
