"""A batch as the workflow store holds it: found, checked and moved, step by step.

In: a session of the workflow store and a batch id. Out: the stored `Batch`,
the agreement it was submitted under (checked against its content hash), its
request rows as the Arrow table the pipeline reads, and state changes that
follow the lifecycle (`domain/lifecycle.py`). Every use case of a batch
(submit, process, review, release) goes through these, so the rules for a
stored batch live in one place.

`MATCHGATE_FAULT=<point>` kills the process at a named point: a test hook for
the fault-injection tests, never set in service.
"""

from __future__ import annotations

import json
import os
import signal

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from matchgate.agreements.schema import Agreement
from matchgate.audit.log import append_event
from matchgate.clock import utc_now
from matchgate.domain.lifecycle import BatchState, can_move
from matchgate.errors import ErrorCategory, MatchgateError, NotFound
from matchgate.intake.readers import REQUEST_COLUMNS
from matchgate.logs import get_logger
from matchgate.store.database import clock_of
from matchgate.store.tables import Batch, BatchRow
from matchgate.workflow import events
from matchgate.workflow.store import Store

log = get_logger("workflow")

#: Test hook: `MATCHGATE_FAULT=<point>` kills the process with SIGKILL when the
#: named point is reached (used by the fault-injection test, never in service).
FAULT_VARIABLE = "MATCHGATE_FAULT"


class BatchStateError(MatchgateError):
    """The batch is not in a state that allows this action."""

    category = ErrorCategory.CONFLICT


class BatchFailed(MatchgateError):
    """The batch cannot be processed as stored; it is marked `failed` with the reason.

    Raised when the stored agreement no longer matches its hash: a stored
    record was altered.
    """

    category = ErrorCategory.TAMPERED


def fault(point: str) -> None:
    if os.environ.get(FAULT_VARIABLE) == point:
        os.kill(os.getpid(), signal.SIGKILL)


def get_batch(session: Session, batch_id: str) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id!r} in this workspace")
    return batch


def move(batch: Batch, target: BatchState) -> None:
    """Change the batch's state if the lifecycle allows it (else BatchStateError).

    The time of the change comes from the clock of the batch's unit of work.
    """
    current = BatchState(batch.state)
    if not can_move(current, target):
        raise BatchStateError(f"batch {batch.batch_id} is {current.value}, cannot become {target}")
    batch.state = target.value
    session = object_session(batch)
    batch.updated_at = clock_of(session)() if session is not None else utc_now()
    log.info("batch %s: %s -> %s", batch.batch_id, current.value, target.value)


def agreement_of(batch: Batch) -> Agreement:
    """The agreement the batch was submitted under, as stored (BatchFailed if altered)."""
    try:
        agreement = Agreement.model_validate(json.loads(batch.agreement_document))
    except ValueError:
        agreement = None
    if agreement is None or agreement.content_hash != batch.agreement_hash:
        raise BatchFailed(f"batch {batch.batch_id}: the stored agreement does not match its hash")
    return agreement


def table_of(session: Session, batch_id: str) -> pa.Table:
    """The batch's request rows as received, as the table the readers would have returned."""
    rows = session.scalars(
        select(BatchRow).where(BatchRow.batch_id == batch_id).order_by(BatchRow.row_index)
    ).all()
    records = [json.loads(row.fields) for row in rows]
    columns = list(REQUEST_COLUMNS) + sorted({k for r in records for k in r} - set(REQUEST_COLUMNS))
    return pa.table({c: pa.array([r.get(c) for r in records], pa.string()) for c in columns})


def mark_failed(store: Store, batch_id: str, reason: str, actor: str | None) -> None:
    """Record why a batch cannot go on (in a transaction of its own)."""
    with store.transaction() as session:
        batch = get_batch(session, batch_id)
        if can_move(BatchState(batch.state), BatchState.FAILED):
            batch.failure_reason = reason
            move(batch, BatchState.FAILED)
            append_event(
                session,
                events.simple(actor or batch.submitted_by, "batch_failed", batch_id, reason=reason),
            )
