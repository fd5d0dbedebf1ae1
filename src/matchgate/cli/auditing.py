"""`matchgate audit`, `accounting` and `remediate`: thin handlers for auditors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from matchgate.agreements.loader import resolve_agreement
from matchgate.audit.accounting import disclosures_csv, write_csv, yearly_counts
from matchgate.cli.workflow import Actor, Home, _settings, _store
from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError
from matchgate.workflow import auditing, retention

audit_app = typer.Typer(help="The tamper-evident audit chain.", no_args_is_help=True)
stdout = Console()

Since = Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD), inclusive.")]
Until = Annotated[str | None, typer.Option(help="Up to this date (YYYY-MM-DD), inclusive.")]


class ChainBroken(MatchgateError):
    """`audit verify` found a broken link: the chain was altered."""

    category = ErrorCategory.TAMPERED


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(f"{option}: {value!r} is not a YYYY-MM-DD date") from None


def _start(value: date | None) -> datetime | None:
    return datetime.combine(value, time.min, UTC) if value else None


@audit_app.command("verify")
def audit_verify(actor: Actor = None, workspace: Home = None) -> None:
    """Recompute the chain; name the first broken link (exit 6) if there is one."""
    settings = _settings(workspace)
    with _store(settings) as store:
        report = auditing.verify_audit(store, actor=actor or settings.user)
    if report.first_break is not None:
        raise ChainBroken(
            f"audit chain broken at event {report.first_break.seq}: {report.first_break.problem}"
        )
    stdout.print(f"audit chain intact: {report.events:,} events, head {report.head_hash}")


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option(help="JSON Lines file to write.")],
    since: Since = None,
    until: Until = None,
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Export events (with their links) and the chain head as JSON Lines."""
    settings = _settings(workspace)
    with _store(settings) as store:
        written = auditing.export_audit(
            store,
            out,
            actor=actor or settings.user,
            since=_start(_date(since, "--since")),
            until=_start(_date(until, "--until")),
        )
    stdout.print(f"{written:,} events written to {out}")


def accounting_command(
    tin: Annotated[str | None, typer.Option(help="Every disclosure about this TIN.")] = None,
    agency: Annotated[str | None, typer.Option(help="Only to this requesting agency.")] = None,
    since: Since = None,
    until: Until = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Also write CSV here.")] = None,
    summary: Annotated[bool, typer.Option(help="Yearly counts by agency and statute.")] = False,
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """The accounting of disclosures: what went to whom, when, and why."""
    settings = _settings(workspace)
    with _store(settings) as store:
        found = auditing.account(
            store,
            actor=actor or settings.user,
            tin=tin,
            agency=agency,
            since=_date(since, "--since"),
            until=_date(until, "--until"),
        )
    if csv_out is not None:
        write_csv(disclosures_csv(found), csv_out)
    if summary:
        table = Table(title="Disclosures per year, agency and statute")
        for column in ("year", "agency", "statute", "disclosures"):
            table.add_column(column)
        for key, count in yearly_counts(found).items():
            table.add_row(*key.split("|"), str(count))
        stdout.print(table)
        return
    table = Table(title=f"{len(found)} disclosure(s)")
    for column in ("released", "TIN", "agency", "statute", "case", "batch", "decision", "fields"):
        table.add_column(column, no_wrap=column in ("decision", "TIN"))
    for d in found:
        table.add_row(
            d.released_at[:19], d.tin, d.requesting_agency, d.statute, d.case_number,
            d.batch_id, d.decision_id, d.fields_disclosed,
        )  # fmt: skip
    stdout.print(table)


def remediate_command(
    agreement: Annotated[Path, typer.Option(help="The corrected agreement (YAML) or built-in id.")],
    notice: Annotated[Path, typer.Option(help="Disposal notice to write (CSV).")] = Path(
        "disposal-notice.csv"
    ),
    since: Since = None,
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Replay past disclosures under a corrected agreement; list what must be disposed of."""
    settings = _settings(workspace)
    corrected = resolve_agreement(agreement if agreement.exists() else str(agreement))
    with _store(settings) as store:
        findings = auditing.remediate(
            store,
            corrected,
            notice,
            actor=actor or settings.user,
            since=_date(since, "--since"),
        )
    table = Table(title=f"{len(findings)} disclosure(s) that would not be made now")
    for column in ("batch", "request", "case", "fields", "reason"):
        table.add_column(column)
    for f in findings:
        table.add_row(
            f.batch_id, f.request_id, f.case_number, f.disclosed_fields, "; ".join(f.reasons)
        )
    stdout.print(table)
    stdout.print(f"Disposal notice written to {notice}")


def purge_command(
    before: Annotated[str, typer.Option(help="Purge batches released before this date.")],
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Purge released batches older than the retention period (refused if too recent)."""
    settings = _settings(workspace)
    cutoff = _date(before, "--before")
    assert cutoff is not None
    with _store(settings) as store:
        purged = retention.purge_batches(store, cutoff, actor=actor or settings.user)
    stdout.print(f"{len(purged)} batch(es) purged")


def recall_command(
    decision_ids: Annotated[list[str], typer.Argument(help="Decision ids of the disclosures.")],
    reason: Annotated[str, typer.Option(help="Why, as the requesting agency will read it.")],
    notice: Annotated[Path, typer.Option(help="Disposal notice to write (CSV).")] = Path(
        "disposal-notice.csv"
    ),
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Recall named disclosures: a disposal notice for the requester, audited."""
    settings = _settings(workspace)
    with _store(settings) as store:
        findings = auditing.recall(
            store, decision_ids, reason, notice, actor=actor or settings.user
        )
    stdout.print(f"{len(findings)} disclosure(s) recalled; disposal notice written to {notice}")
