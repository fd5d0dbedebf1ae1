"""The use cases the web app and the REST API call, over one store and one engine.

`core` is the same `Services` the CLI calls (batches, review, audit, ...);
beside it, what only a networked adapter needs: logins and sessions, API
tokens and the requesters who hold them, and the read-only views the pages
draw. Built once per process by `bootstrap.build_web_services`.
"""

from __future__ import annotations

from dataclasses import dataclass

from matchgate.services import Services
from matchgate.services.insights import BatchScores, InsightService
from matchgate.services.logins import (
    LoginFailed,
    LoginGrant,
    LoginPolicy,
    LoginService,
    Principal,
)
from matchgate.services.tokens import (
    Caller,
    InvalidToken,
    IssuedToken,
    RequesterService,
    RequesterStatus,
    TokenInfo,
    TokenScope,
    TokenService,
)

__all__ = [
    "BatchScores",
    "Caller",
    "InsightService",
    "InvalidToken",
    "IssuedToken",
    "LoginFailed",
    "LoginGrant",
    "LoginPolicy",
    "LoginService",
    "Principal",
    "RequesterService",
    "RequesterStatus",
    "TokenInfo",
    "TokenScope",
    "TokenService",
    "WebServices",
]


@dataclass(frozen=True)
class WebServices:
    core: Services
    logins: LoginService
    tokens: TokenService
    requesters: RequesterService
    insights: InsightService

    def close(self) -> None:
        self.core.close()

    def __enter__(self) -> WebServices:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
