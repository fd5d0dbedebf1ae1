"""One path: the one-shot `matchgate verify` and the persistent `batch submit` decide alike.

README: `verify` is "a trial through the same services as `batch submit`",
kept in the workspace's own store, and decision ids derive from the batch, row,
agreement, master vintage and model version, so the same inputs give the
same decisions and a byte-identical response. `verify` here starts from an
empty workspace (it loads the master file and trains the model itself, both
audited in the workspace's store under the acting user); `batch submit` runs
in a copy of the workspace prepared by `master load` and `model train`.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from e2e.workflow_cli import Workflow, spawn_ok

pytestmark = pytest.mark.slow

#: The acting user of the trial runs (a trial workspace needs no registered users).
ANALYST = "trial-analyst"


@dataclass(frozen=True)
class Verified:
    home: Path
    response: bytes

    @property
    def rows(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.response.decode("utf-8"))))


def run_verify(world: dict[str, Path], home: Path, out: Path) -> bytes:
    spawn_ok(
        "verify",
        "--taxpayers", world["taxpayers"], "--addresses", world["addresses"],
        "--requests", world["requests"], "--envelope", world["envelope"],
        "--out", out, "--workspace", home, "--as", ANALYST,
    )  # fmt: skip
    return out.read_bytes()


def models_of(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "models").glob("M-*.json"))


@pytest.fixture(scope="module")
def verified(tmp_path_factory: pytest.TempPathFactory, world: dict[str, Path]) -> Verified:
    folder = tmp_path_factory.mktemp("verify")
    home = folder / "workspace"
    return Verified(home, run_verify(world, home, folder / "response.csv"))


def test_verify_and_batch_submit_give_the_same_decisions(
    verified: Verified, workflow: Workflow, prepared_workspace: Path
) -> None:
    assert models_of(verified.home) == models_of(prepared_workspace), "a different model"
    workflow.submit_to_review()
    workflow.assert_one_decision_per_request()
    stored = workflow.decisions()  # (row_index, request_id, decision_id, outcome, ...)

    rows = verified.rows
    assert len(rows) == len(stored) == workflow.requests
    assert [(r["request_id"], r["decision_id"], r["outcome"]) for r in rows] == [
        (request_id, decision_id, outcome) for _, request_id, decision_id, outcome, *_ in stored
    ]
    assert [r["reason_codes"] for r in rows] == [d[6] for d in stored]
    assert {r["batch_id"] for r in rows} == {workflow.batch_id}
    held = {r["decision_id"] for r in rows if r["outcome"] == "PENDING_REVIEW"}
    assert held, "the batch should hold some requests for review"
    assert held == {item["item_id"] for item in workflow.review_items()}

    # Past review, every request not held is answered exactly as the trial answered it.
    snapshot = workflow.finish()
    released = list(csv.DictReader(io.StringIO(snapshot.response.decode("utf-8"))))
    assert released[0].keys() == rows[0].keys()
    for trial, final in zip(rows, released, strict=True):
        if trial["decision_id"] in held:
            assert final["outcome"] == "VERIFIED" and final["decision_id"] == trial["decision_id"]
        else:
            assert final == trial


def test_verify_again_is_byte_identical_and_does_not_retrain(
    verified: Verified, world: dict[str, Path], tmp_path: Path
) -> None:
    models = models_of(verified.home)
    again = run_verify(world, verified.home, tmp_path / "again.csv")
    assert again == verified.response
    assert models_of(verified.home) == models
    con = sqlite3.connect(verified.home / "workflow.sqlite")
    try:
        events = con.execute("SELECT action, actor FROM audit_events ORDER BY seq").fetchall()
        batches = con.execute("SELECT count(*) FROM batches").fetchone()
    finally:
        con.close()
    # The first run loaded, trained, decided and released the trial, audited under its
    # user; the second gave the stored trial back and did none of it again.
    assert {actor for _, actor in events} == {ANALYST}
    actions = [action for action, _ in events]
    for once in ("master_loaded", "model_trained", "batch_received", "batch_released"):
        assert actions.count(once) == 1, once
    assert batches == (1,), "the trial is kept in the workspace's own store"
