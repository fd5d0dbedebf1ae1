"""A batch as the workflow store holds it: found, checked, moved and summarised.

In: a session of the workflow store (or the store) and a batch id. Out: the
stored `Batch`, the agreement it was submitted under (checked against its
content hash), its request rows as the Arrow table the pipeline reads, state
changes that follow the lifecycle (`domain/lifecycle.py`), and the
`BatchSummary` that shows it from outside: state, submitter, agreement,
rows, counts per outcome and per reason code, the review load, why it
failed if it did, and the master vintage and model version it was matched
with (`as_json()` is the stable document of `batch show --json`, README
"JSON output": keys are only ever added). Every use case of a batch (submit,
process, review, release) goes through these, so the rules for a stored
batch live in one place.

`MATCHGATE_FAULT=<point>` kills the process at a named point: a test hook for
the fault-injection tests, never set in service.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from matchgate.agreements.schema import Agreement
from matchgate.audit.log import append_event
from matchgate.clock import utc_now
from matchgate.domain.lifecycle import BatchState, can_move
from matchgate.domain.outcomes import Outcome
from matchgate.errors import ErrorCategory, MatchgateError, NotFound
from matchgate.intake.readers import REQUEST_COLUMNS
from matchgate.logs import get_logger
from matchgate.store.database import clock_of
from matchgate.store.tables import Batch, BatchRow, Decision
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


#: Stored request rows read back at a time (a national batch is never a million dicts).
_ROWS_PER_SLICE = 50_000


def table_of(session: Session, batch_id: str) -> pa.Table:
    """The batch's request rows as received, as the table the readers would have returned."""
    fields = session.scalars(
        select(BatchRow.fields)
        .where(BatchRow.batch_id == batch_id)
        .order_by(BatchRow.row_index)
        .execution_options(yield_per=_ROWS_PER_SLICE)
    )
    parts = [_rows_table([json.loads(text) for text in texts]) for texts in fields.partitions()]
    if not parts:
        return _rows_table([])
    # A column only some rows carry is null in the others, as when read from one file.
    table = pa.concat_tables(parts, promote_options="default")
    extra = sorted(set(table.column_names) - set(REQUEST_COLUMNS))
    return table.select([*REQUEST_COLUMNS, *extra])


def _rows_table(records: list[dict[str, str | None]]) -> pa.Table:
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


@dataclass
class BatchSummary:
    batch_id: str
    state: str
    submitted_by: str
    agreement_id: str
    rows: int
    outcomes: dict[str, int] = field(default_factory=dict)
    reason_codes: dict[str, int] = field(default_factory=dict)
    pending_review: int = 0
    failure_reason: str | None = None
    vintage_id: str | None = None
    model_version: str | None = None
    resumed: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "state": self.state,
            "submitted_by": self.submitted_by,
            "agreement_id": self.agreement_id,
            "rows": self.rows,
            "outcomes": dict(sorted(self.outcomes.items())),
            "reason_codes": dict(sorted(self.reason_codes.items())),
            "pending_review": self.pending_review,
            "failure_reason": self.failure_reason,
            "vintage_id": self.vintage_id,
            "model_version": self.model_version,
            "resumed": self.resumed,
        }


def batch_summary(store: Store, batch_id: str) -> BatchSummary:
    with store.transaction() as session:
        batch = get_batch(session, batch_id)
        # Counted in the database: a national batch's rows never come into memory.
        outcomes = Counter(
            {
                str(outcome): int(n)
                for outcome, n in session.execute(
                    select(Decision.outcome, func.count())
                    .where(Decision.batch_id == batch_id)
                    .group_by(Decision.outcome)
                )
            }
        )
        rows = session.scalar(
            select(func.count()).select_from(BatchRow).where(BatchRow.batch_id == batch_id)
        )
        codes: Counter[str] = Counter()
        for joined, n in session.execute(
            select(BatchRow.codes, func.count())
            .where(BatchRow.batch_id == batch_id, BatchRow.codes != "")
            .group_by(BatchRow.codes)
        ):
            for code in (joined or "").split(";"):
                if code:
                    codes[code] += int(n)
        return BatchSummary(
            batch_id=batch.batch_id,
            state=batch.state,
            submitted_by=batch.submitted_by,
            agreement_id=batch.agreement_id,
            rows=int(rows or 0),
            outcomes=dict(outcomes),
            reason_codes=dict(codes),
            pending_review=outcomes.get(Outcome.PENDING_REVIEW.value, 0),
            failure_reason=batch.failure_reason,
            vintage_id=batch.vintage_id,
            model_version=batch.model_version,
        )


def list_batches(store: Store) -> list[BatchSummary]:
    with store.transaction() as session:
        ids = session.scalars(select(Batch.batch_id).order_by(Batch.received_at)).all()
    return [batch_summary(store, batch_id) for batch_id in ids]
