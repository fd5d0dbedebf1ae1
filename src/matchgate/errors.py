"""The matchgate error tree, and the category every error belongs to.

Every error carries a safe public message (never taxpayer data), where the
contract has one a reason code, and a category: what kind of failure it is,
in words no adapter owns. Each adapter maps categories, never classes, to
its own vocabulary in exactly one place: the CLI to exit codes
(`cli/app.py`), the web app to HTTP statuses. Every subclass declares its
category (a test checks it), so a new error cannot fall through to
"internal" by accident.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import ClassVar

from matchgate.domain.reasons import ReasonCode


class ErrorCategory(StrEnum):
    """What kind of failure an error is, independent of how an adapter reports it."""

    #: The caller sent something unusable: an unreadable file, an invalid
    #: agreement, an empty note, a date that is not a date.
    BAD_INPUT = "bad_input"
    #: What the caller named does not exist (a batch, a review item, a disclosure).
    NOT_FOUND = "not_found"
    #: The workspace lacks something the action needs (a master file, a model).
    NOT_READY = "not_ready"
    #: The acting user may not do this (unknown user, missing role, two-person rule).
    FORBIDDEN = "forbidden"
    #: The action conflicts with what is stored: the batch or item is not in a
    #: state that allows it, or a batch id was resubmitted with other content.
    CONFLICT = "conflict"
    #: A stored record no longer matches its hash: it was altered.
    TAMPERED = "tampered"
    #: Anything else: a fault of matchgate or of its environment.
    INTERNAL = "internal"


class MatchgateError(Exception):
    """Base of every error matchgate raises on purpose."""

    category: ClassVar[ErrorCategory] = ErrorCategory.INTERNAL
    reason_code: ReasonCode | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputFileError(MatchgateError):
    """An input file cannot be read as the contract describes.

    Names the file and, where known, the row (1-based data row, header = row 1
    of the file is not counted) and the column.
    """

    category = ErrorCategory.BAD_INPUT

    def __init__(
        self,
        path: Path | str,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.row = row
        self.column = column
        where = [self.path]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}")


class AgreementError(MatchgateError):
    """An agreement document is invalid or unknown."""

    category = ErrorCategory.BAD_INPUT


class InvalidArgument(MatchgateError):
    """A value the caller gave is unusable (an empty note or reason, a malformed date)."""

    category = ErrorCategory.BAD_INPUT


class NotFound(MatchgateError):
    """What the caller named does not exist: a batch, a review item, a disclosure."""

    category = ErrorCategory.NOT_FOUND


class WorkspaceError(MatchgateError):
    """The workspace lacks something a command needs (a master file, a model)."""

    category = ErrorCategory.NOT_READY


class ModelError(MatchgateError):
    """A saved match model is missing, corrupt or does not fit the master file."""

    category = ErrorCategory.NOT_READY
