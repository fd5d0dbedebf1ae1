"""Processing a stored batch: validate, match and decide, each step committed.

In: the workflow store, a batch id, and a factory for the matcher (called
only when the batch has requests to match). Out: the batch advanced through
every automatic step it has not yet committed: `received` -> `validated`
(reason codes stored, rejections audited) -> `matched` (every decision and
its evidence stored, and audited, a chunk of rows per transaction, so that
memory stays flat in the size of the batch) -> `in_review`. A process
killed anywhere resumes from the last committed state or chunk; the steps
are deterministic, so nothing is decided twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matchgate.agreements.schema import Agreement
from matchgate.audit.log import append_events
from matchgate.decide.recorded import DecisionEvidence, dump_evidence
from matchgate.domain.lifecycle import PROCESSING, BatchState
from matchgate.domain.outcomes import Outcome
from matchgate.domain.reasons import join_codes, split_codes
from matchgate.intake.envelope import (
    EnvelopeCheck,
    EnvelopeDocument,
    check_envelope,
    parse_envelope,
)
from matchgate.intake.validate import validate_requests
from matchgate.pipeline import (
    DEFAULT_CHUNK_ROWS,
    BatchOutcome,
    DecidedRequest,
    Matcher,
    add_seconds,
    chunks,
    decide_chunk,
    plan_batch,
)
from matchgate.progress import NullProgress, Progress
from matchgate.store.database import clock_of
from matchgate.store.tables import Batch, BatchRow, Decision
from matchgate.workflow import events
from matchgate.workflow.holds import held_tins
from matchgate.workflow.store import Store
from matchgate.workflow.stored import (
    BatchFailed,
    BatchSummary,
    agreement_of,
    batch_summary,
    fault,
    get_batch,
    mark_failed,
    move,
    table_of,
)


def process_batch(
    store: Store,
    batch_id: str,
    matcher_factory: Callable[[], Matcher],
    *,
    actor: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Progress | None = None,
    keep_rows: bool = True,
    keep_evidence: bool = True,
) -> tuple[BatchSummary, BatchOutcome | None]:
    """Advance a batch through every automatic step it has not yet committed.

    Returns the batch summary and, when this call ran the match step, the
    decided rows as the pipeline produced them (for scoring and reports;
    with `keep_rows=False` the outcome carries no rows, so that memory stays
    flat in the size of the batch; with `keep_evidence=False` the rows carry
    no candidates, which are most of their memory: they are stored with each
    decision). The match step commits `chunk_rows` rows at a time.
    """
    try:
        return _process(
            store,
            batch_id,
            matcher_factory,
            actor=actor,
            chunk_rows=chunk_rows,
            progress=progress or NullProgress(),
            keep_rows=keep_rows,
            keep_evidence=keep_evidence,
        )
    except BatchFailed as exc:
        # Not transient: retrying cannot help, so the batch says why it stopped.
        mark_failed(store, batch_id, exc.message, actor)
        raise


@dataclass(frozen=True)
class _Matching:
    """What the match step reads of a validated batch, taken from its transaction."""

    table: pa.Table
    agreement: Agreement
    document: EnvelopeDocument
    envelope: EnvelopeCheck
    who: str


def _process(
    store: Store,
    batch_id: str,
    matcher_factory: Callable[[], Matcher],
    *,
    actor: str | None,
    chunk_rows: int,
    progress: Progress,
    keep_rows: bool,
    keep_evidence: bool,
) -> tuple[BatchSummary, BatchOutcome | None]:
    matched: BatchOutcome | None = None
    # The rows as received never change: read once, for validation and matching.
    table: pa.Table | None = None
    while True:
        matching: _Matching | None = None
        with store.transaction() as session:
            batch = get_batch(session, batch_id)
            state = BatchState(batch.state)
            if state not in PROCESSING:
                break
            if state is BatchState.MATCHED:  # hand over to people
                move(batch, BatchState.IN_REVIEW)
                point = "after-in-review"
            else:
                agreement = agreement_of(batch)
                table = table if table is not None else table_of(session, batch_id)
                document = parse_envelope(batch.envelope, source=f"batch {batch_id} envelope")
                envelope = check_envelope(document, agreement, received_at=batch.received_at)
                who = actor or batch.submitted_by
                if state is BatchState.RECEIVED:
                    with progress.task("Validating the requests", total=table.num_rows) as task:
                        _validate(session, batch, table, envelope, agreement, who)
                        task.advance(table.num_rows)
                    point = "after-validated"
                else:
                    matching = _Matching(table, agreement, document, envelope, who)
        if matching is not None:
            matched = _match(
                store,
                batch_id,
                matching,
                matcher_factory,
                chunk_rows,
                progress,
                keep=(keep_rows, keep_evidence),
            )
            point = "after-matched"
        fault(point)
    return batch_summary(store, batch_id), matched


def official_rows_this_year(session: Session, batch: Batch) -> int:
    """REQ-41: the rows earlier batches this calendar year asked for under this official."""
    official = _official(batch.envelope)
    if not official:
        return 0
    year = batch.received_at.year
    rows = 0
    for other in session.scalars(select(Batch).where(Batch.batch_id != batch.batch_id)):
        if other.received_at.year == year and _official(other.envelope) == official:
            rows += (
                session.scalar(
                    select(func.count())
                    .select_from(BatchRow)
                    .where(BatchRow.batch_id == other.batch_id)
                )
                or 0
            )
    return rows


def _official(envelope: str) -> str:
    try:
        document = json.loads(envelope)
    except ValueError:
        return ""
    official = document.get("requesting_official") if isinstance(document, dict) else None
    name = official.get("name") if isinstance(official, dict) else None
    return " ".join(name.split()).casefold() if isinstance(name, str) else ""


def _validate(
    session: Session,
    batch: Batch,
    table: pa.Table,
    envelope: EnvelopeCheck,
    agreement: Agreement,
    who: str,
) -> None:
    """`received` -> `validated`: every row's reason codes stored, rejections audited."""
    codes = validate_requests(table, envelope, agreement)
    request_ids = session.execute(
        select(BatchRow.row_index, BatchRow.request_id)
        .where(BatchRow.batch_id == batch.batch_id)
        .order_by(BatchRow.row_index)
    ).all()
    joined = {index: join_codes(codes[index]) for index, _ in request_ids}
    # Every row valid in one statement, then one bulk UPDATE by primary key for
    # the rows with codes: not a million single-row updates for a national batch.
    session.execute(update(BatchRow).where(BatchRow.batch_id == batch.batch_id).values(codes=""))
    flagged = [
        {"batch_id": batch.batch_id, "row_index": index, "codes": text}
        for index, text in joined.items()
        if text
    ]
    if flagged:
        session.execute(update(BatchRow), flagged)
    rejected = [
        events.request_rejected(
            who,
            BatchRow(
                batch_id=batch.batch_id,
                row_index=index,
                request_id=request_id,
                codes=joined[index],
            ),
        )
        for index, request_id in request_ids
        if joined[index]
    ]
    append_events(session, rejected)
    move(batch, BatchState.VALIDATED)


