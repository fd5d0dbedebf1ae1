"""The web app's own tables: passwords, login sessions, API tokens, batches sent by API.

Kept apart from the workflow's tables (`store/tables.py`) and created by their
own migration (`0005_web_logins_tokens`). Nothing secret is stored as given:
a password as its argon2 hash, a session id and a token secret as their
SHA-256 (both are long random strings, so a fast hash is enough to make a
stolen table useless).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from matchgate.store.tables import Base


class WebCredential(Base):
    """A user's web password (argon2) and the count of failed logins since the last success."""

    __tablename__ = "web_credentials"

    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A server-side login session; the browser holds only the random id."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """An API token: for a requester, bound to one agency and one agreement; or an officer's."""

    __tablename__ = "api_tokens"

    token_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    #: `requester` (agency and agreement set) or `officer` (acts with the user's roles).
    scope: Mapped[str] = mapped_column(String(20))
    agency: Mapped[str | None] = mapped_column(String(200))
    agreement_id: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiBatch(Base):
    """A batch a requester submitted through the API: whose it is.

    No foreign key to `batches`: purging a released batch leaves this row,
    which then names a batch that no longer exists (404, as for any other).
    """

    __tablename__ = "api_batches"

    batch_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    agency: Mapped[str] = mapped_column(String(200), index=True)
    agreement_id: Mapped[str] = mapped_column(String(100))
    token_id: Mapped[str] = mapped_column(ForeignKey("api_tokens.token_id"))
