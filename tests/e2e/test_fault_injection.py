"""A batch killed anywhere resumes with nothing lost, nothing decided twice, nothing released twice.

README, "The persistent workflow": each state change is committed before the
next step starts and the steps are deterministic, so a process killed at any
point resumes on the next `batch submit`. Every test kills a real `matchgate`
process with SIGKILL (the `MATCHGATE_FAULT` hook, or a timer), resumes it
through the command line, takes the batch through review, approval, release
and response, and compares the outcome with an uninterrupted reference run:
the same decisions, byte-identical response, one decision per request, one
response, the same audit events and an intact audit chain.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from e2e.workflow_cli import Snapshot, Workflow, killed_by_sigkill, spawn

pytestmark = pytest.mark.slow

#: Where `batch submit` can be killed, and the state it must have committed by then.
SUBMIT_FAULTS = {
    "after-received": "received",
    "after-validated": "validated",
    "mid-matched": "validated",  # the match step's transaction dies uncommitted
    "after-matched": "matched",
    "after-in-review": "in_review",
}

#: Calibrated on this data: imports and intake take about 1.6 s, matching ends
#: near 2.0 s, so a kill at 1.75 s usually lands mid-match. The test holds
#: wherever it lands (or if the process wins the race and finishes).
TIMER_KILL_SECONDS = 1.75


@pytest.fixture(scope="module")
def reference(
    tmp_path_factory: pytest.TempPathFactory, prepared_workspace: Path, world: dict[str, Path]
) -> Snapshot:
    """The batch submitted once, uninterrupted, and taken to its response."""
    flow = Workflow.copy_of(prepared_workspace, tmp_path_factory.mktemp("reference") / "ws", world)
    flow.submit_to_review()
    flow.assert_one_decision_per_request()
    snapshot = flow.finish()
    assert snapshot.review_items, "the reference batch should hold some requests for review"
    assert {d[3] for d in snapshot.decisions} <= {"VERIFIED", "NO_MATCH", "REJECTED"}
    return snapshot


def assert_same_as_reference(flow: Workflow, snapshot: Snapshot, reference: Snapshot) -> None:
    assert snapshot.machine_decisions == reference.machine_decisions
    assert snapshot.review_items == reference.review_items
    assert snapshot.decisions == reference.decisions
    assert snapshot.response == reference.response
    flow.assert_one_decision_per_request()
    assert flow.response_rows() == 1
    assert snapshot.audit == reference.audit, "audit events differ (lost or made twice)"


def test_the_reference_run_is_complete(reference: Snapshot) -> None:
    header, *rows = reference.response.decode("utf-8").splitlines()
    assert header.startswith("request_id,batch_id,outcome,")
    assert len(rows) == len(reference.decisions)
    assert "PENDING_REVIEW" not in reference.response.decode("utf-8")
    decision_ids = [d[2] for d in reference.decisions]
    assert len(set(decision_ids)) == len(decision_ids)


@pytest.mark.parametrize("point", list(SUBMIT_FAULTS))
def test_submit_killed_at_a_fault_point_resumes(
    point: str, workflow: Workflow, reference: Snapshot
) -> None:
    killed = workflow.submit(fault=point)
    assert killed_by_sigkill(killed.returncode), (killed.returncode, killed.stderr)
    assert workflow.state() == SUBMIT_FAULTS[point]
    if SUBMIT_FAULTS[point] in ("received", "validated"):
        assert workflow.decision_count() == 0
    else:
        workflow.assert_one_decision_per_request()
    assert workflow.response_rows() == 0

    workflow.submit_to_review()
    workflow.assert_one_decision_per_request()
    assert_same_as_reference(workflow, workflow.finish(), reference)


#: Rows per chunk for the chunked-match tests: the 300-row batch is three chunks.
CHUNK_ROWS = 100


@pytest.mark.parametrize("chunk", [0, 1])
def test_submit_killed_after_a_committed_chunk_resumes_from_the_next(
    chunk: int, workflow: Workflow, reference: Snapshot
) -> None:
    killed = workflow.submit(fault=f"after-chunk-{chunk}", chunk_rows=CHUNK_ROWS)
    assert killed_by_sigkill(killed.returncode), (killed.returncode, killed.stderr)
    assert workflow.state() == "validated"
    # Every chunk up to the kill is committed, whole; nothing after it.
    committed = workflow.query("SELECT row_index FROM decisions ORDER BY row_index")
    assert [r[0] for r in committed] == list(range((chunk + 1) * CHUNK_ROWS))
    assert workflow.response_rows() == 0

    workflow.submit_to_review(chunk_rows=CHUNK_ROWS)
    workflow.assert_one_decision_per_request()
    assert_same_as_reference(workflow, workflow.finish(), reference)


def test_a_batch_killed_mid_chunk_resumes_under_another_chunk_size(
    workflow: Workflow, reference: Snapshot
) -> None:
    killed = workflow.submit(fault="after-chunk-0", chunk_rows=CHUNK_ROWS)
    assert killed_by_sigkill(killed.returncode)
    workflow.submit_to_review(chunk_rows=CHUNK_ROWS // 2 + 7)
    workflow.assert_one_decision_per_request()
    assert_same_as_reference(workflow, workflow.finish(), reference)


def test_release_killed_after_commit_is_not_released_twice(
    workflow: Workflow, reference: Snapshot
) -> None:
    workflow.submit_to_review()
    workflow.confirm_all()
    workflow.approve()

    killed = spawn(*workflow.release_args(), fault="after-released")
    assert killed_by_sigkill(killed.returncode), (killed.returncode, killed.stderr)
    assert workflow.state() == "released"
    assert workflow.response_rows() == 1
    stored = workflow.query("SELECT content, sha256, created_at FROM responses")

    workflow.release()  # again: changes nothing
    assert workflow.response_rows() == 1
    assert workflow.query("SELECT content, sha256, created_at FROM responses") == stored
    assert workflow.respond() == reference.response
    assert workflow.decisions() == reference.decisions
    released = [k for k in workflow.audit_events().elements() if k[0] == "batch_released"]
    assert len(released) == 1
    workflow.audit_verify()


def test_submit_killed_by_a_timer_resumes(workflow: Workflow, reference: Snapshot) -> None:
    process = workflow.submit_popen()
    try:
        process.wait(timeout=TIMER_KILL_SECONDS)
    except subprocess.TimeoutExpired:  # still running: kill it wherever it is
        process.kill()
        process.wait(timeout=30)
    assert killed_by_sigkill(process.returncode) or process.returncode == 0, process.returncode
    landed = workflow.state()  # None: killed before the batch was stored
    print(f"timer kill at {TIMER_KILL_SECONDS}s: rc={process.returncode}, state={landed}")
    assert workflow.decision_count() in (0, workflow.requests)
    assert workflow.response_rows() == 0

    workflow.submit_to_review()
    assert_same_as_reference(workflow, workflow.finish(), reference)
