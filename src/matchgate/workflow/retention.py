"""Retention: purging old batches, never records the law says to keep (REQ-33).

In: a cut-off date and the acting admin. Out: released batches older than
the cut-off removed with their rows, decisions and responses, and an audit
event saying so; or a refusal when the cut-off would remove records younger
than the retention period (the accounting of disclosures is kept at least
five years, 31 CFR 1.25). Audit events are never purged: the chain is kept
permanently, which satisfies the seven-year audit retention.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, select

from matchgate.audit.log import NewEvent, append_event
from matchgate.domain.lifecycle import BatchState, Role
from matchgate.errors import ErrorCategory, MatchgateError
from matchgate.store.tables import (
    Batch,
    BatchRow,
    Decision,
    Response,
    ReviewAction,
    ReviewRecord,
)
from matchgate.workflow.store import Store, require_role

#: 31 CFR 1.25: at least five years or the life of the record.
MINIMUM_RETENTION_YEARS = 5


class RetentionRefused(MatchgateError):
    """The cut-off would remove records the law says to keep."""

    category = ErrorCategory.FORBIDDEN


def earliest_allowed_cutoff(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def purge_batches(
    store: Store,
    before: date,
    *,
    actor: str | None,
    retention_years: int = MINIMUM_RETENTION_YEARS,
    today: date | None = None,
) -> list[str]:
    """Remove released batches released before `before`; refuse if too recent.

    ``today`` defaults to the store clock's date.
    """
    years = max(retention_years, MINIMUM_RETENTION_YEARS)
    limit = earliest_allowed_cutoff(today or store.clock().date(), years)
    with store.transaction() as session:
        require_role(session, actor, Role.ADMIN)
        if before > limit:
            raise RetentionRefused(
                f"refused: records released after {limit.isoformat()} are within the "
                f"{years}-year retention period"
            )
        cutoff = datetime.combine(before, datetime.min.time(), UTC)
        purged = list(
            session.scalars(
                select(Batch.batch_id).where(
                    Batch.state == BatchState.RELEASED.value, Batch.released_at < cutoff
                )
            )
        )
        held = select(Decision.decision_id).where(Decision.batch_id.in_(purged))
        session.execute(delete(ReviewRecord).where(ReviewRecord.decision_id.in_(held)))
        for table in (ReviewAction, Response, Decision, BatchRow):
            session.execute(delete(table).where(table.batch_id.in_(purged)))
        session.execute(delete(Batch).where(Batch.batch_id.in_(purged)))
        append_event(
            session,
            NewEvent(
                actor=actor or "",
                action="batches_purged",
                payload={"before": before.isoformat(), "batches": purged},
            ),
        )
    return purged
