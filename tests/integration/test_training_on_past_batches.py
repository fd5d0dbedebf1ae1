"""Issue 8 item 2: the model learns how requesters write, from past batches.

`matchgate model train --past-batches` re-estimates the m-probabilities by EM
over the valid rows of matched batches scored against the master file,
starting from the model trained on the master file, and records in the
model file what it learnt from. The session world's workspace (one verified
batch) is copied, so the world's own model stays as it is.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from matchgate.bootstrap import build_services
from matchgate.config import Settings
from matchgate.errors import MatchgateError
from matchgate.match.model import current_model, load_model
from matchgate.services import Services
from matchgate.services.trial import TRIAL_USER
from matchgate.workspace import Workspace

from .conftest import World


@pytest.fixture
def copied(world: World, tmp_path: Path) -> Workspace:
    shutil.copytree(world.workspace.home, tmp_path / "workspace")
    return Workspace(tmp_path / "workspace")


@pytest.fixture
def services(copied: Workspace) -> Iterator[Services]:
    with build_services(Settings(home=copied.home, database_url=None, user=None)) as built:
        yield built


def _levels(settings: dict[str, object]) -> list[list[dict[str, object]]]:
    comparisons = settings["comparisons"]
    assert isinstance(comparisons, list)
    return [comparison["comparison_levels"] for comparison in comparisons]


def test_the_model_learns_m_from_past_batches_and_says_what_it_learnt_from(
    world: World, copied: Workspace, services: Services
) -> None:
    base = current_model(copied)
    assert base is not None
    summary = services.master.train_on_past_batches(actor=TRIAL_USER)
    model = load_model(copied.models_dir / f"{summary.version}.json")
    trained_on = model.metadata["m_trained_on"]
    valid = sum(1 for row in world.report.outcome.rows if not row.codes)
    batch_id = world.report.outcome.batch_id
    assert trained_on["source"] == "past_batches"
    assert trained_on["base_model"] == base.version
    assert trained_on["batches"] == [{"batch_id": batch_id, "rows": valid}]
    assert trained_on["requests"] == valid
    assert model.version != base.version and current_model(copied) == model
    # The structure the engines render stays: one m and one u per level, u as on the master.
    changed = 0
    for learnt, master in zip(_levels(model.settings), _levels(base.settings), strict=True):
        assert len(learnt) == len(master)
        for level, before in zip(learnt, master, strict=True):
            assert level.get("label_for_charts") == before.get("label_for_charts")
            # Requests may show a level the master's own pairs never did (a swap).
            assert "m_probability" in level or "m_probability" not in before
            assert level.get("u_probability") == before.get("u_probability")
            changed += level.get("m_probability") != before.get("m_probability")
    assert changed > 0


def test_training_again_pools_from_the_master_model_and_gives_the_same_version(
    copied: Workspace, services: Services
) -> None:
    first = services.master.train_on_past_batches(actor=TRIAL_USER)
    again = services.master.train_on_past_batches(actor=TRIAL_USER)
    assert again.version == first.version


def test_training_on_past_batches_is_audited_with_what_it_learnt_from(
    world: World, copied: Workspace, services: Services
) -> None:
    summary = services.master.train_on_past_batches(actor=TRIAL_USER, floor=False)
    model = load_model(copied.models_dir / f"{summary.version}.json")
    assert model.metadata["m_probability_floor"] is None
    con = sqlite3.connect(copied.home / "workflow.sqlite")
    try:
        [(payload,)] = con.execute(
            "SELECT payload FROM audit_events WHERE action = 'model_trained' "
            "ORDER BY seq DESC LIMIT 1"
        ).fetchall()
    finally:
        con.close()
    detail = json.loads(payload)
    assert detail["model_version"] == summary.version
    assert detail["trained_on"] == "past_batches"
    assert detail["batches"] == [world.report.outcome.batch_id]


def test_a_batch_that_was_never_matched_teaches_nothing(services: Services) -> None:
    with pytest.raises(MatchgateError):
        services.master.train_on_past_batches(actor=TRIAL_USER, batch_ids=["NO-SUCH-BATCH"])
