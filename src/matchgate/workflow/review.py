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
from sqlalchemy.orm.exc import StaleDataError

from matchgate.audit.log import NewEvent, append_event, append_events
from matchgate.decide.recorded import DecisionEvidence, load_evidence
from matchgate.domain.lifecycle import BatchState, Role
from matchgate.domain.outcomes import Outcome, ReviewReason
from matchgate.domain.taxpayers import TaxpayerRecord
from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError, NotFound
from matchgate.logs import get_logger
from matchgate.store.database import clock_of
from matchgate.store.tables import Batch, BatchRow, Decision, ReviewAction
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


def list_review_items(
    store: Store,
    *,
    actor: str | None,
    batch_id: str | None = None,
    records: RecordLookup | None = None,
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
        tins = [c.tin for _, _, evidence in held for c in evidence.candidates]
        found = records(tins) if records is not None else {}
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
                    found[c.tin] for c in evidence.candidates if c.tin in found
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
                    },
                ),
            )
        log.info("review item %s: %s by %s", item_id, outcome.value, actor)
    except StaleDataError as exc:
        raise AlreadyDecided(f"item {item_id} was decided by another officer meanwhile") from exc
    return outcome
