"""`matchgate key create`, `key status` and `key rotate`: thin handlers over the key use cases.

The key that encrypts the workspace's stores at rest lives in a file outside
the workspace (`MATCHGATE_KEY_FILE`); these commands make one, say what
encrypts the workspace now, and move the workspace to a new key.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from matchgate.cli import render
from matchgate.cli.context import Actor, AsJson, Home, command, settings_for
from matchgate.services import create_key

key_app = typer.Typer(
    help="The key that encrypts the workspace's stores at rest.", no_args_is_help=True
)
stdout = Console()


@key_app.command("create")
def key_create(
    path: Annotated[Path, typer.Argument(help="Key file to create (outside the workspace).")],
    workspace: Home = None,
) -> None:
    """Create a new random key in a new file (0600); point MATCHGATE_KEY_FILE at it.

    Role: anyone (it writes a key file and opens no store).
    """
    settings = settings_for(workspace)
    key_id = create_key(path, workspace_home=settings.home)
    stdout.print(f"key {key_id} written to {path}", highlight=False)


@key_app.command("status")
def key_status(as_json: AsJson = False, workspace: Home = None) -> None:
    """Which key encrypts the workspace's stores, and with which crypto modules.

    Role: anyone.
    """
    with command(workspace) as cmd:
        status = cmd.services.keys.status()
    if as_json:
        render.print_json(stdout, asdict(status))
        return
    stdout.print(render.key_status(status), highlight=False)


@key_app.command("rotate")
def key_rotate(
    new_key_file: Annotated[
        Path, typer.Option(help="The new key's file (from `matchgate key create`).")
    ],
    actor: Actor = None,
    workspace: Home = None,
) -> None:
    """Re-encrypt both stores with a new key (or encrypt unencrypted ones); audited.

    Role: any user (recorded in the chain; stop other matchgate processes first).
    """
    with command(workspace) as cmd:
        rotation = cmd.services.keys.rotate(new_key_file, actor=cmd.actor(actor))
    stdout.print(
        f"stores {', '.join(rotation.stores) or '(none yet)'} now encrypted with key "
        f"{rotation.new_key_id} (was {rotation.old_key_id or 'unencrypted'}); "
        f"set MATCHGATE_KEY_FILE={new_key_file}",
        highlight=False,
    )
