"""`matchgate batch`, `review` and `user`: the persistent workflow, thin handlers.

Every command acts as a named user (`--as USER`, or MATCHGATE_USER) and prints
either a Rich table or, with `--json`, a stable JSON document (README:
"JSON output"). Each handler parses, calls one use case, renders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from matchgate.cli import render
from matchgate.cli.context import Actor, AsJson, Home, command
from matchgate.domain.lifecycle import Role
from matchgate.domain.uploads import ENVELOPE_MAX_BYTES
from matchgate.files import check_output_target, read_upload, write_atomically

batch_app = typer.Typer(help="Batches in the persistent workflow.", no_args_is_help=True)
review_app = typer.Typer(help="The review queue.", no_args_is_help=True)
user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)

stdout = Console()
stderr = Console(stderr=True)


@batch_app.command("submit")
def submit(
    requests: Annotated[Path, typer.Argument(help="Request batch (CSV, Parquet, JSONL).")],
    envelope: Annotated[Path, typer.Option(help="Batch envelope (JSON).")],
    agreement: Annotated[
        Path | None,
        typer.Option(help="Agreement YAML (trial workspaces; registered on the way)."),
    ] = None,
    actor: Actor = None,
    workspace: Home = None,
    as_json: AsJson = False,
) -> None:
    """Submit a batch (again: resumes it) and process it up to review.

    Role: operator.
    """
    with command(workspace) as cmd:
        terms = cmd.services.agreement(agreement) if agreement is not None else None
        summary = cmd.services.batches.submit(
            read_upload(requests),
            read_upload(envelope, max_bytes=ENVELOPE_MAX_BYTES),
            agreement=terms,
            actor=cmd.actor(actor),
            progress=render.RichProgress(stderr),
        )
    if summary.resumed and not as_json:
        render.message(
            stdout, f"batch {summary.batch_id} was already submitted: resumed from its stored state"
        )
    render.batch(stdout, summary, as_json=as_json)


@batch_app.command("list")
def list_(workspace: Home = None, as_json: AsJson = False) -> None:
    """Every batch with its state and counts.

    Role: anyone.
    """
    with command(workspace) as cmd:
        summaries = cmd.services.batches.list()
    render.batches(stdout, summaries, as_json=as_json)


@batch_app.command("show")
def show(batch_id: str, workspace: Home = None, as_json: AsJson = False) -> None:
    """One batch: state, counts per outcome and per reason code.

    Role: anyone.
    """
    with command(workspace) as cmd:
        summary = cmd.services.batches.show(batch_id)
    render.batch(stdout, summary, as_json=as_json)


@batch_app.command("approve")
def approve(batch_id: str, actor: Actor = None, workspace: Home = None) -> None:
    """Approve a reviewed batch (a second person: not its submitter or reviewer).

    Role: approver, not its submitter or a reviewer (two-person rule).
    """
    with command(workspace) as cmd:
        summary = cmd.services.batches.approve(batch_id, actor=cmd.actor(actor))
    render.batch(stdout, summary)


@batch_app.command("release")
def release(batch_id: str, actor: Actor = None, workspace: Home = None) -> None:
    """Release an approved batch: its response is fixed and stored, once.

    Role: approver.
    """
    with command(workspace) as cmd:
        summary = cmd.services.batches.release(batch_id, actor=cmd.actor(actor))
    render.batch(stdout, summary)


@batch_app.command("respond")
def respond(
    batch_id: str,
    out: Annotated[Path, typer.Option(help="Where to write the response (CSV).")],
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Write a released batch's response file (FORMATS.md §3).

    Role: operator.
    """
    check_output_target(out, what="response")
    with command(workspace) as cmd:
        response = cmd.services.batches.respond(batch_id, actor=cmd.actor(actor))
    write_atomically(out, response, what="response")
    render.message(stdout, f"Response written to {out}")


@review_app.command("list")
def review_list(
    batch: Annotated[str | None, typer.Option(help="Only this batch.")] = None,
    actor: Actor = None,
    workspace: Home = None,
    as_json: AsJson = False,
) -> None:
    """Requests held for a disclosure officer, with their evidence.

    Role: officer.
    """
    with command(workspace) as cmd:
        items = cmd.services.review.queue(actor=cmd.actor(actor), batch_id=batch)
    render.review_queue(stdout, items, as_json=as_json)


@review_app.command("show")
def review_show(
    item_id: str,
    actor: Actor = None,
    workspace: Home = None,
    as_json: AsJson = False,
) -> None:
    """One held request beside each candidate's records as filed, field by field.

    Role: officer.
    """
    with command(workspace) as cmd:
        item = cmd.services.review.item(item_id, actor=cmd.actor(actor))
    render.review_item(stdout, item, as_json=as_json)


@review_app.command("decide")
def review_decide(
    item_id: str,
    note: Annotated[str, typer.Option(help="Why (kept with the decision).")],
    confirm: Annotated[bool, typer.Option("--confirm/--deny", help="VERIFIED or NO_MATCH.")],
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Confirm (VERIFIED) or deny (NO_MATCH) one held request.

    Role: officer, not the batch's submitter.
    """
    with command(workspace) as cmd:
        outcome = cmd.services.review.decide(
            item_id, actor=cmd.actor(actor), confirm=confirm, note=note
        )
    render.message(stdout, f"{item_id}: {outcome.value}")


Roles = Annotated[list[Role], typer.Option("--role", help="A role (repeat for several).")]


@user_app.command("add")
def user_add(
    name: str,
    role: Roles,
    os_user: Annotated[
        str | None,
        typer.Option(help="Bind to this OS login (required in production; one user per login)."),
    ] = None,
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Add a user (admin; in a trial the first user needs no --as); never changes one.

    Role: admin (in a trial, none for the first admin).
    """
    with command(workspace) as cmd:
        info = cmd.services.users.add(name, role, actor=cmd.actor(actor), os_user=os_user)
    render.user(stdout, info)


@user_app.command("grant")
def user_grant(name: str, role: Roles, actor: Actor = None, workspace: Home = None) -> None:
    """Give a user roles (admin), audited.

    Role: admin.
    """
    with command(workspace) as cmd:
        info = cmd.services.users.grant(name, role, actor=cmd.actor(actor))
    render.user(stdout, info)


@user_app.command("revoke")
def user_revoke(name: str, role: Roles, actor: Actor = None, workspace: Home = None) -> None:
    """Take roles from a user (admin), audited.

    Role: admin.
    """
    with command(workspace) as cmd:
        info = cmd.services.users.revoke(name, role, actor=cmd.actor(actor))
    render.user(stdout, info)


@user_app.command("disable")
def user_disable(name: str, actor: Actor = None, workspace: Home = None) -> None:
    """Disable a user (admin; never yourself): their history stays, they can no longer act.

    Role: admin, not oneself.
    """
    with command(workspace) as cmd:
        info = cmd.services.users.disable(name, actor=cmd.actor(actor))
    render.user(stdout, info)


@user_app.command("list")
def user_list(workspace: Home = None, as_json: AsJson = False) -> None:
    """Users and their roles.

    Role: anyone.
    """
    with command(workspace) as cmd:
        infos = cmd.services.users.list()
    render.users(stdout, infos, as_json=as_json)
