"""Accounting of disclosures (26 U.S.C. 6103(p)(3)(A), Privacy Act (c); REQ-32).

In: the workflow store and filters (a TIN, an agency, a date range). Out:
every disclosure made — a VERIFIED decision in a released batch — with what
was disclosed, to whom, when, under which agreement, statute and case
number, in which batch and decision; as rows for a table and as CSV bytes;
and yearly counts by agency and statute. Each query is itself an audit event.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchgate.agreements.schema import Agreement
from matchgate.agreements.statutes import normalise_statute
from matchgate.audit.log import NewEvent, append_event
from matchgate.disclose.response import neutralise_formula
from matchgate.domain.lifecycle import BatchState
from matchgate.domain.outcomes import Outcome
from matchgate.intake.envelope import parse_envelope
from matchgate.store.tables import Batch, BatchRow, Decision


@dataclass(frozen=True)
class Disclosure:
    tin: str
    fields_disclosed: str
    requesting_agency: str
    requesting_official: str
    receiving_officers: str
    released_at: str
    agreement_id: str
    statute: str
    case_number: str
    reason: str
    batch_id: str
    request_id: str
    decision_id: str
    #: `trial` for a one-shot `verify` (released without review), else `workflow`.
    kind: str = "workflow"


COLUMNS = tuple(f.name for f in fields(Disclosure))


@dataclass(frozen=True)
class Accounting:
    """The disclosures a query found, in release order, and the views of them auditors use."""

    disclosures: tuple[Disclosure, ...]

    def csv(self) -> bytes:
        return disclosures_csv(self.disclosures)

    def yearly_counts(self) -> dict[str, int]:
        return yearly_counts(self.disclosures)


def utc(moment: datetime) -> datetime:
    """A stored time as UTC: SQLite gives it back naive (it was stored in UTC),
    PostgreSQL in the session's time zone."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def disclosures(
    session: Session,
    *,
    tin: str | None = None,
    agency: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[Disclosure]:
    query = (
        select(Decision, Batch, BatchRow)
        .join(Batch, Batch.batch_id == Decision.batch_id)
        .join(
            BatchRow,
            (BatchRow.batch_id == Decision.batch_id) & (BatchRow.row_index == Decision.row_index),
        )
        .where(
            Decision.outcome == Outcome.VERIFIED.value,
            Batch.state == BatchState.RELEASED.value,
        )
        .order_by(Batch.released_at, Decision.batch_id, Decision.row_index)
    )
    if tin:
        query = query.where(Decision.tin == tin.replace("-", "").strip())
    found = []
    for decision, batch, row in session.execute(query).all():
        if batch.released_at is None:
            continue
        released = utc(batch.released_at)
        day = released.date()
        if (since and day < since) or (until and day > until):
            continue
        envelope = parse_envelope(batch.envelope, source=batch.batch_id)
        requesting_agency = _text(envelope.requesting_agency)
        if agency and requesting_agency.casefold() != agency.casefold():
            continue
        agreement = Agreement.model_validate(json.loads(batch.agreement_document))
        request = json.loads(row.fields)
        officers = envelope.receiving_officers
        found.append(
            Disclosure(
                tin=decision.tin or "",
                fields_disclosed=";".join(agreement.disclose) if decision.lka else "",
                requesting_agency=requesting_agency,
                requesting_official=_text(envelope.requesting_official_name),
                receiving_officers=";".join(o for o in officers if isinstance(o, str))
                if isinstance(officers, list)
                else "",
                released_at=released.isoformat(),
                agreement_id=batch.agreement_id,
                statute=_text(request.get("statute")),
                case_number=_text(request.get("case_number")),
                reason=_text(request.get("reason")),
                batch_id=batch.batch_id,
                request_id=decision.request_id,
                decision_id=decision.decision_id,
                kind="trial" if batch.trial else "workflow",
            )
        )
    return found


def yearly_counts(found: Sequence[Disclosure]) -> dict[str, int]:
    """Disclosures per year, agency and statute: `"2025|Agency|8 U.S.C. 1326" -> n`."""
    counts = Counter(
        f"{d.released_at[:4]}|{d.requesting_agency}|{_statute_key(d.statute)}" for d in found
    )
    return dict(sorted(counts.items()))


def _statute_key(text: str) -> str:
    parsed = normalise_statute(text)
    return parsed.canonical if parsed else text


def record_query(session: Session, actor: str, criteria: dict[str, str | None], n: int) -> None:
    append_event(
        session,
        NewEvent(actor=actor, action="accounting_query", payload={**criteria, "results": n}),
    )


def disclosures_csv(found: Sequence[Disclosure]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for disclosure in found:
        writer.writerow({k: neutralise_formula(v) for k, v in asdict(disclosure).items()})
    return buffer.getvalue().encode("utf-8")
