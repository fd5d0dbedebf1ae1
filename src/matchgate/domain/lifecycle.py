"""The batch lifecycle, as data: states and the transitions between them (pure).

received -> validated -> matched -> in_review -> approved -> released, and
`failed` (with a reason) from any state before release. Every step is
persisted before the next begins, so a process killed at any point resumes
from the last state it reached.
"""

from __future__ import annotations

from enum import StrEnum


class BatchState(StrEnum):
    RECEIVED = "received"
    VALIDATED = "validated"
    MATCHED = "matched"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RELEASED = "released"
    FAILED = "failed"


TRANSITIONS: dict[BatchState, frozenset[BatchState]] = {
    BatchState.RECEIVED: frozenset({BatchState.VALIDATED, BatchState.FAILED}),
    BatchState.VALIDATED: frozenset({BatchState.MATCHED, BatchState.FAILED}),
    BatchState.MATCHED: frozenset({BatchState.IN_REVIEW, BatchState.FAILED}),
    BatchState.IN_REVIEW: frozenset({BatchState.APPROVED, BatchState.FAILED}),
    BatchState.APPROVED: frozenset({BatchState.RELEASED, BatchState.FAILED}),
    BatchState.RELEASED: frozenset(),
    BatchState.FAILED: frozenset(),
}

#: States in which the pipeline still has automatic work to do.
PROCESSING = (BatchState.RECEIVED, BatchState.VALIDATED, BatchState.MATCHED)


def can_move(current: BatchState, target: BatchState) -> bool:
    return target in TRANSITIONS[current]


class Role(StrEnum):
    """Who may do what (least privilege; DOMAIN.md REQ-39)."""

    OPERATOR = "operator"  # submits and processes batches
    OFFICER = "officer"  # disclosure officer: resolves PENDING_REVIEW items
    APPROVER = "approver"  # second person: approves and releases
    AUDITOR = "auditor"  # read-only
    ADMIN = "admin"  # manages users
