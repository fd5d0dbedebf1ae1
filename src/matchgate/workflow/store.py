"""Opening the workflow store and the people who act in it.

In: settings (workspace, optional database URL). Out: a `Store` (engine +
session factory, schema migrated to head) and the user checks every action
goes through: an action is always attributed to a named user with the role
it needs.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from matchgate.audit.log import NewEvent, append_event
from matchgate.clock import Clock, utc_now
from matchgate.domain.identity import WorkspaceKind
from matchgate.domain.lifecycle import Role
from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError
from matchgate.keys import StoreKey
from matchgate.store.database import (
    clock_of,
    make_engine,
    reencrypt_sqlite,
    session_scope,
    sqlite_file,
    sqlite_url,
    upgrade,
)
from matchgate.store.tables import User, WorkspaceMeta
from matchgate.workspace import Workspace

#: The `workspace_meta` key holding the workspace's kind.
KIND_KEY = "kind"


@dataclass(frozen=True)
class UserInfo:
    """A user and the roles they hold (sorted)."""

    name: str
    roles: tuple[str, ...]
    os_user: str | None = None
    disabled: bool = False

    @classmethod
    def of(cls, user: User) -> UserInfo:
        return cls(user.name, tuple(sorted(roles_of(user))), user.os_user, bool(user.disabled))


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

    The schema is brought up to date (Alembic) here, once per opening. The
    SQLite file is encrypted with the workspace's key when it has one.
    """
    if database_url is None:
        # Created 0600 before SQLite opens it; its journals take the same mode.
        database_url = sqlite_url(workspace.private_file(workspace.workflow_db))
        engine = make_engine(database_url, key=workspace.key)
    else:
        engine = make_engine(database_url)
    upgrade(engine)
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False), clock=clock)


def stage_reencrypted(
    store: Store, workspace: Workspace, new_key: StoreKey, event: NewEvent
) -> Path | None:
    """The workspace's SQLite store re-encrypted with ``new_key`` and staged, with ``event``.

    The event (the rotation's own audit record) is appended to the staged
    copy, so it is in the chain exactly when the new store is in force. None
    when the store is not a file in the workspace (PostgreSQL: its encryption
    at rest is the server's); the caller records the event there.
    """
    path = sqlite_file(store.engine)
    if path is None or path.resolve() != workspace.workflow_db.resolve():
        return None
    staged = workspace.staged(workspace.workflow_db)
    staged.unlink(missing_ok=True)
    store.close()
    reencrypt_sqlite(path, staged, old=workspace.key, new=new_key)
    rekeyed = make_engine(sqlite_url(staged), key=new_key)
    try:
        with session_scope(sessionmaker(rekeyed), clock=store.clock) as session:
            append_event(session, event)
    finally:
        rekeyed.dispose()
    return staged


class IdentityConflict(MatchgateError):
    """An OS account already bound to another user, or a user already bound to another account."""

    category = ErrorCategory.CONFLICT


def workspace_kind(session: Session) -> WorkspaceKind:
    """The workspace's kind as its store records it (trial unless initialised otherwise)."""
    row = session.get(WorkspaceMeta, KIND_KEY)
    return WorkspaceKind(row.value) if row is not None else WorkspaceKind.TRIAL


def add_user(
    store: Store,
    name: str,
    roles: list[Role],
    *,
    actor: str | None,
    os_user: str | None = None,
) -> UserInfo:
    """Create or update a user. A trial's first admin needs no actor; then only an admin adds.

    In a production workspace every user is added by an admin and bound to an
    operating-system login; one login binds to at most one user, and a user's
    binding is never changed by adding them again.
    """
    name = name.strip()
    if not name:
        raise InvalidArgument("a user needs a name")
    login = os_user.strip() if os_user else None
    with store.transaction() as session:
        production = workspace_kind(session) is WorkspaceKind.PRODUCTION
        # A trial's first admin needs no actor (a trial `verify` may have added
        # its operator before); a production workspace's first admin is made by
        # `init --production` and by nothing else.
        users = session.scalar(select(func.count()).select_from(User)) or 0
        admins = session.scalar(
            select(func.count()).select_from(User).where(User.roles.contains(Role.ADMIN.value))
        )
        first_admin = not admins and Role.ADMIN in roles
        if production or (users and not first_admin):
            require_role(session, actor, Role.ADMIN)
        user = session.get(User, name)
        if user is not None:
            raise UserExists(f"user {name!r} already exists; adding a user never changes roles")
        if production and login is None:
            raise InvalidArgument(
                f"production workspace: bind user {name!r} to an OS account with --os-user LOGIN"
            )
        if login is not None:
            bound = session.scalars(select(User).where(User.os_user == login)).one_or_none()
            if bound is not None:
                raise IdentityConflict(
                    f"OS account {login!r} is already bound to user {bound.name!r}: "
                    "one account is one person"
                )
        role_text = ",".join(sorted({r.value for r in roles}))
        user = User(name=name, roles=role_text, created_at=clock_of(session)(), os_user=login)
        session.add(user)
        payload: dict[str, str | None] = {"user": name, "roles_before": None, "roles": role_text}
        if login is not None:
            payload["os_user"] = login
        append_event(
            session,
            NewEvent(actor=actor or name, action="user_roles_changed", payload=payload),
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
    if user.disabled:
        raise _denied(session, actor, role, f"user {actor!r} is disabled")
    held = roles_of(user)
    if role.value not in held and Role.ADMIN.value not in held:
        raise _denied(session, actor, role, f"user {actor!r} does not have the {role.value} role")
    return user


def require_user(session: Session, actor: str | None) -> User:
    """The acting user, whatever their roles, if they exist and are not disabled."""
    user = session.get(User, actor) if actor else None
    if user is None or user.disabled:
        raise denied(
            session,
            actor or "",
            {"rule": "a known user"},
            f"unknown or disabled user {actor!r}" if actor else "no user given",
        )
    return user


def check_role(store: Store, actor: str | None, role: Role) -> None:
    """Refuse (recorded) unless `actor` holds `role`: for work done outside the store."""
    with store.transaction() as session:
        require_role(session, actor, role)


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
