"""Use cases of the persistent workflow: batches, the review queue, users.

In: uploads (a batch's request file and envelope as bytes with their names),
ids, the acting user and the engine port. Out: typed results the adapters
render or serialise: `BatchSummary`, `ReviewItem`, `UserInfo`, a response's
bytes. Each use case is the workflow's own transactional steps
(`workflow/`), composed: submitting a batch also processes it up to review,
with a matcher that is opened only if the batch has requests to match.
"""

from __future__ import annotations

from dataclasses import replace

from matchgate.agreements.schema import Agreement
from matchgate.domain.lifecycle import Role
from matchgate.domain.outcomes import Outcome
from matchgate.domain.uploads import Upload
from matchgate.errors import NotFound
from matchgate.match.port import MatchEngine
from matchgate.pipeline import DEFAULT_CHUNK_ROWS
from matchgate.progress import Progress
from matchgate.services.identity import AgreementService
from matchgate.workflow.identity import change_roles, disable_user
from matchgate.workflow.process import process_batch
from matchgate.workflow.release import approve_batch, release_batch, respond
from matchgate.workflow.review import (
    ReviewItem,
    decide_review_item,
    keep_review_records,
    list_review_items,
)
from matchgate.workflow.store import Store, UserInfo, add_user, list_users
from matchgate.workflow.stored import BatchSummary, batch_summary, list_batches
from matchgate.workflow.submit import submit_batch


class BatchService:
    """A batch from submission to its released response."""

    def __init__(
        self,
        store: Store,
        engine: MatchEngine,
        agreements: AgreementService,
        *,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> None:
        self._store = store
        self._engine = engine
        self._agreements = agreements
        self._chunk_rows = chunk_rows

    def submit(
        self,
        requests: Upload,
        envelope: Upload,
        *,
        agreement: Agreement | None = None,
        actor: str | None,
        progress: Progress | None = None,
    ) -> BatchSummary:
        """Store the batch (again: resume it) and process it up to review.

        The batch comes under the registered agreement its envelope names; an
        `agreement` given (a trial workspace only) is registered first. The
        summary says whether the batch was already stored (`resumed`).
        """
        terms = self._agreements.for_batch(envelope, actor=actor, given=agreement)
        batch_id, resumed = submit_batch(
            self._store, requests, envelope, terms, actor=actor, progress=progress
        )
        with self._engine.matcher() as factory:
            summary, _ = process_batch(
                self._store,
                batch_id,
                factory,
                chunk_rows=self._chunk_rows,
                progress=progress,
                keep_rows=False,
            )
        if summary.pending_review and self._engine.current_vintage_id() == summary.vintage_id:
            # What the officer will see is kept now, from the vintage the batch was matched with.
            keep_review_records(self._store, batch_id, self._engine.taxpayer_records)
        return replace(summary, resumed=resumed)

    def show(self, batch_id: str) -> BatchSummary:
        return batch_summary(self._store, batch_id)

    def list(self) -> list[BatchSummary]:
        return list_batches(self._store)

    def approve(self, batch_id: str, *, actor: str | None) -> BatchSummary:
        """The second person approves: nothing pending, not its submitter or a reviewer."""
        return approve_batch(self._store, batch_id, actor=actor)

    def release(self, batch_id: str, *, actor: str | None) -> BatchSummary:
        """Fix the response, once; releasing again changes nothing."""
        return release_batch(self._store, batch_id, actor=actor)

    def respond(self, batch_id: str, *, actor: str | None) -> bytes:
        """The released response (FORMATS.md §3), as bytes; its download is audited."""
        return respond(self._store, batch_id, actor=actor)


class ReviewService:
    """The queue of held requests and the officers' decisions on them."""

    def __init__(self, store: Store, engine: MatchEngine) -> None:
        self._store = store
        self._engine = engine

    def queue(self, *, actor: str | None, batch_id: str | None = None) -> list[ReviewItem]:
        """Held requests beside their candidates' records as filed (a view that is audited)."""
        return list_review_items(
            self._store,
            actor=actor,
            batch_id=batch_id,
            records=self._engine.taxpayer_records,
            current_vintage=self._engine.current_vintage_id(),
        )

    def item(self, item_id: str, *, actor: str | None) -> ReviewItem:
        """One held request beside its candidates' records (a view that is audited)."""
        found = list_review_items(
            self._store,
            actor=actor,
            item_id=item_id,
            records=self._engine.taxpayer_records,
            current_vintage=self._engine.current_vintage_id(),
        )
        if not found:
            raise NotFound(f"no review item {item_id!r} is held for review")
        return found[0]

    def decide(self, item_id: str, *, actor: str | None, confirm: bool, note: str) -> Outcome:
        """Confirm (VERIFIED) or deny (NO_MATCH) one held request, with the reason."""
        return decide_review_item(self._store, item_id, actor=actor, confirm=confirm, note=note)


class UserService:
    """The people who act, and their roles."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(
        self, name: str, roles: list[Role], *, actor: str | None, os_user: str | None = None
    ) -> UserInfo:
        """Add a user (never changes one); a trial's first needs no actor, later ones an admin.

        `os_user` binds the user to an operating-system login (required in a
        production workspace; one login binds to at most one user).
        """
        return add_user(self._store, name, roles, actor=actor, os_user=os_user)

    def grant(self, name: str, roles: list[Role], *, actor: str | None) -> UserInfo:
        """An admin gives a user more roles, audited."""
        return change_roles(self._store, name, grant=roles, revoke=[], actor=actor)

    def revoke(self, name: str, roles: list[Role], *, actor: str | None) -> UserInfo:
        """An admin takes roles from a user, audited."""
        return change_roles(self._store, name, grant=[], revoke=roles, actor=actor)

    def disable(self, name: str, *, actor: str | None) -> UserInfo:
        """An admin disables a user (never themselves), audited."""
        return disable_user(self._store, name, actor=actor)

    def list(self) -> list[UserInfo]:
        return list_users(self._store)
