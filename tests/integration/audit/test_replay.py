"""REQ-36, one decision rule: remediation and the live decision call the same policy.

A synthetic batch (the integration `world`: 2,500 taxpayers, 600 requests,
matched by Splink against the master file) is processed into a workflow
store. For every decision stored, replaying its recorded evidence under the
agreement it was made under gives exactly the recorded outcome; under a
stricter agreement it gives what `decide()` gives on the live inputs. After
release, remediation under the same agreement finds nothing, and under the
stricter one flags exactly the disclosures `decide()` would no longer make.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from factories import agreement, reference_agreement
from integration.conftest import World
from matchgate.agreements.schema import Agreement
from matchgate.decide.policy import decide
from matchgate.decide.recorded import load_evidence, thresholds_for
from matchgate.domain.lifecycle import Role
from matchgate.domain.outcomes import Outcome
from matchgate.files import read_upload
from matchgate.match.duckdb_engine import DuckDBEngine
from matchgate.pipeline import BatchOutcome
from matchgate.store.tables import Decision
from matchgate.workflow.auditing import remediate
from matchgate.workflow.process import process_batch
from matchgate.workflow.release import approve_batch, release_batch
from matchgate.workflow.review import decide_review_item, list_review_items
from matchgate.workflow.store import Store, add_user, open_store
from matchgate.workflow.submit import submit_batch
from matchgate.workspace import Workspace

pytestmark = pytest.mark.slow


def stricter() -> Agreement:
    """The reference agreement with a higher certainty threshold and a wider margin."""
    return agreement(
        version=2, match={"min_match_probability": 0.999999, "runner_up_margin_weight": 12.0}
    )


@dataclass(frozen=True)
class Processed:
    store: Store
    outcome: BatchOutcome
    batch_id: str


@pytest.fixture(scope="module")
def processed(world: World, tmp_path_factory: pytest.TempPathFactory) -> Processed:
    store = open_store(Workspace(tmp_path_factory.mktemp("replay")))
    add_user(store, "admin", [Role.ADMIN], actor=None)
    for name, role in (("op", Role.OPERATOR), ("off", Role.OFFICER), ("appr", Role.APPROVER)):
        add_user(store, name, [role], actor="admin")
    batch_id, _ = submit_batch(
        store,
        read_upload(world.files["requests"]),
        read_upload(world.files["envelope"]),
        reference_agreement(),
        actor="op",
    )
    with DuckDBEngine(world.workspace).matcher() as factory:
        _, outcome = process_batch(store, batch_id, factory)
    assert outcome is not None
    return Processed(store, outcome, batch_id)


def stored_decisions(store: Store) -> list[Decision]:
    with store.sessions() as session:
        return list(session.scalars(select(Decision).order_by(Decision.row_index)))


def test_every_decision_replays_to_its_recorded_outcome(processed: Processed) -> None:
    thresholds = thresholds_for(reference_agreement())
    replayed = 0
    for row in stored_decisions(processed.store):
        evidence = load_evidence(row.evidence)
        if row.machine_outcome == Outcome.REJECTED.value:
            assert evidence is None
            continue
        assert evidence is not None and evidence.inputs is not None
        again = evidence.inputs.decision(thresholds)
        assert again.outcome.value == row.machine_outcome, row.request_id
        assert again.tin == row.tin, row.request_id
        assert (again.address_match.value if again.address_match else None) == row.address_match
        assert ";".join(r.value for r in again.review_reasons) == row.review_reasons
        replayed += 1
    outcomes = {row.outcome for row in processed.outcome.rows}
    assert replayed > 500 and {Outcome.VERIFIED, Outcome.NO_MATCH} <= outcomes


def test_a_replay_under_a_stricter_agreement_is_what_decide_gives(processed: Processed) -> None:
    thresholds = thresholds_for(stricter())
    live = {row.decision_id: row.inputs for row in processed.outcome.rows if row.inputs}
    changed = 0
    for row in stored_decisions(processed.store):
        evidence = load_evidence(row.evidence)
        if evidence is None:
            continue
        assert evidence.inputs is not None
        inputs = live[row.decision_id]
        direct = decide(
            inputs.request,
            inputs.candidates,
            thresholds,
            boilerplate_reason=inputs.boilerplate_reason,
        )
        assert evidence.inputs.decision(thresholds) == direct, row.request_id
        changed += direct.outcome.value != row.machine_outcome
    assert changed, "the stricter agreement should change some decisions"


def test_remediation_flags_exactly_what_decide_would_no_longer_disclose(
    processed: Processed, tmp_path: Path
) -> None:
    store, batch_id = processed.store, processed.batch_id
    for item in list_review_items(store, actor="off", batch_id=batch_id):
        decide_review_item(store, item.item_id, actor="off", confirm=True, note="checked")
    approve_batch(store, batch_id, actor="appr")
    release_batch(store, batch_id, actor="appr")
    add_user(store, "aud", [Role.AUDITOR], actor="admin")

    assert remediate(store, reference_agreement(), actor="aud").findings == ()

    thresholds = thresholds_for(stricter())
    rows = processed.outcome.rows
    confirmed = {r.decision_id for r in rows if r.outcome is Outcome.PENDING_REVIEW}
    expected = set()
    for row in rows:
        if row.outcome not in (Outcome.VERIFIED, Outcome.PENDING_REVIEW) or row.inputs is None:
            continue
        again = decide(
            row.inputs.request,
            row.inputs.candidates,
            thresholds,
            boilerplate_reason=row.inputs.boilerplate_reason,
        )
        held = again.outcome is Outcome.PENDING_REVIEW and row.decision_id in confirmed
        assert row.decision is not None
        if again.tin != row.decision.tin or not (again.outcome is Outcome.VERIFIED or held):
            expected.add(row.decision_id)
    findings = remediate(store, stricter(), actor="aud").findings
    assert {f.decision_id for f in findings} == expected
    assert expected, "the stricter agreement should flag some disclosures"