def _match(
    store: Store,
    batch_id: str,
    matching: _Matching,
    matcher_factory: Callable[[], Matcher],
    chunk_rows: int,
    progress: Progress,
    *,
    keep: tuple[bool, bool],
) -> BatchOutcome | None:
    """`validated` -> `matched`, one committed chunk of rows at a time.

    Each chunk's decisions and their audit events are one transaction, so a
    process killed mid-batch loses at most the chunk it was deciding; a rerun
    skips the chunks already committed (the decisions are deterministic, so
    the rows it decides are the ones the killed run would have). The batch
    becomes `matched` once every row has its decision. The matcher is opened
    only when a chunk has requests to match.

    None when another process committed a chunk first (the same batch
    submitted twice at once): the caller reads the batch's state again and
    goes on from there, with the rows still undecided if there are any.
    """
    agreement = matching.agreement
    with store.transaction() as session:
        committed = set(
            session.scalars(select(Decision.row_index).where(Decision.batch_id == batch_id))
        )
        # Validated when the batch became `validated`: the codes stored then, not
        # a second reading of every street line.
        codes = [
            split_codes(joined)
            for joined in session.scalars(
                select(BatchRow.codes)
                .where(BatchRow.batch_id == batch_id)
                .order_by(BatchRow.row_index)
            )
        ]
        holds = held_tins(session)
        prior_rows = (
            official_rows_this_year(session, get_batch(session, batch_id))
            if agreement.official_max_rows_per_year is not None
            else 0
        )
    clock = time.perf_counter()
    # Batch-wide facts (boilerplate reasons, REQ-41 counts, REQ-23 holds) are
    # planned once over the whole batch, so any chunking decides the same rows.
    plan = plan_batch(
        matching.table,
        matching.envelope,
        agreement,
        holds=holds,
        official_prior_rows=prior_rows,
        codes=codes,
    )
    seconds = {"intake": time.perf_counter() - clock}
    matcher: Matcher | None = None
    kept: list[DecidedRequest] = []
    with progress.task("Matching and deciding", total=plan.rows) as task:
        for number, chunk in enumerate(chunks(plan.rows, chunk_rows)):
            # Rows an earlier, interrupted run committed are not decided again.
            todo = [i for i in chunk if i not in committed]
            if not todo:
                task.advance(len(chunk))
                continue
            if matcher is None and plan.valid(todo) and not matching.envelope.problems:
                matcher = matcher_factory()
            decided = decide_chunk(
                matching.table, plan, todo, batch_id, agreement, matcher, seconds
            )
            fault("mid-matched")
            clock = time.perf_counter()
            if not _commit_chunk(store, batch_id, decided, matcher, matching):
                return None
            add_seconds(seconds, "commit", clock)
            fault(f"after-chunk-{number}")
            if keep[0]:
                kept += decided if keep[1] else [d.without_evidence() for d in decided]
            task.advance(len(chunk))
    with store.transaction() as session:
        batch = get_batch(session, batch_id)
        if BatchState(batch.state) is not BatchState.VALIDATED:
            return None  # another process finished the batch first
        move(batch, BatchState.MATCHED)
        vintage_id, model_version = batch.vintage_id or "", batch.model_version or ""
    return BatchOutcome(
        batch_id=batch_id,
        agreement_id=agreement.id,
        agreement_hash=agreement.content_hash,
        vintage_id=vintage_id,
        model_version=model_version,
        rows=kept,
        seconds=seconds,
        requests_matched=len(plan.valid(range(plan.rows))),
    )


