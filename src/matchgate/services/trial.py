"""The one-shot `verify`: a trial of one batch through the same use cases as the workflow.

In: a batch's request file and envelope as uploads, the agreement, and
optionally the master files to verify against; the acting user. Out: a
`VerifyReport` with every decided row, the response as bytes (nothing is
released: it is the response as the decisions stand), what was loaded or
trained on the way, and the time per stage.

Inputs are read and checked before anything slow happens. The master file
is (re)loaded only when files are given whose vintage differs from the
workspace's, and a model is trained only if none fits the vintage; both go
through the audited use cases of `services/workspace.py`, into the
workspace's workflow store, under the acting user. The batch itself is
submitted and processed by the workflow's own steps, in a throwaway store
(a trial leaves no batch behind), so `verify` and `batch submit` give the
same decisions, decision ids and response bytes for the same inputs.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from matchgate.agreements.schema import Agreement
from matchgate.domain.lifecycle import Role
from matchgate.domain.uploads import Upload
from matchgate.errors import MatchgateError
from matchgate.intake.envelope import check_envelope, parse_envelope_bytes
from matchgate.intake.readers import read_requests_bytes
from matchgate.master.summary import MasterSummary
from matchgate.match.port import MasterFiles, MatchEngine
from matchgate.pipeline import DEFAULT_CHUNK_ROWS, BatchOutcome
from matchgate.progress import NullProgress, Progress
from matchgate.services.workspace import MasterService
from matchgate.workflow.process import process_batch
from matchgate.workflow.release import preview_response
from matchgate.workflow.store import Store, add_user
from matchgate.workflow.submit import submit_batch

#: The user a trial acts as inside its throwaway store.
TRIAL_USER = "trial-verify"

#: Opens a throwaway workflow store for one trial and removes it afterwards.
ScratchStore = Callable[[], AbstractContextManager[Store]]


@dataclass
class VerifyReport:
    """What one trial did: the decided rows, the response, and what it cost."""

    outcome: BatchOutcome
    #: The response (FORMATS.md §3) as the decisions stand; nothing was released.
    response: bytes
    agreement: Agreement
    master: MasterSummary | None = None
    model_trained: bool = False
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def outcome_counts(self) -> Counter[str]:
        return Counter(row.outcome.value for row in self.outcome.rows)

    @property
    def reason_code_counts(self) -> Counter[str]:
        return Counter(code.value for row in self.outcome.rows for code in row.codes)


class TrialService:
    """One batch verified end to end, without keeping it."""

    def __init__(
        self,
        engine: MatchEngine,
        master: MasterService,
        scratch_store: ScratchStore,
        *,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> None:
        self._engine = engine
        self._master = master
        self._scratch_store = scratch_store
        self._chunk_rows = chunk_rows

    def verify(
        self,
        requests: Upload,
        envelope: Upload,
        *,
        agreement: Agreement,
        actor: str | None,
        master: MasterFiles | None = None,
        progress: Progress | None = None,
    ) -> VerifyReport:
        """Load (if needed), train (if needed), decide every request, build the response."""
        progress = progress or NullProgress()
        seconds: dict[str, float] = {}
        started = time.perf_counter()
        read_requests_bytes(requests.data, name=requests.name)
        check = check_envelope(parse_envelope_bytes(envelope.data, source=envelope.name), agreement)
        seconds["read"] = time.perf_counter() - started

        loaded: MasterSummary | None = None
        if master is not None and not check.problems and self._is_new(master):
            started = time.perf_counter()
            loaded = self._master.load(master, actor=actor, progress=progress)
            seconds["load"] = time.perf_counter() - started

        trained = False
        if not check.problems:
            vintage_id = self._engine.require_vintage_id()
            model = self._engine.current_model()
            if model is None or model.vintage_id != vintage_id:
                started = time.perf_counter()
                self._master.train(actor=actor, progress=progress)
                trained = True
                seconds["train"] = time.perf_counter() - started

        started = time.perf_counter()
        with self._scratch_store() as store:
            add_user(store, TRIAL_USER, [Role.OPERATOR], actor=None)
            batch_id, _ = submit_batch(store, requests, envelope, agreement, actor=TRIAL_USER)
            with self._engine.matcher() as factory:
                # The report needs outcomes, not evidence: the rows stay small.
                _, outcome = process_batch(
                    store,
                    batch_id,
                    factory,
                    chunk_rows=self._chunk_rows,
                    progress=progress,
                    keep_evidence=False,
                )
            response = preview_response(store, batch_id)
        seconds["verify"] = time.perf_counter() - started
        if outcome is None:  # pragma: no cover - a fresh store always runs the match step
            raise MatchgateError("the trial store did not match the batch")
        return VerifyReport(
            outcome=outcome,
            response=response,
            agreement=agreement,
            master=loaded,
            model_trained=trained,
            seconds=seconds,
        )

    def _is_new(self, master: MasterFiles) -> bool:
        """Whether these files are not the vintage already loaded."""
        return self._engine.vintage_id_of(master) != self._engine.current_vintage_id()
