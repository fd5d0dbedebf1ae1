"""Use cases of the safeguards: disclosure holds (REQ-23) and incidents (REQ-40).

In: TINs and reasons, incident report fields, ids, the acting user. Out:
typed holds and incidents (with their 24-hour notification deadline and
whether it has passed). The rules live in `workflow/holds.py` and
`workflow/incidents.py`; every change is an audit event.
"""

from __future__ import annotations

from datetime import datetime

from matchgate.workflow.holds import HoldInfo, lift_hold, list_holds, place_hold
from matchgate.workflow.incidents import (
    IncidentInfo,
    IncidentReport,
    close_incident,
    list_incidents,
    notify_incident,
    open_incident,
)
from matchgate.workflow.store import Store

__all__ = ["HoldInfo", "IncidentInfo", "IncidentReport", "SafeguardService"]


class SafeguardService:
    """Holds on taxpayers, and incidents with their reporting clock."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def now(self) -> datetime:
        return self._store.clock()

    def hold(self, tin: str, reason: str, *, actor: str | None) -> HoldInfo:
        """Put a taxpayer on hold: every later decision about them is NO_MATCH."""
        return place_hold(self._store, tin, reason, actor=actor)

    def lift(self, tin: str, reason: str, *, actor: str | None) -> None:
        lift_hold(self._store, tin, reason, actor=actor)

    def holds(self, *, actor: str | None) -> list[HoldInfo]:
        return list_holds(self._store, actor=actor)

    def open_incident(self, report: IncidentReport, *, actor: str | None) -> IncidentInfo:
        return open_incident(self._store, report, actor=actor)

    def notify_incident(self, incident_id: int, *, actor: str | None) -> IncidentInfo:
        return notify_incident(self._store, incident_id, actor=actor)

    def close_incident(self, incident_id: int, *, actor: str | None) -> IncidentInfo:
        return close_incident(self._store, incident_id, actor=actor)

    def incidents(self, *, actor: str | None) -> list[IncidentInfo]:
        return list_incidents(self._store, actor=actor)
