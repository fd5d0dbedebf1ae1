"""Remediation replay: which past disclosures a corrected agreement would not make.

In: the workflow store, a corrected agreement, an optional start date. Out:
one `Finding` per disclosure that would not be made now, with the reasons,
and a disposal notice for the requesting agency (FORMATS.md conventions:
UTF-8 CSV with a header): request_id, batch_id, case_number, the disclosed
fields to destroy, and the reason.

Nothing is re-matched. The corrected agreement's intake rules are applied to
the request rows as received (the batch's own envelope, read as if it named
the corrected agreement), and its decision rules by calling the decision
policy itself (`decide.policy.decide`) on the inputs recorded with each
decision, under the corrected thresholds: one decision rule, so a replay
under the agreement a decision was made under always gives that decision.
A disclosure stands when the replay identifies the same taxpayer and
verifies it, or holds it for review and an officer confirmed it (a person,
not the score, identified it; the law's other conditions still apply).
Otherwise the finding says why, in words the requesting agency may read:
the address given is not on file, something given conflicts, the score is
below the threshold; and a disclosure that still stands but names fields
the corrected agreement no longer allows is listed for those fields.

Decisions recorded before the evidence carried the policy's inputs are
judged on the assessment recorded with them (the same three findings).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchgate.agreements.schema import Agreement
from matchgate.audit.accounting import disclosures
from matchgate.audit.log import NewEvent, append_event
from matchgate.decide.policy import Decision
from matchgate.decide.recorded import DecisionEvidence, load_evidence, thresholds_for
from matchgate.disclose.response import neutralise_formula
from matchgate.domain.outcomes import Outcome
from matchgate.intake.envelope import check_envelope, parse_envelope
from matchgate.intake.readers import REQUEST_COLUMNS
from matchgate.intake.validate import boilerplate_reason_rows, validate_requests
from matchgate.store.tables import Batch, BatchRow, ReviewAction
from matchgate.store.tables import Decision as DecisionRow

NOTICE_COLUMNS = ("request_id", "batch_id", "case_number", "disclosed_fields", "reason")

NOT_ON_FILE = "the address given is not an address on file for the taxpayer"
CONFLICT = "the DOB, TIN or suffix given conflicts with the taxpayer's"
BELOW_THRESHOLD = "the identification is below the agreement's certainty threshold"
HELD = "the request would be held for a disclosure officer's review"
UNCERTAIN = "the identification is not certain under the corrected rules"


@dataclass(frozen=True)
class Finding:
    request_id: str
    batch_id: str
    case_number: str
    decision_id: str
    disclosed_fields: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DisposalNotice:
    """What the requesting agency must dispose of, and why (FORMATS.md conventions)."""

    findings: tuple[Finding, ...]

    def csv(self) -> bytes:
        return disposal_notice_csv(self.findings)


@dataclass(frozen=True)
class _Intake:
    """A batch's rows judged by the corrected agreement's intake rules."""

    codes: dict[int, list[str]]
    boilerplate: set[int]


def _intake(session: Session, batch: Batch, corrected: Agreement) -> _Intake:
    rows = session.scalars(
        select(BatchRow).where(BatchRow.batch_id == batch.batch_id).order_by(BatchRow.row_index)
    ).all()
    records = [json.loads(r.fields) for r in rows]
    table = pa.table(
        {c: pa.array([r.get(c) for r in records], pa.string()) for c in REQUEST_COLUMNS}
    )
    document = parse_envelope(batch.envelope, source=batch.batch_id)
    # Judge the request by the corrected rules, not by which agreement it named.
    document = replace(document, agreement_id=corrected.id)
    codes = validate_requests(table, check_envelope(document, corrected), corrected)
    boilerplate = boilerplate_reason_rows(
        table.column("reason").to_pylist(), [not c for c in codes], corrected
    )
    return _Intake(
        codes={row.row_index: [c.value for c in codes[row.row_index]] for row in rows},
        boilerplate={rows[i].row_index for i in boilerplate},
    )


def decision_reasons(
    evidence: DecisionEvidence | None,
    corrected: Agreement,
    *,
    boilerplate_reason: bool,
    confirmed_by_officer: bool,
) -> list[str]:
    """Why the corrected decision rules would not disclose this taxpayer's address again."""
    if evidence is None:  # pragma: no cover - a disclosure is always a matched decision
        return [UNCERTAIN]
    if evidence.inputs is None:
        return _recorded_reasons(evidence, corrected, confirmed_by_officer=confirmed_by_officer)
    replayed = evidence.inputs.decision(
        thresholds_for(corrected), boilerplate_reason=boilerplate_reason
    )
    same_taxpayer = replayed.tin == evidence.tin
    if same_taxpayer and replayed.outcome is Outcome.VERIFIED:
        return []
    if same_taxpayer and replayed.outcome is Outcome.PENDING_REVIEW and confirmed_by_officer:
        return []
    return _why_not(replayed, evidence.tin, corrected, confirmed_by_officer=confirmed_by_officer)


