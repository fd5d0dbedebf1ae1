"""`matchgate serve`, `token` and `user password`: the web app and its credentials.

`serve` runs the officer UI and the REST API (uvicorn) over the workspace's
store, or with `--demo` over a fresh demo workspace whose people, passwords
and tokens it prints. `token create|list|revoke` manage API tokens (an
admin; a token is shown once). `user password NAME` sets a web password,
read from an interactive prompt or from standard input.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from matchgate.bootstrap import build_web_services
from matchgate.cli import render
from matchgate.cli.context import Actor, AsJson, Home, settings_for, web_command
from matchgate.demo_workspace import build_demo_workspace
from matchgate.errors import InvalidArgument
from matchgate.services.webapp import TokenScope
from matchgate.web import create_app

token_app = typer.Typer(help="API tokens for requesters and officers.", no_args_is_help=True)
stdout = Console()
stderr = Console(stderr=True)


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Serve a fresh demo workspace (synthetic data).")
    ] = False,
    workspace: Home = None,
) -> None:
    """Serve the officer UI and the REST API (/api/v1).

    Role: whoever runs the service (each page and route checks its own).
    """
    import uvicorn

    if demo:
        folder = workspace or Path(tempfile.mkdtemp(prefix="matchgate-serve-demo-"))
        stderr.print(f"Building a demo workspace in {folder} ...")
        built = build_demo_workspace(folder, progress=render.RichProgress(stderr))
        settings = built.settings
        _print_demo(built.passwords, built.requester_token, built.officer_token, built.batch_id)
    else:
        settings = settings_for(workspace)
    with build_web_services(settings) as services:
        stdout.print(f"matchgate on http://{host}:{port}/  (API: /api/v1, docs: /api/v1/docs)")
        uvicorn.run(create_app(services), host=host, port=port, log_level="warning")


def _print_demo(passwords: dict[str, str], requester: str, officer: str, batch_id: str) -> None:
    render.table(
        stdout, "Demo users (synthetic workspace)", ["user", "password"], passwords.items()
    )
    stdout.print(f"batch in review: {batch_id}", soft_wrap=True)
    stdout.print(f"requester token (liaison): {requester}", soft_wrap=True)
    stdout.print(f"officer token (oscar): {officer}", soft_wrap=True)


def user_password(
    name: str,
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Set NAME's web password, as NAME or an admin (prompted, or read from standard input).

    Role: the user, or an admin.
    """
    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with web_command(workspace) as cmd:
        acting = cmd.actor(actor)
        if not acting:
            raise InvalidArgument("no user given: pass --as USER (NAME itself, or an admin)")
        cmd.services.logins.set_password(name, password, actor=acting)
    render.message(stdout, f"password set for {name}")


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Argument(help="The user the token acts as.")],
    agency: Annotated[str | None, typer.Option(help="Requester: the one agency.")] = None,
    agreement: Annotated[str | None, typer.Option(help="Requester: the one agreement id.")] = None,
    officer: Annotated[
        bool, typer.Option("--officer", help="An officer's token (the user's own roles).")
    ] = False,
    days: Annotated[int, typer.Option(help="Days until it expires (1-366).")] = 90,
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Create an API token (admin); it is printed once and kept only hashed.

    Role: admin.
    """
    scope = TokenScope.OFFICER if officer else TokenScope.REQUESTER
    with web_command(workspace) as cmd:
        issued = cmd.services.tokens.create(
            user,
            scope=scope,
            actor=cmd.actor(actor),
            days=days,
            agency=agency,
            agreement_id=agreement,
        )
    render.message(
        stdout,
        f"token {issued.info.token_id} for {user} ({scope.value}), "
        f"expires {issued.info.expires_at:%Y-%m-%d}; shown once:",
    )
    print(issued.secret)


@token_app.command("list")
def token_list(actor: Actor = None, workspace: Home = None, as_json: AsJson = False) -> None:
    """Every token: whose, bound to what, until when, revoked or not (never the secret).

    Role: admin.
    """
    with web_command(workspace) as cmd:
        infos = cmd.services.tokens.list(actor=cmd.actor(actor))
    if as_json:
        render.print_json(
            stdout,
            [
                {
                    "token_id": i.token_id,
                    "user": i.user,
                    "scope": i.scope,
                    "agency": i.agency,
                    "agreement_id": i.agreement_id,
                    "created_at": i.created_at.isoformat(),
                    "expires_at": i.expires_at.isoformat(),
                    "revoked": i.revoked,
                }
                for i in infos
            ],
        )
        return
    render.table(
        stdout,
        "API tokens",
        ["token", "user", "scope", "agency", "agreement", "expires", "revoked"],
        [
            (
                i.token_id,
                i.user,
                i.scope,
                i.agency or "",
                i.agreement_id or "",
                f"{i.expires_at:%Y-%m-%d}",
                "yes" if i.revoked else "",
            )
            for i in infos
        ],
    )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `token list`).")],
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Revoke a token: it stops working at once.

    Role: admin.
    """
    with web_command(workspace) as cmd:
        cmd.services.tokens.revoke(token_id, actor=cmd.actor(actor))
    render.message(stdout, f"token {token_id} revoked")
