"""What a stored batch looks like from outside: its state and its counts.

In: the workflow store and a batch id (or none, for every batch). Out: a
`BatchSummary` per batch: state, submitter, agreement, rows, counts per
outcome and per reason code, the review load, why it failed if it did, and
the master vintage and model version it was matched with. `as_json()` is the
stable document of `batch show --json` (README "JSON output": keys are only
ever added).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from matchgate.domain.outcomes import Outcome
from matchgate.store.tables import Batch, BatchRow, Decision
from matchgate.workflow.store import Store
from matchgate.workflow.stored import get_batch


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
        decisions = session.scalars(select(Decision).where(Decision.batch_id == batch_id)).all()
        rows = session.scalars(select(BatchRow).where(BatchRow.batch_id == batch_id)).all()
        outcomes = Counter(d.outcome for d in decisions)
        codes: Counter[str] = Counter()
        for row in rows:
            codes.update(c for c in (row.codes or "").split(";") if c)
        return BatchSummary(
            batch_id=batch.batch_id,
            state=batch.state,
            submitted_by=batch.submitted_by,
            agreement_id=batch.agreement_id,
            rows=len(rows),
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
