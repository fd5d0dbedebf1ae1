"""What every command shares: its settings, its services, the acting user, its options.

A handler opens `command(workspace)` once: the settings are loaded (the
`--workspace` option over `MATCHGATE_HOME`), the workspace's application log
is attached, and `bootstrap.build_services` builds the use cases, which are
closed when the handler is done. The acting user is `--as`, else
`MATCHGATE_USER`, in a trial workspace; in a production workspace both are
refused and the user bound to the operating-system account acts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer

from matchgate import osaccount
from matchgate.bootstrap import build_services, build_web_services
from matchgate.config import Settings, load_settings
from matchgate.domain.identity import Claim
from matchgate.errors import InvalidArgument
from matchgate.logs import configure_file_logging
from matchgate.services import Services
from matchgate.services.webapp import WebServices

Home = Annotated[
    Path | None, typer.Option("--workspace", help="Workspace folder (default: MATCHGATE_HOME).")
]
Actor = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Act as this user (default: MATCHGATE_USER); trial workspaces only.",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Since = Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD), inclusive.")]
Until = Annotated[str | None, typer.Option(help="Up to this date (YYYY-MM-DD), inclusive.")]


@dataclass(frozen=True)
class Command:
    """One command's settings and use cases."""

    settings: Settings
    services: Services

    def actor(self, given: str | None) -> str | None:
        """The acting user: `--as`, else MATCHGATE_USER (trial); the OS account (production).

        In a production workspace any claimed name is refused and the user
        bound to the operating-system account running the command acts.
        """
        claim = Claim(given, "--as") if given else Claim(self.settings.user, "MATCHGATE_USER")
        return self.services.identity.resolve(claim, osaccount.current_account())

    @staticmethod
    def os_login() -> str:
        """The operating-system login running this command."""
        return osaccount.current_account().login


@dataclass(frozen=True)
class WebCommand:
    """One command's settings and the web app's use cases (logins, tokens)."""

    settings: Settings
    services: WebServices

    def actor(self, given: str | None) -> str | None:
        """The acting user, proven as for every other command (`Command.actor`)."""
        return Command(self.settings, self.services.core).actor(given)


def settings_for(home: Path | None) -> Settings:
    settings = load_settings(**({"home": home} if home else {}))
    configure_file_logging(settings.workspace.log_file)
    return settings


@contextmanager
def command(home: Path | None) -> Iterator[Command]:
    """The services of the workspace `home` (or MATCHGATE_HOME), for one command."""
    settings = settings_for(home)
    with build_services(settings) as services:
        yield Command(settings, services)


@contextmanager
def web_command(home: Path | None) -> Iterator[WebCommand]:
    """The web app's services of the workspace `home`, for one command (`token`, passwords)."""
    settings = settings_for(home)
    with build_web_services(settings) as services:
        yield WebCommand(settings, services)


def date_option(value: str | None, option: str) -> date | None:
    """A `YYYY-MM-DD` option value (InvalidArgument naming the option otherwise)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(f"{option}: {value!r} is not a YYYY-MM-DD date") from None


def start_of(day: date | None) -> datetime | None:
    """The first moment of a UTC day."""
    return datetime.combine(day, time.min, UTC) if day else None
