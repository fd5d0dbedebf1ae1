"""The workflow store's tables (SQLAlchemy 2), the same on SQLite and PostgreSQL.

What a batch needs to survive days and several officers: the batch and its
raw request rows, one decision per row with its evidence, the review actions
taken on held decisions, the approval and the released response, and the
users who did each of these. The schema is created and changed only by the
Alembic migrations in `matchgate/store/migrations`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    #: Comma-separated `Role` values.
    roles: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The operating-system login bound to this user (peer authentication in a
    #: production workspace); one login binds to at most one user.
    os_user: Mapped[str | None] = mapped_column(String(120), unique=True, index=True)
    #: A disabled user keeps their history but can no longer act.
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class WorkspaceMeta(Base):
    """Facts about the workspace itself, such as its kind (trial or production)."""

    __tablename__ = "workspace_meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class RegisteredAgreement(Base):
    """One version of an agreement in the registry: an id, a version and its content hash."""

    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("content_hash"),)

    agreement_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: The agreement as loaded (canonical JSON of `Agreement.document()`).
    document: Mapped[str] = mapped_column(Text)
    registered_by: Mapped[str] = mapped_column(String(120))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)


class Batch(Base):
    __tablename__ = "batches"

    batch_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: sha256 of the request file and envelope bytes: same id, same content.
    content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), index=True)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    agreement_id: Mapped[str] = mapped_column(String(100))
    agreement_hash: Mapped[str] = mapped_column(String(64))
    #: The agreement as loaded (JSON), so a batch is decided by the rules it came under.
    agreement_document: Mapped[str] = mapped_column(Text)
    #: The envelope as received (JSON object text).
    envelope: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    vintage_id: Mapped[str | None] = mapped_column(String(40))
    model_version: Mapped[str | None] = mapped_column(String(40))
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("users.name"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_by: Mapped[str | None] = mapped_column(ForeignKey("users.name"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: A trial (the one-shot `verify`): released without review or a second person.
    trial: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Optimistic lock: every state change bumps it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's API


class BatchRow(Base):
    """One request row as received (all columns as strings, JSON)."""

    __tablename__ = "batch_rows"

    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.batch_id"), primary_key=True)
    row_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(200))
    fields: Mapped[str] = mapped_column(Text)
    #: Reason codes found at validation (`;`-joined), empty when valid.
    codes: Mapped[str | None] = mapped_column(String(60))


class Decision(Base):
    """The decision on one request row, with its evidence (custodian-only)."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("batch_id", "row_index"),)

    decision_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.batch_id"), index=True)
    row_index: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    #: What the matcher decided, before any review.
    machine_outcome: Mapped[str] = mapped_column(String(20))
    reason_codes: Mapped[str] = mapped_column(String(60), default="")
    address_match: Mapped[str | None] = mapped_column(String(10))
    tin: Mapped[str | None] = mapped_column(String(9), index=True)
    #: The LKA as filed (JSON), kept so a confirmed review can disclose it.
    lka: Mapped[str | None] = mapped_column(Text)
    review_reasons: Mapped[str] = mapped_column(String(200), default="")
    evidence: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's API


class ReviewRecord(Base):
    """A held request's candidate as filed when it was held, so a new vintage never changes it."""

    __tablename__ = "review_records"

    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.decision_id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    tin: Mapped[str] = mapped_column(String(9))
    #: The `TaxpayerRecord` as JSON.
    record: Mapped[str] = mapped_column(Text)


class ReviewAction(Base):
    __tablename__ = "review_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.decision_id"), index=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.batch_id"), index=True)
    actor: Mapped[str] = mapped_column(ForeignKey("users.name"))
    action: Mapped[str] = mapped_column(String(10))  # confirm | deny
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Response(Base):
    """The response released to the requester: written once, never twice."""

    __tablename__ = "responses"

    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.batch_id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEventRow(Base):
    """One link of the append-only, hash-chained audit log (see audit/chain.py)."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60), index=True)
    batch_id: Mapped[str | None] = mapped_column(String(200), index=True)
    decision_id: Mapped[str | None] = mapped_column(String(64), index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's head, one row: locked by every append so links never fork."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class DisclosureHold(Base):
    """A taxpayer no disclosure may be made about (6103(i)(6); REQ-23)."""

    __tablename__ = "disclosure_holds"

    tin: Mapped[str] = mapped_column(String(9), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(120))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Incident(Base):
    """A possible improper inspection or disclosure, with the Pub 1075 report fields (REQ-40)."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    summary: Mapped[str] = mapped_column(Text)
    #: When it occurred, as known (free text: a date, a range, "unknown").
    occurred_at: Mapped[str | None] = mapped_column(String(40))
    discovered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    discovered_how: Mapped[str] = mapped_column(Text)
    data_elements: Mapped[str] = mapped_column(Text)
    #: The number of records involved, or a range.
    records: Mapped[str] = mapped_column(String(40))
    location: Mapped[str] = mapped_column(Text)
    systems: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(120))
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
