"""Disclosure holds (REQ-23), implausible volumes (REQ-41) and incidents (REQ-40)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from factories import agreement, reference_agreement
from integration.audit.flow import (
    APPROVER,
    AUDITOR,
    OFFICER,
    OPERATOR,
    STANDARD_BATCH,
    add_people,
    first_break,
    person,
    run_batch,
    standard_requests,
    stored_events,
    verified,
)
from matchgate.domain.lifecycle import BatchState
from matchgate.errors import InvalidArgument
from matchgate.store.tables import Decision
from matchgate.workflow.holds import HoldConflict, place_hold
from matchgate.workflow.incidents import (
    IncidentReport,
    list_incidents,
    notify_incident,
    open_incident,
)
from matchgate.workflow.release import respond
from matchgate.workflow.review import decide_review_item, list_review_items
from matchgate.workflow.store import PermissionDenied, Store


def outcomes(store: Store, batch_id: str) -> list[tuple[str, str]]:
    with store.sessions() as session:
        rows = session.query(Decision).filter_by(batch_id=batch_id).order_by(Decision.row_index)
        return [(d.outcome, d.review_reasons) for d in rows]


def test_req23_a_held_taxpayer_is_no_match_and_the_hold_is_logged(
    store: Store, tmp_path: Path
) -> None:
    add_people(store)
    with pytest.raises(PermissionDenied):
        place_hold(store, person(0).tin, "informant", actor=OPERATOR)
    place_hold(store, person(0).tin, "confidential informant", actor=OFFICER)
    with pytest.raises(HoldConflict):
        place_hold(store, person(0).tin, "again", actor=OFFICER)
    run_batch(store, tmp_path, STANDARD_BATCH, standard_requests())

    assert outcomes(store, STANDARD_BATCH)[0] == ("NO_MATCH", "")
    assert outcomes(store, STANDARD_BATCH)[1][0] == "VERIFIED"
    response = respond(store, STANDARD_BATCH, actor=OPERATOR).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(response)))
    no_match = rows[27]  # a plain NO_MATCH: the held row must look exactly like it
    assert {k: v for k, v in rows[0].items() if k not in ("request_id", "decision_id")} == {
        k: v for k, v in no_match.items() if k not in ("request_id", "decision_id")
    }
    (logged,) = [
        e
        for e in stored_events(store)
        if e.action == "decision_made" and e.payload.get("disclosure_hold")
    ]
    assert logged.payload["row_index"] == 0 and logged.payload["outcome"] == "NO_MATCH"


def test_req23_a_hold_placed_during_review_blocks_confirming(store: Store, tmp_path: Path) -> None:
    add_people(store)
    run_batch(store, tmp_path, STANDARD_BATCH, standard_requests(), until=BatchState.IN_REVIEW)
    (item,) = list_review_items(store, actor=OFFICER, batch_id=STANDARD_BATCH)
    place_hold(store, item.evidence.tin or "", "tax investigation", actor=OFFICER)
    with pytest.raises(HoldConflict):
        decide_review_item(store, item.item_id, actor=OFFICER, confirm=True, note="checked")
    decide_review_item(store, item.item_id, actor=OFFICER, confirm=False, note="on hold")


def test_req41_a_case_number_on_too_many_rows_goes_to_review(store: Store, tmp_path: Path) -> None:
    add_people(store)
    strict = agreement(case_number_max_rows=2)
    reqs = [verified(person(n), n, case_number="CASE-SHARED") for n in range(3)]
    reqs.append(verified(person(3), 3))
    run_batch(store, tmp_path, "REQ41-1", reqs, agreement=strict, until=BatchState.IN_REVIEW)
    assert outcomes(store, "REQ41-1") == [("PENDING_REVIEW", "CASE_NUMBER_REUSED")] * 3 + [
        ("VERIFIED", "")
    ]


def test_req41_an_officials_yearly_volume_past_the_limit_goes_to_review(
    store: Store, tmp_path: Path
) -> None:
    add_people(store)
    strict = agreement(official_max_rows_per_year=5)
    first = [verified(person(n), n) for n in range(4)]
    run_batch(store, tmp_path / "1", "REQ41-A", first, agreement=strict, until=BatchState.IN_REVIEW)
    second = [verified(person(n), n) for n in range(4, 8)]
    run_batch(
        store, tmp_path / "2", "REQ41-B", second, agreement=strict, until=BatchState.IN_REVIEW
    )
    assert [o for o, _ in outcomes(store, "REQ41-A")] == ["VERIFIED"] * 4
    assert (
        outcomes(store, "REQ41-B")
        == [("VERIFIED", "")] + [("PENDING_REVIEW", "OFFICIAL_VOLUME")] * 3
    )


def test_req41_limits_left_unset_keep_the_reference_hash() -> None:
    document = reference_agreement().document()
    assert "case_number_max_rows" not in document
    assert agreement(case_number_max_rows=3).content_hash != reference_agreement().content_hash


REPORT = IncidentReport(
    summary="A response file was e-mailed to the wrong agency",
    discovered_how="The recipient called the disclosure office",
    data_elements="names, last known addresses",
    records="12",
    location="disclosure office, building 2",
    systems="matchgate, agency e-mail",
    contact="Disclosure Officer, 555-0100",
)


def test_req40_an_incident_records_the_pub1075_fields_and_its_24_hour_clock(
    store: Store,
) -> None:
    add_people(store)
    found = datetime(2025, 8, 4, 9, 0, tzinfo=UTC)
    info = open_incident(replace(store, clock=lambda: found), REPORT, actor=OPERATOR)
    assert info.notify_by == found + timedelta(hours=24)
    assert not info.overdue(found + timedelta(hours=23))
    assert info.overdue(found + timedelta(hours=25))
    with pytest.raises(InvalidArgument, match="never holds FTI"):
        open_incident(store, replace(REPORT, summary="TIN 800-00-0001 disclosed"), actor=OPERATOR)
    with pytest.raises(PermissionDenied):
        open_incident(store, REPORT, actor="nobody")
    with pytest.raises(PermissionDenied):
        notify_incident(store, info.id, actor=APPROVER)
    notified = notify_incident(store, info.id, actor=AUDITOR)
    assert notified.notified_at is not None and not notified.overdue(found + timedelta(days=9))
    assert [i.id for i in list_incidents(store, actor=AUDITOR)] == [info.id]
    actions = [e.action for e in stored_events(store)]
    assert "incident_opened" in actions and actions[-1] == "incident_notified"


def test_req41_and_req23_decide_the_same_whatever_the_chunking(
    store: Store, tmp_path: Path
) -> None:
    """Holds and case-number counts are batch-wide: chunks of one row decide as the whole."""
    add_people(store)
    place_hold(store, person(4).tin, "confidential informant", actor=OFFICER)
    strict = agreement(case_number_max_rows=2)
    reqs = [
        verified(person(0), 0, case_number="CASE-SHARED"),
        verified(person(1), 1),
        verified(person(2), 2, case_number="CASE-SHARED"),
        verified(person(3), 3, case_number="case-shared "),
        verified(person(4), 4),
    ]
    for batch_id, chunk_rows in (("WHOLE", 100), ("CHUNKED", 1)):
        run_batch(
            store,
            tmp_path / batch_id,
            batch_id,
            reqs,
            agreement=strict,
            until=BatchState.IN_REVIEW,
            chunk_rows=chunk_rows,
        )
    reused = ("PENDING_REVIEW", "CASE_NUMBER_REUSED")
    expected = [reused, ("VERIFIED", ""), reused, reused, ("NO_MATCH", "")]
    assert outcomes(store, "WHOLE") == expected
    assert outcomes(store, "CHUNKED") == expected
    assert first_break(store) is None
