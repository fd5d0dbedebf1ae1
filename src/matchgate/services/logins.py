"""Use cases of web logins: passwords, sessions, lockout, logout (REQ-34, REQ-39).

In: a user name and a password (or a session id from a cookie), and the
login policy (failures before lockout, lockout length, idle timeout, from
the settings). Out: a `LoginGrant` (the new session's random id, shown to
the browser once, and its CSRF token), the `Principal` a live session
belongs to, or a refusal. Passwords are kept as argon2 hashes; a session id
only as its SHA-256. Every login, failed login, lockout and logout is an
event in the audit chain, in the same transaction as the change it records.
A failed login says only "wrong name or password", whatever the cause.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchgate.audit.log import NewEvent, append_event
from matchgate.domain.lifecycle import Role
from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError
from matchgate.store.database import clock_of
from matchgate.store.tables import User
from matchgate.store.web_tables import WebCredential, WebSession
from matchgate.workflow.store import PermissionDenied, Store, require_role, roles_of

#: The shortest password `user password` accepts.
MIN_PASSWORD_LENGTH = 12


class LoginFailed(MatchgateError):
    """Wrong name or password, or the account is locked: one message for every cause."""

    category = ErrorCategory.FORBIDDEN

    def __init__(self) -> None:
        super().__init__("wrong user name or password, or the account is locked")


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 3
    lockout: timedelta = timedelta(minutes=15)
    idle: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Principal:
    """Who is acting, with the roles they hold; `csrf` is set for a browser session."""

    name: str
    roles: frozenset[str]
    csrf: str | None = None

    def holds(self, role: Role) -> bool:
        return role.value in self.roles or Role.ADMIN.value in self.roles


@dataclass(frozen=True)
class LoginGrant:
    session_id: str
    principal: Principal


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stamp the store writes is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LoginService:
    """Web logins over the workflow store."""

    def __init__(self, store: Store, policy: LoginPolicy | None = None) -> None:
        self._store = store
        self._policy = policy or LoginPolicy()
        self._hasher = PasswordHasher()
        self._decoy: str | None = None

    def set_password(self, name: str, password: str, *, actor: str | None) -> None:
        """Set a user's web password: the user themself, or an admin (the first, unasked)."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidArgument(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        with self._store.transaction() as session:
            if session.get(User, name) is None:
                raise InvalidArgument(f"unknown user {name!r}: add it with `matchgate user add`")
            if actor != name:
                require_role(session, actor, Role.ADMIN)
            stamp = clock_of(session)()
            credential = session.get(WebCredential, name)
            hashed = self._hasher.hash(password)
            if credential is None:
                session.add(
                    WebCredential(
                        user_name=name, password_hash=hashed, failures=0, changed_at=stamp
                    )
                )
            else:
                credential.password_hash, credential.changed_at = hashed, stamp
                credential.failures, credential.locked_until = 0, None
            append_event(session, _event(actor or name, "password_set", user=name))

    def login(self, name: str, password: str) -> LoginGrant:
        """A new session for a right name and password; refused (and audited) otherwise."""
        with self._store.transaction() as session:
            now = clock_of(session)()
            user = session.get(User, name)
            credential = session.get(WebCredential, name) if user is not None else None
            if user is None or credential is None:
                # As slow as a wrong password, so the answer's timing does not tell
                # whether the name exists.
                self._spend(password)
                append_event(session, _event(name, "login_failed", cause="unknown"))
                granted = None
            else:
                granted = self._check(session, user, credential, password, now)
        if granted is None:
            raise LoginFailed()
        return granted

    def _spend(self, password: str) -> None:
        """Verify against a decoy hash: the time a real check takes, for an unknown name."""
        if self._decoy is None:
            self._decoy = self._hasher.hash(secrets.token_urlsafe(16))
        with contextlib.suppress(VerificationError):
            self._hasher.verify(self._decoy, password)

    def _check(
        self,
        session: Session,
        user: User,
        credential: WebCredential,
        password: str,
        now: datetime,
    ) -> LoginGrant | None:
        if credential.locked_until is not None and _aware(credential.locked_until) > now:
            append_event(session, _event(user.name, "login_failed", cause="locked"))
            return None
        try:
            self._hasher.verify(credential.password_hash, password)
        except (VerificationError, InvalidHashError):
            credential.failures += 1
            append_event(session, _event(user.name, "login_failed", cause="password"))
            if credential.failures >= self._policy.max_failures:
                credential.locked_until = now + self._policy.lockout
                credential.failures = 0
                append_event(
                    session,
                    _event(user.name, "account_locked", until=credential.locked_until.isoformat()),
                )
            return None
        credential.failures, credential.locked_until = 0, None
        if self._hasher.check_needs_rehash(credential.password_hash):
            credential.password_hash = self._hasher.hash(password)
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        session.add(
            WebSession(
                id_hash=digest(session_id),
                user_name=user.name,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
            )
        )
        append_event(session, _event(user.name, "login_succeeded"))
        return LoginGrant(session_id, Principal(user.name, frozenset(roles_of(user)), csrf))

    def resolve(self, session_id: str) -> Principal | None:
        """The user of a live session (its idle clock restarted); None if ended or idle."""
        with self._store.transaction() as session:
            now = clock_of(session)()
            row = session.get(WebSession, digest(session_id))
            if row is None or row.ended_at is not None:
                return None
            if now - _aware(row.last_seen_at) > self._policy.idle:
                row.ended_at = now
                append_event(session, _event(row.user_name, "session_expired"))
                return None
            user = session.get(User, row.user_name)
            if user is None:  # pragma: no cover - users are never deleted
                return None
            row.last_seen_at = now
            return Principal(user.name, frozenset(roles_of(user)), row.csrf_token)

    def logout(self, session_id: str) -> None:
        with self._store.transaction() as session:
            row = session.get(WebSession, digest(session_id))
            if row is None or row.ended_at is not None:
                return
            row.ended_at = clock_of(session)()
            append_event(session, _event(row.user_name, "logout"))

    def principal(self, name: str) -> Principal:
        """A user and their roles (for an API token's holder)."""
        with self._store.transaction() as session:
            user = session.get(User, name)
            if user is None:
                raise PermissionDenied(f"unknown user {name!r}")
            return Principal(user.name, frozenset(roles_of(user)))

    def active_sessions(self, name: str) -> int:
        with self._store.transaction() as session:
            rows = session.scalars(
                select(WebSession).where(
                    WebSession.user_name == name, WebSession.ended_at.is_(None)
                )
            )
            return len(list(rows))


def _event(actor: str, action: str, **payload: str) -> NewEvent:
    return NewEvent(actor=actor, action=action, payload=dict(payload))
