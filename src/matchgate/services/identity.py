"""Use cases of identity and of the agreement registry.

In: the caller's claim (`--as`, `MATCHGATE_USER`) and operating-system
account, a workspace kind to initialise, agreements (validated) and ids.
Out: the user a command acts as (proven in production: `login` /
`login_failed` events), the workspace's kind, registered agreement versions.
The rules live in `workflow/identity.py` and `workflow/registry.py`.
"""

from __future__ import annotations

from matchgate.agreements.schema import Agreement
from matchgate.domain.identity import Claim, OsAccount, WorkspaceKind
from matchgate.domain.uploads import Upload
from matchgate.intake.envelope import parse_envelope_bytes
from matchgate.workflow.identity import init_workspace, kind_of, resolve_actor
from matchgate.workflow.registry import (
    RegisteredInfo,
    add_agreement,
    agreement_for_batch,
    list_agreements,
    show_agreement,
    suspend_agreement,
)
from matchgate.workflow.store import Store


class IdentityService:
    """Who acts, and in which kind of workspace."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def kind(self) -> WorkspaceKind:
        return kind_of(self._store)

    def init(self, *, production: bool, admin: str | None, account: OsAccount) -> WorkspaceKind:
        """Record the workspace's kind; production: its first admin, bound to `account`."""
        return init_workspace(self._store, production=production, admin=admin, account=account)

    def resolve(self, claim: Claim, account: OsAccount) -> str | None:
        """The acting user: the claim (trial) or the user bound to `account` (production)."""
        return resolve_actor(self._store, claim, account)


class AgreementService:
    """The registry of agreements a batch may come under (REQ-01, REQ-02)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, agreement: Agreement, *, actor: str | None) -> RegisteredInfo:
        """Register an agreement or a higher version of one (admin), audited."""
        return add_agreement(self._store, agreement, actor=actor)

    def list(self) -> list[RegisteredInfo]:
        return list_agreements(self._store)

    def show(self, agreement_id: str) -> RegisteredInfo:
        return show_agreement(self._store, agreement_id)

    def suspend(self, agreement_id: str, *, actor: str | None) -> RegisteredInfo:
        """Suspend an agreement (admin): every later batch under it is R08."""
        return suspend_agreement(self._store, agreement_id, actor=actor)

    def for_batch(
        self, envelope: Upload, *, actor: str | None, given: Agreement | None = None
    ) -> Agreement:
        """The registered agreement the batch's envelope names (or `given`, in a trial)."""
        document = parse_envelope_bytes(envelope.data, source=envelope.name)
        return agreement_for_batch(self._store, document.agreement_id, actor=actor, given=given)
