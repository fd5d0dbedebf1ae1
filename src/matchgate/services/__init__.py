"""The service layer: every use case once, for the CLI and the web app to call.

In: uploads (bytes and their names), ids, typed options and the acting user,
from an adapter. Out: typed results (summaries, review items, reports) and
bytes or lines (a response, a disposal notice, an export) that the adapter
writes, sends or renders. Nothing here reads or writes a file the caller
named, formats for a terminal or speaks HTTP; nothing here knows which
database holds the workflow store or which engine runs the match.

`bootstrap.build_services(settings)` builds a `Services` once per command
(CLI) or once per process (web app): one store, one engine, one clock. The
use cases are grouped by who uses them:

- `batches`: submit (and process up to review), show, list, approve,
  release, respond (`services/workflow.py`);
- `review`: the queue of held requests and officers' decisions;
- `users`: users and roles;
- `master`: loading a master-file vintage and training the model, audited
  (`services/workspace.py`);
- `trial`: the one-shot `verify`, kept in the workspace as a trial (`services/trial.py`);
- `identity`: the workspace's kind and who acts (proven in production);
- `agreements`: the agreement registry (`services/identity.py`);
- `safeguards`: disclosure holds and incidents (`services/safeguards.py`);
- `audit`: the chain, the accounting, remediation, recall, purge
  (`services/auditing.py`);
- `keys`: the key that encrypts the workspace's stores at rest, its status
  and its rotation (`services/keys.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from matchgate.agreements.loader import resolve_agreement
from matchgate.agreements.schema import Agreement
from matchgate.audit.accounting import Accounting, Disclosure
from matchgate.audit.log import ChainReport
from matchgate.audit.remediation import DisposalNotice, Finding
from matchgate.decide.recorded import CandidateEvidence
from matchgate.master.summary import MasterSummary
from matchgate.match.port import MasterFiles, MatchEngine, ModelSummary
from matchgate.services.auditing import AuditService
from matchgate.services.identity import AgreementService, IdentityService
from matchgate.services.keys import KeyService, KeyStatus, Rotation, create_key
from matchgate.services.safeguards import (
    HoldInfo,
    IncidentInfo,
    IncidentReport,
    SafeguardService,
)
from matchgate.services.trial import TrialService, VerifyReport
from matchgate.services.workflow import BatchService, ReviewService, UserService
from matchgate.services.workspace import MasterService
from matchgate.workflow.auditing import AnchorCheck, AuditExport
from matchgate.workflow.registry import RegisteredInfo
from matchgate.workflow.review import ReviewItem
from matchgate.workflow.store import UserInfo
from matchgate.workflow.stored import BatchSummary

__all__ = [
    "Accounting",
    "AgreementService",
    "AnchorCheck",
    "AuditExport",
    "AuditService",
    "BatchService",
    "BatchSummary",
    "CandidateEvidence",
    "ChainReport",
    "Disclosure",
    "DisposalNotice",
    "Finding",
    "HoldInfo",
    "IdentityService",
    "IncidentInfo",
    "IncidentReport",
    "KeyService",
    "KeyStatus",
    "MasterFiles",
    "MasterService",
    "MasterSummary",
    "MatchEngine",
    "ModelSummary",
    "RegisteredInfo",
    "ReviewItem",
    "ReviewService",
    "Rotation",
    "SafeguardService",
    "Services",
    "TrialService",
    "UserInfo",
    "UserService",
    "VerifyReport",
    "create_key",
]


@dataclass(frozen=True)
class Services:
    """The use cases over one workflow store and one engine; close it when done."""

    batches: BatchService
    review: ReviewService
    users: UserService
    master: MasterService
    trial: TrialService
    audit: AuditService
    keys: KeyService
    identity: IdentityService
    agreements: AgreementService
    safeguards: SafeguardService
    #: Releases what the services hold (the store's connections).
    closer: Callable[[], None]

    @staticmethod
    def agreement(path_or_id: Path | str | None) -> Agreement:
        """The agreement a use case runs under: a built-in id, a YAML file, or the default."""
        return resolve_agreement(path_or_id)

    def close(self) -> None:
        self.closer()

    def __enter__(self) -> Services:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