def _why_not(
    replayed: Decision, tin: str | None, corrected: Agreement, *, confirmed_by_officer: bool
) -> list[str]:
    """The replay's own assessment of the disclosed taxpayer, in the notice's words."""
    reasons = []
    found = [
        (a, c)
        for a, c in zip(replayed.assessments, replayed.candidates, strict=True)
        if a.tin == tin
    ]
    for assessment, candidate in found:
        if corrected.match.require_address_on_file and not assessment.address_on_file:
            reasons.append(NOT_ON_FILE)
        if assessment.conflict:
            reasons.append(CONFLICT)
        below = candidate.match_probability < corrected.match.min_match_probability
        if below and not confirmed_by_officer:
            reasons.append(BELOW_THRESHOLD)
    if reasons:
        return reasons
    if replayed.outcome is Outcome.PENDING_REVIEW and replayed.tin == tin:
        return [HELD]
    return [UNCERTAIN]


def _recorded_reasons(
    evidence: DecisionEvidence, corrected: Agreement, *, confirmed_by_officer: bool
) -> list[str]:
    """For decisions recorded without the policy's inputs: their recorded assessment."""
    reasons = []
    winner = evidence.candidate(evidence.tin)
    if winner is not None:
        if corrected.match.require_address_on_file and not winner.address_on_file:
            reasons.append(NOT_ON_FILE)
        if winner.dob_conflict or winner.tin_conflict or winner.suffix_conflict:
            reasons.append(CONFLICT)
    probability = evidence.match_probability
    below = probability is not None and probability < corrected.match.min_match_probability
    if below and not confirmed_by_officer:
        reasons.append(BELOW_THRESHOLD)
    return reasons


def replay(session: Session, corrected: Agreement, *, since: date | None = None) -> list[Finding]:
    """Every past disclosure the corrected agreement would not make, with reasons."""
    findings = []
    intake_by_batch: dict[str, _Intake] = {}
    for disclosure in disclosures(session, since=since):
        decision = session.get(DecisionRow, disclosure.decision_id)
        batch = session.get(Batch, disclosure.batch_id)
        assert decision is not None and batch is not None
        if batch.batch_id not in intake_by_batch:
            intake_by_batch[batch.batch_id] = _intake(session, batch, corrected)
        intake = intake_by_batch[batch.batch_id]
        reasons = []
        codes = intake.codes[decision.row_index]
        if codes:
            reasons.append(f"the request would be REJECTED ({';'.join(codes)})")
        confirmed = (
            session.scalar(
                select(ReviewAction.id).where(
                    ReviewAction.decision_id == decision.decision_id,
                    ReviewAction.action == "confirm",
                )
            )
            is not None
        )
        reasons += decision_reasons(
            load_evidence(decision.evidence),
            corrected,
            boilerplate_reason=decision.row_index in intake.boilerplate,
            confirmed_by_officer=confirmed,
        )
        disclosed = [f for f in disclosure.fields_disclosed.split(";") if f]
        destroy = disclosed
        not_allowed = [f for f in disclosed if f not in corrected.disclose]
        if not reasons and not_allowed:
            reasons.append(f"{', '.join(not_allowed)} may not be disclosed")
            destroy = not_allowed
        if reasons:
            findings.append(
                Finding(
                    request_id=decision.request_id,
                    batch_id=batch.batch_id,
                    case_number=disclosure.case_number,
                    decision_id=decision.decision_id,
                    disclosed_fields=";".join(destroy),
                    reasons=tuple(reasons),
                )
            )
    return findings


def record_run(
    session: Session, actor: str, corrected: Agreement, findings: Sequence[Finding]
) -> None:
    append_event(
        session,
        NewEvent(
            actor=actor,
            action="remediation_run",
            payload={
                "agreement_id": corrected.id,
                "agreement_hash": corrected.content_hash,
                "findings": [f.decision_id for f in findings],
            },
        ),
    )


def disposal_notice_csv(findings: Sequence[Finding]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(NOTICE_COLUMNS)
    for f in findings:
        cells = [f.request_id, f.batch_id, f.case_number, f.disclosed_fields, "; ".join(f.reasons)]
        writer.writerow([neutralise_formula(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8")
