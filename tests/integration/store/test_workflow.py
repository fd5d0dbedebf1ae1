"""The persistent workflow on both stores: submit, process, review, approve, release, respond.

Every test runs on SQLite and on PostgreSQL (the ``store`` fixture) with a fake
matcher, so nothing here needs Splink or a master file. The batch of six
requests decides, by construction of the fake's candidates, as:

====  ==============  ================================================
row   outcome         why
====  ==============  ================================================
r0    VERIFIED        one strong fit at its last known address
r1    PENDING_REVIEW  JUAN PEREZ asked; JUANA PEREZ at the address too
r2    NO_MATCH        no candidate at all
r3    REJECTED        ``PO BOX 1`` (R02): never reaches the matcher
r4    VERIFIED        one strong fit at a prior address on file
r5    NO_MATCH        a fit whose score is below the review floor
====  ==============  ================================================
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from factories import agreement, reference_agreement, request_rows, write_csv, write_envelope
from matchgate.audit.log import verify
from matchgate.decide.evidence import RequestFacts
from matchgate.decide.policy import Candidate, PersonFacts
from matchgate.disclose.minimise import RESPONSE_COLUMNS, LastKnownAddress
from matchgate.domain.lifecycle import BatchState, Role
from matchgate.domain.outcomes import AddressMatch, Outcome, ReviewReason
from matchgate.domain.uploads import Upload
from matchgate.errors import ErrorCategory, MatchgateError
from matchgate.files import read_upload
from matchgate.intake.readers import read_requests_bytes
from matchgate.pipeline import Matcher
from matchgate.standardise.names import standardise_name
from matchgate.store.database import alembic_config, upgrade
from matchgate.store.tables import Base, Batch, BatchRow, Decision, Response, ReviewAction, User
from matchgate.workflow import stored
from matchgate.workflow.process import process_batch
from matchgate.workflow.release import approve_batch, release_batch, respond
from matchgate.workflow.retention import RetentionRefused, purge_batches
from matchgate.workflow.review import AlreadyDecided, decide_review_item, list_review_items
from matchgate.workflow.store import (
    PermissionDenied,
    Store,
    UserExists,
    add_user,
    list_users,
    open_store,
)
from matchgate.workflow.stored import BatchFailed, BatchStateError, batch_summary
from matchgate.workflow.submit import BatchConflict, submit_batch
from matchgate.workspace import Workspace

from .conftest import StoreCase

BATCH_ID = "B-1"

# --------------------------------------------------------------------------------------------
# The batch and the fake matcher
# --------------------------------------------------------------------------------------------

#: (first_name, last_name, street) per row; everything else is the factories' valid default.
PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("MARISOL", "QUINTANILLA", "1234 N MAIN ST"),
    ("JUAN", "PEREZ", "77 ELM ST"),
    ("PEDRO", "RAMIREZ", "5 OAK AVE"),
    ("ANA", "DIAZ", "PO BOX 1"),
    ("ELENA", "TORRES", "910 PINE RD"),
    ("LUIS", "MORALES", "42 CEDAR LN"),
)

MACHINE_OUTCOMES = (
    Outcome.VERIFIED,
    Outcome.PENDING_REVIEW,
    Outcome.NO_MATCH,
    Outcome.REJECTED,
    Outcome.VERIFIED,
    Outcome.NO_MATCH,
)
EXPECTED_COUNTS = {"VERIFIED": 2, "PENDING_REVIEW": 1, "NO_MATCH": 2, "REJECTED": 1}

# Invented TINs (800... as in the unit tests), one per taxpayer on "file".
TIN_MARISOL = "800000101"
TIN_JUAN = "800000102"
TIN_JUANA = "800000103"
TIN_ELENA = "800000105"
TIN_LUIS = "800000106"

LKAS: dict[str, LastKnownAddress] = {
    TIN_MARISOL: LastKnownAddress("1234 N MAIN ST", "AUSTIN", "TX", "78701"),
    TIN_JUAN: LastKnownAddress("77 ELM ST", "AUSTIN", "TX", "78702"),
    TIN_JUANA: LastKnownAddress("77 ELM ST", "AUSTIN", "TX", "78702"),
    TIN_ELENA: LastKnownAddress("3 BIRCH CT", "DALLAS", "TX", "75201"),
    TIN_LUIS: LastKnownAddress("42 CEDAR LN", "AUSTIN", "TX", "78703"),
}


def _candidate(
    first: str,
    last: str,
    tin: str,
    *,
    weight: float = 20.0,
    probability: float = 0.9999,
    on_file: bool = True,
    lka: bool = True,
) -> Candidate:
    return Candidate(
        tin=tin,
        facts=PersonFacts(name=standardise_name(first, None, last, None), dob=None, tin=tin),
        match_weight=weight,
        match_probability=probability,
        address_on_file=on_file,
        address_is_lka=lka,
        field_weights=(("surname", 8.0), ("given", 6.0)),
    )


CANDIDATES: dict[str, list[Candidate]] = {
    "r0": [_candidate("MARISOL", "QUINTANILLA", TIN_MARISOL)],
    "r1": [
        _candidate("JUAN", "PEREZ", TIN_JUAN, weight=18.0),
        _candidate("JUANA", "PEREZ", TIN_JUANA, weight=17.0),
    ],
    # r2: nobody; r3 is rejected and must never be asked about.
    "r4": [_candidate("ELENA", "TORRES", TIN_ELENA, lka=False)],
    "r5": [_candidate("LUIS", "MORALES", TIN_LUIS, weight=2.0, probability=0.2)],
}


@dataclass
class FakeMatcher:
    """A `Matcher` that answers from the tables above (no Splink, no master file)."""

    vintage_id: str = "V-TEST-0001"
    model_version: str = "M-TEST-0001"
    asked: list[list[str]] = field(default_factory=list)

    def candidates(
        self, requests: Mapping[str, RequestFacts], table: pa.Table
    ) -> dict[str, list[Candidate]]:
        self.asked.append(sorted(requests))
        return {uid: list(CANDIDATES[uid]) for uid in requests if uid in CANDIDATES}

    def last_known_addresses(self, tins: Sequence[str]) -> dict[str, LastKnownAddress]:
        return {tin: LKAS[tin] for tin in tins if tin in LKAS}


def _no_matcher() -> Matcher:
    raise AssertionError("the match step ran again on a batch that was already matched")


def batch_rows() -> list[dict[str, str | None]]:
    rows = request_rows(len(PEOPLE))
    for row, (first, last, street) in zip(rows, PEOPLE, strict=True):
        row.update(first_name=first, last_name=last, street=street)
    return rows


@dataclass(frozen=True)
class BatchFiles:
    requests: Path
    envelope: Path

    @property
    def uploads(self) -> tuple[Upload, Upload]:
        return read_upload(self.requests), read_upload(self.envelope)


def write_batch(
    folder: Path, rows: list[dict[str, str | None]] | None = None, **envelope: Any
) -> BatchFiles:
    folder.mkdir(parents=True, exist_ok=True)
    return BatchFiles(
        requests=write_csv(folder / "requests.csv", rows if rows is not None else batch_rows()),
        envelope=write_envelope(
            folder / "envelope.json",
            **{
                "batch_id": BATCH_ID,
                "submitted_at": "2025-08-01T12:00:00Z",
                "title": "Director",
                **envelope,
            },
        ),
    )


@pytest.fixture
def files(tmp_path: Path) -> BatchFiles:
    return write_batch(tmp_path / "in")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def add_people(store: Store, **extra: list[Role]) -> None:
    """admin (first, no actor), then op, off1, off2, appr (and `extra`) added by admin."""
    add_user(store, "admin", [Role.ADMIN], actor=None)
    people: dict[str, list[Role]] = {
        "op": [Role.OPERATOR],
        "off1": [Role.OFFICER],
        "off2": [Role.OFFICER],
        "appr": [Role.APPROVER],
        **extra,
    }
    for name, roles in people.items():
        add_user(store, name, roles, actor="admin")


def submit_and_process(store: Store, files: BatchFiles, *, actor: str = "op") -> str:
    batch_id, resumed = submit_batch(store, *files.uploads, reference_agreement(), actor=actor)
    assert (batch_id, resumed) == (BATCH_ID, False)
    summary, _ = process_batch(store, batch_id, FakeMatcher)
    assert summary.state == BatchState.IN_REVIEW.value
    return batch_id


def the_pending_item(store: Store, actor: str = "off1") -> str:
    items = list_review_items(store, actor=actor, batch_id=BATCH_ID)
    assert len(items) == 1
    return items[0].item_id


def count(store: Store, table: type[Base], *where: Any) -> int:
    with store.sessions() as session:
        return session.scalar(select(func.count()).select_from(table).where(*where)) or 0


def snapshot(store: Store) -> dict[str, Any]:
    """Everything a resubmission or a refused action must leave as it was."""
    with store.sessions() as session:
        batch = session.get(Batch, BATCH_ID)
        assert batch is not None
        return {
            "batch": (batch.state, batch.content_hash, batch.envelope, batch.version),
            "rows": [
                (r.row_index, r.request_id, r.fields, r.codes)
                for r in session.scalars(select(BatchRow).order_by(BatchRow.row_index))
            ],
            "decisions": [
                (d.decision_id, d.row_index, d.outcome, d.address_match, d.version, d.evidence)
                for d in session.scalars(select(Decision).order_by(Decision.row_index))
            ],
            "review_actions": [
                (a.decision_id, a.actor, a.action, a.note)
                for a in session.scalars(select(ReviewAction).order_by(ReviewAction.id))
            ],
            "responses": [r.sha256 for r in session.scalars(select(Response))],
        }


def decision_outcomes(store: Store) -> list[tuple[str, str | None]]:
    with store.sessions() as session:
        return [
            (d.outcome, d.address_match)
            for d in session.scalars(select(Decision).order_by(Decision.row_index))
        ]


def read_response(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    text_ = content.decode("utf-8")
    reader = csv.reader(io.StringIO(text_, newline=""))
    header, *body = list(reader)
    return header, [dict(zip(header, values, strict=True)) for values in body]


def release(store: Store, batch_id: str = BATCH_ID, approver: str = "appr") -> None:
    approve_batch(store, batch_id, actor=approver)
    release_batch(store, batch_id, actor=approver)


# --------------------------------------------------------------------------------------------
# 1. The whole lifecycle
# --------------------------------------------------------------------------------------------


def test_lifecycle_submit_process_review_approve_release_respond(
    store: Store, files: BatchFiles, tmp_path: Path
) -> None:
    """One batch from submission to response; REQ-35: reviewed and approved by others."""
    add_people(store)
    assert [(u.name, u.roles) for u in list_users(store)] == [
        ("admin", ("admin",)),
        ("appr", ("approver",)),
        ("off1", ("officer",)),
        ("off2", ("officer",)),
        ("op", ("operator",)),
    ]

    batch_id, resumed = submit_batch(store, *files.uploads, reference_agreement(), actor="op")
    assert (batch_id, resumed) == (BATCH_ID, False)
    assert batch_summary(store, batch_id).state == BatchState.RECEIVED.value

    matcher = FakeMatcher()
    summary, outcome = process_batch(store, batch_id, lambda: matcher)
    assert summary.state == BatchState.IN_REVIEW.value
    assert summary.rows == 6
    assert summary.outcomes == EXPECTED_COUNTS
    assert summary.pending_review == 1
    assert summary.reason_codes == {"R02": 1}
    assert summary.submitted_by == "op"
    assert summary.agreement_id == reference_agreement().id
    assert (summary.vintage_id, summary.model_version) == ("V-TEST-0001", "M-TEST-0001")
    assert outcome is not None
    assert [r.outcome for r in outcome.rows] == list(MACHINE_OUTCOMES)
    # The rejected row never reached the matcher; the others did, once.
    assert matcher.asked == [["r0", "r1", "r2", "r4", "r5"]]

    # The review queue holds exactly the close call, with the request and its evidence.
    items = list_review_items(store, actor="off1")
    assert [i.request_id for i in items] == ["REQ-000002"]
    item = items[0]
    assert item.batch_id == BATCH_ID
    assert item.review_reasons == (ReviewReason.CLOSE_SECOND_CANDIDATE,)
    assert item.request == batch_rows()[1]
    assert item.evidence.tin == TIN_JUAN
    assert item.evidence.match_probability == pytest.approx(0.9999)
    assert item.evidence.runner_up_tin == TIN_JUANA
    assert [c.tin for c in item.evidence.candidates] == [TIN_JUAN, TIN_JUANA]
    assert all(c.address_on_file for c in item.evidence.candidates)
    assert list_review_items(store, actor="off2", batch_id=BATCH_ID) == items
    assert list_review_items(store, actor="off2", batch_id="NO-SUCH-BATCH") == []

    assert (
        decide_review_item(
            store, item.item_id, actor="off1", confirm=True, note="JUANA is the daughter"
        )
        is Outcome.VERIFIED
    )
    assert list_review_items(store, actor="off1") == []
    with store.sessions() as session:
        actions = session.scalars(select(ReviewAction)).all()
        assert [(a.decision_id, a.actor, a.action, a.note) for a in actions] == [
            (item.item_id, "off1", "confirm", "JUANA is the daughter")
        ]
        held = session.get(Decision, item.item_id)
        assert held is not None
        assert (held.outcome, held.machine_outcome) == ("VERIFIED", "PENDING_REVIEW")

    approved = approve_batch(store, batch_id, actor="appr")
    assert approved.state == BatchState.APPROVED.value
    assert approved.outcomes == {"VERIFIED": 3, "NO_MATCH": 2, "REJECTED": 1}
    released = release_batch(store, batch_id, actor="appr")
    assert released.state == BatchState.RELEASED.value
    with store.sessions() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        assert (batch.approved_by, batch.released_by) == ("appr", "appr")
        assert batch.approved_at is not None and batch.released_at is not None

    out = respond(store, batch_id, actor="op")
    header, rows = read_response(out)
    assert tuple(header) == RESPONSE_COLUMNS
    assert [r["request_id"] for r in rows] == [f"REQ-{n:06d}" for n in range(1, 7)]
    assert {r["batch_id"] for r in rows} == {BATCH_ID}
    assert [r["outcome"] for r in rows] == [
        "VERIFIED", "VERIFIED", "NO_MATCH", "REJECTED", "VERIFIED", "NO_MATCH",
    ]  # fmt: skip
    assert [r["reason_codes"] for r in rows] == ["", "", "", "R02", "", ""]
    assert [r["address_match"] for r in rows] == ["CURRENT", "CURRENT", "", "", "PRIOR", ""]

    def lka(row: dict[str, str]) -> tuple[str, ...]:
        return (row["lka_street"], row["lka_city"], row["lka_state"], row["lka_zip"])

    for row, tin in zip(rows, [TIN_MARISOL, TIN_JUAN, None, None, TIN_ELENA, None], strict=True):
        expected = LKAS[tin] if tin else None
        assert lka(row) == (
            (expected.street, expected.city, expected.state, expected.zip)
            if expected
            else ("", "", "", "")
        )
    with store.sessions() as session:
        ids = session.scalars(select(Decision.decision_id).order_by(Decision.row_index)).all()
        stored = session.get(Response, batch_id)
        assert stored is not None
        stored_bytes = stored.content
    assert [r["decision_id"] for r in rows] == list(ids)
    assert out == stored_bytes

    # Releasing again changes nothing: the same bytes, one response, still released.
    again = release_batch(store, batch_id, actor="appr")
    assert again.state == BatchState.RELEASED.value
    assert count(store, Response) == 1
    with store.sessions() as session:
        stored = session.get(Response, batch_id)
        assert stored is not None
        assert stored.content == stored_bytes
    second = respond(store, batch_id, actor="op")
    assert second == stored_bytes


# --------------------------------------------------------------------------------------------
# 2-3. Resubmission
# --------------------------------------------------------------------------------------------


def test_resubmitting_the_same_batch_is_idempotent(store: Store, files: BatchFiles) -> None:
    add_people(store)
    batch_id = submit_and_process(store, files)
    decide_review_item(store, the_pending_item(store), actor="off1", confirm=True, note="ok")
    before = snapshot(store)
    counts = (count(store, BatchRow), count(store, Decision), count(store, ReviewAction))
    assert counts == (6, 6, 1)

    assert submit_batch(store, *files.uploads, reference_agreement(), actor="op") == (
        batch_id,
        True,
    )
    summary, matched = process_batch(store, batch_id, _no_matcher)

    assert matched is None
    assert summary.state == BatchState.IN_REVIEW.value
    assert summary.outcomes == {"VERIFIED": 3, "NO_MATCH": 2, "REJECTED": 1}
    assert (count(store, BatchRow), count(store, Decision), count(store, ReviewAction)) == counts
    assert snapshot(store) == before


def test_resubmitting_before_processing_resumes_the_batch(store: Store, files: BatchFiles) -> None:
    add_people(store)
    agreement = reference_agreement()
    assert submit_batch(store, *files.uploads, agreement, actor="op") == (
        BATCH_ID,
        False,
    )
    assert submit_batch(store, *files.uploads, agreement, actor="op") == (
        BATCH_ID,
        True,
    )
    assert count(store, BatchRow) == 6
    summary, matched = process_batch(store, BATCH_ID, FakeMatcher)
    assert matched is not None
    assert (summary.state, summary.outcomes) == (BatchState.IN_REVIEW.value, EXPECTED_COUNTS)
    assert count(store, Decision) == 6


@pytest.mark.parametrize("changed", ["request", "envelope"])
def test_resubmitting_the_batch_id_with_other_content_is_a_conflict(
    store: Store, files: BatchFiles, tmp_path: Path, changed: str
) -> None:
    add_people(store)
    submit_and_process(store, files)
    before = snapshot(store)

    if changed == "request":
        rows = batch_rows()
        rows[2]["street"] = "6 OAK AVE"
        edited = write_batch(tmp_path / "edited", rows)
    else:
        edited = write_batch(tmp_path / "edited", official_name="Someone Else")

    with pytest.raises(BatchConflict) as caught:
        submit_batch(store, *edited.uploads, reference_agreement(), actor="op")
    assert caught.value.category is ErrorCategory.CONFLICT
    assert BATCH_ID in caught.value.message
    assert snapshot(store) == before
    # The original is still the same batch.
    assert submit_batch(store, *files.uploads, reference_agreement(), actor="op") == (
        BATCH_ID,
        True,
    )


# --------------------------------------------------------------------------------------------
# 4. Roles and the two-person rule
# --------------------------------------------------------------------------------------------


def test_req35_the_submitter_cannot_review_their_own_batch(store: Store, files: BatchFiles) -> None:
    """REQ-35: a held request is resolved by an officer other than the batch's submitter."""
    add_people(store, opoff=[Role.OPERATOR, Role.OFFICER])
    submit_and_process(store, files, actor="opoff")
    item_id = the_pending_item(store, actor="opoff")  # listing is fine; deciding is not

    with pytest.raises(PermissionDenied) as caught:
        decide_review_item(store, item_id, actor="opoff", confirm=True, note="mine")
    assert caught.value.category is ErrorCategory.FORBIDDEN
    assert count(store, ReviewAction) == 0
    assert batch_summary(store, BATCH_ID).pending_review == 1

    assert decide_review_item(store, item_id, actor="off1", confirm=True, note="ok") is (
        Outcome.VERIFIED
    )


