"""`matchgate audit`, `accounting`, `remediate`, `recall` and `purge`: thin handlers.

Each parses its options, calls one use case of the auditors' service and
renders the result; files (an export, a CSV, a disposal notice) are written
here, whole or not at all, after the use case has returned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from matchgate.cli import render
from matchgate.cli.context import Actor, Home, Since, Until, command, date_option, start_of
from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError
from matchgate.files import check_output_target, write_atomically

audit_app = typer.Typer(help="The tamper-evident audit chain.", no_args_is_help=True)
stdout = Console()

NoticeFile = Annotated[Path, typer.Option(help="Disposal notice to write (CSV).")]


class ChainBroken(MatchgateError):
    """`audit verify` found a broken link: the chain was altered."""

    category = ErrorCategory.TAMPERED


@audit_app.command("verify")
def audit_verify(actor: Actor = None, workspace: Home = None) -> None:
    """Recompute the chain; name the first broken link (exit 6) if there is one.

    Role: auditor.
    """
    with command(workspace) as cmd:
        report = cmd.services.audit.verify(actor=cmd.actor(actor))
    if report.first_break is not None:
        raise ChainBroken(
            f"audit chain broken at event {report.first_break.seq}: {report.first_break.problem}"
        )
    render.message(stdout, f"audit chain intact: {report.events:,} events, head {report.head_hash}")


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option(help="JSON Lines file to write.")],
    since: Since = None,
    until: Until = None,
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Export events (with their links) and the chain head as JSON Lines.

    Role: auditor.
    """
    check_output_target(out, what="audit export")
    with command(workspace) as cmd:
        export = cmd.services.audit.export(
            actor=cmd.actor(actor),
            since=start_of(date_option(since, "--since")),
            until=start_of(date_option(until, "--until")),
        )
        write_atomically(out, export, what="audit export")
    render.message(stdout, f"{export.events:,} events written to {out}")


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
    """The accounting of disclosures: what went to whom, when, and why.

    Role: auditor.
    """
    if csv_out is not None:
        check_output_target(csv_out, what="accounting")
    with command(workspace) as cmd:
        found = cmd.services.audit.accounting(
            actor=cmd.actor(actor),
            tin=tin,
            agency=agency,
            since=date_option(since, "--since"),
            until=date_option(until, "--until"),
        )
    if csv_out is not None:
        write_atomically(csv_out, found.csv(), what="accounting")
    render.accounting(stdout, found, yearly=summary)


def remediate_command(
    agreement: Annotated[Path, typer.Option(help="The corrected agreement (YAML) or built-in id.")],
    notice: NoticeFile = Path("disposal-notice.csv"),
    since: Since = None,
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Replay past disclosures under a corrected agreement; list what must be disposed of.

    Role: auditor.
    """
    check_output_target(notice, inputs=[agreement], what="disposal notice")
    with command(workspace) as cmd:
        corrected = cmd.services.agreement(agreement if agreement.exists() else str(agreement))
        disposal = cmd.services.audit.remediate(
            corrected, actor=cmd.actor(actor), since=date_option(since, "--since")
        )
    write_atomically(notice, disposal.csv(), what="disposal notice", inputs=[agreement])
    render.remediation(stdout, disposal, notice)


def purge_command(
    before: Annotated[str, typer.Option(help="Purge batches released before this date.")],
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Purge released batches older than the retention period (refused if too recent).

    Role: admin.
    """
    cutoff = date_option(before, "--before")
    if cutoff is None:  # pragma: no cover - typer requires the option
        raise InvalidArgument("--before: a date is required")
    with command(workspace) as cmd:
        purged = cmd.services.audit.purge(cutoff, actor=cmd.actor(actor))
    render.message(stdout, f"{len(purged)} batch(es) purged")


def recall_command(
    decision_ids: Annotated[list[str], typer.Argument(help="Decision ids of the disclosures.")],
    reason: Annotated[str, typer.Option(help="Why, as the requesting agency will read it.")],
    notice: NoticeFile = Path("disposal-notice.csv"),
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Recall named disclosures: a disposal notice for the requester, audited.

    Role: auditor.
    """
    check_output_target(notice, what="disposal notice")
    with command(workspace) as cmd:
        disposal = cmd.services.audit.recall(decision_ids, reason, actor=cmd.actor(actor))
    write_atomically(notice, disposal.csv(), what="disposal notice")
    render.message(
        stdout,
        f"{len(disposal.findings)} disclosure(s) recalled; disposal notice written to {notice}",
    )
