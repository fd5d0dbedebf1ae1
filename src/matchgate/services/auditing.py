"""Use cases of auditors and admins: the chain, the accounting, remediation, recall, purge.

In: the acting user and the question (a TIN, an agency, a date range, a
corrected agreement, decision ids, a cut-off date). Out: typed results, never
files: the chain report, the export as bytes produced while the chain is
read (bounded memory, whatever its length), the accounting of disclosures
with its CSV and yearly views, disposal notices with their CSV bytes, and
the batches purged. Every one of these is itself recorded in the audit
chain (REQ-34), in the same transaction as what it read.
"""

from __future__ import annotations

from datetime import date, datetime

from matchgate.agreements.schema import Agreement
from matchgate.audit.accounting import Accounting
from matchgate.audit.anchor import new_key
from matchgate.audit.log import ChainReport
from matchgate.audit.remediation import DisposalNotice
from matchgate.workflow.auditing import (
    AnchorCheck,
    AuditExport,
    account,
    anchor_audit,
    export_audit,
    recall,
    remediate,
    verify_audit,
)
from matchgate.workflow.retention import purge_batches
from matchgate.workflow.store import Store


class AuditService:
    """What auditors (and, for retention, admins) do."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def verify(self, *, actor: str | None, anchor: AnchorCheck | None = None) -> ChainReport:
        """Recompute the chain (against an anchored head, if given) and the records it vouches for.

        The report names the first broken link, if any, or the first decision
        or response that does not match its hash in the chain.
        """
        return verify_audit(self._store, actor=actor, anchor=anchor)

    def anchor(self, key_pem: bytes, *, key_source: str, actor: str | None) -> bytes:
        """The chain's head signed with an Ed25519 key kept outside the workspace."""
        return anchor_audit(self._store, key_pem, key_source=key_source, actor=actor)

    @staticmethod
    def new_anchor_key() -> tuple[bytes, bytes]:
        """A fresh Ed25519 key pair for anchoring, as (private PEM, public PEM)."""
        return new_key()

    def export(
        self,
        *,
        actor: str | None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> AuditExport:
        """The events (with their links), then the heads, as JSON Lines bytes."""
        return export_audit(self._store, actor=actor, since=since, until=until)

    def accounting(
        self,
        *,
        actor: str | None,
        tin: str | None = None,
        agency: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> Accounting:
        """Every disclosure (what, to whom, when, agreement, statute, case, batch, decision)."""
        found = account(self._store, actor=actor, tin=tin, agency=agency, since=since, until=until)
        return Accounting(tuple(found))

    def remediate(
        self, corrected: Agreement, *, actor: str | None, since: date | None = None
    ) -> DisposalNotice:
        """Past disclosures the corrected agreement would not make, and why."""
        return remediate(self._store, corrected, actor=actor, since=since)

    def recall(self, decision_ids: list[str], reason: str, *, actor: str | None) -> DisposalNotice:
        """Recall named disclosures: a disposal notice, and an audit entry for each."""
        return recall(self._store, decision_ids, reason, actor=actor)

    def purge(self, before: date, *, actor: str | None) -> list[str]:
        """Remove batches released before `before`; refused within the retention period."""
        return purge_batches(self._store, before, actor=actor)
