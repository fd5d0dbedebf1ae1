"""The only place that formats for a terminal: Rich progress bars and tables."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from matchgate.domain.outcomes import Outcome
from matchgate.domain.reasons import ReasonCode
from matchgate.master.summary import MasterSummary
from matchgate.progress import Task
from matchgate.services import VerifyReport


class RichProgress:
    """`matchgate.progress.Progress` on a Rich console (stderr)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    @contextmanager
    def task(self, description: str, total: int | None) -> Iterator[Task]:
        with Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        ) as progress:
            task_id = progress.add_task(description, total=total)

            class _Task:
                def advance(self, amount: int = 1) -> None:
                    progress.advance(task_id, amount)

            yield _Task()
            progress.update(task_id, completed=total or 0)


def master_summary(console: Console, summary: MasterSummary) -> None:
    table = Table(title=f"Master file {summary.vintage_id}", show_header=False)
    table.add_row("taxpayers", f"{summary.taxpayers:,}")
    table.add_row("address rows", f"{summary.address_rows:,}")
    table.add_row("match records", f"{summary.records:,}")
    table.add_row("taxpayers with an LKA", f"{summary.taxpayers_with_lka:,}")
    table.add_row("address rows not a street address", f"{summary.unusable_address_rows:,}")
    table.add_row("seconds", f"{summary.seconds:.1f}")
    console.print(table)


def verify_report(console: Console, report: VerifyReport) -> None:
    """The summary of a one-shot `verify` (or `demo`) run."""
    batch_summary(
        console,
        batch_id=report.outcome.batch_id,
        outcomes=report.outcome_counts,
        reason_codes=report.reason_code_counts,
        seconds={**report.seconds, **report.outcome.seconds},
        out_path=str(report.out_path),
        vintage_id=report.outcome.vintage_id,
        model_version=report.outcome.model_version,
    )


def batch_summary(
    console: Console,
    *,
    batch_id: str,
    outcomes: Mapping[str, int],
    reason_codes: Mapping[str, int],
    seconds: Mapping[str, float],
    out_path: str,
    vintage_id: str,
    model_version: str,
) -> None:
    total = sum(outcomes.values())
    table = Table(title=f"Batch {batch_id or '(no batch id)'}: {total:,} requests")
    table.add_column("outcome")
    table.add_column("requests", justify="right")
    table.add_column("share", justify="right")
    for outcome in Outcome:
        count = outcomes.get(outcome.value, 0)
        share = f"{100 * count / total:.1f}%" if total else "-"
        table.add_row(outcome.value, f"{count:,}", share)
    console.print(table)
    if reason_codes:
        codes = Table(title="Reason codes (REJECTED)")
        codes.add_column("code")
        codes.add_column("meaning")
        codes.add_column("requests", justify="right")
        for code in ReasonCode:
            if code.value in reason_codes:
                codes.add_row(code.value, code.meaning, f"{reason_codes[code.value]:,}")
        console.print(codes)
    review = outcomes.get(Outcome.PENDING_REVIEW.value, 0)
    console.print(f"Review load: {review:,} request(s) held for a disclosure officer")
    timing = Table(title="Time per stage")
    timing.add_column("stage")
    timing.add_column("seconds", justify="right")
    for stage, value in seconds.items():
        timing.add_row(stage, f"{value:.2f}")
    console.print(timing)
    console.print(f"master vintage {vintage_id or '-'}, model {model_version or '-'}")
    console.print(f"Response written to {out_path}")