def _commit_chunk(
    store: Store,
    batch_id: str,
    decided: list[DecidedRequest],
    matcher: Matcher | None,
    matching: _Matching,
) -> bool:
    """One chunk's decisions and their audit events, in one transaction.

    A matched row's event is `decision_made`; a rejected row's is
    `decision_recorded`; both carry the hash of the stored decision row.
    False (nothing written) when another process has decided these rows or
    moved the batch on meanwhile: its decisions are the same ones.
    """
    try:
        with store.transaction() as session:
            return _write_chunk(session, batch_id, decided, matcher, matching)
    except IntegrityError:
        # The other process inserted the same decisions at the same moment.
        if _decided_elsewhere(store, batch_id, decided):
            return False
        raise


def _decided_elsewhere(store: Store, batch_id: str, decided: list[DecidedRequest]) -> bool:
    with store.transaction() as session:
        batch = get_batch(session, batch_id)
        return BatchState(batch.state) is not BatchState.VALIDATED or _any_stored(
            session, batch_id, decided
        )


def _any_stored(session: Session, batch_id: str, decided: list[DecidedRequest]) -> bool:
    first, last = min(d.index for d in decided), max(d.index for d in decided)
    indices = {d.index for d in decided}
    stored = session.scalars(
        select(Decision.row_index).where(
            Decision.batch_id == batch_id, Decision.row_index.between(first, last)
        )
    )
    return any(index in indices for index in stored)


def _write_chunk(
    session: Session,
    batch_id: str,
    decided: list[DecidedRequest],
    matcher: Matcher | None,
    matching: _Matching,
) -> bool:
    batch = get_batch(session, batch_id)
    if BatchState(batch.state) is not BatchState.VALIDATED or _any_stored(
        session, batch_id, decided
    ):
        return False
    if matcher is not None:
        batch.vintage_id = matcher.vintage_id or None
        batch.model_version = matcher.model_version or None
    stamp = clock_of(session)()
    evidence = [DecisionEvidence.of(d.decision, d.inputs) if d.decision else None for d in decided]
    stored = [_decision_row(batch_id, d, e, stamp) for d, e in zip(decided, evidence, strict=True)]
    # Bulk statements, not one ORM object per row: a chunk is tens of thousands of rows.
    session.execute(insert(Decision), stored)
    # What the audit record keeps of each request, from the rows as received (the
    # table the chunk was decided from), not read back from the store again.
    audited = matching.table.select(list(events.AUDITED_REQUEST_FIELDS))
    requests = audited.take(pa.array([d["row_index"] for d in stored], pa.int64())).to_pylist()
    append_events(
        session,
        [
            events.decision_made(
                matching.who,
                batch,
                request,
                d,
                matching.agreement,
                matching.document,
                evidence=e,
            )
            if d["outcome"] != Outcome.REJECTED.value
            else events.decision_recorded(matching.who, d)
            for d, e, request in zip(stored, evidence, requests, strict=True)
        ],
    )
    return True


def _decision_row(
    batch_id: str, decided: DecidedRequest, evidence: DecisionEvidence | None, stamp: Any
) -> events.DecisionValues:
    decision = decided.decision
    outcome = decided.outcome.value
    lka = json.dumps(asdict(decided.lka), sort_keys=True) if decided.lka else None
    return events.DecisionValues(
        decision_id=decided.decision_id,
        batch_id=batch_id,
        row_index=decided.index,
        request_id=decided.request_id,
        outcome=outcome,
        machine_outcome=outcome,
        reason_codes=join_codes(decided.codes),
        address_match=decision.address_match.value if decision and decision.address_match else None,
        tin=decision.tin if decision else None,
        lka=lka,
        review_reasons=";".join(r.value for r in decision.review_reasons) if decision else "",
        evidence=dump_evidence(evidence),
        decided_at=stamp,
        version=1,
    )
