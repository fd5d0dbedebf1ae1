"""The audit log in the workflow store: append, verify, export.

In: the caller's SQLAlchemy session (an event is appended inside the same
transaction as the action it records, so either both happen or neither), or
the store for verification and export. Out: hash-chained `audit_events`
rows; `verify` reports the first broken link; `export_lines` gives the JSON
Lines that an outside party can check with the rule in `audit/chain.py`,
read and produced a chunk at a time, so an export of any size runs in
bounded memory.

Appends lock the single `audit_head` row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite serialises writers), so concurrent actions never fork the
chain.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from matchgate.audit.chain import (
    AuditEvent,
    ChainBreak,
    canonical_event,
    canonical_json,
    chain_hash,
    verify_chain,
)
from matchgate.store.database import clock_of
from matchgate.store.tables import AuditEventRow, AuditHead


@dataclass(frozen=True, slots=True)
class NewEvent:
    actor: str
    action: str
    payload: dict[str, Any]
    batch_id: str | None = None
    decision_id: str | None = None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def append_events(session: Session, events: Sequence[NewEvent]) -> int:
    """Append events in order inside the caller's transaction; returns the last seq.

    The rows go in as one bulk INSERT (a chunk of a national batch appends tens
    of thousands), each payload serialised once: stored as it is hashed.
    """
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    seq, previous = head.seq, head.hash
    at = _stamp(clock_of(session)())
    rows = []
    for new in events:
        seq += 1
        payload = canonical_json(new.payload)
        digest = chain_hash(
            previous,
            canonical_event(
                seq=seq,
                at=at,
                actor=new.actor,
                action=new.action,
                batch_id=new.batch_id,
                decision_id=new.decision_id,
                payload_json=payload,
            ),
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": new.actor,
                "action": new.action,
                "batch_id": new.batch_id,
                "decision_id": new.decision_id,
                "payload": payload,
                "prev_hash": previous,
                "hash": digest,
            }
        )
        previous = digest
    if rows:
        session.execute(insert(AuditEventRow), rows)
    head.seq, head.hash = seq, previous
    return seq


def append_event(session: Session, event: NewEvent) -> int:
    return append_events(session, [event])


def _as_event(row: AuditEventRow) -> AuditEvent:
    try:
        payload = json.loads(row.payload)
    except ValueError:
        payload = {"unreadable": row.payload}
    if canonical_json(payload) != row.payload:
        # Every stored byte counts: a payload re-written in another (even
        # equivalent) form is an edit, so it can no longer hash as stored.
        payload = {"not canonical": row.payload}
    return AuditEvent(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        batch_id=row.batch_id,
        decision_id=row.decision_id,
        payload=payload,
    )


def _rows(session: Session, chunk: int = 5000) -> Iterator[AuditEventRow]:
    last: int | None = None  # no lower bound at first: a forged seq 0 or -1 is read too
    while True:
        query = select(AuditEventRow).order_by(AuditEventRow.seq).limit(chunk)
        if last is not None:
            query = query.where(AuditEventRow.seq > last)
        rows = session.scalars(query).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


@dataclass(frozen=True)
class ChainReport:
    events: int
    head_seq: int
    head_hash: str
    first_break: ChainBreak | None
    #: A stored decision or response the (intact) chain does not vouch for.
    tampered_record: str | None = None


def verify(session: Session) -> ChainReport:
    """Recompute the whole chain; the head row must name its last link."""
    count = 0

    def links() -> Iterator[tuple[AuditEvent, str, str]]:
        nonlocal count
        for row in _rows(session):
            count += 1
            yield _as_event(row), row.prev_hash, row.hash

    broken = verify_chain(links())
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1)).one_or_none()
    if head is None:
        return ChainReport(
            events=count,
            head_seq=0,
            head_hash="",
            first_break=broken or ChainBreak(count + 1, "the chain head record is missing"),
        )
    if broken is None and head.seq != count:
        broken = ChainBreak(
            min(head.seq, count) + 1, f"the head names event {head.seq} but {count} are stored"
        )
    elif broken is None and count and head.hash != _last_hash(session):
        broken = ChainBreak(head.seq, "the head does not name the last event")
    return ChainReport(events=count, head_seq=head.seq, head_hash=head.hash, first_break=broken)


def _last_hash(session: Session) -> str:
    row = session.scalars(
        select(AuditEventRow).order_by(AuditEventRow.seq.desc()).limit(1)
    ).one_or_none()
    return row.hash if row else ""


def export_lines(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> Iterator[str]:
    """The events (with their links) as JSON Lines, then a last line naming the heads.

    Each line ends with a newline. The last line is `{"chain_head", "store_head"}`:
    the last link these lines hold, and the store's head as they were read.
    """
    lower = since.isoformat() if since else None
    upper = until.isoformat() if until else None
    last_seq, last_hash = 0, ""
    for row in _rows(session):
        day = row.at[:10]
        if (lower and day < lower[:10]) or (upper and day > upper[:10]):
            continue
        record = {
            "seq": row.seq,
            "at": row.at,
            "actor": row.actor,
            "action": row.action,
            "batch_id": row.batch_id,
            "decision_id": row.decision_id,
            "payload": json.loads(row.payload),
            "prev_hash": row.prev_hash,
            "hash": row.hash,
        }
        yield canonical_json(record) + "\n"
        last_seq, last_hash = row.seq, row.hash
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1)).one()
    closing = {
        # The head of what these lines hold (the whole chain unless a date
        # range was asked for), and the store's head when they were read.
        "chain_head": {"seq": last_seq, "hash": last_hash},
        "store_head": {"seq": head.seq, "hash": head.hash},
    }
    yield canonical_json(closing) + "\n"
