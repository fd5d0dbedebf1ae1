"""What each workflow action writes to the audit chain (REQ-30, REQ-34).

In: the batch, its stored request rows and envelope, the decisions. Out:
`NewEvent`s with JSON payloads, appended by the caller inside the same
transaction as the action. A decision event carries everything the
accounting of disclosures needs (REQ-30): who asked, why, under which
agreement and statute, what was decided on which evidence, and what may be
disclosed.
"""

from __future__ import annotations

import json
from typing import Any

from matchgate import __version__
from matchgate.agreements.schema import Agreement
from matchgate.audit.chain import record_hash
from matchgate.audit.log import NewEvent
from matchgate.decide.recorded import DecisionEvidence, load_evidence
from matchgate.domain.outcomes import Outcome
from matchgate.intake.envelope import EnvelopeDocument
from matchgate.store.tables import Batch, BatchRow, Decision


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def envelope_facts(document: EnvelopeDocument) -> dict[str, Any]:
    return {
        "requesting_agency": _text(document.requesting_agency),
        "requesting_official": _text(document.requesting_official_name),
        "requesting_official_title": _text(document.requesting_official_title),
        "receiving_officers": document.receiving_officers
        if isinstance(document.receiving_officers, list)
        else [],
        "submitted_at": _text(document.submitted_at),
    }


#: The decision columns whose content the chain vouches for (not the stamp or
#: the optimistic-lock version, which carry no meaning for the disclosure).
DECISION_FIELDS = (
    "decision_id",
    "batch_id",
    "row_index",
    "request_id",
    "outcome",
    "machine_outcome",
    "reason_codes",
    "address_match",
    "tin",
    "lka",
    "review_reasons",
    "evidence",
)


def decision_hash(decision: Decision) -> str:
    """The SHA-256 of a decision row's content, as decision events carry it."""
    return record_hash({name: getattr(decision, name) for name in DECISION_FIELDS})


def decision_recorded(actor: str, decision: Decision) -> NewEvent:
    """A rejected row's decision: nothing was matched, but its row is vouched for too."""
    return NewEvent(
        actor=actor,
        action="decision_recorded",
        batch_id=decision.batch_id,
        decision_id=decision.decision_id,
        payload={
            "row_index": decision.row_index,
            "outcome": decision.outcome,
            "codes": decision.reason_codes,
            "decision_sha256": decision_hash(decision),
        },
    )


def batch_received(actor: str, batch: Batch, document: EnvelopeDocument, rows: int) -> NewEvent:
    return NewEvent(
        actor=actor,
        action="batch_received",
        batch_id=batch.batch_id,
        payload={
            "content_hash": batch.content_hash,
            "rows": rows,
            "agreement_id": batch.agreement_id,
            "agreement_hash": batch.agreement_hash,
            **envelope_facts(document),
        },
    )


def request_rejected(actor: str, row: BatchRow) -> NewEvent:
    return NewEvent(
        actor=actor,
        action="request_rejected",
        batch_id=row.batch_id,
        payload={"row_index": row.row_index, "request_id": row.request_id, "codes": row.codes},
    )


def decision_made(
    actor: str,
    batch: Batch,
    row: BatchRow,
    decision: Decision,
    agreement: Agreement,
    document: EnvelopeDocument,
    *,
    evidence: DecisionEvidence | None = None,
) -> NewEvent:
    """The audit event of one decision; `evidence` is the decision's, if already parsed."""
    request = json.loads(row.fields)
    if evidence is None:
        evidence = load_evidence(decision.evidence)
    disclosable = decision.outcome == Outcome.VERIFIED.value and decision.lka is not None
    return NewEvent(
        actor=actor,
        action="decision_made",
        batch_id=batch.batch_id,
        decision_id=decision.decision_id,
        payload={
            "row_index": row.row_index,
            "request_id": decision.request_id,
            "case_number": request.get("case_number"),
            "statute": request.get("statute"),
            "reason": request.get("reason"),
            "tax_periods": request.get("tax_periods"),
            "outcome": decision.outcome,
            "review_reasons": decision.review_reasons,
            "codes": decision.reason_codes,
            "address_match": decision.address_match,
            "taxpayer_tin": decision.tin,
            "match_probability": evidence.match_probability if evidence else None,
            "match_weight": evidence.match_weight if evidence else None,
            "field_weights": dict(evidence.field_weights) if evidence else {},
            "runner_up_tin": evidence.runner_up_tin if evidence else None,
            "fields_disclosed": list(agreement.disclose) if disclosable else [],
            "agreement_id": agreement.id,
            "agreement_hash": agreement.content_hash,
            "thresholds": agreement.match.model_dump(mode="json"),
            "master_vintage": batch.vintage_id,
            "model_version": batch.model_version,
            "software_version": __version__,
            "decision_sha256": decision_hash(decision),
            **({"disclosure_hold": True} if evidence and evidence.disclosure_hold else {}),
            **envelope_facts(document),
        },
    )


def simple(actor: str, action: str, batch_id: str | None = None, **payload: Any) -> NewEvent:
    return NewEvent(actor=actor, action=action, batch_id=batch_id, payload=payload)
