"""Checking stored decisions and responses against the hashes the chain carries.

In: a session of the workflow store and a batch (or every batch). Out:
nothing when every decision row and the released response are what the
chain says they were; otherwise `RecordTampered` naming the first mismatch
(the batch and the decision, or the response). The chain vouches for a
decision row through the `decision_sha256` of the latest event about it
(`decision_made` or `decision_recorded` when it was decided, `review_action`
when an officer changed it) and for a response through the
`response_sha256` of the batch's release event. `batch release`, `batch
respond` and `audit verify` call these, so an edited row can neither be
released nor pass an audit.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchgate.audit.log import NewEvent, append_event
from matchgate.errors import ErrorCategory, MatchgateError
from matchgate.logs import get_logger
from matchgate.store.tables import AuditEventRow, Batch, Decision, Response
from matchgate.workflow.events import DECISION_FIELDS, values_hash

log = get_logger("integrity")

#: Decision rows fetched from the store at a time when a batch is checked.
_ROWS_PER_FETCH = 10_000


class RecordTampered(MatchgateError):
    """A stored decision or response no longer matches the hash the chain carries for it."""

    category = ErrorCategory.TAMPERED


def _chain_facts(session: Session, batch_id: str) -> tuple[dict[str, str], str | None]:
    """The latest decision hash per decision id, and the released response's hash."""
    decisions: dict[str, str] = {}
    response: str | None = None
    query = (
        select(AuditEventRow.decision_id, AuditEventRow.action, AuditEventRow.payload)
        .where(AuditEventRow.batch_id == batch_id)
        .order_by(AuditEventRow.seq)
    )
    for decision_id, action, payload in session.execute(query):
        if action == "batch_released" or (decision_id and "decision_sha256" in payload):
            try:
                facts = json.loads(payload)
            except ValueError:
                continue  # an unreadable payload is the chain's own break, found by verify
            if action == "batch_released":
                response = facts.get("response_sha256")
            elif decision_id and isinstance(facts.get("decision_sha256"), str):
                decisions[decision_id] = facts["decision_sha256"]
    return decisions, response


def batch_problem(session: Session, batch: Batch) -> str | None:
    """What in this batch's stored decisions or response the chain does not vouch for."""
    expected, response_hash = _chain_facts(session, batch.batch_id)
    seen: set[str] = set()
    # Streamed as plain rows, not loaded as objects: a national batch has a
    # million decisions, each with its evidence, and a session keeps every
    # object it loads until it ends.
    decisions = session.execute(
        select(*(getattr(Decision, name) for name in DECISION_FIELDS))
        .where(Decision.batch_id == batch.batch_id)
        .order_by(Decision.row_index)
        .execution_options(yield_per=_ROWS_PER_FETCH)
    ).mappings()
    for decision in decisions:
        decision_id, row = decision["decision_id"], decision["row_index"] + 1
        seen.add(decision_id)
        wanted = expected.get(decision_id)
        if wanted is None:
            return (
                f"batch {batch.batch_id}: decision {decision_id} "
                f"(row {row}) has no record in the audit chain"
            )
        if values_hash(dict(decision)) != wanted:
            return (
                f"batch {batch.batch_id}: decision {decision_id} "
                f"(row {row}) does not match its hash in the audit chain"
            )
    missing = sorted(set(expected) - seen)
    if missing:
        return f"batch {batch.batch_id}: decision {missing[0]} is in the audit chain but not stored"
    stored = session.get(Response, batch.batch_id)
    if stored is not None:
        actual = hashlib.sha256(stored.content).hexdigest()
        if response_hash is None:
            return f"batch {batch.batch_id}: a response is stored but not its release in the chain"
        if actual != response_hash or stored.sha256 != response_hash:
            return f"batch {batch.batch_id}: the stored response does not match its release record"
    elif response_hash is not None:
        return f"batch {batch.batch_id}: the released response is missing from the store"
    return None


def check_batch(session: Session, batch: Batch, *, actor: str) -> None:
    """Raise `RecordTampered` (recorded in the chain) when the batch fails `batch_problem`."""
    problem = batch_problem(session, batch)
    if problem is not None:
        raise tampered(session, actor, batch.batch_id, problem)


def store_problem(session: Session) -> str | None:
    """The first batch whose decisions or response the chain does not vouch for."""
    for batch in session.scalars(select(Batch).order_by(Batch.received_at, Batch.batch_id)):
        problem = batch_problem(session, batch)
        if problem is not None:
            return problem
    return None


def tampered(session: Session, actor: str, batch_id: str, problem: str) -> RecordTampered:
    """Record the finding in a transaction of its own and return the error to raise."""
    session.rollback()
    log.warning("stored record altered: %s", problem)
    audit_session = Session(bind=session.get_bind(), info=dict(session.info))
    with audit_session, audit_session.begin():
        append_event(
            audit_session,
            NewEvent(
                actor=actor,
                action="tamper_detected",
                batch_id=batch_id,
                payload={"problem": problem},
            ),
        )
    return RecordTampered(f"stored record altered: {problem}")
