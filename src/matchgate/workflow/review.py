"""The review queue: held requests, shown beside their candidates, decided by officers.

In: the workflow store (and, for display, a lookup of the candidates' records
in the master file). Out: typed `ReviewItem`s (ITEM_ID = the decision id)
with the request as received, the candidate taxpayers' records as filed and
the recorded evidence; and officers' decisions: confirm (-> VERIFIED) or
deny (-> NO_MATCH), each with a note.

Two officers working the same queue can never both decide one item: the
decision row carries a version, and an update that finds it changed fails
(optimistic locking, the same on SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from matchgate.audit.log import NewEvent, append_event, append_events
from matchgate.decide.recorded import DecisionEvidence, load_evidence
from matchgate.domain.lifecycle import BatchState, Role
from matchgate.domain.outcomes import Outcome, ReviewReason
from matchgate.domain.taxpayers import TaxpayerRecord
from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError, NotFound
from matchgate.logs import get_logger
from matchgate.store.database import clock_of
from matchgate.store.tables import Batch, BatchRow, Decision, ReviewAction, ReviewRecord
from matchgate.workflow import events
from matchgate.workflow.holds import HoldConflict, is_held
from matchgate.workflow.store import Store, denied, require_role

log = get_logger("review")


class AlreadyDecided(MatchgateError):
    """Another officer decided this item first (or it was never held)."""

    category = ErrorCategory.CONFLICT


@dataclass(frozen=True)
class ReviewItem:
    """One held request, the evidence it was held on, and its candidates as filed."""

    item_id: str
    batch_id: str
    request_id: str
    review_reasons: tuple[ReviewReason, ...]
    #: The request row as received: column -> value (None for an empty cell).
    request: Mapping[str, str | None]
    evidence: DecisionEvidence
    #: The candidate taxpayers' records as filed (name, DOB, address history),
    #: in the order of `evidence.candidates`.
    candidate_records: tuple[TaxpayerRecord, ...] = ()

    @property
    def candidate_tins(self) -> list[str]:
        return [c.tin for c in self.evidence.candidates]

    def as_json(self) -> dict[str, Any]:
        """The `review list --json` document (README "JSON output")."""
        return {
            "item_id": self.item_id,
            "batch_id": self.batch_id,
            "request_id": self.request_id,
            "review_reasons": [r.value for r in self.review_reasons],
            "request": dict(self.request),
            "evidence": self.evidence.as_json(),
            "candidate_records": [r.as_json() for r in self.candidate_records],
        }


#: Candidates' records by TIN, from the master file.
RecordLookup = Callable[[Sequence[str]], Mapping[str, TaxpayerRecord]]


def keep_review_records(store: Store, batch_id: str, records: RecordLookup) -> int:
    """Keep the candidates' records as filed for a batch's held requests (once).

    Called as the batch reaches review, against the vintage it was matched
    with, so that loading a newer master file never changes what an officer
    sees for an item already held. Returns how many records were kept.
    """
    with store.transaction() as session:
        held = session.scalars(
            select(Decision).where(
                Decision.batch_id == batch_id, Decision.outcome == Outcome.PENDING_REVIEW.value
            )
        ).all()
        done = set(_kept_records(session, [d.decision_id for d in held]))
        wanted = [(d, _evidence_of(d)) for d in held if d.decision_id not in done]
        tins = [c.tin for _, evidence in wanted for c in evidence.candidates]
        if not tins:
            return 0
        found = records(tins)
        kept = 0
        for decision, evidence in wanted:
            for position, candidate in enumerate(evidence.candidates):
                record = found.get(candidate.tin)
                if record is None:
                    continue
                session.add(
                    ReviewRecord(
                        decision_id=decision.decision_id,
                        position=position,
                        tin=candidate.tin,
                        record=json.dumps(record.as_json(), sort_keys=True, ensure_ascii=False),
                    )
                )
                kept += 1
        return kept


def _kept_records(
    session: Session, decision_ids: Sequence[str]
) -> dict[str, dict[str, TaxpayerRecord]]:
    kept: dict[str, dict[str, TaxpayerRecord]] = {}
    if not decision_ids:
        return kept
    for row in session.scalars(
        select(ReviewRecord)
        .where(ReviewRecord.decision_id.in_(list(decision_ids)))
        .order_by(ReviewRecord.decision_id, ReviewRecord.position)
    ):
        kept.setdefault(row.decision_id, {})[row.tin] = TaxpayerRecord.from_json(
            json.loads(row.record)
        )
    return kept


def _vintage_of(session: Session, decision: Decision) -> str | None:
    batch = session.get(Batch, decision.batch_id)
    return batch.vintage_id if batch is not None else None


def list_review_items(
    store: Store,
    *,
    actor: str | None,
    batch_id: str | None = None,
    records: RecordLookup | None = None,
    current_vintage: str | None = None,
    item_id: str | None = None,
) -> list[ReviewItem]:
    """Every PENDING_REVIEW request (of one batch, or of all, or the one item), in batch order.

    `records` looks up the candidates' taxpayer records in the master file, so
    the officer sees the request beside them.
    """
    with store.transaction() as session:
        require_role(session, actor, Role.OFFICER)
        query = (
            select(Decision, BatchRow)
            .join(
                BatchRow,
                (BatchRow.batch_id == Decision.batch_id)
                & (BatchRow.row_index == Decision.row_index),
            )
            .where(Decision.outcome == Outcome.PENDING_REVIEW.value)
            .order_by(Decision.batch_id, Decision.row_index)
        )
        if batch_id is not None:
            query = query.where(Decision.batch_id == batch_id)
        if item_id is not None:
            query = query.where(Decision.decision_id == item_id)
        held = [
            (decision, row, _evidence_of(decision))
            for decision, row in session.execute(query).all()
        ]
        kept = _kept_records(session, [decision.decision_id for decision, _, _ in held])
        # Held before candidates were kept: look them up, but only in the vintage
        # the batch was matched against, never in a newer one.
        fresh = {
            decision.decision_id
            for decision, _, _ in held
            if decision.decision_id not in kept
            and (current_vintage is None or _vintage_of(session, decision) == current_vintage)
        }
        tins = [
            c.tin
            for decision, _, evidence in held
            if decision.decision_id in fresh
            for c in evidence.candidates
        ]
        found = records(tins) if records is not None and tins else {}
        for decision, _, evidence in held:
            if decision.decision_id in fresh:
                kept[decision.decision_id] = {
                    c.tin: found[c.tin] for c in evidence.candidates if c.tin in found
                }
        items = [
            ReviewItem(
                item_id=decision.decision_id,
                batch_id=decision.batch_id,
                request_id=decision.request_id,
                review_reasons=tuple(
                    ReviewReason(r) for r in decision.review_reasons.split(";") if r
                ),
                request=json.loads(row.fields),
                evidence=evidence,
                candidate_records=tuple(
                    kept[decision.decision_id][c.tin]
                    for c in evidence.candidates
                    if c.tin in kept.get(decision.decision_id, {})
                ),
            )
            for decision, row, evidence in held
        ]
        # Showing candidates is a view of taxpayer records: account for it.
        append_events(
            session,
            [
                NewEvent(
                    actor=actor or "",
                    action="records_viewed",
                    batch_id=item.batch_id,
                    decision_id=item.item_id,
                    payload={"tins": item.candidate_tins},
                )
                for item in items
            ],
        )
        return items


def _evidence_of(decision: Decision) -> DecisionEvidence:
    evidence = load_evidence(decision.evidence)
    if evidence is None:  # pragma: no cover - only matched decisions are ever held
        raise MatchgateError(f"item {decision.decision_id} has no evidence recorded")
    return evidence


def decide_review_item(
    store: Store, item_id: str, *, actor: str | None, confirm: bool, note: str
) -> Outcome:
    """Confirm or deny one held request; the officer may not be the batch's submitter."""
    if not note.strip():
        raise InvalidArgument("a review decision needs a note saying why")
    try:
        with store.transaction() as session:
            require_role(session, actor, Role.OFFICER)
            decision = session.get(Decision, item_id)
            if decision is None:
                raise NotFound(f"no review item {item_id!r}")
            batch = session.get(Batch, decision.batch_id)
            assert batch is not None
            if batch.submitted_by == actor:
                raise denied(
                    session,
                    actor or "",
                    {"rule": "submitter may not review", "batch_id": batch.batch_id},
                    f"{actor!r} submitted batch {batch.batch_id}; another officer must review it",
                )
            if BatchState(batch.state) is not BatchState.IN_REVIEW:
                raise AlreadyDecided(f"batch {batch.batch_id} is {batch.state}, not in_review")
            if decision.outcome != Outcome.PENDING_REVIEW.value:
                raise AlreadyDecided(f"item {item_id} was already decided ({decision.outcome})")
            if confirm and is_held(session, decision.tin):
                raise HoldConflict(
                    f"item {item_id}: the taxpayer is under a disclosure hold; deny it"
                )
            outcome = Outcome.VERIFIED if confirm else Outcome.NO_MATCH
            decision.outcome = outcome.value
            if not confirm:
                decision.address_match = None
            session.add(
                ReviewAction(
                    decision_id=item_id,
                    batch_id=batch.batch_id,
                    actor=actor,
                    action="confirm" if confirm else "deny",
                    note=note.strip(),
                    at=clock_of(session)(),
                )
            )
            append_event(
                session,
                NewEvent(
                    actor=actor or "",
                    action="review_action",
                    batch_id=batch.batch_id,
                    decision_id=item_id,
                    payload={
                        "action": "confirm" if confirm else "deny",
                        "outcome": outcome.value,
                        "note": note.strip(),
                        "decision_sha256": events.decision_hash(decision),
                    },
                ),
            )
        log.info("review item %s: %s by %s", item_id, outcome.value, actor)
    except StaleDataError as exc:
        raise AlreadyDecided(f"item {item_id} was decided by another officer meanwhile") from exc
    return outcome
