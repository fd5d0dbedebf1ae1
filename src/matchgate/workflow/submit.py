"""Submitting a batch: its rows and envelope stored once, as `received`.

In: the request file and envelope of a batch as uploads (bytes and the names
they came with), the agreement it comes under and the submitting operator.
Out: the batch id and whether it was already stored. The same batch id with
the same content (and agreement) is the same batch: submitting it again
resumes it; with other content, or under another agreement, it is refused
(`BatchConflict`), because a corrected batch needs a new id. Concurrent
identical submissions store one batch.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from matchgate.agreements.schema import Agreement
from matchgate.audit.log import append_event
from matchgate.domain.lifecycle import BatchState, Role
from matchgate.domain.reasons import ReasonCode
from matchgate.domain.uploads import Upload
from matchgate.errors import ErrorCategory, InputFileError, MatchgateError
from matchgate.intake.envelope import envelope_text, parse_envelope
from matchgate.intake.id_text import has_unsafe_characters
from matchgate.intake.readers import read_requests_bytes
from matchgate.progress import NullProgress, Progress
from matchgate.store.database import clock_of
from matchgate.store.tables import Batch, BatchRow
from matchgate.workflow import events
from matchgate.workflow.store import Store, require_role
from matchgate.workflow.stored import fault, log

#: Request rows stored per INSERT.
_INSERT_ROWS = 10_000


class BatchConflict(MatchgateError):
    """The same batch_id was submitted again with different content, or under another agreement."""

    category = ErrorCategory.CONFLICT


def content_hash(requests: Upload, envelope: Upload) -> str:
    """What "the same batch" means: the same request and envelope bytes."""
    digest = hashlib.sha256()
    for upload in (requests, envelope):
        digest.update(upload.data)
        digest.update(b"\x00")
    return digest.hexdigest()


def submit_batch(
    store: Store,
    requests: Upload,
    envelope: Upload,
    agreement: Agreement,
    *,
    actor: str | None,
    trial: bool = False,
    progress: Progress | None = None,
) -> tuple[str, bool]:
    """Store a batch as `received`; the same id and content again is the same batch.

    Returns the batch id and whether it already existed (a resubmission).
    `trial` marks a one-shot `verify`'s batch; a trial and a workflow batch
    never share an id.
    """
    try:
        return _submit(
            store, requests, envelope, agreement, actor=actor, trial=trial, progress=progress
        )
    except IntegrityError:
        # The same batch was stored by a concurrent submit: resubmit (idempotent).
        return _submit(
            store, requests, envelope, agreement, actor=actor, trial=trial, progress=progress
        )


def _submit(
    store: Store,
    requests: Upload,
    envelope: Upload,
    agreement: Agreement,
    *,
    actor: str | None,
    trial: bool,
    progress: Progress | None,
) -> tuple[str, bool]:
    digest = content_hash(requests, envelope)
    table = read_requests_bytes(requests.data, name=requests.name)
    text = envelope_text(envelope.data, source=envelope.name)
    document = parse_envelope(text, source=envelope.name)
    batch_id = document.batch_id if isinstance(document.batch_id, str) else ""
    if not batch_id.strip():
        raise InputFileError(envelope.name, "the envelope has no batch_id", column="batch_id")
    if has_unsafe_characters(batch_id):
        # The id every later command is typed with and every listing prints:
        # never stored, so never shown, with a line break or an escape in it.
        error = InputFileError(
            envelope.name,
            "batch_id holds a control or formatting character (a line break, a terminal "
            "escape, a bidirectional override): the envelope is invalid (R08)",
            column="batch_id",
        )
        error.reason_code = ReasonCode.ENVELOPE_INVALID
        raise error
    with store.transaction() as session:
        require_role(session, actor, Role.OPERATOR)
        existing = session.get(Batch, batch_id)
        if existing is not None:
            if existing.content_hash != digest:
                raise BatchConflict(
                    f"batch {batch_id} was already submitted with different content; "
                    "a corrected batch needs a new batch_id"
                )
            if existing.agreement_hash != agreement.content_hash:
                raise BatchConflict(
                    f"batch {batch_id} was submitted under agreement {existing.agreement_id} "
                    f"({existing.agreement_hash[:12]}); resubmit it under the same agreement"
                )
            if existing.trial != trial:
                kind = "a trial (`verify`)" if existing.trial else "in the workflow"
                raise BatchConflict(f"batch {batch_id} is {kind}; use another batch_id")
            log.info("batch %s resubmitted with the same content: resuming", batch_id)
            return batch_id, True
        stamp = clock_of(session)()
        session.add(
            Batch(
                batch_id=batch_id,
                content_hash=digest,
                state=BatchState.RECEIVED.value,
                agreement_id=agreement.id,
                agreement_hash=agreement.content_hash,
                agreement_document=json.dumps(agreement.document(), sort_keys=True),
                envelope=text,
                submitted_by=actor,
                trial=trial,
                received_at=stamp,
                updated_at=stamp,
            )
        )
        session.flush()
        # Bulk INSERTs of a slice of rows at a time: a national batch is never
        # a million ORM objects, nor a million dictionaries at once.
        with (progress or NullProgress()).task("Storing the batch", total=table.num_rows) as task:
            for start in range(0, table.num_rows, _INSERT_ROWS):
                part = table.slice(start, _INSERT_ROWS).to_pylist()
                session.execute(
                    insert(BatchRow),
                    [
                        {
                            "batch_id": batch_id,
                            "row_index": start + offset,
                            "request_id": row.get("request_id") or "",
                            "fields": json.dumps(row, ensure_ascii=False),
                        }
                        for offset, row in enumerate(part)
                    ],
                )
                task.advance(len(part))
        batch = session.get(Batch, batch_id)
        assert batch is not None
        received = events.batch_received(actor or "", batch, document, table.num_rows)
        if trial:
            received.payload["trial"] = True
        append_event(session, received)
        log.info("batch %s received: %d rows", batch_id, table.num_rows)
    fault("after-received")
    return batch_id, False