def test_req39_an_officer_without_the_approver_role_cannot_approve(
    store: Store, files: BatchFiles
) -> None:
    """REQ-39: approving is the approver's role, not the disclosure officer's."""
    add_people(store)
    submit_and_process(store, files)
    decide_review_item(store, the_pending_item(store), actor="off1", confirm=True, note="ok")

    for actor in ("off2", "op"):
        with pytest.raises(PermissionDenied):
            approve_batch(store, BATCH_ID, actor=actor)
    assert batch_summary(store, BATCH_ID).state == BatchState.IN_REVIEW.value
    assert approve_batch(store, BATCH_ID, actor="appr").state == BatchState.APPROVED.value


def test_req35_an_approver_who_reviewed_the_batch_cannot_approve_it(
    store: Store, files: BatchFiles
) -> None:
    """REQ-35 two-person rule: the reviewer of a batch is not its approver."""
    add_people(store, dual=[Role.OFFICER, Role.APPROVER])
    submit_and_process(store, files)
    decide_review_item(store, the_pending_item(store), actor="dual", confirm=True, note="ok")

    with pytest.raises(PermissionDenied) as caught:
        approve_batch(store, BATCH_ID, actor="dual")
    assert "two-person" in caught.value.message
    with store.sessions() as session:
        batch = session.get(Batch, BATCH_ID)
        assert batch is not None
        assert (batch.state, batch.approved_by) == (BatchState.IN_REVIEW.value, None)

    assert approve_batch(store, BATCH_ID, actor="appr").state == BatchState.APPROVED.value


