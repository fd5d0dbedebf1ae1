"""Incidents (REQ-40): possible improper inspections or disclosures, reported within 24 hours.

In: the workflow store, the Pub 1075 report fields (who to contact, when it
occurred, when and how it was discovered, what happened, the data elements,
the number of records, where, the systems involved) and the acting user.
Out: incidents with their 24-hour notification deadline (to TIGTA and the
IRS Office of Safeguards, counted from discovery), each change an audit
event (`incident_opened`, `incident_notified`, `incident_closed`). An
incident report never holds FTI: text with a TIN-like run of nine digits is
refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from matchgate.audit.log import NewEvent, append_event
from matchgate.domain.lifecycle import Role
from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError, NotFound
from matchgate.store.database import clock_of
from matchgate.store.tables import Incident
from matchgate.workflow.store import Store, require_role, require_user

#: Pub 1075: report to TIGTA and the Office of Safeguards within 24 hours of discovery.
NOTIFY_WITHIN = timedelta(hours=24)
_TIN_LIKE = re.compile(r"(?<!\d)\d{3}-?\d{2}-?\d{4}(?!\d)")


class IncidentState(MatchgateError):
    """The incident is already notified or closed."""

    category = ErrorCategory.CONFLICT


@dataclass(frozen=True)
class IncidentReport:
    """The Pub 1075 fields of an incident report (no FTI)."""

    summary: str
    discovered_how: str
    data_elements: str
    records: str
    location: str
    systems: str
    contact: str
    occurred_at: str | None = None

    def checked(self) -> IncidentReport:
        for name, value in vars(self).items():
            if value is None:
                continue
            if name != "occurred_at" and not value.strip():
                raise InvalidArgument(f"an incident report needs --{name.replace('_', '-')}")
            if _TIN_LIKE.search(value):
                raise InvalidArgument(
                    f"--{name.replace('_', '-')}: an incident report never holds FTI "
                    "(it looks like a TIN); describe it without the identifier"
                )
        return self


@dataclass(frozen=True)
class IncidentInfo:
    id: int
    summary: str
    opened_by: str
    discovered_at: datetime
    notify_by: datetime
    notified_at: datetime | None
    closed_at: datetime | None
    records: str
    data_elements: str

    @classmethod
    def of(cls, row: Incident) -> IncidentInfo:
        discovered = _utc(row.discovered_at)
        return cls(
            id=row.id,
            summary=row.summary,
            opened_by=row.opened_by,
            discovered_at=discovered,
            notify_by=discovered + NOTIFY_WITHIN,
            notified_at=_utc(row.notified_at) if row.notified_at else None,
            closed_at=_utc(row.closed_at) if row.closed_at else None,
            records=row.records,
            data_elements=row.data_elements,
        )

    def overdue(self, now: datetime) -> bool:
        """Not yet notified and past the 24-hour deadline."""
        return self.notified_at is None and now > self.notify_by


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def open_incident(store: Store, report: IncidentReport, *, actor: str | None) -> IncidentInfo:
    """Anyone who acts in the workspace records an incident the moment it is found."""
    report = report.checked()
    with store.transaction() as session:
        user = require_user(session, actor)
        row = Incident(
            summary=report.summary.strip(),
            occurred_at=report.occurred_at,
            discovered_at=clock_of(session)(),
            discovered_how=report.discovered_how.strip(),
            data_elements=report.data_elements.strip(),
            records=report.records.strip(),
            location=report.location.strip(),
            systems=report.systems.strip(),
            contact=report.contact.strip(),
            opened_by=user.name,
        )
        session.add(row)
        session.flush()
        info = IncidentInfo.of(row)
        append_event(
            session,
            NewEvent(
                actor=user.name,
                action="incident_opened",
                payload={
                    "incident": row.id,
                    "records": row.records,
                    "data_elements": row.data_elements,
                    "notify_by": info.notify_by.isoformat(),
                },
            ),
        )
        return info


def _change(store: Store, incident_id: int, *, actor: str | None, action: str) -> IncidentInfo:
    with store.transaction() as session:
        require_role(session, actor, Role.AUDITOR)
        row = session.get(Incident, incident_id)
        if row is None:
            raise NotFound(f"no incident {incident_id}")
        stamp = clock_of(session)()
        if action == "incident_notified":
            if row.notified_at is not None:
                raise IncidentState(f"incident {incident_id} was already notified")
            row.notified_at = stamp
        else:
            if row.closed_at is not None:
                raise IncidentState(f"incident {incident_id} is already closed")
            row.closed_at = stamp
        append_event(
            session, NewEvent(actor=actor or "", action=action, payload={"incident": incident_id})
        )
        return IncidentInfo.of(row)


def notify_incident(store: Store, incident_id: int, *, actor: str | None) -> IncidentInfo:
    """Record that TIGTA and the Office of Safeguards were notified (an auditor)."""
    return _change(store, incident_id, actor=actor, action="incident_notified")


def close_incident(store: Store, incident_id: int, *, actor: str | None) -> IncidentInfo:
    return _change(store, incident_id, actor=actor, action="incident_closed")


def list_incidents(store: Store, *, actor: str | None) -> list[IncidentInfo]:
    with store.transaction() as session:
        require_role(session, actor, Role.AUDITOR)
        return [IncidentInfo.of(r) for r in session.scalars(select(Incident).order_by(Incident.id))]
