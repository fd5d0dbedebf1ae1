"""Batches that survive: submit, process step by step, approve, release, respond.

In: request and envelope files, the workspace (master file, model) and the
workflow store. Out: a batch whose every state change is committed before the
next step starts: `received` (rows stored) -> `validated` (reason codes
stored) -> `matched` (every decision stored, in one transaction) ->
`in_review` -> `approved` (by a second person) -> `released` (the response
stored once). A process killed anywhere resumes on the next command from the
last committed state; the steps are deterministic, so nothing is decided
twice and no response is released twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from matchgate.agreements.schema import Agreement
from matchgate.audit.log import append_event, append_events
from matchgate.disclose.minimise import LastKnownAddress, ResponseRow, response_row
from matchgate.disclose.response import response_csv, write_response
from matchgate.domain.lifecycle import PROCESSING, BatchState, Role, can_move
from matchgate.domain.outcomes import AddressMatch, Outcome
from matchgate.domain.reasons import ReasonCode, join_codes
from matchgate.errors import InputFileError, MatchgateError
from matchgate.intake.envelope import check_envelope, parse_envelope
from matchgate.intake.readers import REQUEST_COLUMNS, read_requests
from matchgate.intake.validate import validate_requests
from matchgate.logs import get_logger
from matchgate.pipeline import BatchOutcome, DecidedRequest, Matcher, verify_batch
from matchgate.store.database import session_scope
from matchgate.store.tables import Batch, BatchRow, Decision, Response, ReviewAction
from matchgate.workflow import events
from matchgate.workflow.evidence import decision_evidence
from matchgate.workflow.store import Store, denied, now, require_role


class BatchConflict(MatchgateError):
    """The same batch_id was submitted again with different content."""

    exit_code = 2


class BatchStateError(MatchgateError):
    """The batch is not in a state that allows this action."""

    exit_code = 5


log = get_logger("workflow")

#: Test hook: `MATCHGATE_FAULT=<point>` kills the process with SIGKILL when the
#: named point is reached (used by the fault-injection test, never in service).
FAULT_VARIABLE = "MATCHGATE_FAULT"


def _fault(point: str) -> None:
    if os.environ.get(FAULT_VARIABLE) == point:
        os.kill(os.getpid(), signal.SIGKILL)


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


def content_hash(requests_path: Path, envelope_path: Path) -> str:
    digest = hashlib.sha256()
    for path in (requests_path, envelope_path):
        try:
            digest.update(path.read_bytes())
        except OSError as exc:
            raise InputFileError(path, exc.strerror or "cannot be read") from exc
        digest.update(b"\x00")
    return digest.hexdigest()


def _move(batch: Batch, target: BatchState) -> None:
    current = BatchState(batch.state)
    if not can_move(current, target):
        raise BatchStateError(f"batch {batch.batch_id} is {current.value}, cannot become {target}")
    batch.state = target.value
    batch.updated_at = now()
    log.info("batch %s: %s -> %s", batch.batch_id, current.value, target.value)


def submit_batch(
    store: Store,
    requests_path: Path,
    envelope_path: Path,
    agreement: Agreement,
    *,
    actor: str | None,
) -> tuple[str, bool]:
    """Store a batch as `received`; the same id and content again is the same batch.

    Returns the batch id and whether it already existed (a resubmission).
    """
    try:
        return _submit(store, requests_path, envelope_path, agreement, actor=actor)
    except IntegrityError:
        # The same batch was stored by a concurrent submit: resubmit (idempotent).
        return _submit(store, requests_path, envelope_path, agreement, actor=actor)


def _submit(
    store: Store,
    requests_path: Path,
    envelope_path: Path,
    agreement: Agreement,
    *,
    actor: str | None,
) -> tuple[str, bool]:
    digest = content_hash(requests_path, envelope_path)
    table = read_requests(requests_path)
    envelope_text = envelope_path.read_text(encoding="utf-8-sig")
    document = parse_envelope(envelope_text, source=str(envelope_path))
    batch_id = document.batch_id if isinstance(document.batch_id, str) else ""
    if not batch_id.strip():
        raise InputFileError(envelope_path, "the envelope has no batch_id", column="batch_id")
    with session_scope(store.sessions) as session:
        require_role(session, actor, Role.OPERATOR)
        existing = session.get(Batch, batch_id)
        if existing is not None:
            if existing.content_hash != digest:
                raise BatchConflict(
                    f"batch {batch_id} was already submitted with different content; "
                    "a corrected batch needs a new batch_id"
                )
            if existing.agreement_hash != agreement.content_hash:
                raise BatchConflict(
                    f"batch {batch_id} was submitted under agreement {existing.agreement_id} "
                    f"({existing.agreement_hash[:12]}); resubmit it under the same agreement"
                )
            log.info("batch %s resubmitted with the same content: resuming", batch_id)
            return batch_id, True
        stamp = now()
        session.add(
            Batch(
                batch_id=batch_id,
                content_hash=digest,
                state=BatchState.RECEIVED.value,
                agreement_id=agreement.id,
                agreement_hash=agreement.content_hash,
                agreement_document=json.dumps(agreement.document(), sort_keys=True),
                envelope=envelope_text,
                submitted_by=actor,
                received_at=stamp,
                updated_at=stamp,
            )
        )
        session.flush()
        for index, row in enumerate(table.to_pylist()):
            session.add(
                BatchRow(
                    batch_id=batch_id,
                    row_index=index,
                    request_id=(row.get("request_id") or "").strip(),
                    fields=json.dumps(row, ensure_ascii=False),
                )
            )
        batch = session.get(Batch, batch_id)
        assert batch is not None
        append_event(session, events.batch_received(actor or "", batch, document, table.num_rows))
        log.info("batch %s received: %d rows", batch_id, table.num_rows)
    _fault("after-received")
    return batch_id, False


class BatchFailed(MatchgateError):
    """The batch cannot be processed as stored; it is marked `failed` with the reason."""

    exit_code = 5


def _agreement_of(batch: Batch) -> Agreement:
    try:
        agreement = Agreement.model_validate(json.loads(batch.agreement_document))
    except ValueError:
        agreement = None
    if agreement is None or agreement.content_hash != batch.agreement_hash:
        raise BatchFailed(f"batch {batch.batch_id}: the stored agreement does not match its hash")
    return agreement


def _mark_failed(store: Store, batch_id: str, reason: str, actor: str | None) -> None:
    with session_scope(store.sessions) as session:
        batch = _get(session, batch_id)
        if can_move(BatchState(batch.state), BatchState.FAILED):
            batch.failure_reason = reason
            _move(batch, BatchState.FAILED)
            append_event(
                session,
                events.simple(actor or batch.submitted_by, "batch_failed", batch_id, reason=reason),
            )


def _table_of(session: Session, batch_id: str) -> pa.Table:
    rows = session.scalars(
        select(BatchRow).where(BatchRow.batch_id == batch_id).order_by(BatchRow.row_index)
    ).all()
    records = [json.loads(row.fields) for row in rows]
    columns = list(REQUEST_COLUMNS) + sorted({k for r in records for k in r} - set(REQUEST_COLUMNS))
    return pa.table({c: pa.array([r.get(c) for r in records], pa.string()) for c in columns})


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
        _mark_failed(store, batch_id, exc.message, actor)
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
        with session_scope(store.sessions) as session:
            batch = _get(session, batch_id)
            state = BatchState(batch.state)
            if state not in PROCESSING:
                break
            agreement = _agreement_of(batch)
            table = _table_of(session, batch_id)
            document = parse_envelope(batch.envelope, source=f"batch {batch_id} envelope")
            envelope = check_envelope(document, agreement)
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
                _move(batch, BatchState.VALIDATED)
                point = "after-validated"
            elif state is BatchState.VALIDATED:
                matcher = matcher_factory() if not envelope.problems else None
                outcome = verify_batch(table, envelope, batch_id, agreement, matcher)
                matched = outcome
                _fault("mid-matched")
                batch.vintage_id = outcome.vintage_id or None
                batch.model_version = outcome.model_version or None
                stamp = now()
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
                        for d in stored
                        if d.outcome != Outcome.REJECTED.value
                    ],
                )
                _move(batch, BatchState.MATCHED)
                point = "after-matched"
            else:  # MATCHED: hand over to people
                _move(batch, BatchState.IN_REVIEW)
                point = "after-in-review"
        _fault(point)
    return batch_summary(store, batch_id), matched


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
        evidence=json.dumps(decision_evidence(decision), sort_keys=True),
        decided_at=stamp,
    )


def _get(session: Session, batch_id: str) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise MatchgateError(f"no batch {batch_id!r} in this workspace")
    return batch


def batch_summary(store: Store, batch_id: str) -> BatchSummary:
    with session_scope(store.sessions) as session:
        batch = _get(session, batch_id)
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
    with session_scope(store.sessions) as session:
        ids = session.scalars(select(Batch.batch_id).order_by(Batch.received_at)).all()
    return [batch_summary(store, batch_id) for batch_id in ids]


def decided_rows(session: Session, batch: Batch) -> list[ResponseRow]:
    """Response rows from the stored decisions, in batch order (minimal by construction)."""
    agreement = _agreement_of(batch)
    decisions = session.scalars(
        select(Decision).where(Decision.batch_id == batch.batch_id).order_by(Decision.row_index)
    ).all()
    rows = []
    for d in decisions:
        lka = LastKnownAddress(**json.loads(d.lka)) if d.lka else None
        rows.append(
            response_row(
                request_id=d.request_id,
                batch_id=batch.batch_id,
                decision_id=d.decision_id,
                outcome=Outcome(d.outcome),
                reason_codes=[ReasonCode(c) for c in d.reason_codes.split(";") if c],
                address_match=AddressMatch(d.address_match) if d.address_match else None,
                lka=lka,
                disclose=agreement.disclose,
            )
        )
    return rows


def preview_response(store: Store, batch_id: str, out: Path) -> Path:
    """The response as it stands now (trial runs; nothing is released)."""
    with session_scope(store.sessions) as session:
        rows = decided_rows(session, _get(session, batch_id))
    return write_response(rows, out)


def approve_batch(store: Store, batch_id: str, *, actor: str | None) -> BatchSummary:
    """The second person approves: nothing pending, and not the reviewer or submitter."""
    with session_scope(store.sessions) as session:
        require_role(session, actor, Role.APPROVER)
        batch = _get(session, batch_id)
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
        if _agreement_of(batch).two_person_release:
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
        batch.approved_at = now()
        _move(batch, BatchState.APPROVED)
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
    with session_scope(store.sessions) as session:
        require_role(session, actor, Role.APPROVER)
        batch = _get(session, batch_id)
        if BatchState(batch.state) is not BatchState.RELEASED:
            _store_response(session, batch, actor)
    _fault("after-released")
    return batch_summary(store, batch_id)


def _store_response(session: Session, batch: Batch, actor: str | None) -> None:
    if BatchState(batch.state) is not BatchState.APPROVED:
        raise BatchStateError(f"batch {batch.batch_id} is {batch.state}: approve it first")
    content = response_csv(decided_rows(session, batch))
    digest = hashlib.sha256(content).hexdigest()
    session.add(Response(batch_id=batch.batch_id, content=content, sha256=digest, created_at=now()))
    batch.released_by = actor
    batch.released_at = now()
    _move(batch, BatchState.RELEASED)
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


def respond(store: Store, batch_id: str, out: Path, *, actor: str | None) -> Path:
    """Write the released response; nothing reaches the requester before release."""
    with session_scope(store.sessions) as session:
        require_role(session, actor, Role.OPERATOR)
        batch = _get(session, batch_id)
        response = session.get(Response, batch_id)
        if response is None or BatchState(batch.state) is not BatchState.RELEASED:
            raise BatchStateError(f"batch {batch_id} is {batch.state}: nothing is released yet")
        content = response.content
        append_event(
            session,
            events.simple(actor or "", "response_downloaded", batch_id, sha256=response.sha256),
        )
    partial = out.with_name(f".{out.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, out)
    return out
