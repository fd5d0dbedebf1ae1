"""`matchgate audit`, `accounting`, `remediate`, `recall` and `purge`: thin handlers.

Each parses its options, calls one use case of the auditors' service and
renders the result; files (an export, a CSV, a disposal notice) are written
here, whole or not at all, after the use case has returned.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from matchgate.cli import render
from matchgate.cli.context import (
    Actor,
    Command,
    Home,
    Since,
    Until,
    command,
    date_option,
    start_of,
)
from matchgate.errors import ErrorCategory, InvalidArgument, MatchgateError
from matchgate.files import OutputFileError, check_output_target, read_bytes, write_atomically
from matchgate.services import AnchorCheck

audit_app = typer.Typer(help="The tamper-evident audit chain.", no_args_is_help=True)
stdout = Console()

NoticeFile = Annotated[Path, typer.Option(help="Disposal notice to write (CSV).")]


class ChainBroken(MatchgateError):
    """`audit verify` found a broken link: the chain was altered."""

    category = ErrorCategory.TAMPERED


KeyFile = Annotated[
    Path | None,
    typer.Option(
        "--key",
        help="Ed25519 key file, kept outside the workspace (default: MATCHGATE_ANCHOR_KEY).",
    ),
]


def _key_path(given: Path | None, cmd: Command) -> Path:
    """The anchor key's path: given, or from the settings; never inside the workspace."""
    path = given or cmd.settings.anchor_key
    if path is None:
        raise InvalidArgument("no anchor key: pass --key FILE or set MATCHGATE_ANCHOR_KEY")
    home = cmd.settings.workspace.home.resolve()
    if path.resolve().is_relative_to(home):
        raise InvalidArgument(
            f"--key {path}: the anchor key must be kept outside the workspace {home}"
        )
    return path


@audit_app.command("keygen")
def audit_keygen(
    out: Annotated[Path, typer.Option(help="Private key file to create (0600); also OUT.pub.")],
    workspace: Home = None,
) -> None:
    """Create an Ed25519 key pair for signing audit anchors (outside the workspace).

    Role: anyone.
    """
    with command(workspace) as cmd:
        path = _key_path(out, cmd)
        private, public = cmd.services.audit.new_anchor_key()
    public_path = path.with_name(path.name + ".pub")
    for target, content, mode in ((path, private, 0o600), (public_path, public, 0o644)):
        try:
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            raise InvalidArgument(f"{target} exists: an anchor key is never overwritten") from None
        except OSError as exc:
            raise OutputFileError(f"cannot write {target}: {exc.strerror or exc}") from None
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
    stdout.print(f"anchor key written to {path} (public key {public_path})")


@audit_app.command("anchor")
def audit_anchor(
    out: Annotated[Path, typer.Option(help="Anchor file to write (keep it elsewhere).")],
    key: KeyFile = None,
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Sign the chain's head with the anchor key; `audit verify --anchor` checks against it.

    Role: auditor.
    """
    with command(workspace) as cmd:
        path = _key_path(key, cmd)
        document = cmd.services.audit.anchor(
            read_bytes(path), key_source=str(path), actor=cmd.actor(actor)
        )
    write_atomically(out, document, what="audit anchor")
    stdout.print(f"audit anchor written to {out}")


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        Path | None, typer.Option(help="Also check the chain against this signed head.")
    ] = None,
    key: KeyFile = None,
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Recompute the chain and every decision and response it vouches for (exit 6 if altered).

    Role: auditor.
    """
    with command(workspace) as cmd:
        check = None
        if anchor is not None:
            path = _key_path(key, cmd)
            check = AnchorCheck(read_bytes(anchor), str(anchor), read_bytes(path), str(path))
        report = cmd.services.audit.verify(actor=cmd.actor(actor), anchor=check)
    if report.first_break is not None:
        raise ChainBroken(
            f"audit chain broken at event {report.first_break.seq}: {report.first_break.problem}"
        )
    if report.tampered_record is not None:
        raise ChainBroken(f"stored record altered: {report.tampered_record}")
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
