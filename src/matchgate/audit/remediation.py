"""Remediation replay: which past disclosures a corrected agreement would not make.

In: the workflow store, a corrected agreement, an optional start date. Out:
one `Finding` per disclosure that would not be made now, with the reasons,
and a disposal notice for the requesting agency (FORMATS.md conventions:
UTF-8 CSV with a header): request_id, batch_id, case_number, the disclosed
fields to destroy, and the reason.

Nothing is re-matched. The corrected agreement's intake rules are applied to
the request rows as received (the batch's own envelope, read as if it named
the corrected agreement), and its decision rules to the evidence recorded
with each decision: was the address given on file for the taxpayer, was the
score above the threshold, was anything in conflict, may these fields be
disclosed at all.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchgate.agreements.schema import Agreement
from matchgate.audit.accounting import disclosures
from matchgate.audit.log import NewEvent, append_event
from matchgate.disclose.response import neutralise_formula
from matchgate.intake.envelope import check_envelope, parse_envelope
from matchgate.intake.readers import REQUEST_COLUMNS
from matchgate.intake.validate import validate_requests
from matchgate.store.tables import Batch, BatchRow, Decision, ReviewAction

NOTICE_COLUMNS = ("request_id", "batch_id", "case_number", "disclosed_fields", "reason")


@dataclass(frozen=True)
class Finding:
    request_id: str
    batch_id: str
    case_number: str
    decision_id: str
    disclosed_fields: str
    reasons: tuple[str, ...]


def _batch_codes(session: Session, batch: Batch, corrected: Agreement) -> dict[int, list[str]]:
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
    return {row.row_index: [c.value for c in codes[row.row_index]] for row in rows}


def _decision_reasons(
    evidence: dict[str, Any], corrected: Agreement, *, confirmed_by_officer: bool
) -> list[str]:
    reasons = []
    winner = next(
        (c for c in evidence.get("candidates", []) if c.get("tin") == evidence.get("tin")), None
    )
    if winner is not None:
        if corrected.match.require_address_on_file and not winner.get("address_on_file"):
            reasons.append("the address given is not an address on file for the taxpayer")
        if (
            winner.get("dob_conflict")
            or winner.get("tin_conflict")
            or winner.get("suffix_conflict")
        ):
            reasons.append("the DOB, TIN or suffix given conflicts with the taxpayer's")
    probability = evidence.get("match_probability")
    # A held request that a disclosure officer confirmed was identified by a
    # person, not by the score; the law's other conditions still apply to it.
    below = probability is not None and probability < corrected.match.min_match_probability
    if below and not confirmed_by_officer:
        reasons.append("the identification is below the agreement's certainty threshold")
    return reasons


def replay(session: Session, corrected: Agreement, *, since: date | None = None) -> list[Finding]:
    """Every past disclosure the corrected agreement would not make, with reasons."""
    findings = []
    codes_by_batch: dict[str, dict[int, list[str]]] = {}
    for disclosure in disclosures(session, since=since):
        decision = session.get(Decision, disclosure.decision_id)
        batch = session.get(Batch, disclosure.batch_id)
        assert decision is not None and batch is not None
        if batch.batch_id not in codes_by_batch:
            codes_by_batch[batch.batch_id] = _batch_codes(session, batch, corrected)
        reasons = []
        codes = codes_by_batch[batch.batch_id][decision.row_index]
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
        reasons += _decision_reasons(
            json.loads(decision.evidence), corrected, confirmed_by_officer=confirmed
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


def record_run(session: Session, actor: str, corrected: Agreement, findings: list[Finding]) -> None:
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


def disposal_notice_csv(findings: list[Finding]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(NOTICE_COLUMNS)
    for f in findings:
        cells = [f.request_id, f.batch_id, f.case_number, f.disclosed_fields, "; ".join(f.reasons)]
        writer.writerow([neutralise_formula(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8")
