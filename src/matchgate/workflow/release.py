"""Approving, releasing and answering a batch: the two-person rule and one response.

In: the workflow store, a batch in review, and the approver (a second person:
not its submitter, not a reviewer) or the operator fetching the response.
Out: `approved` once nothing is pending; `released` with the response stored
exactly once (releasing again changes nothing, even when two approvers race);
and the released response (its bytes), which never reaches anyone before
release. The response rows are built from the stored decisions, so they are
minimal by construction (`disclose/minimise.py`).
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from matchgate.audit.log import append_event
from matchgate.disclose.minimise import LastKnownAddress, ResponseRow, response_row
from matchgate.disclose.response import response_csv
from matchgate.domain.lifecycle import BatchState, Role
from matchgate.domain.outcomes import AddressMatch, Outcome
from matchgate.domain.reasons import split_codes
from matchgate.store.database import clock_of
from matchgate.store.tables import Batch, Decision, Response, ReviewAction
from matchgate.workflow import events
from matchgate.workflow.integrity import check_batch
from matchgate.workflow.store import Store, denied, require_role
from matchgate.workflow.stored import (
    BatchStateError,
    BatchSummary,
    agreement_of,
    batch_summary,
    fault,
    get_batch,
    move,
)


def decided_rows(session: Session, batch: Batch) -> list[ResponseRow]:
    """Response rows from the stored decisions, in batch order (minimal by construction)."""
    agreement = agreement_of(batch)
    # The columns a response needs, not the decisions' evidence (large, custodian-only).
    decisions = session.execute(
        select(
            Decision.request_id,
            Decision.decision_id,
            Decision.outcome,
            Decision.reason_codes,
            Decision.address_match,
            Decision.lka,
        )
        .where(Decision.batch_id == batch.batch_id)
        .order_by(Decision.row_index)
    )
    rows = []
    for d in decisions:
        lka = LastKnownAddress(**json.loads(d.lka)) if d.lka else None
        rows.append(
            response_row(
                request_id=d.request_id,
                batch_id=batch.batch_id,
                decision_id=d.decision_id,
                outcome=Outcome(d.outcome),
                reason_codes=split_codes(d.reason_codes),
                address_match=AddressMatch(d.address_match) if d.address_match else None,
                lka=lka,
                disclose=agreement.disclose,
            )
        )
    return rows


def preview_response(store: Store, batch_id: str) -> bytes:
    """The response as it stands now (trial runs; nothing is released)."""
    with store.transaction() as session:
        rows = decided_rows(session, get_batch(session, batch_id))
    return response_csv(rows)


def approve_batch(store: Store, batch_id: str, *, actor: str | None) -> BatchSummary:
    """The second person approves: nothing pending, and not the reviewer or submitter."""
    with store.transaction() as session:
        require_role(session, actor, Role.APPROVER)
        batch = get_batch(session, batch_id)
        if BatchState(batch.state) is not BatchState.IN_REVIEW:
            raise BatchStateError(f"batch {batch_id} is {batch.state}, not in_review")
        pending = session.scalars(
            select(Decision.decision_id).where(
                Decision.batch_id == batch_id, Decision.outcome == Outcome.PENDING_REVIEW.value
            )
        ).all()
        if pending:
            raise BatchStateError(
                f"batch {batch_id} still has {len(pending)} request(s) awaiting review"
            )
        if agreement_of(batch).two_person_release:
            reviewers = set(
                session.scalars(
                    select(ReviewAction.actor).where(ReviewAction.batch_id == batch_id)
                ).all()
            )
            if actor in reviewers or actor == batch.submitted_by:
                raise denied(
                    session,
                    actor or "",
                    {"rule": "two-person", "batch_id": batch_id},
                    f"two-person rule: {actor!r} submitted or reviewed batch {batch_id}; "
                    "another approver must approve it",
                )
        batch.approved_by = actor
        batch.approved_at = clock_of(session)()
        move(batch, BatchState.APPROVED)
        append_event(session, events.simple(actor or "", "batch_approved", batch_id))
    return batch_summary(store, batch_id)


def release_batch(store: Store, batch_id: str, *, actor: str | None) -> BatchSummary:
    """Store the response once; releasing a released batch changes nothing."""
    try:
        return _release(store, batch_id, actor=actor)
    except (StaleDataError, IntegrityError):
        # Another approver released it at the same moment: theirs stands.
        summary = batch_summary(store, batch_id)
        if summary.state != BatchState.RELEASED.value:
            raise
        return summary


def _release(store: Store, batch_id: str, *, actor: str | None) -> BatchSummary:
    with store.transaction() as session:
        require_role(session, actor, Role.APPROVER)
        # The batch row locked first (PostgreSQL; SQLite serialises every unit of
        # work): a second approver releasing at the same moment waits and finds it
        # released, rather than checking a response committed half-way through.
        session.get(Batch, batch_id, with_for_update=True)
        batch = get_batch(session, batch_id)
        if BatchState(batch.state) is not BatchState.RELEASED:
            if BatchState(batch.state) is BatchState.APPROVED:
                # Every decision the response is built from must be as the chain recorded it.
                check_batch(session, batch, actor=actor or "")
            _store_response(session, batch, actor)
    fault("after-released")
    return batch_summary(store, batch_id)


def _store_response(session: Session, batch: Batch, actor: str | None) -> None:
    if BatchState(batch.state) is not BatchState.APPROVED:
        raise BatchStateError(f"batch {batch.batch_id} is {batch.state}: approve it first")
    content = response_csv(decided_rows(session, batch))
    digest = hashlib.sha256(content).hexdigest()
    stamp = clock_of(session)()
    session.add(Response(batch_id=batch.batch_id, content=content, sha256=digest, created_at=stamp))
    batch.released_by = actor
    batch.released_at = stamp
    move(batch, BatchState.RELEASED)
    disclosures = session.scalars(
        select(Decision.decision_id).where(
            Decision.batch_id == batch.batch_id, Decision.outcome == Outcome.VERIFIED.value
        )
    ).all()
    append_event(
        session,
        events.simple(
            actor or "",
            "batch_released",
            batch.batch_id,
            response_sha256=digest,
            disclosures=len(disclosures),
        ),
    )


def respond(store: Store, batch_id: str, *, actor: str | None) -> bytes:
    """The released response (FORMATS.md §3); nothing reaches the requester before release."""
    with store.transaction() as session:
        require_role(session, actor, Role.OPERATOR)
        batch = get_batch(session, batch_id)
        response = session.get(Response, batch_id)
        if response is None or BatchState(batch.state) is not BatchState.RELEASED:
            raise BatchStateError(f"batch {batch_id} is {batch.state}: nothing is released yet")
        check_batch(session, batch, actor=actor or "")
        content = response.content
        append_event(
            session,
            events.simple(actor or "", "response_downloaded", batch_id, sha256=response.sha256),
        )
    return content
