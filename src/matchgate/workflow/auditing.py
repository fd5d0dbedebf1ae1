"""Auditors' use cases: verify and export the chain, account, remediate.

Each is one transaction that also appends its own audit event (reads of the
audit log and accounting queries are themselves accounted for, REQ-34).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from matchgate.agreements.schema import Agreement
from matchgate.audit import accounting, remediation
from matchgate.audit.log import ChainReport, NewEvent, append_event, export, verify
from matchgate.domain.lifecycle import Role
from matchgate.logs import get_logger
from matchgate.store.database import session_scope
from matchgate.workflow.store import Store, require_role

log = get_logger("audit")


def verify_audit(store: Store, *, actor: str | None) -> ChainReport:
    with session_scope(store.sessions) as session:
        require_role(session, actor, Role.AUDITOR)
        report = verify(session)
        broken = report.first_break
        if broken is None:
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


def export_audit(
    store: Store,
    out: Path,
    *,
    actor: str | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    with session_scope(store.sessions) as session:
        require_role(session, actor, Role.AUDITOR)
        append_event(
            session,
            NewEvent(
                actor=actor or "",
                action="audit_exported",
                payload={
                    "since": since.isoformat() if since else None,
                    "until": until.isoformat() if until else None,
                },
            ),
        )
        session.flush()
        return export(session, out, since=since, until=until)


def account(
    store: Store,
    *,
    actor: str | None,
    tin: str | None = None,
    agency: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[accounting.Disclosure]:
    with session_scope(store.sessions) as session:
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
    notice: Path,
    *,
    actor: str | None,
    since: date | None = None,
) -> list[remediation.Finding]:
    with session_scope(store.sessions) as session:
        require_role(session, actor, Role.AUDITOR)
        findings = remediation.replay(session, corrected, since=since)
        remediation.record_run(session, actor or "", corrected, findings)
        accounting.write_csv(remediation.disposal_notice_csv(findings), notice)
        return findings
