"""Processing a stored batch: validate, match and decide, each step committed.

In: the workflow store, a batch id, and a factory for the matcher (called
only when the batch has requests to match). Out: the batch advanced through
every automatic step it has not yet committed: `received` -> `validated`
(reason codes stored, rejections audited) -> `matched` (every decision and
its evidence stored, and audited, in one transaction) -> `in_review`. A
process killed anywhere resumes from the last committed state; the steps are
deterministic, so nothing is decided twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchgate.audit.log import append_events
from matchgate.decide.recorded import DecisionEvidence, dump_evidence
from matchgate.domain.lifecycle import PROCESSING, BatchState
from matchgate.domain.outcomes import Outcome
from matchgate.domain.reasons import join_codes
from matchgate.intake.envelope import check_envelope, parse_envelope
from matchgate.intake.validate import validate_requests
from matchgate.pipeline import BatchOutcome, DecidedRequest, Matcher, verify_batch
from matchgate.store.database import clock_of
from matchgate.store.tables import Batch, BatchRow, Decision
from matchgate.workflow import events
from matchgate.workflow.holds import held_tins
from matchgate.workflow.store import Store
from matchgate.workflow.stored import (
    BatchFailed,
    BatchSummary,
    agreement_of,
    batch_summary,
    fault,
    get_batch,
    mark_failed,
    move,
    table_of,
)


def process_batch(
    store: Store,
    batch_id: str,
    matcher_factory: Callable[[], Matcher],
    *,
    actor: str | None = None,
) -> tuple[BatchSummary, BatchOutcome | None]:
    """Advance a batch through every automatic step it has not yet committed.

    Returns the batch summary and, when this call ran the match step, the
    decided rows as the pipeline produced them (for scoring and reports).
    """
    try:
        return _process(store, batch_id, matcher_factory, actor=actor)
    except BatchFailed as exc:
        # Not transient: retrying cannot help, so the batch says why it stopped.
        mark_failed(store, batch_id, exc.message, actor)
        raise


def _process(
    store: Store,
    batch_id: str,
    matcher_factory: Callable[[], Matcher],
    *,
    actor: str | None,
) -> tuple[BatchSummary, BatchOutcome | None]:
    matched: BatchOutcome | None = None
    while True:
        with store.transaction() as session:
            batch = get_batch(session, batch_id)
            state = BatchState(batch.state)
            if state not in PROCESSING:
                break
            agreement = agreement_of(batch)
            table = table_of(session, batch_id)
            document = parse_envelope(batch.envelope, source=f"batch {batch_id} envelope")
            envelope = check_envelope(document, agreement, received_at=batch.received_at)
            who = actor or batch.submitted_by
            if state is BatchState.RECEIVED:
                codes = validate_requests(table, envelope, agreement)
                rejected = []
                for row in session.scalars(
                    select(BatchRow)
                    .where(BatchRow.batch_id == batch_id)
                    .order_by(BatchRow.row_index)
                ):
                    row.codes = join_codes(codes[row.row_index])
                    if row.codes:
                        rejected.append(events.request_rejected(who, row))
                append_events(session, rejected)
                move(batch, BatchState.VALIDATED)
                point = "after-validated"
            elif state is BatchState.VALIDATED:
                matcher = matcher_factory() if not envelope.problems else None
                outcome = verify_batch(
                    table,
                    envelope,
                    batch_id,
                    agreement,
                    matcher,
                    holds=held_tins(session),
                    official_prior_rows=official_rows_this_year(session, batch)
                    if agreement.official_max_rows_per_year is not None
                    else 0,
                )
                matched = outcome
                fault("mid-matched")
                batch.vintage_id = outcome.vintage_id or None
                batch.model_version = outcome.model_version or None
                stamp = clock_of(session)()
                stored = [_decision_row(batch_id, decided, stamp) for decided in outcome.rows]
                session.add_all(stored)
                rows_by_index = {
                    r.row_index: r
                    for r in session.scalars(select(BatchRow).where(BatchRow.batch_id == batch_id))
                }
                append_events(
                    session,
                    [
                        events.decision_made(
                            who, batch, rows_by_index[d.row_index], d, agreement, document
                        )
                        if d.outcome != Outcome.REJECTED.value
                        else events.decision_recorded(who, d)
                        for d in stored
                    ],
                )
                move(batch, BatchState.MATCHED)
                point = "after-matched"
            else:  # MATCHED: hand over to people
                move(batch, BatchState.IN_REVIEW)
                point = "after-in-review"
        fault(point)
    return batch_summary(store, batch_id), matched


def official_rows_this_year(session: Session, batch: Batch) -> int:
    """REQ-41: the rows earlier batches this calendar year asked for under this official."""
    official = _official(batch.envelope)
    if not official:
        return 0
    year = batch.received_at.year
    rows = 0
    for other in session.scalars(select(Batch).where(Batch.batch_id != batch.batch_id)):
        if other.received_at.year == year and _official(other.envelope) == official:
            rows += (
                session.scalar(
                    select(func.count())
                    .select_from(BatchRow)
                    .where(BatchRow.batch_id == other.batch_id)
                )
                or 0
            )
    return rows


def _official(envelope: str) -> str:
    try:
        document = json.loads(envelope)
    except ValueError:
        return ""
    official = document.get("requesting_official") if isinstance(document, dict) else None
    name = official.get("name") if isinstance(official, dict) else None
    return " ".join(name.split()).casefold() if isinstance(name, str) else ""


def _decision_row(batch_id: str, decided: DecidedRequest, stamp: Any) -> Decision:
    decision = decided.decision
    outcome = decided.outcome.value
    lka = json.dumps(asdict(decided.lka), sort_keys=True) if decided.lka else None
    return Decision(
        decision_id=decided.decision_id,
        batch_id=batch_id,
        row_index=decided.index,
        request_id=decided.request_id,
        outcome=outcome,
        machine_outcome=outcome,
        reason_codes=join_codes(decided.codes),
        address_match=decision.address_match.value if decision and decision.address_match else None,
        tin=decision.tin if decision else None,
        lka=lka,
        review_reasons=";".join(r.value for r in decision.review_reasons) if decision else "",
        evidence=dump_evidence(DecisionEvidence.of(decision, decided.inputs) if decision else None),
        decided_at=stamp,
    )
