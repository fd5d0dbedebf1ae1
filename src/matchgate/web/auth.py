"""Who is calling, and may they: sessions, API tokens, roles, CSRF.

Browser pages authenticate with the session cookie (HttpOnly, SameSite=Strict,
a random id the server keeps only hashed); every form carries the session's
CSRF token. The API takes `Authorization: Bearer <token>` or the session
cookie (then with the CSRF token in `X-CSRF-Token` for any write). A
requester token reaches only the requester routes; everything else needs a
person's role (`ROLE_OF` in pages.py and api.py says which, per route), and
the service it calls checks that role again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request

from matchgate.domain.lifecycle import Role
from matchgate.errors import ErrorCategory, MatchgateError
from matchgate.services.webapp import Caller, InvalidToken, Principal, WebServices
from matchgate.web.problems import CsrfRejected, Unauthenticated

SESSION_COOKIE = "mg_session"
LOGIN_CSRF_COOKIE = "mg_login_csrf"


class RoleRequired(MatchgateError):
    """The caller is known but lacks the role (or the kind of credential) the route needs."""

    category = ErrorCategory.FORBIDDEN


class NeedsLogin(Exception):
    """A page asked for without a live session: the browser goes to the login page."""


def services_of(request: Request) -> WebServices:
    services: WebServices = request.app.state.services
    return services


def session_principal(request: Request) -> Principal | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    return services_of(request).logins.resolve(session_id)


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def token_caller(request: Request) -> Caller | None:
    presented = bearer(request)
    if presented is None:
        return None
    try:
        return services_of(request).tokens.authenticate(presented)
    except InvalidToken as exc:
        raise Unauthenticated(exc.message) from None


def require_role(principal: Principal, role: Role | None) -> Principal:
    if role is not None and not principal.holds(role):
        raise RoleRequired(f"this needs the {role.value} role")
    return principal


def check_csrf(principal: Principal, presented: str | None) -> None:
    expected = principal.csrf
    if not expected or not presented or not secrets.compare_digest(expected, presented):
        raise CsrfRejected()


@dataclass(frozen=True)
class ApiIdentity:
    """An API caller: a person (session or officer token) or a requester token."""

    principal: Principal
    caller: Caller | None  # None: a browser session

    @property
    def is_requester(self) -> bool:
        return self.caller is not None and self.caller.is_requester


def api_identity(request: Request) -> ApiIdentity:
    caller = token_caller(request)
    if caller is not None:
        return ApiIdentity(caller.principal, caller)
    principal = session_principal(request)
    if principal is None:
        raise Unauthenticated()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        check_csrf(principal, request.headers.get("x-csrf-token"))
    return ApiIdentity(principal, None)


def person(request: Request, role: Role | None) -> Principal:
    """An API caller acting as a person with `role`: a session or an officer token."""
    identity = api_identity(request)
    if identity.is_requester:
        raise RoleRequired("a requester token cannot do this")
    return require_role(identity.principal, role)


def requester(request: Request) -> Caller:
    """An API caller holding a requester token."""
    identity = api_identity(request)
    if identity.caller is None or not identity.caller.is_requester:
        raise RoleRequired("this needs a requester token")
    return identity.caller


def page_user(request: Request, role: Role | None = None) -> Principal:
    """The logged-in user of a page, holding `role`; to the login page otherwise."""
    principal = session_principal(request)
    if principal is None:
        raise NeedsLogin()
    return require_role(principal, role)
