"""The one-shot `verify`: a trial of one batch through the same use cases as the workflow.

In: a batch's request file and envelope as uploads, optionally an agreement
(it goes through the registry: registered and audited, refused if its id is
registered with other content) and the master files to verify against; the
acting user. Out: a `VerifyReport` with every decided row and the response
as bytes, what was loaded or trained on the way, and the time per stage.

Inputs are read and checked before anything slow happens. The master file
is (re)loaded only when files are given whose vintage differs from the
workspace's, and a model is trained only if none fits the vintage; both go
through the audited use cases of `services/workspace.py`. The batch is
submitted, processed and released (as a trial: no review, no second
person) by the workflow's own steps in the workspace's own store, so its
every decision, the response's hash and who ran it are in the audit chain
and the accounting of disclosures, marked trial; `verify` and `batch
submit` give the same decisions, decision ids and response bytes for the
same inputs. Verifying the same batch again gives the stored trial back.
A production workspace refuses `verify`: there the only way to a response
is submit, review, approve (a second person), release.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from matchgate.agreements.schema import Agreement
from matchgate.domain.identity import WorkspaceKind
from matchgate.domain.uploads import Upload
from matchgate.intake.envelope import check_envelope, parse_envelope_bytes
from matchgate.intake.readers import read_requests_bytes
from matchgate.master.summary import MasterSummary
from matchgate.match.port import MasterFiles, MatchEngine
from matchgate.pipeline import DEFAULT_CHUNK_ROWS, BatchOutcome
from matchgate.progress import NullProgress, Progress
from matchgate.services.identity import AgreementService
from matchgate.services.workspace import MasterService
from matchgate.workflow.identity import kind_of
from matchgate.workflow.process import process_batch
from matchgate.workflow.store import PermissionDenied, Store
from matchgate.workflow.stored import BatchSummary, batch_summary
from matchgate.workflow.submit import submit_batch
from matchgate.workflow.trial import ensure_trial_user, release_trial, stored_outcome

#: The user a trial acts as when none is given (a script calling the service).
TRIAL_USER = "trial-verify"


@dataclass
class VerifyReport:
    """What one trial did: the batch as stored, the response, and what it cost."""

    #: The decided rows (none when `verify` was asked not to keep them).
    outcome: BatchOutcome
    #: The response (FORMATS.md §3), released as a trial.
    response: bytes
    agreement: Agreement
    #: The batch's counts, from the store.
    summary: BatchSummary
    master: MasterSummary | None = None
    model_trained: bool = False
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def outcome_counts(self) -> Counter[str]:
        return Counter(self.summary.outcomes)

    @property
    def reason_code_counts(self) -> Counter[str]:
        return Counter(self.summary.reason_codes)


class TrialService:
    """One batch verified end to end, kept in the workspace as a trial."""

    def __init__(
        self,
        store: Store,
        engine: MatchEngine,
        master: MasterService,
        agreements: AgreementService,
        *,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> None:
        self._store = store
        self._engine = engine
        self._master = master
        self._agreements = agreements
        self._chunk_rows = chunk_rows

    def verify(
        self,
        requests: Upload,
        envelope: Upload,
        *,
        agreement: Agreement | None = None,
        actor: str | None,
        master: MasterFiles | None = None,
        progress: Progress | None = None,
        keep_rows: bool = True,
    ) -> VerifyReport:
        """Load (if needed), train (if needed), decide every request, release the trial."""
        if kind_of(self._store) is WorkspaceKind.PRODUCTION:
            raise PermissionDenied(
                "production workspace: `verify` is refused; submit the batch with "
                "`batch submit` (review, a second person's approval, release)"
            )
        progress = progress or NullProgress()
        seconds: dict[str, float] = {}
        who = actor or TRIAL_USER
        started = time.perf_counter()
        read_requests_bytes(requests.data, name=requests.name)
        document = parse_envelope_bytes(envelope.data, source=envelope.name)
        ensure_trial_user(self._store, who)
        terms = self._agreements.for_batch(envelope, actor=who, given=agreement)
        # The custodian's clock, as for a submitted batch: a future-dated envelope is R08
        # before anything is loaded or trained, not after.
        check = check_envelope(document, terms, received_at=self._store.clock())
        seconds["read"] = time.perf_counter() - started

        loaded: MasterSummary | None = None
        if master is not None and not check.problems and self._is_new(master):
            started = time.perf_counter()
            loaded = self._master.load(master, actor=who, progress=progress)
            seconds["load"] = time.perf_counter() - started

        trained = False
        if not check.problems:
            vintage_id = self._engine.require_vintage_id()
            model = self._engine.current_model()
            if model is None or model.vintage_id != vintage_id:
                started = time.perf_counter()
                self._master.train(actor=who, progress=progress)
                trained = True
                seconds["train"] = time.perf_counter() - started

        started = time.perf_counter()
        batch_id, _ = submit_batch(
            self._store, requests, envelope, terms, actor=who, trial=True, progress=progress
        )
        seconds["store"] = time.perf_counter() - started
        with self._engine.matcher() as factory:
            # The report needs outcomes, not evidence: the rows stay small.
            _, outcome = process_batch(
                self._store,
                batch_id,
                factory,
                chunk_rows=self._chunk_rows,
                progress=progress,
                keep_rows=keep_rows,
                keep_evidence=False,
            )
        releasing = time.perf_counter()
        response = release_trial(self._store, batch_id, actor=who, progress=progress)
        seconds["release"] = time.perf_counter() - releasing
        if outcome is None:  # verified before: the stored trial, as it was decided
            outcome = stored_outcome(self._store, batch_id, keep_rows=keep_rows)
        seconds["verify"] = time.perf_counter() - started
        return VerifyReport(
            outcome=outcome,
            response=response,
            agreement=terms,
            summary=batch_summary(self._store, batch_id),
            master=loaded,
            model_trained=trained,
            seconds=seconds,
        )

    def _is_new(self, master: MasterFiles) -> bool:
        """Whether these files are not the vintage already loaded."""
        return self._engine.vintage_id_of(master) != self._engine.current_vintage_id()
