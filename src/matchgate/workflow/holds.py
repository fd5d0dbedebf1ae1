"""Disclosure holds (REQ-23): the taxpayers no response may disclose anything about.

In: the workflow store, a TIN and the reason (6103(i)(6): a confidential
informant, a tax investigation a disclosure would impair), the acting
disclosure officer. Out: holds placed and lifted, each an audit event
(`hold_placed`, `hold_lifted`), and the set of held TINs the match step
reads (`held_tins`): a decision on a held taxpayer is NO_MATCH, marked as
held in its evidence (`decide/controls.py`), and an officer cannot confirm a
held request whose taxpayer was put on hold after it was matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchgate.audit.log import NewEvent, append_event
from matchgate.domain.lifecycle import Role
from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError, NotFound
from matchgate.standardise.identifiers import normalise_tin
from matchgate.store.database import clock_of
from matchgate.store.tables import DisclosureHold
from matchgate.workflow.store import Store, require_role


class HoldConflict(MatchgateError):
    """The taxpayer is already on hold, or a held taxpayer's disclosure was to be confirmed."""

    category = ErrorCategory.CONFLICT


@dataclass(frozen=True)
class HoldInfo:
    tin: str
    reason: str
    placed_by: str
    placed_at: datetime


def _tin(text: str) -> str:
    tin = normalise_tin(text)
    if tin is None:
        raise InvalidArgument("a hold needs a TIN of 9 digits")
    return tin


def place_hold(store: Store, tin: str, reason: str, *, actor: str | None) -> HoldInfo:
    """Put a taxpayer on hold (a disclosure officer), audited."""
    if not reason.strip():
        raise InvalidArgument("a hold needs a reason")
    key = _tin(tin)
    with store.transaction() as session:
        require_role(session, actor, Role.OFFICER)
        if session.get(DisclosureHold, key) is not None:
            raise HoldConflict("the taxpayer is already on hold")
        hold = DisclosureHold(
            tin=key, reason=reason.strip(), placed_by=actor or "", placed_at=clock_of(session)()
        )
        session.add(hold)
        append_event(
            session,
            NewEvent(
                actor=actor or "",
                action="hold_placed",
                payload={"tin": key, "reason": reason.strip()},
            ),
        )
        return HoldInfo(hold.tin, hold.reason, hold.placed_by, hold.placed_at)


def lift_hold(store: Store, tin: str, reason: str, *, actor: str | None) -> None:
    """Lift a hold (a disclosure officer), audited; later batches may disclose again."""
    if not reason.strip():
        raise InvalidArgument("lifting a hold needs a reason")
    key = _tin(tin)
    with store.transaction() as session:
        require_role(session, actor, Role.OFFICER)
        hold = session.get(DisclosureHold, key)
        if hold is None:
            raise NotFound("the taxpayer is not on hold")
        session.delete(hold)
        append_event(
            session,
            NewEvent(
                actor=actor or "",
                action="hold_lifted",
                payload={"tin": key, "reason": reason.strip()},
            ),
        )


def list_holds(store: Store, *, actor: str | None) -> list[HoldInfo]:
    with store.transaction() as session:
        require_role(session, actor, Role.OFFICER)
        return [
            HoldInfo(h.tin, h.reason, h.placed_by, h.placed_at)
            for h in session.scalars(select(DisclosureHold).order_by(DisclosureHold.tin))
        ]


def held_tins(session: Session) -> frozenset[str]:
    """Every TIN under a hold now."""
    return frozenset(session.scalars(select(DisclosureHold.tin)))


def is_held(session: Session, tin: str | None) -> bool:
    return tin is not None and session.get(DisclosureHold, tin) is not None
