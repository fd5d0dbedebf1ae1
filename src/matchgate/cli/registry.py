"""`matchgate init` and `matchgate agreement`: the workspace's kind and its agreements.

Thin handlers: parse, call one use case of the identity or agreement
service, render. `init --production` makes the first admin, bound to the
operating-system account running it; no other command ever does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from matchgate import osaccount
from matchgate.cli import render
from matchgate.cli.context import Actor, AsJson, Home, command

agreement_app = typer.Typer(
    help="The agreement registry (admins register and suspend).", no_args_is_help=True
)
stdout = Console()


def init_command(
    production: Annotated[
        bool, typer.Option("--production", help="A production workspace (proven identities).")
    ] = False,
    admin: Annotated[
        str | None,
        typer.Option(help="Production: the first admin's user name, bound to your OS account."),
    ] = None,
    workspace: Home = None,
) -> None:
    """Initialise the workspace: trial (default) or production, with its first admin.

    Role: none (in production the operating-system account running it becomes the first admin).
    """
    account = osaccount.current_account()
    with command(workspace) as cmd:
        kind = cmd.services.identity.init(production=production, admin=admin, account=account)
    bound = f"; admin {admin!r} is OS account {account.login!r}" if production else ""
    render.message(stdout, f"{kind.value} workspace initialised{bound}")


@agreement_app.command("add")
def agreement_add(
    file: Annotated[Path, typer.Argument(help="Agreement YAML.")],
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Register an agreement or a higher version of one (admin); same id, other content: exit 5.

    Role: admin.
    """
    with command(workspace) as cmd:
        info = cmd.services.agreements.add(cmd.services.agreement(file), actor=cmd.actor(actor))
    render.agreement(stdout, info, as_json=False)


@agreement_app.command("list")
def agreement_list(workspace: Home = None, as_json: AsJson = False) -> None:
    """Every registered agreement version, active or suspended.

    Role: anyone.
    """
    with command(workspace) as cmd:
        infos = cmd.services.agreements.list()
    render.agreements(stdout, infos, as_json=as_json)


@agreement_app.command("show")
def agreement_show(agreement_id: str, workspace: Home = None, as_json: AsJson = False) -> None:
    """The current version of a registered agreement, as registered.

    Role: anyone.
    """
    with command(workspace) as cmd:
        info = cmd.services.agreements.show(agreement_id)
    render.agreement(stdout, info, as_json=as_json)


@agreement_app.command("suspend")
def agreement_suspend(agreement_id: str, actor: Actor = None, workspace: Home = None) -> None:
    """Suspend an agreement (admin): every later batch naming it is R08 (REQ-01).

    Role: admin.
    """
    with command(workspace) as cmd:
        info = cmd.services.agreements.suspend(agreement_id, actor=cmd.actor(actor))
    render.message(stdout, f"agreement {info.agreement_id} suspended")
