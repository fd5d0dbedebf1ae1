"""REQ-36: recalling named disclosures gives the requester a disposal notice, audited."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from matchgate.cli.app import EXIT_CODES
from matchgate.errors import ErrorCategory, MatchgateError
from matchgate.files import write_atomically
from matchgate.store.tables import Decision
from matchgate.workflow.auditing import recall
from matchgate.workflow.store import Store

from .flow import AUDITOR, run_standard, stored_events


def test_req36_recall_writes_a_disposal_notice_and_an_audit_entry_per_decision(
    store: Store, tmp_path: Path
) -> None:
    ran = run_standard(store, tmp_path)
    with store.sessions() as session:
        verified = session.scalars(
            select(Decision.decision_id)
            .where(Decision.batch_id == ran.batch_id, Decision.outcome == "VERIFIED")
            .order_by(Decision.row_index)
        ).all()
    chosen = list(verified[:2])
    notice = tmp_path / "notice.csv"

    recalled_notice = recall(store, chosen, "address disclosed in error", actor=AUDITOR)
    write_atomically(notice, recalled_notice.csv())
    findings = recalled_notice.findings

    assert [f.decision_id for f in findings] == chosen
    with notice.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["batch_id"] for r in rows] == [ran.batch_id] * 2
    assert all(r["reason"] == "address disclosed in error" and r["disclosed_fields"] for r in rows)
    recalled = [e for e in stored_events(store) if e.action == "disclosure_recalled"]
    assert [e.decision_id for e in recalled] == chosen


def test_req36_only_disclosures_can_be_recalled(store: Store, tmp_path: Path) -> None:
    run_standard(store, tmp_path)
    before = len(stored_events(store))
    with pytest.raises(MatchgateError, match="not a disclosure"):
        recall(store, ["D-not-a-decision"], "why", actor=AUDITOR)
    assert len(stored_events(store)) == before


def test_item5_recalling_an_already_recalled_disclosure_is_a_conflict(
    store: Store, tmp_path: Path
) -> None:
    ran = run_standard(store, tmp_path)
    with store.sessions() as session:
        first, second = session.scalars(
            select(Decision.decision_id)
            .where(Decision.batch_id == ran.batch_id, Decision.outcome == "VERIFIED")
            .order_by(Decision.row_index)
        ).all()[:2]
    recall(store, [first], "address disclosed in error", actor=AUDITOR)
    before = len(stored_events(store))
    with pytest.raises(MatchgateError, match="already recalled") as caught:
        recall(store, [second, first], "again", actor=AUDITOR)
    assert caught.value.category is ErrorCategory.CONFLICT
    assert EXIT_CODES[caught.value.category] == 5
    assert first in caught.value.message and second not in caught.value.message
    assert len(stored_events(store)) == before  # nothing recorded: not even the other one
