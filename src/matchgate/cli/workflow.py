"""`matchgate batch`, `review` and `user`: the persistent workflow, thin handlers.

Every command acts as a named user (`--as USER`, or MATCHGATE_USER) and prints
either a Rich table or, with `--json`, a stable JSON document (README:
"JSON output").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from matchgate import services
from matchgate.agreements.loader import resolve_agreement
from matchgate.config import Settings, load_settings
from matchgate.domain.lifecycle import Role
from matchgate.files import read_upload
from matchgate.logs import configure_file_logging
from matchgate.workflow import review
from matchgate.workflow.process import process_batch
from matchgate.workflow.release import approve_batch, release_batch
from matchgate.workflow.release import respond as respond_batch
from matchgate.workflow.store import Store, add_user, list_users, open_store
from matchgate.workflow.submit import submit_batch
from matchgate.workflow.summaries import BatchSummary, batch_summary, list_batches

batch_app = typer.Typer(help="Batches in the persistent workflow.", no_args_is_help=True)
review_app = typer.Typer(help="The review queue.", no_args_is_help=True)
user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)

stdout = Console()

Home = Annotated[
    Path | None, typer.Option("--workspace", help="Workspace folder (default: MATCHGATE_HOME).")
]
Actor = Annotated[
    str | None, typer.Option("--as", help="Act as this user (default: MATCHGATE_USER).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _settings(home: Path | None) -> Settings:
    settings = load_settings(**({"home": home} if home else {}))
    configure_file_logging(settings.workspace.home / "matchgate.log")
    return settings


@contextmanager
def _store(settings: Settings) -> Iterator[Store]:
    store = open_store(settings.workspace, settings.database_url)
    try:
        yield store
    finally:
        store.close()


def _print_json(value: Any) -> None:
    stdout.print_json(json.dumps(value, sort_keys=True))


def _summary(summary: BatchSummary, as_json: bool) -> None:
    if as_json:
        _print_json(summary.as_json())
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
    stdout.print(table)


@batch_app.command("submit")
def submit(
    requests: Annotated[Path, typer.Argument(help="Request batch (CSV, Parquet, JSONL).")],
    envelope: Annotated[Path, typer.Option(help="Batch envelope (JSON).")],
    agreement: Annotated[Path | None, typer.Option(help="Agreement YAML.")] = None,
    actor: Actor = None,
    workspace: Home = None,
    as_json: AsJson = False,
) -> None:
    """Submit a batch (again: resumes it) and process it up to review."""
    settings = _settings(workspace)
    with _store(settings) as store:
        batch_id, resumed = submit_batch(
            store,
            read_upload(requests),
            read_upload(envelope),
            resolve_agreement(agreement),
            actor=actor or settings.user,
        )
        with services.matcher_for(settings.workspace) as factory:
            summary, _ = process_batch(store, batch_id, factory)
    summary.resumed = resumed
    if resumed and not as_json:
        stdout.print(f"batch {batch_id} was already submitted: resumed from its stored state")
    _summary(summary, as_json)


@batch_app.command("list")
def list_(workspace: Home = None, as_json: AsJson = False) -> None:
    """Every batch with its state and counts."""
    with _store(_settings(workspace)) as store:
        summaries = list_batches(store)
    if as_json:
        _print_json([s.as_json() for s in summaries])
        return
    table = Table(title="Batches")
    for column in ("batch", "state", "requests", "pending review", "submitted by"):
        table.add_column(column)
    for s in summaries:
        table.add_row(s.batch_id, s.state, f"{s.rows:,}", str(s.pending_review), s.submitted_by)
    stdout.print(table)


@batch_app.command("show")
def show(batch_id: str, workspace: Home = None, as_json: AsJson = False) -> None:
    """One batch: state, counts per outcome and per reason code."""
    with _store(_settings(workspace)) as store:
        _summary(batch_summary(store, batch_id), as_json)


@batch_app.command("approve")
def approve(batch_id: str, actor: Actor = None, workspace: Home = None) -> None:
    """Approve a reviewed batch (a second person: not its submitter or reviewer)."""
    settings = _settings(workspace)
    with _store(settings) as store:
        summary = approve_batch(store, batch_id, actor=actor or settings.user)
    _summary(summary, False)


@batch_app.command("release")
def release(batch_id: str, actor: Actor = None, workspace: Home = None) -> None:
    """Release an approved batch: its response is fixed and stored, once."""
    settings = _settings(workspace)
    with _store(settings) as store:
        summary = release_batch(store, batch_id, actor=actor or settings.user)
    _summary(summary, False)


@batch_app.command("respond")
def respond(
    batch_id: str,
    out: Annotated[Path, typer.Option(help="Where to write the response (CSV).")],
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Write a released batch's response file (FORMATS.md §3)."""
    settings = _settings(workspace)
    with _store(settings) as store:
        path = respond_batch(store, batch_id, out, actor=actor or settings.user)
    stdout.print(f"Response written to {path}")


@review_app.command("list")
def review_list(
    batch: Annotated[str | None, typer.Option(help="Only this batch.")] = None,
    actor: Actor = None,
    workspace: Home = None,
    as_json: AsJson = False,
) -> None:
    """Requests held for a disclosure officer, with their evidence."""
    settings = _settings(workspace)
    with _store(settings) as store, services.taxpayer_lookup(settings.workspace) as records:
        items = review.list_review_items(
            store, actor=actor or settings.user, batch_id=batch, records=records
        )
    if as_json:
        _print_json([item.as_json() for item in items])
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
    stdout.print(table)


@review_app.command("decide")
def review_decide(
    item_id: str,
    note: Annotated[str, typer.Option(help="Why (kept with the decision).")],
    confirm: Annotated[bool, typer.Option("--confirm/--deny", help="VERIFIED or NO_MATCH.")],
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Confirm (VERIFIED) or deny (NO_MATCH) one held request."""
    settings = _settings(workspace)
    with _store(settings) as store:
        outcome = review.decide_review_item(
            store, item_id, actor=actor or settings.user, confirm=confirm, note=note
        )
    stdout.print(f"{item_id}: {outcome.value}")


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[list[Role], typer.Option(help="A role (repeat for several).")],
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Add a user (the first user needs no --as; later ones need an admin)."""
    settings = _settings(workspace)
    with _store(settings) as store:
        user = add_user(store, name, role, actor=actor or settings.user)
    stdout.print(f"user {user.name}: {user.roles}")


@user_app.command("list")
def user_list(workspace: Home = None, as_json: AsJson = False) -> None:
    """Users and their roles."""
    with _store(_settings(workspace)) as store:
        users = list_users(store)
    if as_json:
        _print_json([{"name": u.name, "roles": u.roles.split(",")} for u in users])
        return
    for u in users:
        stdout.print(f"{u.name}: {u.roles}")
