"""The `matchgate` command line: thin handlers over the service layer.

Each handler parses its options, calls one service and renders the result.
`run()` is the one place that turns a `MatchgateError` into a message and an
exit code, by its category (`EXIT_CODES`); no traceback reaches the user.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from matchgate import __version__
from matchgate.cli import auditing, keys, registry, render, safeguards, web, workflow
from matchgate.cli.context import Actor, Home, command
from matchgate.cli.demo import demo_command, synth_command
from matchgate.domain.uploads import ENVELOPE_MAX_BYTES
from matchgate.errors import ErrorCategory, MatchgateError
from matchgate.files import check_output_target, private_umask, read_upload, write_atomically
from matchgate.services import MasterFiles

app = typer.Typer(
    name="matchgate",
    help="Statute-gated verification of interagency disclosure requests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
master_app = typer.Typer(help="The custodian's master file.", no_args_is_help=True)
model_app = typer.Typer(help="The match model.", no_args_is_help=True)
app.add_typer(master_app, name="master")
app.add_typer(model_app, name="model")
app.add_typer(workflow.batch_app, name="batch")
app.add_typer(workflow.review_app, name="review")
app.add_typer(workflow.user_app, name="user")
app.add_typer(auditing.audit_app, name="audit")
app.add_typer(keys.key_app, name="key")
app.add_typer(registry.agreement_app, name="agreement")
app.command("init")(registry.init_command)
app.add_typer(safeguards.hold_app, name="hold")
app.add_typer(safeguards.incident_app, name="incident")
app.command("accounting")(auditing.accounting_command)
app.command("remediate")(auditing.remediate_command)
app.command("purge")(auditing.purge_command)
app.command("recall")(auditing.recall_command)
app.command("serve")(web.serve_command)
app.add_typer(web.token_app, name="token")
workflow.user_app.command("password")(web.user_password)

#: The engines `--engine` chooses from (the settings validate MATCHGATE_ENGINE alike).
ENGINES = ("duckdb", "spark")

stderr = Console(stderr=True)
stdout = Console()


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="Match engine for this command: duckdb (default) or spark (MATCHGATE_ENGINE).",
        ),
    ] = None,
) -> None:
    if engine is not None:
        if engine not in ENGINES:
            raise typer.BadParameter(f"one of {', '.join(ENGINES)}", param_hint="--engine")
        # Read by the settings like any MATCHGATE_* variable.
        os.environ["MATCHGATE_ENGINE"] = engine
    if version:
        stdout.print(f"matchgate {__version__}")
        raise typer.Exit()


@master_app.command("load")
def master_load(
    taxpayers: Annotated[Path, typer.Option(help="Taxpayers file (CSV, Parquet, JSONL).")],
    addresses: Annotated[Path, typer.Option(help="Address history file.")],
    workspace: Home = None,
    actor: Actor = None,
) -> None:
    """Standardise a master-file vintage into the workspace.

    Role: any user (the acting user is recorded).
    """
    with command(workspace) as cmd:
        summary = cmd.services.master.load(
            MasterFiles(taxpayers, addresses),
            actor=cmd.actor(actor),
            progress=render.RichProgress(stderr),
        )
    render.master_summary(stdout, summary)


@model_app.command("train")
def model_train(
    workspace: Home = None,
    seed: Annotated[int, typer.Option(help="Seed for u sampling.")] = 42,
    past_batches: Annotated[
        bool,
        typer.Option(
            "--past-batches",
            help="Learn the m-probabilities from past batches' requests (EM), "
            "starting from the model trained on the master file.",
        ),
    ] = False,
    batch: Annotated[
        list[str] | None,
        typer.Option(help="With --past-batches: learn from this batch (repeatable; default all)."),
    ] = None,
    no_floor: Annotated[
        bool,
        typer.Option("--no-floor", help="With --past-batches: keep EM's m as found, unfloored."),
    ] = False,
    actor: Actor = None,
) -> None:
    """Train the Splink model on the workspace's master file (EM, no labels), or with
    --past-batches re-estimate its m-probabilities from how past batches were written.

    Role: operator.
    """
    with command(workspace) as cmd:
        if past_batches:
            model = cmd.services.master.train_on_past_batches(
                actor=cmd.actor(actor),
                batch_ids=batch or None,
                floor=not no_floor,
                progress=render.RichProgress(stderr),
            )
        else:
            model = cmd.services.master.train(
                actor=cmd.actor(actor), seed=seed, progress=render.RichProgress(stderr)
            )
    render.model_trained(stdout, model)


@app.command("verify")
def verify(
    requests: Annotated[Path, typer.Option(help="Request batch (CSV, Parquet, JSONL).")],
    envelope: Annotated[Path, typer.Option(help="Batch envelope (JSON).")],
    out: Annotated[Path, typer.Option(help="Response file to write (CSV).")],
    taxpayers: Annotated[Path | None, typer.Option(help="Master taxpayers file.")] = None,
    addresses: Annotated[Path | None, typer.Option(help="Master address file.")] = None,
    agreement: Annotated[
        Path | None, typer.Option(help="Agreement YAML (default: reference-6103i2).")
    ] = None,
    workspace: Home = None,
    actor: Actor = None,
) -> None:
    """Verify one batch end to end as a trial: load, train if needed, decide, respond.

    Role: operator (a trial workspace makes the acting user one on first use).
    """
    inputs = (requests, envelope, taxpayers, addresses, agreement)
    check_output_target(out, inputs=inputs, what="response")
    master = MasterFiles(taxpayers, addresses) if taxpayers and addresses else None
    with command(workspace) as cmd:
        terms = cmd.services.agreement(agreement) if agreement is not None else None
        report = cmd.services.trial.verify(
            read_upload(requests),
            read_upload(envelope, max_bytes=ENVELOPE_MAX_BYTES),
            agreement=terms,
            actor=cmd.actor(actor) or cmd.os_login(),
            master=master,
            progress=render.RichProgress(stderr),
            # The report prints counts, read from the store: memory stays flat in the
            # size of the batch.
            keep_rows=False,
        )
    write_atomically(out, report.response, what="response", inputs=inputs)
    render.verify_report(stdout, report, out)


app.command("synth")(synth_command)
app.command("demo")(demo_command)


#: The one mapping from an error's category to the exit code scripts see (README
#: "Exit codes"). A missing batch or item is bad input, as the README says; a
#: batch id resubmitted with other content is a conflict with what is stored,
#: so it shares 5 with the other conflicts (and HTTP 409 in the web app).
EXIT_CODES: Mapping[ErrorCategory, int] = MappingProxyType(
    {
        ErrorCategory.BAD_INPUT: 2,
        ErrorCategory.NOT_FOUND: 2,
        ErrorCategory.NOT_READY: 3,
        ErrorCategory.FORBIDDEN: 4,
        ErrorCategory.CONFLICT: 5,
        ErrorCategory.TAMPERED: 6,
        ErrorCategory.INTERNAL: 1,
    }
)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; the one place errors become exit codes.

    The whole command runs under a private umask: whatever it creates, itself
    or through an engine, is readable by its owner only (REQ-37).
    """
    try:
        with private_umask():
            app(args=argv, prog_name="matchgate", standalone_mode=False)
    except MatchgateError as exc:
        _error(exc.message)
        return EXIT_CODES[exc.category]
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        stderr.print("aborted")
        return 130
    except typer.TyperException as exc:
        # The parser's own usage errors (an unknown option, a missing argument, a
        # value of the wrong type): its message, its hint and its exit code (2).
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            _error(exc.message)
        return int(exc.exit_code)
    except Exception as exc:  # the one place that hides tracebacks
        # Exception text may quote input values (taxpayer data): show only its type,
        # unless an operator asks for the traceback on a test system.
        if os.environ.get("MATCHGATE_DEBUG"):
            raise
        stderr.print(f"[bold red]internal error:[/] {type(exc).__name__}")
        return 1
    return 0


def _error(text: str) -> None:
    """An error line: the message is text from outside (paths, ids), never markup or escapes."""
    line = Text("error: ", style="bold red")
    line.append(render.safe(text))
    stderr.print(line, highlight=False, soft_wrap=True)


def main() -> None:
    sys.exit(run())
