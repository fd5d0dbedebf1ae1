"""The service layer: each use case once, for the CLI and the web to call.

In: paths and settings from an adapter. Out: typed results the adapter
renders. Services do the file I/O at the edges (read inputs first, write
outputs last and atomically) and call the pure stages in between.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from matchgate.agreements.loader import resolve_agreement
from matchgate.agreements.schema import Agreement
from matchgate.domain.lifecycle import Role
from matchgate.errors import MatchgateError
from matchgate.files import read_upload
from matchgate.intake.envelope import check_envelope, read_envelope
from matchgate.intake.readers import read_requests
from matchgate.master.summary import MasterSummary
from matchgate.match.duckdb_engine import DuckDBEngine
from matchgate.match.port import MasterFiles, MatcherFactory, ModelSummary
from matchgate.pipeline import BatchOutcome
from matchgate.progress import NullProgress, Progress
from matchgate.reports.accuracy import AccuracyReport, score_batch
from matchgate.workflow.process import process_batch
from matchgate.workflow.release import preview_response
from matchgate.workflow.review import RecordLookup
from matchgate.workflow.store import add_user, open_store
from matchgate.workflow.submit import submit_batch
from matchgate.workspace import Workspace

#: The user a trial `verify` acts as, inside its throwaway store.
TRIAL_USER = "trial-verify"


def load_master_file(
    workspace: Workspace, taxpayers: Path, addresses: Path, *, progress: Progress | None = None
) -> MasterSummary:
    return DuckDBEngine(workspace).load_master(
        MasterFiles(taxpayers, addresses), progress=progress or NullProgress()
    )


def current_vintage_id(workspace: Workspace) -> str | None:
    return DuckDBEngine(workspace).current_vintage_id()


def train(
    workspace: Workspace, *, seed: int = 42, progress: Progress | None = None
) -> ModelSummary:
    return DuckDBEngine(workspace).train(seed=seed, progress=progress or NullProgress())


@dataclass
class VerifyReport:
    outcome: BatchOutcome
    out_path: Path
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


def verify_files(
    workspace: Workspace,
    *,
    requests: Path,
    envelope: Path,
    out: Path,
    agreement_path: Path | None = None,
    taxpayers: Path | None = None,
    addresses: Path | None = None,
    progress: Progress | None = None,
) -> VerifyReport:
    """Verify one batch end to end and write its response (a trial run).

    Runs through the same services as `batch submit`, with a throwaway
    workflow store, so both give the same decisions for the same inputs.
    Inputs are read and checked before anything slow happens; the master file
    is (re)loaded only when `taxpayers`/`addresses` are given and differ from
    the workspace's vintage; a model is trained only if none fits it.
    """
    progress = progress or NullProgress()
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    agreement = resolve_agreement(agreement_path)
    read_requests(requests)
    check = check_envelope(read_envelope(envelope), agreement)
    seconds["read"] = time.perf_counter() - clock

    master_summary: MasterSummary | None = None
    if taxpayers is not None and addresses is not None and not check.problems:
        wanted = DuckDBEngine(workspace).vintage_id_of(MasterFiles(taxpayers, addresses))
        if wanted != current_vintage_id(workspace):
            clock = time.perf_counter()
            master_summary = load_master_file(workspace, taxpayers, addresses, progress=progress)
            seconds["load"] = time.perf_counter() - clock

    model_trained = False
    if not check.problems:
        workspace.require_master()
        model = DuckDBEngine(workspace).current_model()
        if model is None or model.vintage_id != current_vintage_id(workspace):
            clock = time.perf_counter()
            train(workspace, progress=progress)
            model_trained = True
            seconds["train"] = time.perf_counter() - clock

    clock = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="matchgate-trial-") as scratch:
        store = open_store(Workspace(Path(scratch)))
        try:
            add_user(store, TRIAL_USER, [Role.OPERATOR], actor=None)
            batch_id, _ = submit_batch(
                store, read_upload(requests), read_upload(envelope), agreement, actor=TRIAL_USER
            )
            with (
                matcher_for(workspace) as factory,
                progress.task("Verifying the batch", total=1) as task,
            ):
                _, outcome = process_batch(store, batch_id, factory)
                task.advance()
            preview_response(store, batch_id, out)
        finally:
            store.close()
    seconds["verify"] = time.perf_counter() - clock
    if outcome is None:  # pragma: no cover - a fresh store always runs the match step
        raise MatchgateError("the trial store did not match the batch")
    return VerifyReport(
        outcome=outcome,
        out_path=out,
        agreement=agreement,
        master=master_summary,
        model_trained=model_trained,
        seconds=seconds,
    )


@contextmanager
def taxpayer_lookup(workspace: Workspace) -> Iterator[RecordLookup | None]:
    """Candidate records from the workspace's master file, if it has one."""
    yield DuckDBEngine(workspace).taxpayer_records


def matcher_for(workspace: Workspace) -> AbstractContextManager[MatcherFactory]:
    """A factory for the workspace's matcher, opened only if a batch needs it."""
    return DuckDBEngine(workspace).matcher()


def read_truth(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


def synthesise(out_dir: Path, *, taxpayers: int, requests: int, seed: int) -> dict[str, Path]:
    from matchgate.synth.generator import SynthConfig, generate
    from matchgate.synth.writer import write

    data = generate(SynthConfig(taxpayers=taxpayers, requests=requests, seed=seed))
    return write(data, out_dir)


def run_demo(
    out_dir: Path,
    *,
    taxpayers: int,
    requests: int,
    seed: int,
    progress: Progress | None = None,
) -> tuple[VerifyReport, AccuracyReport]:
    """Synthesise a master file and batch, verify it, score it against the truth."""
    progress = progress or NullProgress()
    with progress.task("Synthesising data", total=1) as task:
        files = synthesise(out_dir, taxpayers=taxpayers, requests=requests, seed=seed)
        task.advance()
    report = verify_files(
        Workspace(out_dir / "workspace"),
        requests=files["requests"],
        envelope=files["envelope"],
        out=out_dir / "response.csv",
        taxpayers=files["taxpayers"],
        addresses=files["addresses"],
        progress=progress,
    )
    accuracy = score_batch(report.outcome.rows, read_truth(files["truth"]))
    return report, accuracy
