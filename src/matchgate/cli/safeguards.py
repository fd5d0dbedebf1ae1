"""`matchgate hold` and `matchgate incident`: thin handlers over the safeguards service."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from matchgate.cli import render
from matchgate.cli.context import Actor, Home, command
from matchgate.services import IncidentInfo, IncidentReport

hold_app = typer.Typer(
    help="Disclosure holds (officer): a held taxpayer is always NO_MATCH.", no_args_is_help=True
)
incident_app = typer.Typer(
    help="Incidents: possible improper disclosures, reported within 24 hours.",
    no_args_is_help=True,
)
stdout = Console()

Reason = Annotated[str, typer.Option(help="Why (kept in the audit chain).")]


def _say(text: str) -> None:
    render.message(stdout, text)


@hold_app.command("add")
def hold_add(tin: str, reason: Reason, actor: Actor = None, workspace: Home = None) -> None:
    """Put a taxpayer on hold (6103(i)(6)): later decisions about them are NO_MATCH (officer).

    Role: officer.
    """
    with command(workspace) as cmd:
        cmd.services.safeguards.hold(tin, reason, actor=cmd.actor(actor))
    _say("hold placed")


@hold_app.command("lift")
def hold_lift(tin: str, reason: Reason, actor: Actor = None, workspace: Home = None) -> None:
    """Lift a hold (officer).

    Role: officer.
    """
    with command(workspace) as cmd:
        cmd.services.safeguards.lift(tin, reason, actor=cmd.actor(actor))
    _say("hold lifted")


@hold_app.command("list")
def hold_list(actor: Actor = None, workspace: Home = None) -> None:
    """The taxpayers on hold, why, by whom (officer).

    Role: officer.
    """
    with command(workspace) as cmd:
        holds = cmd.services.safeguards.holds(actor=cmd.actor(actor))
    for h in holds:
        _say(f"{h.tin}  {h.placed_at.isoformat()}  {h.placed_by}  {h.reason}")


def _incident_line(info: IncidentInfo, now_overdue: bool) -> str:
    if info.closed_at:
        state = f"closed {info.closed_at.isoformat()}"
    elif info.notified_at:
        state = f"notified {info.notified_at.isoformat()}"
    else:
        state = f"NOTIFY BY {info.notify_by.isoformat()}" + (" (OVERDUE)" if now_overdue else "")
    return f"incident {info.id}: {state}; {info.records} record(s); {info.summary}"


@incident_app.command("open")
def incident_open(
    summary: Annotated[str, typer.Option(help="What happened (no FTI).")],
    discovered_how: Annotated[str, typer.Option(help="How it was discovered.")],
    data_elements: Annotated[str, typer.Option(help="The data elements involved.")],
    records: Annotated[str, typer.Option(help="Number of records (or a range).")],
    location: Annotated[str, typer.Option(help="Where it happened.")],
    systems: Annotated[str, typer.Option(help="The IT systems involved.")],
    contact: Annotated[str, typer.Option(help="The agency's point of contact.")],
    occurred: Annotated[str | None, typer.Option(help="When it occurred, if known.")] = None,
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Record an incident now (any user); it must be reported within 24 hours.

    Role: any user.
    """
    report = IncidentReport(
        summary, discovered_how, data_elements, records, location, systems, contact, occurred
    )
    with command(workspace) as cmd:
        info = cmd.services.safeguards.open_incident(report, actor=cmd.actor(actor))
    _say(_incident_line(info, False))


@incident_app.command("list")
def incident_list(actor: Actor = None, workspace: Home = None) -> None:
    """Every incident, its deadline and whether it has passed (auditor).

    Role: auditor.
    """
    with command(workspace) as cmd:
        infos = cmd.services.safeguards.incidents(actor=cmd.actor(actor))
        now = cmd.services.safeguards.now()
    for info in infos:
        _say(_incident_line(info, info.overdue(now)))


@incident_app.command("notify")
def incident_notify(incident_id: int, actor: Actor = None, workspace: Home = None) -> None:
    """Record that TIGTA and the IRS Office of Safeguards were notified (auditor).

    Role: auditor.
    """
    with command(workspace) as cmd:
        info = cmd.services.safeguards.notify_incident(incident_id, actor=cmd.actor(actor))
    _say(_incident_line(info, False))


@incident_app.command("close")
def incident_close(incident_id: int, actor: Actor = None, workspace: Home = None) -> None:
    """Close an incident (auditor).

    Role: auditor.
    """
    with command(workspace) as cmd:
        info = cmd.services.safeguards.close_incident(incident_id, actor=cmd.actor(actor))
    _say(_incident_line(info, False))
