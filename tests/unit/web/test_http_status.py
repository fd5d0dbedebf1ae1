"""One map from an error's category to the HTTP status the API answers with, locked here.

The web app's twin of the CLI's exit codes: a category, never a class, turns
into a status, with a problem+json body carrying the safe message.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError, NotFound
from matchgate.web.problems import HTTP_STATUS, PROBLEM_JSON, on_matchgate_error
from matchgate.workflow.submit import BatchConflict


def test_the_http_status_of_each_category_is_fixed() -> None:
    assert dict(HTTP_STATUS) == {
        ErrorCategory.BAD_INPUT: 422,
        ErrorCategory.NOT_FOUND: 404,
        ErrorCategory.NOT_READY: 503,
        ErrorCategory.FORBIDDEN: 403,
        ErrorCategory.CONFLICT: 409,
        ErrorCategory.TAMPERED: 500,
        ErrorCategory.INTERNAL: 500,
    }


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidArgument("a review decision needs a note"), 422),
        (NotFound("no batch 'X'"), 404),
        (BatchConflict("batch X was already submitted with different content"), 409),
    ],
)
def test_an_error_becomes_problem_json_with_its_message(error: MatchgateError, status: int) -> None:
    response = asyncio.run(on_matchgate_error(None, error))  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.media_type == PROBLEM_JSON
    body = json.loads(bytes(response.body))
    assert body["status"] == status
    assert body["detail"] == error.message
    assert body["category"] == error.category.value
