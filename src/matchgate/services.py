"""The service layer: each use case once, for the CLI and the web to call.

In: paths and settings from an adapter. Out: typed results the adapter
renders. Services do the file I/O at the edges (read inputs first, write
outputs last and atomically) and call the pure stages in between.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from matchgate.agreements.loader import resolve_agreement
from matchgate.agreements.schema import Agreement
from matchgate.domain.lifecycle import Role
from matchgate.domain.taxpayers import FiledAddress, TaxpayerRecord
from matchgate.errors import MatchgateError, WorkspaceError
from matchgate.files import read_upload
from matchgate.intake.envelope import check_envelope, read_envelope
from matchgate.intake.readers import read_requests
from matchgate.master.load import MasterSummary, file_sha256, load_master, vintage_id_for
from matchgate.match.engine import MasterConnection, taxpayer_records, train_model
from matchgate.match.matcher import SplinkMatcher
from matchgate.match.model import MatchModel, current_model, save_model
from matchgate.pipeline import BatchOutcome, Matcher
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
    return load_master(taxpayers, addresses, workspace, progress=progress)


def current_vintage_id(workspace: Workspace) -> str | None:
    if not workspace.master_db.is_file():
        return None
    con = duckdb.connect(str(workspace.master_db), read_only=True)
    try:
        row = next(iter(con.execute("SELECT vintage_id FROM vintage").fetchall()), None)
    finally:
        con.close()
    return str(row[0]) if row else None


def train(
    workspace: Workspace, *, seed: int = 42, progress: Progress | None = None
) -> tuple[MatchModel, Path]:
    progress = progress or NullProgress()
    master = MasterConnection(workspace.require_master())
    try:
        with progress.task("Training the match model (EM)", total=1) as task:
            model = train_model(master, seed=seed)
            task.advance()
    finally:
        master.close()
    return model, save_model(model, workspace)


def require_model(workspace: Workspace) -> MatchModel:
    model = current_model(workspace)
    if model is None:
        raise WorkspaceError(
            f"no trained model in workspace {workspace.home}: run `matchgate model train` first"
        )
    return model


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
        wanted = vintage_id_for(file_sha256(taxpayers), file_sha256(addresses))
        if wanted != current_vintage_id(workspace):
            clock = time.perf_counter()
            master_summary = load_master(taxpayers, addresses, workspace, progress=progress)
            seconds["load"] = time.perf_counter() - clock

    model_trained = False
    if not check.problems:
        workspace.require_master()
        model = current_model(workspace)
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


def _taxpayer_record(row: dict[str, Any]) -> TaxpayerRecord:
    return TaxpayerRecord(
        tin=row["tin"],
        first_name=row["first_name"],
        middle_name=row["middle_name"],
        last_name=row["last_name"],
        name_suffix=row["name_suffix"],
        dob=row["dob"],
        addresses=tuple(
            FiledAddress(
                tax_year=a["tax_year"],
                source=a["source"],
                street=a["street"],
                city=a["city"],
                state=a["state"],
                zip=a["zip"],
            )
            for a in row["addresses"]
        ),
    )


@contextmanager
def taxpayer_lookup(workspace: Workspace) -> Iterator[RecordLookup | None]:
    """Candidate records from the workspace's master file, if it has one."""
    if not workspace.master_db.is_file():
        yield None
        return
    master = MasterConnection(workspace.master_db)
    try:
        yield lambda tins: {
            tin: _taxpayer_record(row) for tin, row in taxpayer_records(master, list(tins)).items()
        }
    finally:
        master.close()


@contextmanager
def matcher_for(workspace: Workspace) -> Iterator[Callable[[], Matcher]]:
    """A factory for the workspace's matcher, opened only if a batch needs it."""
    opened: list[MasterConnection] = []

    def factory() -> Matcher:
        master = MasterConnection(workspace.require_master())
        opened.append(master)
        return SplinkMatcher(master, require_model(workspace))

    try:
        yield factory
    finally:
        for master in opened:
            master.close()


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
