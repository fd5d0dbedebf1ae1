"""The matchgate error tree.

Every error carries a safe public message (never taxpayer data) and, where the
contract has one, a reason code. Each adapter (CLI, web) maps these to an exit
code or HTTP response in exactly one place.
"""

from __future__ import annotations

from pathlib import Path

from matchgate.domain.reasons import ReasonCode


class MatchgateError(Exception):
    """Base of every error matchgate raises on purpose."""

    exit_code = 1
    reason_code: ReasonCode | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputFileError(MatchgateError):
    """An input file cannot be read as the contract describes (exit code 2).

    Names the file and, where known, the row (1-based data row, header = row 1
    of the file is not counted) and the column.
    """

    exit_code = 2

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
    """An agreement document is invalid or unknown (exit code 2)."""

    exit_code = 2


class WorkspaceError(MatchgateError):
    """The workspace lacks something a command needs (a master file, a model)."""

    exit_code = 3


class ModelError(MatchgateError):
    """A saved match model is missing, corrupt or does not fit the master file."""

    exit_code = 3
