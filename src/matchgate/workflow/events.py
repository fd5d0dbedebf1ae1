"""What each workflow action writes to the audit chain (REQ-30, REQ-34).

In: the batch, its stored request rows and envelope, the decisions. Out:
`NewEvent`s with JSON payloads, appended by the caller inside the same
transaction as the action. A decision event carries everything the
accounting of disclosures needs (REQ-30): who asked, why, under which
agreement and statute, what was decided on which evidence, and what may be
disclosed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any, TypedDict

from matchgate import __version__
from matchgate.agreements.schema import Agreement, MatchPolicy
from matchgate.audit.chain import record_hash
from matchgate.audit.log import NewEvent
from matchgate.decide.recorded import DecisionEvidence
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


class DecisionValues(TypedDict):
    """A new decision row's columns, as the match step inserts them in bulk."""

    decision_id: str
    batch_id: str
    row_index: int
    request_id: str
    outcome: str
    machine_outcome: str
    reason_codes: str
    address_match: str | None
    tin: str | None
    lka: str | None
    review_reasons: str
    evidence: str
    decided_at: datetime
    version: int


def decision_hash(decision: Decision) -> str:
    """The SHA-256 of a decision row's content, as decision events carry it."""
    return record_hash({name: getattr(decision, name) for name in DECISION_FIELDS})


def values_hash(values: Mapping[str, Any]) -> str:
    """`decision_hash` of the row these values make (before it is stored, or as read)."""
    return record_hash({name: values[name] for name in DECISION_FIELDS})


def decision_recorded(actor: str, decision: DecisionValues) -> NewEvent:
    """A rejected row's decision: nothing was matched, but its row is vouched for too."""
    return NewEvent(
        actor=actor,
        action="decision_recorded",
        batch_id=decision["batch_id"],
        decision_id=decision["decision_id"],
        payload={
            "row_index": decision["row_index"],
            "outcome": decision["outcome"],
            "codes": decision["reason_codes"],
            "decision_sha256": values_hash(decision),
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


#: The fields of a request row as received that its `decision_made` event keeps.
AUDITED_REQUEST_FIELDS = ("case_number", "statute", "reason", "tax_periods")


def decision_made(
    actor: str,
    batch: Batch,
    request: Mapping[str, Any],
    decision: DecisionValues,
    agreement: Agreement,
    document: EnvelopeDocument,
    *,
    evidence: DecisionEvidence | None,
) -> NewEvent:
    """The audit event of one decision on the request row `request` (its fields as received)."""
    disclosable = decision["outcome"] == Outcome.VERIFIED.value and decision["lka"] is not None
    return NewEvent(
        actor=actor,
        action="decision_made",
        batch_id=batch.batch_id,
        decision_id=decision["decision_id"],
        payload={
            "row_index": decision["row_index"],
            "request_id": decision["request_id"],
            **{name: request.get(name) for name in AUDITED_REQUEST_FIELDS},
            "outcome": decision["outcome"],
            "review_reasons": decision["review_reasons"],
            "codes": decision["reason_codes"],
            "address_match": decision["address_match"],
            "taxpayer_tin": decision["tin"],
            "match_probability": evidence.match_probability if evidence else None,
            "match_weight": evidence.match_weight if evidence else None,
            "field_weights": dict(evidence.field_weights) if evidence else {},
            "runner_up_tin": evidence.runner_up_tin if evidence else None,
            "fields_disclosed": list(agreement.disclose) if disclosable else [],
            "agreement_id": agreement.id,
            "agreement_hash": agreement.content_hash,
            "thresholds": _thresholds(agreement),
            "master_vintage": batch.vintage_id,
            "model_version": batch.model_version,
            "software_version": __version__,
            "decision_sha256": values_hash(decision),
            **({"disclosure_hold": True} if evidence and evidence.disclosure_hold else {}),
            **envelope_facts(document),
        },
    )


def _thresholds(agreement: Agreement) -> dict[str, Any]:
    # The same for every decision of a batch: dumped once per agreement, copied per event.
    return dict(_dumped_thresholds(agreement.match))


@lru_cache(maxsize=16)
def _dumped_thresholds(match: MatchPolicy) -> Mapping[str, Any]:
    return MappingProxyType(match.model_dump(mode="json"))


def simple(actor: str, action: str, batch_id: str | None = None, **payload: Any) -> NewEvent:
    return NewEvent(actor=actor, action=action, batch_id=batch_id, payload=payload)
