"""Synthetic trials: write a synthetic world, and the demo that verifies and scores one.

In: a folder, sizes and a seed. Out: `synthesise` writes a synthetic master
file, request batch, envelope and ground truth (`truth.csv`) there;
`run_demo` then verifies the batch in a fresh workspace inside that folder
(its own workflow store, whatever `MATCHGATE_DATABASE_URL` says) through
the same services as `matchgate verify`, writes the response beside the
data and scores the decisions against the truth.

This is a tool at the edge, like an adapter: it composes its own services
for the demo workspace and reads and writes the files it made.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from matchgate.bootstrap import build_services
from matchgate.config import Settings
from matchgate.files import read_upload, write_atomically
from matchgate.match.port import MasterFiles
from matchgate.progress import NullProgress, Progress
from matchgate.reports.accuracy import AccuracyReport, score_batch
from matchgate.services import VerifyReport
from matchgate.services.trial import TRIAL_USER

__all__ = ["RESPONSE_FILE", "AccuracyReport", "read_truth", "run_demo", "synthesise"]

#: Where in the demo folder the response is written.
RESPONSE_FILE = "response.csv"


def synthesise(
    out_dir: Path,
    *,
    taxpayers: int,
    requests: int,
    seed: int,
    dob_share: float | None = None,
    past_batches: int = 0,
) -> dict[str, Path]:
    """Write a synthetic world; returns its files by role (taxpayers, requests, truth, ...).

    `dob_share`: the share of requests giving a date of birth (None: the generator's default).
    `past_batches`: earlier batches over the same master file (`past_requests_N`,
    `past_envelope_N`).
    """
    from matchgate.synth.generator import SynthConfig, generate
    from matchgate.synth.writer import write

    config = SynthConfig(taxpayers=taxpayers, requests=requests, seed=seed)
    if dob_share is not None:
        config = replace(config, dob_share=dob_share)
    if past_batches:
        config = replace(config, past_batches=past_batches)
    data = generate(config)
    return write(data, out_dir)


def read_truth(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


def run_demo(
    out_dir: Path,
    *,
    taxpayers: int,
    requests: int,
    seed: int,
    progress: Progress | None = None,
    dob_share: float | None = None,
    past_batches: int = 0,
    floor: bool = True,
) -> tuple[VerifyReport, AccuracyReport]:
    """Synthesise a master file and batch, verify it, score it against the truth.

    With `past_batches`, earlier batches over the same master file are verified
    first and the model's m-probabilities learnt from them (`floor`: keep the
    master training's floor) before the batch is verified and scored.
    """
    progress = progress or NullProgress()
    with progress.task("Synthesising data", total=1) as task:
        files = synthesise(
            out_dir,
            taxpayers=taxpayers,
            requests=requests,
            seed=seed,
            dob_share=dob_share,
            past_batches=past_batches,
        )
        task.advance()
    settings = Settings(home=out_dir / "workspace", database_url=None, user=None)
    master = MasterFiles(files["taxpayers"], files["addresses"])
    with build_services(settings) as services:
        for number in range(1, past_batches + 1):
            services.trial.verify(
                read_upload(files[f"past_requests_{number}"]),
                read_upload(files[f"past_envelope_{number}"]),
                agreement=services.agreement(None),
                actor=None,
                master=master,
                progress=progress,
            )
        if past_batches:
            services.master.train_on_past_batches(actor=TRIAL_USER, floor=floor, progress=progress)
        report = services.trial.verify(
            read_upload(files["requests"]),
            read_upload(files["envelope"]),
            agreement=services.agreement(None),
            actor=None,
            master=master,
            progress=progress,
        )
    write_atomically(out_dir / RESPONSE_FILE, report.response, what="response")
    accuracy = score_batch(report.outcome.rows, read_truth(files["truth"]))
    return report, accuracy
