"""The agreement registry: which agreements a batch may come under, versioned by content.

In: an agreement (validated), the acting user, an id. Out: registered
versions (`RegisteredInfo`), each event of the registry in the audit chain
(`agreement_registered`, `agreement_suspended`: REQ-02, the signatory list
and statute list are agreement data whose every change is recorded), and
the agreement a batch is decided under.

Rules: an agreement is known by its id and version and identified by its
content hash. Registering the same content again changes nothing. Another
content under an id already registered is refused (`AgreementConflict`)
unless an admin registers it as a higher version, which then becomes the
id's current version. A suspended id makes every batch naming it R08
(REQ-01). A batch names its agreement by the envelope's `agreement_id`; the
built-in agreements are registered the first time a batch names them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchgate.agreements.loader import BUILTIN_IDS, DEFAULT_AGREEMENT_ID, builtin_agreement
from matchgate.agreements.schema import Agreement
from matchgate.audit.log import NewEvent, append_event
from matchgate.domain.identity import WorkspaceKind
from matchgate.domain.lifecycle import Role
from matchgate.errors import ErrorCategory, MatchgateError, NotFound
from matchgate.store.database import clock_of
from matchgate.store.tables import RegisteredAgreement
from matchgate.workflow.store import Store, denied, require_role, workspace_kind


class AgreementConflict(MatchgateError):
    """An agreement id already registered with other content (and not as a higher version)."""

    category = ErrorCategory.CONFLICT


class AgreementSuspended(MatchgateError):
    """The agreement is already suspended."""

    category = ErrorCategory.CONFLICT


@dataclass(frozen=True)
class RegisteredInfo:
    """One registered version of an agreement."""

    agreement_id: str
    version: int
    content_hash: str
    suspended: bool
    registered_by: str
    registered_at: datetime
    title: str
    document: dict[str, Any]

    @classmethod
    def of(cls, row: RegisteredAgreement) -> RegisteredInfo:
        document = json.loads(row.document)
        return cls(
            agreement_id=row.agreement_id,
            version=row.version,
            content_hash=row.content_hash,
            suspended=row.suspended,
            registered_by=row.registered_by,
            registered_at=row.registered_at,
            title=str(document.get("title", "")),
            document=document,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "agreement_id": self.agreement_id,
            "version": self.version,
            "content_hash": self.content_hash,
            "suspended": self.suspended,
            "registered_by": self.registered_by,
            "registered_at": self.registered_at.isoformat(),
            "title": self.title,
        }


def _versions(session: Session, agreement_id: str) -> list[RegisteredAgreement]:
    return list(
        session.scalars(
            select(RegisteredAgreement)
            .where(RegisteredAgreement.agreement_id == agreement_id)
            .order_by(RegisteredAgreement.version)
        )
    )


def _register(
    session: Session, agreement: Agreement, *, actor: str, new_versions: bool
) -> RegisteredAgreement:
    """The registered row for `agreement`, registering it (audited) if it is new."""
    versions = _versions(session, agreement.id)
    builtin = builtin_agreement(agreement.id) if agreement.id in BUILTIN_IDS else None
    if not versions and builtin is not None and builtin.content_hash != agreement.content_hash:
        # A built-in id is taken from the start: its first version is the built-in one.
        versions = [_register(session, builtin, actor=actor, new_versions=False)]
    for row in versions:
        if row.content_hash == agreement.content_hash:
            return row
    if versions:
        latest = versions[-1]
        if not new_versions or agreement.version <= latest.version:
            raise AgreementConflict(
                f"agreement {agreement.id} is already registered (version {latest.version}, "
                f"{latest.content_hash[:12]}) with other content; an admin registers a change "
                f"as a higher version with `agreement add`"
            )
    row = RegisteredAgreement(
        agreement_id=agreement.id,
        version=agreement.version,
        content_hash=agreement.content_hash,
        document=json.dumps(agreement.document(), sort_keys=True, ensure_ascii=False),
        registered_by=actor,
        registered_at=clock_of(session)(),
        suspended=bool(versions and versions[-1].suspended),
    )
    session.add(row)
    append_event(
        session,
        NewEvent(
            actor=actor,
            action="agreement_registered",
            payload={
                "agreement_id": agreement.id,
                "version": agreement.version,
                "content_hash": agreement.content_hash,
                "previous_hash": versions[-1].content_hash if versions else None,
                "signatory_titles": list(agreement.signatory_titles),
                "statutes": list(agreement.statutes),
                "disclose": list(agreement.disclose),
                "review_required": agreement.review_required,
                "two_person_release": agreement.two_person_release,
            },
        ),
    )
    session.flush()
    return row


def add_agreement(store: Store, agreement: Agreement, *, actor: str | None) -> RegisteredInfo:
    """An admin registers an agreement (or a higher version of one)."""
    with store.transaction() as session:
        require_role(session, actor, Role.ADMIN)
        return RegisteredInfo.of(
            _register(session, agreement, actor=actor or "", new_versions=True)
        )


def suspend_agreement(store: Store, agreement_id: str, *, actor: str | None) -> RegisteredInfo:
    """An admin suspends an agreement: every later batch under it is R08 (REQ-01)."""
    with store.transaction() as session:
        require_role(session, actor, Role.ADMIN)
        versions = _versions(session, agreement_id)
        if not versions:
            raise NotFound(f"no registered agreement {agreement_id!r}")
        if versions[-1].suspended:
            raise AgreementSuspended(f"agreement {agreement_id} is already suspended")
        for row in versions:
            row.suspended = True
        append_event(
            session,
            NewEvent(
                actor=actor or "",
                action="agreement_suspended",
                payload={"agreement_id": agreement_id, "version": versions[-1].version},
            ),
        )
        return RegisteredInfo.of(versions[-1])


def list_agreements(store: Store) -> list[RegisteredInfo]:
    """Every registered version, by id and version."""
    with store.transaction() as session:
        rows = session.scalars(
            select(RegisteredAgreement).order_by(
                RegisteredAgreement.agreement_id, RegisteredAgreement.version
            )
        )
        return [RegisteredInfo.of(row) for row in rows]


def show_agreement(store: Store, agreement_id: str) -> RegisteredInfo:
    """The current (highest) version of a registered agreement."""
    with store.transaction() as session:
        versions = _versions(session, agreement_id)
        if not versions:
            raise NotFound(f"no registered agreement {agreement_id!r}")
        return RegisteredInfo.of(versions[-1])


def _as_agreement(row: RegisteredAgreement) -> Agreement:
    document = json.loads(row.document)
    if row.suspended:
        document["suspended"] = True
    return Agreement.model_validate(document)


def agreement_for_batch(
    store: Store,
    agreement_id: object,
    *,
    actor: str | None,
    given: Agreement | None = None,
) -> Agreement:
    """The registered agreement a batch comes under.

    `given` (a trial's `--agreement FILE`) is registered first (new ids
    only: another content under a registered id is refused); otherwise the
    envelope's `agreement_id` names it. An id nobody registered (and no
    built-in) gives the default agreement, under which intake rejects the
    batch (R08: the envelope names no known agreement).
    """
    with store.transaction() as session:
        if given is not None:
            require_role(session, actor, Role.OPERATOR)
            if workspace_kind(session) is WorkspaceKind.PRODUCTION:
                raise denied(
                    session,
                    actor or "",
                    {"rule": "registered agreements only", "agreement_id": given.id},
                    "production workspace: a batch comes under a registered agreement only; "
                    "an admin registers it with `agreement add FILE`",
                )
            return _as_agreement(_register(session, given, actor=actor or "", new_versions=False))
        wanted = agreement_id if isinstance(agreement_id, str) else ""
        if not (wanted and _versions(session, wanted)) and wanted not in BUILTIN_IDS:
            wanted = DEFAULT_AGREEMENT_ID
        versions = _versions(session, wanted)
        if versions:
            return _as_agreement(versions[-1])
        builtin = builtin_agreement(wanted)
        assert builtin is not None
        return _as_agreement(_register(session, builtin, actor=actor or "", new_versions=False))
