"""Decisions and responses are in the chain: an edited row is caught (issue row 5).

An intruder with write access to the workflow store edits a decision row or
the stored response (SQL, as in test_chain_tamper.py) and leaves the audit
events alone. The chain carries each decision row's hash and the response's
hash, so `batch release`, `batch respond` and `audit verify` refuse, naming
the decision or the response.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from matchgate.domain.lifecycle import BatchState
from matchgate.workflow.auditing import verify_audit
from matchgate.workflow.integrity import RecordTampered
from matchgate.workflow.release import release_batch, respond
from matchgate.workflow.store import Store

from .flow import (
    APPROVER,
    AUDITOR,
    OPERATOR,
    STANDARD_BATCH,
    add_people,
    cli,
    cli_target,
    run_batch,
    run_standard,
    sql,
    standard_requests,
    stored_events,
)


def no_match_row(store: Store) -> tuple[str, int]:
    with store.engine.connect() as connection:
        decision_id, row_index = connection.execute(
            text("SELECT decision_id, row_index FROM decisions WHERE outcome = 'NO_MATCH'")
        ).one()
    return str(decision_id), int(row_index)


def test_row05_an_edited_no_match_decision_blocks_release_and_fails_audit_verify(
    store: Store, tmp_path: Path
) -> None:
    add_people(store)
    run_batch(store, tmp_path, STANDARD_BATCH, standard_requests(), until=BatchState.APPROVED)
    decision_id, row_index = no_match_row(store)
    sql(store, "UPDATE decisions SET outcome = 'VERIFIED' WHERE decision_id = :d", d=decision_id)

    with pytest.raises(RecordTampered) as refused:
        release_batch(store, STANDARD_BATCH, actor=APPROVER)
    assert decision_id in refused.value.message
    assert f"row {row_index + 1}" in refused.value.message
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM responses")).scalar() == 0
    assert stored_events(store)[-1].action == "tamper_detected"

    report = verify_audit(store, actor=AUDITOR)
    assert report.first_break is None  # the events themselves are untouched ...
    assert report.tampered_record is not None  # ... but the row is not what they vouch for
    assert decision_id in report.tampered_record

    where, env = cli_target(store, tmp_path / "cli")
    result = cli("audit", "verify", "--as", AUDITOR, *where, env=env)
    assert result.code == 6, result
    assert decision_id in result.err


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE decisions SET outcome = 'VERIFIED', reason_codes = '' WHERE outcome = 'REJECTED'",
        "UPDATE decisions SET lka = NULL WHERE row_index = 3",
        "DELETE FROM decisions WHERE row_index = 27",
    ],
)
def test_any_edit_of_a_decision_row_is_found_before_release(
    store: Store, tmp_path: Path, edit: str
) -> None:
    add_people(store)
    run_batch(store, tmp_path, STANDARD_BATCH, standard_requests(), until=BatchState.APPROVED)
    assert sql(store, edit) >= 1
    with pytest.raises(RecordTampered):
        release_batch(store, STANDARD_BATCH, actor=APPROVER)
    assert verify_audit(store, actor=AUDITOR).tampered_record is not None


def test_an_edited_response_is_refused_at_respond_and_by_audit_verify(
    store: Store, tmp_path: Path
) -> None:
    run_standard(store, tmp_path)
    assert verify_audit(store, actor=AUDITOR).tampered_record is None
    sql(store, "UPDATE responses SET content = :c", c=b"request_id\nforged\n")
    with pytest.raises(RecordTampered) as refused:
        respond(store, STANDARD_BATCH, actor=OPERATOR)
    assert "response" in refused.value.message
    assert verify_audit(store, actor=AUDITOR).tampered_record is not None


def test_a_decision_edited_after_release_is_found_at_respond(store: Store, tmp_path: Path) -> None:
    run_standard(store, tmp_path)
    decision_id, _ = no_match_row(store)
    sql(store, "UPDATE decisions SET outcome = 'VERIFIED' WHERE decision_id = :d", d=decision_id)
    with pytest.raises(RecordTampered):
        respond(store, STANDARD_BATCH, actor=OPERATOR)
