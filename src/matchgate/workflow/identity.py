"""Proving who acts, the workspace's kind, and the changes to users admins make.

In: the workflow store, what the caller claims (`--as`, `MATCHGATE_USER`)
and the operating-system account the command runs under. Out: the user a
use case acts as, and audit events: `login` for each proven identity and
`login_failed` for each refused one in a production workspace (REQ-34),
`workspace_initialised`, and `user_roles_changed` / `user_disabled` for the
admins' changes.

A trial workspace takes the claimed name, as it always did. A production
workspace refuses every claim and looks the OS account up among the users'
bindings: one account binds to at most one user, so one person is one user
however they pick names, and the two-person rule means two people.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchgate.audit.log import NewEvent, append_event
from matchgate.domain.identity import Claim, OsAccount, WorkspaceKind
from matchgate.domain.lifecycle import Role
from matchgate.errors import ErrorCategory, MatchgateError, NotFound
from matchgate.store.database import clock_of
from matchgate.store.tables import User, WorkspaceMeta
from matchgate.workflow.store import (
    KIND_KEY,
    PermissionDenied,
    Store,
    UserInfo,
    denied,
    require_role,
    roles_of,
    workspace_kind,
)

#: The method a CLI identity is proven by, as recorded in `login` events.
PEER = "os-peer"


class AlreadyInitialised(MatchgateError):
    """`init` on a workspace that already has users or a kind."""

    category = ErrorCategory.CONFLICT


def kind_of(store: Store) -> WorkspaceKind:
    with store.transaction() as session:
        return workspace_kind(session)


def init_workspace(
    store: Store, *, production: bool, admin: str | None, account: OsAccount
) -> WorkspaceKind:
    """Record the workspace's kind; a production one gets its first admin, bound to `account`.

    The first admin of a production workspace is made here and nowhere else.
    """
    kind = WorkspaceKind.PRODUCTION if production else WorkspaceKind.TRIAL
    with store.transaction() as session:
        recorded = session.get(WorkspaceMeta, KIND_KEY)
        users = session.scalar(select(func.count()).select_from(User)) or 0
        if recorded is not None or (production and users):
            current = recorded.value if recorded is not None else "trial"
            raise AlreadyInitialised(
                f"the workspace is already initialised ({current}, {users} user(s)); "
                "a production workspace starts from an empty store"
            )
        session.add(WorkspaceMeta(key=KIND_KEY, value=kind.value))
        payload: dict[str, str | int | None] = {"kind": kind.value}
        actor = ""
        if production:
            name = (admin or "").strip()
            if not name:
                raise PermissionDenied("init --production needs --admin NAME, the first admin")
            session.add(
                User(
                    name=name,
                    roles=Role.ADMIN.value,
                    created_at=clock_of(session)(),
                    os_user=account.login,
                )
            )
            payload.update(admin=name, os_user=account.login, uid=account.uid, method=PEER)
            actor = name
        append_event(
            session, NewEvent(actor=actor, action="workspace_initialised", payload=payload)
        )
    return kind


def resolve_actor(store: Store, claim: Claim, account: OsAccount) -> str | None:
    """The user a command acts as: the claim in a trial, the proven OS account in production."""
    with store.transaction() as session:
        if workspace_kind(session) is WorkspaceKind.TRIAL:
            return claim.name
        facts: dict[str, str] = {"method": PEER, "os_user": account.login, "uid": str(account.uid)}
        if claim.name:
            raise _failed(
                session,
                {**facts, "claimed": claim.name, "reason": f"{claim.source} given"},
                f"production workspace: {claim.source} is refused; you act as the user bound "
                f"to your operating-system account ({account.login!r})",
            )
        user = session.scalars(select(User).where(User.os_user == account.login)).one_or_none()
        if user is None:
            raise _failed(
                session,
                {**facts, "reason": "no user bound"},
                f"production workspace: OS account {account.login!r} is bound to no user; "
                f"an admin binds it with `user add NAME --role ROLE --os-user {account.login}`",
            )
        if user.disabled:
            raise _failed(
                session,
                {**facts, "user": user.name, "reason": "disabled"},
                f"production workspace: user {user.name!r} is disabled",
            )
        append_event(
            session, NewEvent(actor=user.name, action="login", payload={**facts, "user": user.name})
        )
        return user.name


def _failed(session: Session, facts: dict[str, str], message: str) -> PermissionDenied:
    """Record a failed identity (its own transaction) and return the error to raise."""
    session.rollback()
    audit_session = Session(bind=session.get_bind(), info=dict(session.info))
    with audit_session, audit_session.begin():
        append_event(
            audit_session, NewEvent(actor=facts["os_user"], action="login_failed", payload=facts)
        )
    return PermissionDenied(message)


def _target(session: Session, name: str) -> User:
    user = session.get(User, name)
    if user is None:
        raise NotFound(f"no user {name!r}")
    return user


def change_roles(
    store: Store, name: str, *, grant: list[Role], revoke: list[Role], actor: str | None
) -> UserInfo:
    """An admin grants or revokes roles (`user grant` / `user revoke`), audited."""
    with store.transaction() as session:
        require_role(session, actor, Role.ADMIN)
        user = _target(session, name)
        before = user.roles
        held = (roles_of(user) | {r.value for r in grant}) - {r.value for r in revoke}
        user.roles = ",".join(sorted(held))
        append_event(
            session,
            NewEvent(
                actor=actor or "",
                action="user_roles_changed",
                payload={"user": name, "roles_before": before, "roles": user.roles},
            ),
        )
        return UserInfo.of(user)


def disable_user(store: Store, name: str, *, actor: str | None) -> UserInfo:
    """An admin disables a user: their history stays, they can no longer act."""
    with store.transaction() as session:
        admin = require_role(session, actor, Role.ADMIN)
        user = _target(session, name)
        if user.name == admin.name:
            raise denied(
                session,
                admin.name,
                {"rule": "no self-disable", "user": name},
                "an admin cannot disable themselves; another admin must",
            )
        user.disabled = True
        append_event(
            session, NewEvent(actor=actor or "", action="user_disabled", payload={"user": name})
        )
        return UserInfo.of(user)
