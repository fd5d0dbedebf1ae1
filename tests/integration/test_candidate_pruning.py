"""Candidates pruned before the decision decide, and replay, as every candidate did.

The synthetic world (2,500 taxpayers, 600 requests with every hard category:
namesakes, relatives and twins at one address, JR/SR, borrowed TINs, DOB
conflicts, name variants and slips) is scored by Splink once, then decided
twice: with the candidates `build_candidates` keeps, and with every taxpayer
scored (the grouping before pruning). Every response row and every decision
must be the same, and so must a replay of the recorded inputs under other
thresholds (remediation under a corrected agreement).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from every_candidate import every_candidate, what_is_decided
from factories import reference_agreement
from matchgate.decide.policy import Thresholds
from matchgate.decide.recorded import thresholds_for
from matchgate.domain.outcomes import Outcome
from matchgate.intake.envelope import check_envelope, read_envelope
from matchgate.intake.readers import read_requests
from matchgate.match import matcher as matcher_module
from matchgate.match.engine import MasterConnection
from matchgate.match.matcher import SplinkMatcher
from matchgate.match.model import current_model
from matchgate.pipeline import BatchOutcome, verify_batch

from .conftest import World

pytestmark = pytest.mark.slow


def _verified(world: World) -> BatchOutcome:
    model = current_model(world.workspace)
    assert model is not None
    master = MasterConnection(world.workspace.master_db)
    try:
        table = read_requests(world.files["requests"])
        check = check_envelope(read_envelope(world.files["envelope"]), reference_agreement())
        return verify_batch(table, check, "B", reference_agreement(), SplinkMatcher(master, model))
    finally:
        master.close()


@pytest.fixture(scope="module")
def both(world: World) -> tuple[BatchOutcome, BatchOutcome]:
    pruned = _verified(world)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(matcher_module, "build_candidates", every_candidate)
        whole = _verified(world)
    return pruned, whole


def test_pruned_candidates_give_every_response_and_decision_as_every_candidate_did(
    both: tuple[BatchOutcome, BatchOutcome], world: World
) -> None:
    pruned, whole = both
    assert [r.response for r in pruned.rows] == [r.response for r in whole.rows]
    assert [r.lka for r in pruned.rows] == [r.lka for r in whole.rows]
    for before, after in zip(whole.rows, pruned.rows, strict=True):
        if before.decision is None:
            assert after.decision is None
            continue
        assert after.decision is not None
        assert what_is_decided(after.decision) == what_is_decided(before.decision)
    # Not vacuous: the world has the hard cases, and candidates were dropped.
    categories = {row["category"] for row in world.truth}
    assert {"borrowed_tin", "jr_sr_same_address", "twins_same_address"} <= categories
    assert {"dob_conflict", "relative_not_on_file", "namesake_city"} <= categories
    kept = sum(len(r.inputs.candidates) for r in pruned.rows if r.inputs)
    scored = sum(len(r.inputs.candidates) for r in whole.rows if r.inputs)
    assert kept < scored


@pytest.mark.parametrize(
    "limits",
    [
        thresholds_for(reference_agreement()),
        Thresholds(min_match_probability=0.999999, runner_up_margin_weight=40.0),
        Thresholds(
            min_match_probability=0.5,
            runner_up_margin_weight=0.0,
            require_address_on_file=False,
            indistinguishable_outcome=Outcome.PENDING_REVIEW,
            review_floor_probability=0.0,
        ),
    ],
)
def test_a_replay_of_the_pruned_inputs_under_other_thresholds_decides_as_the_whole(
    both: tuple[BatchOutcome, BatchOutcome], limits: Thresholds
) -> None:
    pruned, whole = both
    for before, after in zip(whole.rows, pruned.rows, strict=True):
        if before.inputs is None:
            continue
        assert after.inputs is not None
        assert replace(after.inputs, candidates=()) == replace(before.inputs, candidates=())
        for boilerplate in (False, True):
            replayed = after.inputs.decision(limits, boilerplate_reason=boilerplate)
            expected = before.inputs.decision(limits, boilerplate_reason=boilerplate)
            assert what_is_decided(replayed) == what_is_decided(expected)
