"""Opening the workflow store and the people who act in it.

In: settings (workspace, optional database URL). Out: a `Store` (engine +
session factory, schema migrated to head) and the user checks every action
goes through: an action is always attributed to a named user with the role
it needs.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from matchgate.audit.log import NewEvent, append_event
from matchgate.clock import Clock, utc_now
from matchgate.domain.lifecycle import Role
from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError
from matchgate.store.database import clock_of, make_engine, session_scope, sqlite_url, upgrade
from matchgate.store.tables import User
from matchgate.workspace import Workspace


@dataclass(frozen=True)
class UserInfo:
    """A user and the roles they hold (sorted)."""

    name: str
    roles: tuple[str, ...]

    @classmethod
    def of(cls, user: User) -> UserInfo:
        return cls(user.name, tuple(sorted(roles_of(user))))


class PermissionDenied(MatchgateError):
    """The user is unknown or lacks the role, or the two-person rule forbids it."""

    category = ErrorCategory.FORBIDDEN


class UserExists(MatchgateError):
    """`user add` named a user who exists: adding never replaces a user's roles."""

    category = ErrorCategory.CONFLICT


@dataclass(frozen=True)
class Store:
    """The workflow store: its engine, its sessions, and the clock its stamps come from."""

    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock = utc_now

    def transaction(self) -> AbstractContextManager[Session]:
        """One unit of work (commit on success, roll back on error) on this store's clock."""
        return session_scope(self.sessions, clock=self.clock)

    def close(self) -> None:
        self.engine.dispose()


def open_store(
    workspace: Workspace, database_url: str | None = None, *, clock: Clock = utc_now
) -> Store:
    """The workflow store: PostgreSQL if a URL is given, else SQLite in the workspace.

    The schema is brought up to date (Alembic) here, once per opening.
    """
    if database_url is None:
        workspace.ensure()
        database_url = sqlite_url(workspace.home / "workflow.sqlite")
    engine = make_engine(database_url)
    upgrade(engine)
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False), clock=clock)


def add_user(store: Store, name: str, roles: list[Role], *, actor: str | None) -> UserInfo:
    """Create or update a user. The first user needs no actor; later ones need an admin."""
    name = name.strip()
    if not name:
        raise InvalidArgument("a user needs a name")
    with store.transaction() as session:
        existing_users = session.scalar(select(func.count()).select_from(User)) or 0
        if existing_users:
            require_role(session, actor, Role.ADMIN)
        user = session.get(User, name)
        if user is not None:
            raise UserExists(f"user {name!r} already exists; adding a user never changes roles")
        role_text = ",".join(sorted({r.value for r in roles}))
        before = user.roles if user is not None else None
        if user is None:
            user = User(name=name, roles=role_text, created_at=clock_of(session)())
            session.add(user)
        else:
            user.roles = role_text
        append_event(
            session,
            NewEvent(
                actor=actor or name,
                action="user_roles_changed",
                payload={"user": name, "roles_before": before, "roles": role_text},
            ),
        )
        return UserInfo.of(user)


def roles_of(user: User) -> set[str]:
    return {r for r in user.roles.split(",") if r}


def require_role(session: Session, actor: str | None, role: Role) -> User:
    """The acting user, if they exist and hold `role` (admins hold every role)."""
    if not actor:
        raise _denied(session, "", role, "no user given: pass --as USER or set MATCHGATE_USER")
    user = session.get(User, actor)
    if user is None:
        raise _denied(
            session, actor, role, f"unknown user {actor!r}: an admin adds users with `user add`"
        )
    held = roles_of(user)
    if role.value not in held and Role.ADMIN.value not in held:
        raise _denied(session, actor, role, f"user {actor!r} does not have the {role.value} role")
    return user


def _denied(session: Session, actor: str, role: Role, message: str) -> PermissionDenied:
    return denied(session, actor, {"role": role.value}, message)


def denied(session: Session, actor: str, details: dict[str, str], message: str) -> PermissionDenied:
    """Record a refused access and return the error to raise.

    The caller's transaction will roll back, so the event is written first, in
    a transaction of its own (on SQLite the caller's lock is released first).
    """
    session.rollback()
    audit_session = Session(bind=session.get_bind(), info=dict(session.info))
    with audit_session, audit_session.begin():
        append_event(audit_session, NewEvent(actor=actor, action="access_denied", payload=details))
    return PermissionDenied(message)


def list_users(store: Store) -> list[UserInfo]:
    with store.transaction() as session:
        return [UserInfo.of(u) for u in session.scalars(select(User).order_by(User.name))]
