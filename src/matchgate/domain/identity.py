"""Who is acting, and in which kind of workspace (pure vocabulary).

A *trial* workspace (the default: synthetic data, evaluation, the one-shot
`verify`) takes the acting user as given (`--as`, `MATCHGATE_USER`). A
*production* workspace (`matchgate init --production`) takes it from proof:
on the command line, the operating-system account running the command,
bound to at most one user (peer authentication, as PostgreSQL does it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class WorkspaceKind(StrEnum):
    TRIAL = "trial"
    PRODUCTION = "production"


@dataclass(frozen=True)
class OsAccount:
    """The operating-system account a command runs under (from its uid, never from env)."""

    login: str
    uid: int


@dataclass(frozen=True)
class Claim:
    """An identity a caller asserts: the user name and where it came from."""

    name: str | None
    #: `--as` or `MATCHGATE_USER`: named in a refusal so the caller knows what to drop.
    source: str = "--as"