def test_req35_the_submitter_cannot_approve_their_own_batch(
    store: Store, files: BatchFiles
) -> None:
    """REQ-35 two-person rule: the submitter of a batch is not its approver."""
    add_people(store, opappr=[Role.OPERATOR, Role.APPROVER])
    submit_and_process(store, files, actor="opappr")
    decide_review_item(store, the_pending_item(store), actor="off1", confirm=True, note="ok")

    with pytest.raises(PermissionDenied):
        approve_batch(store, BATCH_ID, actor="opappr")
    assert approve_batch(store, BATCH_ID, actor="appr").state == BatchState.APPROVED.value


def test_approving_with_requests_still_pending_is_refused(store: Store, files: BatchFiles) -> None:
    add_people(store)
    submit_and_process(store, files)

    with pytest.raises(BatchStateError) as caught:
        approve_batch(store, BATCH_ID, actor="appr")
    assert caught.value.category is ErrorCategory.CONFLICT
    assert batch_summary(store, BATCH_ID).state == BatchState.IN_REVIEW.value


def test_nothing_is_released_or_responded_before_its_turn(
    store: Store, files: BatchFiles, tmp_path: Path
) -> None:
    add_people(store)
    submit_and_process(store, files)
    with pytest.raises(BatchStateError):
        respond(store, BATCH_ID, actor="op")
    with pytest.raises(BatchStateError):
        release_batch(store, BATCH_ID, actor="appr")

    decide_review_item(store, the_pending_item(store), actor="off1", confirm=False, note="no")
    approve_batch(store, BATCH_ID, actor="appr")
    with pytest.raises(BatchStateError):
        respond(store, BATCH_ID, actor="op")
    with pytest.raises(BatchStateError):
        approve_batch(store, BATCH_ID, actor="appr")  # approved already

    assert count(store, Response) == 0
    release_batch(store, BATCH_ID, actor="appr")
    assert respond(store, BATCH_ID, actor="op").startswith(b"request_id,batch_id,outcome")


