"""`matchgate synth` and `matchgate demo`: synthetic data and a scored trial run."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from matchgate import demo
from matchgate.cli import render

stdout = Console()
stderr = Console(stderr=True)


def synth_command(
    out: Annotated[Path, typer.Option(help="Folder to write the synthetic files to.")],
    taxpayers: Annotated[int, typer.Option(help="Taxpayers in the master file.")] = 5000,
    requests: Annotated[int, typer.Option(help="Requests in the batch.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Write a synthetic master file, request batch, envelope and ground truth.

    Role: none (it writes synthetic files only).
    """
    files = demo.synthesise(out, taxpayers=taxpayers, requests=requests, seed=seed)
    for role, path in files.items():
        render.message(stdout, f"{role:>10}: {path}")


def demo_command(
    out: Annotated[
        Path | None, typer.Option(help="Keep the files here (default: a temporary folder).")
    ] = None,
    taxpayers: Annotated[int, typer.Option(help="Taxpayers in the master file.")] = 5000,
    requests: Annotated[int, typer.Option(help="Requests in the batch.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Synthesise data, verify the batch end to end, and score it against the truth.

    Role: none (synthetic data in its own workspace).
    """
    with tempfile.TemporaryDirectory(prefix="matchgate-demo-") as scratch:
        folder = out or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        report, accuracy = demo.run_demo(
            folder,
            taxpayers=taxpayers,
            requests=requests,
            seed=seed,
            progress=render.RichProgress(stderr),
        )
        render.verify_report(stdout, report, folder / demo.RESPONSE_FILE)
        render.accuracy(stdout, accuracy)
        if out is None:
            stdout.print("(the synthetic files were temporary; keep them with --out DIR)")
