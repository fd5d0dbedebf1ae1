"""Auditors' use cases: verify and export the chain, account, remediate, recall.

Each is one transaction that also appends its own audit event (reads of the
audit log and accounting queries are themselves accounted for, REQ-34). Out:
typed results, never files: the chain report, the export as lines produced
while they are read, the disclosures found, and disposal notices with their
CSV bytes; the adapter decides where they go.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchgate.agreements.schema import Agreement
from matchgate.audit import accounting, remediation
from matchgate.audit.anchor import AnchoredHead, AnchorMismatch, check_anchor, sign_head
from matchgate.audit.chain import ChainBreak
from matchgate.audit.log import (
    ChainReport,
    NewEvent,
    append_event,
    append_events,
    export_lines,
    verify,
)
from matchgate.domain.lifecycle import Role
from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError, NotFound
from matchgate.logs import get_logger
from matchgate.store.database import clock_of
from matchgate.store.tables import AuditEventRow
from matchgate.workflow.integrity import store_problem
from matchgate.workflow.store import Store, require_role

log = get_logger("audit")

#: The audit action that records a recall; a disclosure is recalled once.
RECALLED = "disclosure_recalled"


class AlreadyRecalled(MatchgateError):
    """A disclosure named for recall was recalled before: its notice already went out."""

    category = ErrorCategory.CONFLICT


@dataclass(frozen=True)
class AnchorCheck:
    """An anchor to check the chain against, and the key that signed it."""

    document: bytes
    source: str
    key_pem: bytes
    key_source: str


def verify_audit(
    store: Store, *, actor: str | None, anchor: AnchorCheck | None = None
) -> ChainReport:
    with store.transaction() as session:
        require_role(session, actor, Role.AUDITOR)
        head = (
            check_anchor(
                anchor.document, anchor.key_pem, source=anchor.source, key_source=anchor.key_source
            )
            if anchor is not None
            else None
        )
        report = verify(session)
        if report.first_break is None and head is not None:
            report = replace(report, first_break=_against_anchor(session, head))
        broken = report.first_break
        if broken is None:
            report = replace(report, tampered_record=store_problem(session))
        if report.tampered_record is not None:
            log.warning("stored record altered (verified by %s)", actor)
        elif broken is None:
            append_event(
                session,
                NewEvent(
                    actor=actor or "", action="audit_verified", payload={"events": report.events}
                ),
            )
        else:
            # Nothing is appended to a chain that no longer holds; the finding
            # goes to the application log (ids only) and to the caller.
            log.warning("audit chain broken at event %d (verified by %s)", broken.seq, actor)
    return report


def _against_anchor(session: Session, head: AnchoredHead) -> ChainBreak | None:
    """Where the (internally intact) chain departs from the anchored head, if it does."""
    row = session.get(AuditEventRow, head.seq)
    if row is None:
        return ChainBreak(head.seq, "the anchored head is no longer in the chain (truncated)")
    if row.hash != head.hash:
        return ChainBreak(head.seq, "does not match the anchored head (the chain was rewritten)")
    return None


def anchor_audit(store: Store, key_pem: bytes, *, key_source: str, actor: str | None) -> bytes:
    """A signed head of the chain (after checking that the chain holds), recorded."""
    with store.transaction() as session:
        require_role(session, actor, Role.AUDITOR)
        report = verify(session)
        if report.first_break is not None:
            raise AnchorMismatch(
                f"audit chain broken at event {report.first_break.seq}: "
                "a broken chain is not anchored"
            )
        moment = clock_of(session)().astimezone(UTC).isoformat(timespec="seconds")
        head = AnchoredHead(seq=report.head_seq, hash=report.head_hash, at=moment)
        document = sign_head(head, key_pem, key_source=key_source)
        append_event(
            session,
            NewEvent(
                actor=actor or "",
                action="audit_anchored",
                payload={"seq": head.seq, "hash": head.hash},
            ),
        )
    return document


class AuditExport:
    """An export of the chain: its JSON Lines as bytes, produced as they are read.

    Iterating it runs one transaction that records the export (`audit_exported`,
    which the export itself holds) and reads the events a chunk at a time, so
    memory stays bounded whatever the chain's length. `events` counts the
    event lines produced so far (the last line is the heads, not an event).
    """

    def __init__(
        self, store: Store, actor: str, since: datetime | None, until: datetime | None
    ) -> None:
        self._store, self._actor = store, actor
        self.since, self.until = since, until
        self.events = 0

    def __iter__(self) -> Iterator[bytes]:
        with self._store.transaction() as session:
            append_event(
                session,
                NewEvent(
                    actor=self._actor,
                    action="audit_exported",
                    payload={
                        "since": self.since.isoformat() if self.since else None,
                        "until": self.until.isoformat() if self.until else None,
                    },
                ),
            )
            session.flush()
            held: str | None = None
            for line in export_lines(session, since=self.since, until=self.until):
                if held is not None:
                    self.events += 1
                    yield held.encode("utf-8")
                held = line
            if held is not None:
                yield held.encode("utf-8")


def export_audit(
    store: Store,
    *,
    actor: str | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditExport:
    """The export of the chain (README "Checking an exported chain elsewhere").

    The role is checked now, so a refused export produces nothing at all.
    """
    with store.transaction() as session:
        require_role(session, actor, Role.AUDITOR)
    return AuditExport(store, actor or "", since, until)


def account(
    store: Store,
    *,
    actor: str | None,
    tin: str | None = None,
    agency: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[accounting.Disclosure]:
    with store.transaction() as session:
        require_role(session, actor, Role.AUDITOR)
        found = accounting.disclosures(session, tin=tin, agency=agency, since=since, until=until)
        accounting.record_query(
            session,
            actor or "",
            {
                "tin": tin,
                "agency": agency,
                "since": since.isoformat() if since else None,
                "until": until.isoformat() if until else None,
            },
            len(found),
        )
        return found


def remediate(
    store: Store,
    corrected: Agreement,
    *,
    actor: str | None,
    since: date | None = None,
) -> remediation.DisposalNotice:
    """Every past disclosure the corrected agreement would not make (REQ-36)."""
    with store.transaction() as session:
        require_role(session, actor, Role.AUDITOR)
        findings = remediation.replay(session, corrected, since=since)
        remediation.record_run(session, actor or "", corrected, findings)
        return remediation.DisposalNotice(tuple(findings))


def recall(
    store: Store,
    decision_ids: list[str],
    reason: str,
    *,
    actor: str | None,
) -> remediation.DisposalNotice:
    """Recall named disclosures (REQ-36): a disposal notice plus an audit entry for each."""
    if not reason.strip():
        raise InvalidArgument("a recall needs a reason for the requesting agency")
    wanted = set(decision_ids)
    with store.transaction() as session:
        require_role(session, actor, Role.AUDITOR)
        found = [d for d in accounting.disclosures(session) if d.decision_id in wanted]
        unknown = wanted - {d.decision_id for d in found}
        if unknown:
            raise NotFound(
                f"not a disclosure (unknown, not VERIFIED or not released): {sorted(unknown)}"
            )
        recalled: set[str | None] = set(
            session.scalars(
                select(AuditEventRow.decision_id).where(
                    AuditEventRow.action == RECALLED, AuditEventRow.decision_id.in_(wanted)
                )
            )
        )
        if recalled:
            named = sorted(d for d in recalled if d)
            raise AlreadyRecalled(f"already recalled, no second notice: {named}")
        findings = [
            remediation.Finding(
                request_id=d.request_id,
                batch_id=d.batch_id,
                case_number=d.case_number,
                decision_id=d.decision_id,
                disclosed_fields=d.fields_disclosed,
                reasons=(reason.strip(),),
            )
            for d in found
        ]
        append_events(
            session,
            [
                NewEvent(
                    actor=actor or "",
                    action=RECALLED,
                    batch_id=f.batch_id,
                    decision_id=f.decision_id,
                    payload={"reason": reason.strip(), "fields": f.disclosed_fields},
                )
                for f in findings
            ],
        )
        return remediation.DisposalNotice(tuple(findings))


def record_workspace_event(
    store: Store, actor: str | None, action: str, **payload: str | int | list[str] | None
) -> None:
    """Master-file loads and model training happen in the workspace; account for them."""
    with store.transaction() as session:
        append_event(session, NewEvent(actor=actor or "", action=action, payload=dict(payload)))
