"""The only place that formats for a terminal: Rich progress bars, tables and JSON.

In: the typed results of the use cases. Out: what a person reads (tables)
or a script parses (`--json` documents, README "JSON output": keys are only
ever added). Handlers call one function here per result.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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

from matchgate.demo import AccuracyReport
from matchgate.domain.outcomes import Outcome
from matchgate.domain.reasons import ReasonCode
from matchgate.progress import Task
from matchgate.services import (
    Accounting,
    BatchSummary,
    DisposalNotice,
    KeyStatus,
    MasterSummary,
    ModelSummary,
    RegisteredInfo,
    ReviewItem,
    UserInfo,
    VerifyReport,
)


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


def print_json(console: Console, value: Any) -> None:
    console.print_json(json.dumps(value, sort_keys=True))


def model_trained(console: Console, model: ModelSummary) -> None:
    console.print(f"model {model.version} saved to {model.location}")


def verify_report(console: Console, report: VerifyReport, out_path: Path) -> None:
    """The summary of a one-shot `verify` (or `demo`) run."""
    batch_summary(
        console,
        batch_id=report.outcome.batch_id,
        outcomes=report.outcome_counts,
        reason_codes=report.reason_code_counts,
        seconds={**report.seconds, **report.outcome.seconds},
        out_path=str(out_path),
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


def batch(console: Console, summary: BatchSummary, *, as_json: bool = False) -> None:
    """One stored batch: `batch show|submit|approve|release`."""
    if as_json:
        print_json(console, summary.as_json())
        return
    table = Table(title=f"Batch {summary.batch_id}", show_header=False)
    table.add_row("state", summary.state)
    table.add_row("submitted by", summary.submitted_by)
    table.add_row("agreement", summary.agreement_id)
    table.add_row("requests", f"{summary.rows:,}")
    for outcome, count in sorted(summary.outcomes.items()):
        table.add_row(f"  {outcome}", f"{count:,}")
    for code, count in sorted(summary.reason_codes.items()):
        table.add_row(f"  {code}", f"{count:,}")
    if summary.failure_reason:
        table.add_row("failure", summary.failure_reason)
    console.print(table)


def batches(console: Console, summaries: Sequence[BatchSummary], *, as_json: bool) -> None:
    if as_json:
        print_json(console, [s.as_json() for s in summaries])
        return
    table = Table(title="Batches")
    for column in ("batch", "state", "requests", "pending review", "submitted by"):
        table.add_column(column)
    for s in summaries:
        table.add_row(s.batch_id, s.state, f"{s.rows:,}", str(s.pending_review), s.submitted_by)
    console.print(table)


def review_queue(console: Console, items: Sequence[ReviewItem], *, as_json: bool) -> None:
    if as_json:
        print_json(console, [item.as_json() for item in items])
        return
    table = Table(title=f"Review queue: {len(items)} item(s)")
    table.add_column("ITEM_ID", no_wrap=True)
    table.add_column("batch", no_wrap=True)
    for column in ("request", "why", "candidates"):
        table.add_column(column)
    for item in items:
        candidates = "; ".join(f"{c.given}/{c.surname} {c.fit}" for c in item.evidence.candidates)
        table.add_row(
            item.item_id, item.batch_id, item.request_id, ",".join(item.review_reasons), candidates
        )
    console.print(table)


def _user_line(info: UserInfo) -> str:
    bound = f" (OS account {info.os_user})" if info.os_user else ""
    off = " [disabled]" if info.disabled else ""
    return f"{info.name}: {','.join(info.roles)}{bound}{off}"


def user(console: Console, info: UserInfo) -> None:
    console.print(f"user {_user_line(info)}", highlight=False, markup=False)


def users(console: Console, infos: Sequence[UserInfo], *, as_json: bool) -> None:
    if as_json:
        print_json(
            console,
            [
                {
                    "name": u.name,
                    "roles": list(u.roles),
                    "os_user": u.os_user,
                    "disabled": u.disabled,
                }
                for u in infos
            ],
        )
        return
    for u in infos:
        console.print(_user_line(u), highlight=False, markup=False)


def agreements(console: Console, infos: Sequence[RegisteredInfo], *, as_json: bool) -> None:
    """The registry: every version of every agreement."""
    if as_json:
        print_json(console, [i.as_json() for i in infos])
        return
    table = Table(title="Registered agreements")
    for column in ("agreement", "version", "content hash", "state", "registered by", "title"):
        table.add_column(column, overflow="fold")
    for i in infos:
        table.add_row(
            i.agreement_id,
            str(i.version),
            i.content_hash,
            "suspended" if i.suspended else "active",
            i.registered_by,
            i.title,
        )
    console.print(table)


def agreement(console: Console, info: RegisteredInfo, *, as_json: bool) -> None:
    """One registered agreement: its registry facts and the document as registered."""
    if as_json:
        print_json(console, {**info.as_json(), "document": info.document})
        return
    state = "suspended" if info.suspended else "active"
    console.print(
        f"agreement {info.agreement_id} version {info.version} ({state}), "
        f"sha256 {info.content_hash}, registered by {info.registered_by or '-'} "
        f"at {info.registered_at.isoformat()}",
        highlight=False,
        markup=False,
    )
    console.print_json(json.dumps(info.document, sort_keys=True))


def accounting(console: Console, found: Accounting, *, yearly: bool) -> None:
    """The accounting of disclosures, one row each, or yearly counts by agency and statute."""
    if yearly:
        table = Table(title="Disclosures per year, agency and statute")
        for column in ("year", "agency", "statute", "disclosures"):
            table.add_column(column)
        for key, count in found.yearly_counts().items():
            table.add_row(*key.split("|"), str(count))
        console.print(table)
        return
    table = Table(title=f"{len(found.disclosures)} disclosure(s)")
    for column in ("released", "TIN", "agency", "statute", "case", "batch", "decision", "fields"):
        table.add_column(column, no_wrap=column in ("decision", "TIN"))
    for d in found.disclosures:
        table.add_row(
            d.released_at[:19], d.tin, d.requesting_agency, d.statute, d.case_number,
            d.batch_id, d.decision_id, d.fields_disclosed,
        )  # fmt: skip
    console.print(table)


def remediation(console: Console, notice: DisposalNotice, notice_path: Path) -> None:
    table = Table(title=f"{len(notice.findings)} disclosure(s) that would not be made now")
    for column in ("batch", "request", "case", "fields", "reason"):
        table.add_column(column)
    for f in notice.findings:
        table.add_row(
            f.batch_id, f.request_id, f.case_number, f.disclosed_fields, "; ".join(f.reasons)
        )
    console.print(table)
    console.print(f"Disposal notice written to {notice_path}")


def accuracy(console: Console, report: AccuracyReport) -> None:
    """A demo's decisions scored against the synthetic ground truth."""
    table = Table(title="Scored against the synthetic ground truth")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("compliance violations (should be REJECTED)", str(report.compliance_violations))
    table.add_row("wrongful disclosures", str(report.wrongful_disclosures))
    table.add_row(
        "recall of verifiable requests",
        f"{report.recall:.2%} ({report.verified_correctly}/{report.verifiable})",
    )
    table.add_row("held for review", f"{report.review_rate:.2%}")
    table.add_row("reason-code mismatches", str(report.reason_code_mismatches))
    table.add_row("CURRENT/PRIOR errors", str(report.address_match_errors))
    console.print(table)


def key_status(status: KeyStatus) -> str:
    """The workspace's encryption at rest, one fact a line."""
    key = f"{status.key_id} from {status.key_file}" if status.key_id else "none (not encrypted)"
    return "\n".join(
        [
            f"key: {key}",
            f"stores in the workspace: {', '.join(status.stores) or '(none yet)'}",
            f"workflow store: {status.workflow_store}",
            f"master file: {status.master_store}",
        ]
    )
