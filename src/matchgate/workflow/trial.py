"""A trial batch (the one-shot `verify`), kept in the workspace's own store.

In: the workflow store, a trial batch processed up to review, the acting
user. Out: the response written as the decisions stand, released as a trial
(`batch_approved` and `batch_released` marked `trial`, by the acting user,
with the response's hash), so that every address a trial writes is in the
chain and in the accounting of disclosures; and, for a trial verified
before, its decided rows as the pipeline gave them.

A trial has no review and no second person: that is what makes it a trial,
and why a production workspace refuses `verify` altogether.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchgate.audit.log import NewEvent, append_event, append_events
from matchgate.decide.recorded import load_evidence
from matchgate.disclose.minimise import LastKnownAddress
from matchgate.disclose.response import response_csv
from matchgate.domain.lifecycle import BatchState, Role
from matchgate.domain.outcomes import Outcome
from matchgate.domain.reasons import split_codes
from matchgate.errors import ErrorCategory, MatchgateError
from matchgate.pipeline import BatchOutcome, DecidedRequest
from matchgate.progress import NullProgress, Progress
from matchgate.store.database import clock_of
from matchgate.store.tables import Batch, Decision, Response, User
from matchgate.workflow import events
from matchgate.workflow.integrity import check_batch
from matchgate.workflow.release import decided_rows
from matchgate.workflow.store import Store, require_role
from matchgate.workflow.stored import get_batch, move


class NotATrial(MatchgateError):
    """`verify` named a batch that is in the workflow (submitted with `batch submit`)."""

    category = ErrorCategory.CONFLICT


def ensure_trial_user(store: Store, name: str) -> None:
    """A trial's acting user, added (operator, marked trial) on first use, audited."""
    with store.transaction() as session:
        if session.get(User, name) is not None:
            require_role(session, name, Role.OPERATOR)
            return
        session.add(User(name=name, roles=Role.OPERATOR.value, created_at=clock_of(session)()))
        append_event(
            session,
            NewEvent(
                actor=name,
                action="user_roles_changed",
                payload={
                    "user": name,
                    "roles_before": None,
                    "roles": Role.OPERATOR.value,
                    "trial": True,
                },
            ),
        )


def release_trial(
    store: Store, batch_id: str, *, actor: str, progress: Progress | None = None
) -> bytes:
    """The trial's response: released once as a trial, the same bytes every time after."""
    with (progress or NullProgress()).task("Releasing the response", total=1) as task:
        content = _release_trial(store, batch_id, actor=actor)
        task.advance()
    return content


def _release_trial(store: Store, batch_id: str, *, actor: str) -> bytes:
    with store.transaction() as session:
        batch = get_batch(session, batch_id)
        if not batch.trial:
            raise NotATrial(f"batch {batch_id} is in the workflow, not a trial")
        if BatchState(batch.state) is BatchState.RELEASED:
            check_batch(session, batch, actor=actor)
            response = session.get(Response, batch_id)
            assert response is not None
            return response.content
        check_batch(session, batch, actor=actor)
        content = response_csv(decided_rows(session, batch))
        digest = hashlib.sha256(content).hexdigest()
        stamp = clock_of(session)()
        batch.approved_by = batch.released_by = actor
        batch.approved_at = batch.released_at = stamp
        move(batch, BatchState.APPROVED)
        move(batch, BatchState.RELEASED)
        session.add(Response(batch_id=batch_id, content=content, sha256=digest, created_at=stamp))
        disclosures = session.scalars(
            select(Decision.decision_id).where(
                Decision.batch_id == batch_id, Decision.outcome == Outcome.VERIFIED.value
            )
        ).all()
        append_events(
            session,
            [
                events.simple(actor, "batch_approved", batch_id, trial=True),
                events.simple(
                    actor,
                    "batch_released",
                    batch_id,
                    response_sha256=digest,
                    disclosures=len(disclosures),
                    trial=True,
                ),
            ],
        )
        return content


def stored_outcome(store: Store, batch_id: str, *, keep_rows: bool = True) -> BatchOutcome:
    """A trial verified before: its rows as the pipeline decided them, from the store.

    With `keep_rows=False`, the batch without its rows (a national batch's
    rows do not come into memory for a report that needs only its counts).
    """
    with store.transaction() as session:
        batch = get_batch(session, batch_id)
        rows = _stored_rows(session, batch) if keep_rows else []
        return BatchOutcome(
            batch_id=batch_id,
            agreement_id=batch.agreement_id,
            agreement_hash=batch.agreement_hash,
            vintage_id=batch.vintage_id or "",
            model_version=batch.model_version or "",
            rows=rows,
            requests_matched=sum(1 for r in rows if r.inputs is not None),
        )


def _stored_rows(session: Session, batch: Batch) -> list[DecidedRequest]:
    responses = decided_rows(session, batch)
    decisions = session.scalars(
        select(Decision).where(Decision.batch_id == batch.batch_id).order_by(Decision.row_index)
    ).all()
    rows = []
    for decision, response in zip(decisions, responses, strict=True):
        evidence = load_evidence(decision.evidence)
        inputs = evidence.inputs if evidence is not None else None
        rows.append(
            DecidedRequest(
                index=decision.row_index,
                request_id=decision.request_id,
                decision_id=decision.decision_id,
                codes=split_codes(decision.reason_codes),
                decision=inputs.decision() if inputs is not None else None,
                response=response,
                lka=LastKnownAddress(**json.loads(decision.lka)) if decision.lka else None,
                inputs=inputs,
            )
        )
    return rows
