"""REQ-30 and REQ-34: what each workflow action writes to the audit chain.

The standard batch (30 rows: 26 VERIFIED, one held and confirmed, one
NO_MATCH, two REJECTED) goes through every step; its events are read back
directly from ``audit_events``, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from factories import reference_agreement
from matchgate import __version__
from matchgate.domain.lifecycle import BatchState, Role
from matchgate.store.tables import BatchRow, Decision
from matchgate.workflow.auditing import account, export_audit, verify_audit
from matchgate.workflow.events import decision_hash
from matchgate.workflow.release import approve_batch, release_batch, respond
from matchgate.workflow.review import decide_review_item, list_review_items
from matchgate.workflow.store import PermissionDenied, Store, add_user
from matchgate.workflow.stored import batch_summary

from .flow import (
    ADMIN,
    APPROVER,
    AUDITOR,
    MODEL,
    OFFICER,
    OPERATOR,
    STANDARD_BATCH,
    STANDARD_MACHINE_OUTCOMES,
    VINTAGE,
    StoredEvent,
    add_people,
    cli,
    cli_target,
    first_break,
    held,
    person,
    run_batch,
    run_standard,
    standard_requests,
    stored_events,
)

DECISION_KEYS = {
    "row_index", "request_id", "case_number", "statute", "reason", "tax_periods", "outcome",
    "review_reasons", "codes", "address_match", "taxpayer_tin", "match_probability",
    "match_weight", "field_weights", "runner_up_tin", "fields_disclosed", "agreement_id",
    "agreement_hash", "thresholds", "master_vintage", "model_version", "software_version",
    "requesting_agency", "requesting_official", "requesting_official_title",
    "receiving_officers", "submitted_at",
}  # fmt: skip


def of(events: list[StoredEvent], action: str) -> list[StoredEvent]:
    return [e for e in events if e.action == action]


@pytest.fixture
def response(tmp_path: Path) -> Path:
    return tmp_path / "response.csv"


@pytest.fixture
def events(store: Store, tmp_path: Path, response: Path) -> list[StoredEvent]:
    run_standard(store, tmp_path / "batch", respond_to=response)
    return stored_events(store)


def test_req30_every_decided_row_has_a_decision_event_with_its_accounting_facts(
    store: Store, events: list[StoredEvent]
) -> None:
    agreement = reference_agreement()
    with store.sessions() as session:
        decisions = session.scalars(select(Decision).order_by(Decision.row_index)).all()
        rows = {
            r.row_index: json.loads(r.fields)
            for r in session.scalars(select(BatchRow).where(BatchRow.batch_id == STANDARD_BATCH))
        }
    assert [d.machine_outcome for d in decisions] == STANDARD_MACHINE_OUTCOMES
    decided = [d for d in decisions if d.outcome != "REJECTED"]
    made = of(events, "decision_made")
    assert [e.decision_id for e in made] == [d.decision_id for d in decided]
    assert len(made) == 28

    reqs = standard_requests()
    for event, decision in zip(made, decided, strict=True):
        p = event.payload
        request = rows[decision.row_index]
        assert set(p) >= DECISION_KEYS, DECISION_KEYS - set(p)
        assert (event.batch_id, event.actor) == (STANDARD_BATCH, OPERATOR)
        assert (p["row_index"], p["request_id"]) == (decision.row_index, decision.request_id)
        assert p["request_id"] == reqs[decision.row_index].fields["request_id"]
        for key in ("case_number", "statute", "reason", "tax_periods"):
            assert p[key] == request[key]
        assert p["statute"] == "8 U.S.C. 1253(a)(1)"
        assert p["tax_periods"] == "2023;2024"
        assert (p["agreement_id"], p["agreement_hash"]) == (agreement.id, agreement.content_hash)
        assert p["thresholds"] == agreement.match.model_dump(mode="json")
        assert p["thresholds"]["min_match_probability"] == 0.999
        assert (p["master_vintage"], p["model_version"]) == (VINTAGE, MODEL)
        assert p["software_version"] == __version__
        assert p["requesting_agency"] == "Example Enforcement Agency"
        assert (p["requesting_official"], p["requesting_official_title"]) == (
            "Jane Roe",
            "Director",
        )
        assert p["receiving_officers"] == ["John Doe", "Ana Diaz"]
        assert p["submitted_at"] == "2025-08-01T12:00:00Z"
        # The machine's decision, as made (a review is its own event).
        assert p["outcome"] == decision.machine_outcome
        assert p["codes"] == ""

    by_row = {e.payload["row_index"]: e.payload for e in made}
    for n in range(26):
        p = by_row[n]
        assert p["outcome"] == "VERIFIED"
        assert p["taxpayer_tin"] == person(n).tin
        assert p["address_match"] == "CURRENT"
        assert p["fields_disclosed"] == list(agreement.disclose)
        assert p["match_probability"] == pytest.approx(0.9999)
        assert p["field_weights"] == {"surname": 8.0, "given": 6.0}
    held, missed = by_row[26], by_row[27]
    assert (held["outcome"], held["review_reasons"], held["taxpayer_tin"]) == (
        "PENDING_REVIEW", "UNCERTAIN_SCORE", person(26).tin,
    )  # fmt: skip
    assert held["fields_disclosed"] == []
    assert (missed["outcome"], missed["taxpayer_tin"], missed["fields_disclosed"]) == (
        "NO_MATCH", None, [],
    )  # fmt: skip

    # REQ-30: recorded before the response is written.
    (released,) = of(events, "batch_released")
    assert max(e.seq for e in made) < released.seq


def test_req30_every_rejected_row_has_a_rejection_event_with_its_codes(
    store: Store, events: list[StoredEvent]
) -> None:
    rejected = of(events, "request_rejected")
    assert [(e.batch_id, e.decision_id, e.actor) for e in rejected] == [
        (STANDARD_BATCH, None, OPERATOR),
        (STANDARD_BATCH, None, OPERATOR),
    ]
    assert [e.payload for e in rejected] == [
        {"row_index": 28, "request_id": "REQ-000028", "codes": "R02"},
        {"row_index": 29, "request_id": "REQ-000029", "codes": "R01"},
    ]
    (made_first,) = [e for e in of(events, "decision_made")][:1]
    assert max(e.seq for e in rejected) < made_first.seq
    assert all(e.payload["row_index"] not in (28, 29) for e in of(events, "decision_made"))


def test_the_batch_and_every_person_acting_on_it_are_recorded(
    store: Store, events: list[StoredEvent], response: Path
) -> None:
    agreement = reference_agreement()
    with store.sessions() as session:
        held = session.scalars(select(Decision).where(Decision.row_index == 26)).one()

    (received,) = of(events, "batch_received")
    assert received.seq == min(e.seq for e in events if e.batch_id)
    assert (received.actor, received.batch_id) == (OPERATOR, STANDARD_BATCH)
    assert received.payload["rows"] == 30
    assert received.payload["agreement_id"] == agreement.id
    assert received.payload["agreement_hash"] == agreement.content_hash
    assert len(received.payload["content_hash"]) == 64
    assert received.payload["requesting_agency"] == "Example Enforcement Agency"

    (viewed,) = of(events, "records_viewed")
    assert (viewed.actor, viewed.batch_id, viewed.decision_id) == (
        OFFICER, STANDARD_BATCH, held.decision_id,
    )  # fmt: skip
    assert viewed.payload == {"tins": [person(26).tin]}

    (reviewed,) = of(events, "review_action")
    assert (reviewed.actor, reviewed.decision_id) == (OFFICER, held.decision_id)
    with store.sessions() as session:
        confirmed = session.get(Decision, held.decision_id)
        assert confirmed is not None
        confirmed_hash = decision_hash(confirmed)
    assert reviewed.payload == {
        "action": "confirm",
        "outcome": "VERIFIED",
        "note": "checked",
        "decision_sha256": confirmed_hash,
    }

    (approved,) = of(events, "batch_approved")
    assert (approved.actor, approved.batch_id) == (APPROVER, STANDARD_BATCH)

    digest = hashlib.sha256(response.read_bytes()).hexdigest()
    (released,) = of(events, "batch_released")
    assert (released.actor, released.batch_id) == (APPROVER, STANDARD_BATCH)
    assert released.payload == {"response_sha256": digest, "disclosures": 27}

    (downloaded,) = of(events, "response_downloaded")
    assert (downloaded.actor, downloaded.batch_id, downloaded.payload) == (
        OPERATOR, STANDARD_BATCH, {"sha256": digest},
    )  # fmt: skip

    assert viewed.seq < reviewed.seq < approved.seq < released.seq < downloaded.seq
    assert downloaded.seq == len(events)
    # Listing an empty queue views nobody's records: no event.
    assert list_review_items(store, actor=OFFICER) == []
    assert len(stored_events(store)) == len(events)
    assert first_break(store) is None


def test_releasing_and_downloading_again_are_recorded_as_what_they_are(
    store: Store, events: list[StoredEvent], tmp_path: Path
) -> None:
    release_batch(store, STANDARD_BATCH, actor=APPROVER)
    respond(store, STANDARD_BATCH, actor=OPERATOR)
    after = stored_events(store)[len(events) :]
    # A second release changes nothing and records no second release; a download is a download.
    assert [e.action for e in after] == ["response_downloaded"]


# --------------------------------------------------------------------------------------------
# access_denied survives the refused action's rollback
# --------------------------------------------------------------------------------------------


def test_access_denied_is_recorded_although_the_refused_action_rolls_back(
    store: Store, tmp_path: Path
) -> None:
    add_people(store)
    add_user(store, "dual", [Role.OFFICER, Role.APPROVER], actor=ADMIN)
    run_batch(store, tmp_path / "b", "AUD-DENY", standard_requests(), until=BatchState.IN_REVIEW)
    before = len(stored_events(store))

    # A missing role.
    with pytest.raises(PermissionDenied):
        approve_batch(store, "AUD-DENY", actor=OPERATOR)
    # An unknown user.
    with pytest.raises(PermissionDenied):
        list_review_items(store, actor="mallory")
    # The two-person rule: who reviewed may not approve.
    (item,) = list_review_items(store, actor="dual", batch_id="AUD-DENY")
    decide_review_item(store, item.item_id, actor="dual", confirm=True, note="checked")
    with pytest.raises(PermissionDenied):
        approve_batch(store, "AUD-DENY", actor="dual")

    after = stored_events(store)[before:]
    assert [(e.action, e.actor) for e in after] == [
        ("access_denied", OPERATOR),
        ("access_denied", "mallory"),
        ("records_viewed", "dual"),
        ("review_action", "dual"),
        ("access_denied", "dual"),
    ]
    assert after[0].payload == {"role": "approver"}
    assert after[1].payload == {"role": "officer"}
    assert after[4].payload == {"rule": "two-person", "batch_id": "AUD-DENY"}
    # The refused actions did nothing; the chain holds.
    assert batch_summary(store, "AUD-DENY").state == BatchState.IN_REVIEW.value
    assert not [e for e in after if e.action == "batch_approved"]
    assert first_break(store) is None
    # And a permitted approval still works afterwards.
    assert approve_batch(store, "AUD-DENY", actor=APPROVER).state == BatchState.APPROVED.value


# --------------------------------------------------------------------------------------------
# REQ-34: reads of the audit log and of the accounting are events too
# --------------------------------------------------------------------------------------------


def test_req34_reading_the_audit_log_and_the_accounting_is_recorded(
    store: Store, events: list[StoredEvent], tmp_path: Path
) -> None:
    verify_audit(store, actor=AUDITOR)
    b"".join(export_audit(store, actor=AUDITOR))
    account(store, actor=AUDITOR, tin=person(3).tin)

    after = stored_events(store)[len(events) :]
    assert [(e.action, e.actor) for e in after] == [
        ("audit_verified", AUDITOR),
        ("audit_exported", AUDITOR),
        ("accounting_query", AUDITOR),
    ]
    assert after[0].payload == {"events": len(events)}
    assert after[1].payload == {"since": None, "until": None}
    assert after[2].payload == {
        "tin": person(3).tin, "agency": None, "since": None, "until": None, "results": 1,
    }  # fmt: skip
    assert first_break(store) is None


def test_req34_adding_a_user_with_roles_is_recorded(store: Store) -> None:
    """REQ-34 config changes. (Regression: roles used to change without an event.)"""
    add_people(store)
    before = len(stored_events(store))
    add_user(store, "off-new", [Role.OFFICER, Role.APPROVER], actor=ADMIN)
    after = stored_events(store)[before:]
    assert len(after) == 1
    assert after[0].actor == ADMIN
    recorded = json.dumps(after[0].payload)
    assert "off-new" in recorded and "approver" in recorded


# --------------------------------------------------------------------------------------------
# README "JSON output": the review queue's document keeps its documented keys
# --------------------------------------------------------------------------------------------


def test_the_review_list_json_document_has_the_documented_keys(
    store: Store, tmp_path: Path
) -> None:
    add_people(store)
    run_batch(
        store, tmp_path / "batch", "JSON-2025-0001", [held(person(0), 1)],
        until=BatchState.IN_REVIEW,
    )  # fmt: skip
    where, env = cli_target(store, tmp_path / "cli-workspace")

    result = cli("review", "list", "--json", "--as", OFFICER, *where, env=env)

    assert result.code == 0, result
    (item,) = json.loads(result.out)
    assert set(item) == {
        "item_id", "batch_id", "request_id", "review_reasons", "request", "evidence",
        "candidate_records",
    }  # fmt: skip
    assert item["review_reasons"] == ["UNCERTAIN_SCORE"]
    assert item["request"]["last_name"] == person(0).last
    documented = {
        "tin", "match_weight", "match_probability", "field_weights", "runner_up_tin",
        "runner_up_weight", "candidates", "inputs",
    }  # fmt: skip
    assert documented <= set(item["evidence"])
    (candidate,) = item["evidence"]["candidates"]
    assert set(candidate) == {
        "tin", "match_weight", "match_probability", "field_weights", "given", "surname", "fit",
        "dob_conflict", "tin_conflict", "suffix_conflict", "address_on_file", "fuzzy",
    }  # fmt: skip
    assert set(item["evidence"]["inputs"]) == {
        "request", "candidates", "thresholds", "boilerplate_reason",
    }  # fmt: skip
    assert item["candidate_records"] == []  # no master file in this workspace
