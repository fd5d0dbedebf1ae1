"""Use cases of API tokens and of the requesters who hold them.

In: an admin's request for a token (the user it acts as, its scope, for a
requester the one agency and the one agreement it is bound to, its
lifetime), a token presented with a call, and a requester's batch uploads.
Out: the token's secret, shown once (`IssuedToken`; only its SHA-256 is
kept), `TokenInfo` listings, revocation, the `Caller` a live token
belongs to, and a requester's view of its own batches: submit, status,
response, nothing else. A requester's batch must name the token's agency
and agreement in its envelope; a requester never sees another agency's
batch (it is "not found" to them, as a batch that does not exist).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matchgate.agreements.loader import resolve_agreement
from matchgate.audit.log import NewEvent, append_event
from matchgate.domain.lifecycle import BatchState, Role
from matchgate.domain.uploads import Upload
from matchgate.errors import ErrorCategory, InputFileError, InvalidArgument, NotFound
from matchgate.services.logins import Principal, digest
from matchgate.services.workflow import BatchService
from matchgate.store.database import clock_of
from matchgate.store.tables import User
from matchgate.store.web_tables import ApiBatch, ApiToken
from matchgate.workflow.store import PermissionDenied, Store, require_role, roles_of
from matchgate.workflow.stored import BatchSummary
from matchgate.workflow.submit import BatchConflict

TOKEN_PREFIX = "mgt"


class TokenScope(StrEnum):
    #: Submits batches for one agency under one agreement, reads their status and response.
    REQUESTER = "requester"
    #: Acts through the API with the roles of the user it belongs to.
    OFFICER = "officer"


class InvalidToken(PermissionDenied):
    """The token is unknown, revoked or expired."""

    category = ErrorCategory.FORBIDDEN


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    user: str
    scope: str
    agency: str | None
    agreement_id: str | None
    created_at: datetime
    expires_at: datetime
    revoked: bool


@dataclass(frozen=True)
class IssuedToken:
    """A new token: `secret` is the only time the token is shown."""

    secret: str
    info: TokenInfo


@dataclass(frozen=True)
class Caller:
    """Who calls with a token: the user it acts as, and what it is bound to."""

    token_id: str
    principal: Principal
    scope: TokenScope
    agency: str | None
    agreement_id: str | None

    @property
    def is_requester(self) -> bool:
        return self.scope is TokenScope.REQUESTER


@dataclass(frozen=True)
class RequesterStatus:
    """What a requester may know of its batch."""

    batch_id: str
    state: str
    rows: int
    response_ready: bool


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _info(row: ApiToken, now: datetime) -> TokenInfo:
    return TokenInfo(
        token_id=row.token_id,
        user=row.user_name,
        scope=row.scope,
        agency=row.agency,
        agreement_id=row.agreement_id,
        created_at=_aware(row.created_at),
        expires_at=_aware(row.expires_at),
        revoked=row.revoked_at is not None,
    )


class TokenService:
    """Issuing, listing, revoking and checking API tokens."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def create(
        self,
        user: str,
        *,
        scope: TokenScope,
        actor: str | None,
        days: int = 90,
        agency: str | None = None,
        agreement_id: str | None = None,
    ) -> IssuedToken:
        if not 1 <= days <= 366:
            raise InvalidArgument("a token lives between 1 and 366 days")
        if scope is TokenScope.REQUESTER and not (agency and agreement_id):
            raise InvalidArgument("a requester token needs --agency and --agreement")
        if scope is TokenScope.OFFICER and (agency or agreement_id):
            raise InvalidArgument("an officer token is bound to no agency or agreement")
        with self._store.transaction() as session:
            require_role(session, actor, Role.ADMIN)
            holder = session.get(User, user)
            if holder is None:
                raise InvalidArgument(f"unknown user {user!r}: add it with `matchgate user add`")
            if scope is TokenScope.REQUESTER and Role.OPERATOR.value not in roles_of(holder):
                raise InvalidArgument(f"a requester token acts as an operator: {user!r} is not one")
            now = clock_of(session)()
            token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
            row = ApiToken(
                token_id=token_id,
                secret_hash=digest(secret),
                user_name=user,
                scope=scope.value,
                agency=agency,
                agreement_id=agreement_id,
                created_by=actor or "",
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
            session.add(row)
            append_event(
                session,
                NewEvent(
                    actor=actor or "",
                    action="token_created",
                    payload={
                        "token_id": token_id,
                        "user": user,
                        "scope": scope.value,
                        "agency": agency,
                        "agreement_id": agreement_id,
                        "expires_at": row.expires_at.isoformat(),
                    },
                ),
            )
            return IssuedToken(f"{TOKEN_PREFIX}_{token_id}_{secret}", _info(row, now))

    def list(self, *, actor: str | None) -> list[TokenInfo]:
        with self._store.transaction() as session:
            require_role(session, actor, Role.ADMIN)
            now = clock_of(session)()
            rows = session.scalars(select(ApiToken).order_by(ApiToken.created_at))
            return [_info(r, now) for r in rows]

    def revoke(self, token_id: str, *, actor: str | None) -> TokenInfo:
        with self._store.transaction() as session:
            require_role(session, actor, Role.ADMIN)
            row = session.get(ApiToken, token_id)
            if row is None:
                raise NotFound(f"no token {token_id!r}")
            now = clock_of(session)()
            if row.revoked_at is None:
                row.revoked_at = now
                append_event(
                    session,
                    NewEvent(
                        actor=actor or "", action="token_revoked", payload={"token_id": token_id}
                    ),
                )
            return _info(row, now)

    def authenticate(self, presented: str) -> Caller:
        """The caller a live token belongs to; `InvalidToken` for anything else."""
        parts = presented.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            raise InvalidToken("not a matchgate API token")
        with self._store.transaction() as session:
            row = session.get(ApiToken, parts[1])
            now = clock_of(session)()
            if (
                row is None
                or not secrets.compare_digest(row.secret_hash, digest(parts[2]))
                or row.revoked_at is not None
                or _aware(row.expires_at) <= now
            ):
                raise InvalidToken("the API token is unknown, revoked or expired")
            user = session.get(User, row.user_name)
            roles = frozenset(roles_of(user)) if user is not None else frozenset()
            return Caller(
                token_id=row.token_id,
                principal=Principal(row.user_name, roles),
                scope=TokenScope(row.scope),
                agency=row.agency,
                agreement_id=row.agreement_id,
            )


class RequesterService:
    """What a requesting agency's token may do: submit, read status, fetch the response."""

    def __init__(self, store: Store, batches: BatchService) -> None:
        self._store = store
        self._batches = batches

    def submit(
        self, caller: Caller, requests: Upload, envelope: Upload
    ) -> tuple[RequesterStatus, bool]:
        """Submit (or, same id and content, resume) a batch; returns it and whether it is new.

        The batch comes under the token's agreement, whatever else the caller says.
        """
        agreement = resolve_agreement(caller.agreement_id)
        self._check_envelope(caller, envelope)
        batch_id = _envelope_batch_id(envelope)
        self._claim(caller, batch_id)
        summary = self._batches.submit(
            requests, envelope, agreement=agreement, actor=caller.principal.name
        )
        return _status(summary), not summary.resumed

    def _claim(self, caller: Caller, batch_id: str) -> None:
        """Record that the batch id is this agency's, first; refuse an id that is not.

        Claiming before submitting makes two identical submissions sent at once
        the same batch, not a conflict. A claim whose upload then proved bad
        stays the agency's: its corrected batch may use the id.
        """
        with self._store.transaction() as session:
            unclaimed = session.get(ApiBatch, batch_id) is None
        if unclaimed and self._exists(batch_id):  # stored by other means (the CLI)
            raise _not_yours(batch_id)
        for _ in range(2):
            try:
                with self._store.transaction() as session:
                    claimed = session.get(ApiBatch, batch_id)
                    if claimed is None:
                        session.add(
                            ApiBatch(
                                batch_id=batch_id,
                                agency=caller.agency or "",
                                agreement_id=caller.agreement_id or "",
                                token_id=caller.token_id,
                            )
                        )
                    elif claimed.agency != caller.agency:
                        raise _not_yours(batch_id)
                return
            except IntegrityError:
                continue  # claimed by a concurrent call meanwhile: read it again
        raise _not_yours(batch_id)  # pragma: no cover - a claim is read on the retry

    def status(self, caller: Caller, batch_id: str) -> RequesterStatus:
        self._require_own(caller, batch_id)
        return _status(self._batches.show(batch_id))

    def response(self, caller: Caller, batch_id: str) -> bytes:
        """The released response (its download audited); a conflict before release."""
        self._require_own(caller, batch_id)
        return self._batches.respond(batch_id, actor=caller.principal.name)

    def _require_own(self, caller: Caller, batch_id: str) -> None:
        with self._store.transaction() as session:
            claimed = session.get(ApiBatch, batch_id)
            if claimed is None or claimed.agency != caller.agency:
                raise NotFound(f"no batch {batch_id!r}")

    def _exists(self, batch_id: str) -> bool:
        try:
            self._batches.show(batch_id)
        except NotFound:
            return False
        return True

    @staticmethod
    def _check_envelope(caller: Caller, envelope: Upload) -> None:
        document = _envelope_document(envelope)
        if document.get("requesting_agency") != caller.agency:
            raise PermissionDenied(
                f"{envelope.name}: requesting_agency is not the agency this token is issued to"
            )
        if document.get("agreement_id") != caller.agreement_id:
            raise PermissionDenied(
                f"{envelope.name}: agreement_id is not the agreement this token is bound to"
            )


def _envelope_document(envelope: Upload) -> dict[str, object]:
    try:
        document = json.loads(envelope.data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputFileError(envelope.name, "the envelope is not a JSON object") from None
    if not isinstance(document, dict):
        raise InputFileError(envelope.name, "the envelope is not a JSON object")
    return document


def _envelope_batch_id(envelope: Upload) -> str:
    batch_id = _envelope_document(envelope).get("batch_id")
    if not isinstance(batch_id, str) or not batch_id.strip():
        raise InputFileError(envelope.name, "the envelope has no batch_id", column="batch_id")
    return batch_id


def _not_yours(batch_id: str) -> BatchConflict:
    return BatchConflict(f"batch id {batch_id!r} is already in use; choose another batch_id")


def _status(summary: BatchSummary) -> RequesterStatus:
    return RequesterStatus(
        batch_id=summary.batch_id,
        state=summary.state,
        rows=summary.rows,
        response_ready=summary.state == BatchState.RELEASED.value,
    )