@pytest.mark.parametrize("actor", ["nobody", None, ""])
def test_req39_an_unknown_or_missing_user_may_do_nothing(
    store: Store, files: BatchFiles, tmp_path: Path, actor: str | None
) -> None:
    """REQ-39: every action is attributed to a named, known user."""
    add_people(store)
    agreement = reference_agreement()
    with pytest.raises(PermissionDenied):
        submit_batch(store, *files.uploads, agreement, actor=actor)
    assert count(store, Batch) == 0

    submit_and_process(store, files)
    item_id = the_pending_item(store)
    attempts: list[Callable[[], object]] = [
        lambda: list_review_items(store, actor=actor),
        lambda: decide_review_item(store, item_id, actor=actor, confirm=True, note="x"),
        lambda: approve_batch(store, BATCH_ID, actor=actor),
        lambda: release_batch(store, BATCH_ID, actor=actor),
        lambda: respond(store, BATCH_ID, actor=actor),
        lambda: add_user(store, "mallory", [Role.ADMIN], actor=actor),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert count(store, ReviewAction) == 0
    assert count(store, User, User.name == "mallory") == 0


def test_req39_only_an_admin_adds_users(store: Store) -> None:
    """REQ-39: the first user needs no actor; after that only an admin adds or changes users."""
    add_people(store)
    for actor in ("op", "off1", "appr"):
        with pytest.raises(PermissionDenied):
            add_user(store, "mallory", [Role.OFFICER], actor=actor)
        with pytest.raises(PermissionDenied):
            add_user(store, "op", [Role.ADMIN], actor=actor)  # no self-promotion either
    assert count(store, User, User.name == "mallory") == 0
    assert {u.name: u.roles for u in list_users(store)}["op"] == ("operator",)

    add_user(store, "aud", [Role.AUDITOR], actor="admin")
    assert {u.name: u.roles for u in list_users(store)}["aud"] == ("auditor",)


def test_item5_adding_an_existing_user_is_a_conflict_not_a_role_change(store: Store) -> None:
    add_people(store)
    before = audit_events(store)
    with pytest.raises(UserExists) as caught:
        add_user(store, "op", [Role.ADMIN], actor="admin")
    assert caught.value.category is ErrorCategory.CONFLICT
    assert {u.name: u.roles for u in list_users(store)}["op"] == ("operator",)
    assert audit_events(store) == before


def audit_events(store: Store) -> int:
    with store.sessions() as session:
        counted: int = session.scalar(text("SELECT count(*) FROM audit_events"))
    return counted


def test_req39_an_auditor_is_read_only(store: Store, files: BatchFiles, tmp_path: Path) -> None:
    """REQ-39: the auditor role reads; it neither submits, reviews, approves nor releases."""
    add_people(store, aud=[Role.AUDITOR])
    with pytest.raises(PermissionDenied):
        submit_batch(store, *files.uploads, reference_agreement(), actor="aud")
    submit_and_process(store, files)
    item_id = the_pending_item(store)
    with pytest.raises(PermissionDenied):
        decide_review_item(store, item_id, actor="aud", confirm=True, note="x")
    decide_review_item(store, item_id, actor="off1", confirm=True, note="ok")
    with pytest.raises(PermissionDenied):
        approve_batch(store, BATCH_ID, actor="aud")
    with pytest.raises(PermissionDenied):
        add_user(store, "mallory", [Role.OFFICER], actor="aud")
    assert batch_summary(store, BATCH_ID).state == BatchState.IN_REVIEW.value


# --------------------------------------------------------------------------------------------
# 5. Review decisions
# --------------------------------------------------------------------------------------------


def test_deny_makes_no_match_and_clears_the_address_match(
    store: Store, files: BatchFiles, tmp_path: Path
) -> None:
    """REQ-35: the officer's decision is audited; a denied request discloses nothing."""
    add_people(store)
    submit_and_process(store, files)
    item_id = the_pending_item(store)
    with store.sessions() as session:
        held = session.get(Decision, item_id)
        assert held is not None
        assert (held.outcome, held.address_match) == ("PENDING_REVIEW", AddressMatch.CURRENT.value)

    assert decide_review_item(store, item_id, actor="off2", confirm=False, note="  not him  ") is (
        Outcome.NO_MATCH
    )

    with store.sessions() as session:
        held = session.get(Decision, item_id)
        assert held is not None
        assert (held.outcome, held.machine_outcome, held.address_match) == (
            "NO_MATCH",
            "PENDING_REVIEW",
            None,
        )
        actions = session.scalars(select(ReviewAction)).all()
        assert [(a.decision_id, a.batch_id, a.actor, a.action, a.note) for a in actions] == [
            (item_id, BATCH_ID, "off2", "deny", "not him")
        ]
    release(store)
    _, rows = read_response(respond(store, BATCH_ID, actor="op"))
    assert rows[1] == {
        "request_id": "REQ-000002",
        "batch_id": BATCH_ID,
        "outcome": "NO_MATCH",
        "reason_codes": "",
        "address_match": "",
        "lka_street": "",
        "lka_city": "",
        "lka_state": "",
        "lka_zip": "",
        "decision_id": item_id,
    }


@pytest.mark.parametrize("first_confirm", [True, False])
@pytest.mark.parametrize("second_confirm", [True, False])
def test_deciding_a_decided_item_is_already_decided(
    store: Store, files: BatchFiles, first_confirm: bool, second_confirm: bool
) -> None:
    add_people(store)
    submit_and_process(store, files)
    item_id = the_pending_item(store)
    first = decide_review_item(store, item_id, actor="off1", confirm=first_confirm, note="first")
    before = snapshot(store)

    with pytest.raises(AlreadyDecided) as caught:
        decide_review_item(store, item_id, actor="off2", confirm=second_confirm, note="second")
    assert caught.value.category is ErrorCategory.CONFLICT
    assert snapshot(store) == before
    assert decision_outcomes(store)[1][0] == first.value
    assert count(store, ReviewAction) == 1


def test_an_item_that_was_never_held_cannot_be_decided(store: Store, files: BatchFiles) -> None:
    add_people(store)
    submit_and_process(store, files)
    with store.sessions() as session:
        verified = session.scalars(select(Decision).where(Decision.row_index == 0)).one()
    with pytest.raises(AlreadyDecided):
        decide_review_item(store, verified.decision_id, actor="off1", confirm=False, note="x")
    with pytest.raises(MatchgateError, match="no review item"):
        decide_review_item(store, "D-nonexistent", actor="off1", confirm=True, note="x")
    assert decision_outcomes(store)[0] == ("VERIFIED", "CURRENT")
    assert count(store, ReviewAction) == 0


@pytest.mark.parametrize("note", ["", "   ", "\n\t"])
def test_a_review_decision_needs_a_note(store: Store, files: BatchFiles, note: str) -> None:
    add_people(store)
    submit_and_process(store, files)
    item_id = the_pending_item(store)
    with pytest.raises(MatchgateError, match="note"):
        decide_review_item(store, item_id, actor="off1", confirm=True, note=note)
    assert batch_summary(store, BATCH_ID).pending_review == 1
    assert count(store, ReviewAction) == 0


# --------------------------------------------------------------------------------------------
# 6. Two officers, one item
# --------------------------------------------------------------------------------------------


_SQLITE_SERIAL = (
    "SQLite runs every unit of work as BEGIN IMMEDIATE, so two transactions on one item "
    "cannot interleave there; the version check is exercised on PostgreSQL"
)


def test_a_stale_decision_update_is_refused_by_the_version_check(
    store: Store, files: BatchFiles
) -> None:
    """Two sessions load the same held decision; the second commit finds it changed."""
    if store.engine.dialect.name == "sqlite":
        pytest.skip(_SQLITE_SERIAL)
    add_people(store)
    submit_and_process(store, files)
    item_id = the_pending_item(store)

    first: Session = store.sessions()
    second: Session = store.sessions()
    try:
        mine = first.get(Decision, item_id)
        theirs = second.get(Decision, item_id)
        assert mine is not None and theirs is not None
        assert mine.version == theirs.version == 1
        mine.outcome = Outcome.VERIFIED.value
        theirs.outcome = Outcome.NO_MATCH.value
        first.commit()
        with pytest.raises(StaleDataError):
            second.commit()
        second.rollback()
    finally:
        first.close()
        second.close()

    with store.sessions() as session:
        decision = session.get(Decision, item_id)
        assert decision is not None
        assert (decision.outcome, decision.version) == ("VERIFIED", 2)


@pytest.mark.parametrize("gate", ["at-flush", "at-start"])
def test_two_officers_deciding_one_item_at_once_one_wins(
    store: Store, files: BatchFiles, gate: str
) -> None:
    """Exactly one of two concurrent review decisions lands; the other is AlreadyDecided.

    ``at-flush``: both sessions have loaded and checked the held decision before
    either writes (a barrier in ``before_flush``), the race the version column
    exists for. ``at-start``: both calls merely start together.
    """
    if gate == "at-flush" and store.engine.dialect.name == "sqlite":
        pytest.skip(_SQLITE_SERIAL)
    add_people(store)
    submit_and_process(store, files)
    item_id = the_pending_item(store)

    barrier = threading.Barrier(2, timeout=10)
    racing = store
    if gate == "at-flush":
        sessions = sessionmaker(store.engine, expire_on_commit=False)
        waited: set[int] = set()

        @event.listens_for(sessions, "before_flush")
        def _both_loaded(session: Session, _context: Any, _instances: Any) -> None:
            if id(session) not in waited:
                waited.add(id(session))
                barrier.wait()

        racing = Store(engine=store.engine, sessions=sessions)

    results: dict[str, Outcome | BaseException] = {}

    def officer(name: str, confirm: bool) -> None:
        try:
            if gate == "at-start":
                barrier.wait()
            results[name] = decide_review_item(
                racing, item_id, actor=name, confirm=confirm, note=f"by {name}"
            )
        except BaseException as exc:  # collected and asserted on below
            results[name] = exc

    threads = [
        threading.Thread(target=officer, args=("off1", True)),
        threading.Thread(target=officer, args=("off2", False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)

    won = {name: r for name, r in results.items() if isinstance(r, Outcome)}
    lost = {name: r for name, r in results.items() if not isinstance(r, Outcome)}
    assert len(won) == 1, results
    assert len(lost) == 1 and isinstance(next(iter(lost.values())), AlreadyDecided), results
    if gate == "at-flush":
        # Both had passed the "still pending" check: only the version column stopped the loser.
        assert isinstance(next(iter(lost.values())).__cause__, StaleDataError), results
    ((winner, outcome),) = won.items()
    with store.sessions() as session:
        actions = session.scalars(select(ReviewAction)).all()
        assert [(a.decision_id, a.actor) for a in actions] == [(item_id, winner)]
        decision = session.get(Decision, item_id)
        assert decision is not None
        assert (decision.outcome, decision.version) == (outcome.value, 2)


# --------------------------------------------------------------------------------------------
# 7. The schema
# --------------------------------------------------------------------------------------------


def _alembic_revisions(store: Store) -> list[str]:
    with store.engine.connect() as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _migration_chain(store: Store) -> list[str]:
    """The revisions of matchgate's migrations, base first."""
    scripts = ScriptDirectory.from_config(alembic_config(store.engine))
    return [s.revision for s in reversed(list(scripts.walk_revisions()))]


def test_the_schema_is_made_by_alembic_and_upgrade_is_idempotent(
    store_case: StoreCase, tmp_path: Path
) -> None:
    store = store_case.store
    chain = _migration_chain(store)
    head = chain[-1]
    assert chain[0] == "0001"  # the initial workflow store; later ones build on it
    assert _alembic_revisions(store) == [head]
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) | {"alembic_version"} <= tables
    if store_case.backend == "postgres":
        with store.engine.connect() as connection:
            where = connection.execute(
                text(
                    "SELECT table_schema FROM information_schema.tables"
                    " WHERE table_name = 'alembic_version' AND table_schema = :schema"
                ),
                {"schema": store_case.schema},
            ).all()
            assert where == [(store_case.schema,)]
            assert connection.execute(text("SELECT current_schema()")).scalar() == store_case.schema

    # The migrations build exactly what tables.py describes.
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []

    add_user(store, "admin", [Role.ADMIN], actor=None)
    upgrade(store.engine)
    upgrade(store.engine)
    assert _alembic_revisions(store) == [head]
    assert [u.name for u in list_users(store)] == ["admin"]

    if store_case.backend == "sqlite":
        # Opening the same workspace again migrates nothing and keeps the data.
        workspace = Workspace(tmp_path / "workspace")
        assert (workspace.home / "workflow.sqlite").is_file()
        again = open_store(workspace)
        try:
            assert _alembic_revisions(again) == [head]
            assert [u.name for u in list_users(again)] == ["admin"]
        finally:
            again.close()


def _race(*calls: Any) -> list[Any]:
    """Run the calls on threads that start together; results or exceptions, in order."""
    barrier = threading.Barrier(len(calls), timeout=10)
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except BaseException as exc:  # collected and asserted on by the caller
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_review_queue_reads_never_fork_the_audit_chain(
    store: Store, files: BatchFiles
) -> None:
    add_people(store)
    submit_and_process(store, files)
    results = _race(*[lambda: list_review_items(store, actor="off1")] * 3)
    assert not [r for r in results if isinstance(r, BaseException)], results
    with store.sessions() as session:
        assert verify(session).first_break is None


def test_two_identical_submits_at_once_store_one_batch(store: Store, files: BatchFiles) -> None:
    add_people(store)
    agreement = reference_agreement()
    results = _race(
        *[lambda: submit_batch(store, *files.uploads, agreement, actor="op") for _ in range(2)]
    )
    assert sorted(r[1] for r in results) == [False, True], results
    assert count(store, Batch) == 1


def test_two_approvers_releasing_at_once_release_once(store: Store, files: BatchFiles) -> None:
    add_people(store, appr2=[Role.APPROVER])
    submit_and_process(store, files)
    item_id = the_pending_item(store)
    decide_review_item(store, item_id, actor="off1", confirm=True, note="checked")
    approve_batch(store, BATCH_ID, actor="appr")
    results = _race(
        lambda: release_batch(store, BATCH_ID, actor="appr"),
        lambda: release_batch(store, BATCH_ID, actor="appr2"),
    )
    assert all(not isinstance(r, BaseException) for r in results), results
    assert count(store, Response) == 1


def test_req33_purge_refuses_records_inside_the_retention_period(
    store: Store, files: BatchFiles
) -> None:
    add_people(store)
    submit_and_process(store, files)
    item_id = the_pending_item(store)
    decide_review_item(store, item_id, actor="off1", confirm=True, note="checked")
    approve_batch(store, BATCH_ID, actor="appr")
    release_batch(store, BATCH_ID, actor="appr")
    today = date(2026, 6, 1)
    with pytest.raises(RetentionRefused):
        purge_batches(store, date(2022, 1, 1), actor="admin", today=today)
    assert count(store, Batch) == 1
    # Five years on, the same batch may go; the purge itself is audited.
    later = date(2032, 6, 1)
    assert purge_batches(store, date(2027, 1, 1), actor="admin", today=later) == [BATCH_ID]
    assert count(store, Batch) == 0
    with store.sessions() as session:
        assert verify(session).first_break is None


def test_a_batch_whose_stored_agreement_was_altered_fails_with_a_reason(
    store: Store, files: BatchFiles
) -> None:
    add_people(store)
    batch_id, _ = submit_batch(store, *files.uploads, reference_agreement(), actor="op")
    lowered = "REPLACE(agreement_document, '0.999', '0.5')"
    with store.sessions() as session, session.begin():
        session.execute(text(f"UPDATE batches SET agreement_document = {lowered}"))
    with pytest.raises(BatchFailed):
        process_batch(store, batch_id, _no_matcher)
    summary = batch_summary(store, batch_id)
    assert summary.state == BatchState.FAILED.value
    assert summary.failure_reason is not None and "agreement" in summary.failure_reason


def test_resubmitting_under_a_different_agreement_is_a_conflict(
    store: Store, files: BatchFiles
) -> None:
    add_people(store)
    submit_batch(store, *files.uploads, reference_agreement(), actor="op")
    stricter = agreement(version=2, match={"min_match_probability": 0.9999999})
    with pytest.raises(BatchConflict):
        submit_batch(store, *files.uploads, stricter, actor="op")


def test_every_stamp_the_store_writes_comes_from_its_clock(
    store: Store, files: BatchFiles, tmp_path: Path
) -> None:
    """The composition root's clock is the only time source: a test can fix it."""
    moment = datetime(2025, 8, 4, 9, 30, 15, 123456, tzinfo=UTC)
    fixed = replace(store, clock=lambda: moment)
    add_people(fixed)
    submit_and_process(fixed, files)
    decide_review_item(fixed, the_pending_item(fixed), actor="off1", confirm=True, note="ok")
    release(fixed)
    respond(fixed, BATCH_ID, actor="op")

    def utc(value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    with store.sessions() as session:
        batch = session.get(Batch, BATCH_ID)
        assert batch is not None
        stamps = {
            utc(batch.received_at), utc(batch.updated_at), utc(batch.approved_at),
            utc(batch.released_at),
            *(utc(d.decided_at) for d in session.scalars(select(Decision))),
            *(utc(a.at) for a in session.scalars(select(ReviewAction))),
            *(utc(u.created_at) for u in session.scalars(select(User))),
            *(utc(r.created_at) for r in session.scalars(select(Response))),
        }  # fmt: skip
        audit_times = set(session.scalars(text("SELECT at FROM audit_events")))
    assert stamps == {moment}
    assert audit_times == {"2025-08-04T09:30:15.123456Z"}


def test_a_stored_batch_reads_back_as_the_table_it_was_read_as_slice_by_slice(
    store: Store, files: BatchFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_people(store)
    batch_id, _ = submit_batch(store, *files.uploads, reference_agreement(), actor="op")
    monkeypatch.setattr(stored, "_ROWS_PER_SLICE", 2)  # several slices of a small batch
    with store.transaction() as session:
        table = stored.table_of(session, batch_id)
    requests = files.uploads[0]
    assert table.num_rows > 2
    assert table.equals(read_requests_bytes(requests.data, name=requests.name))
