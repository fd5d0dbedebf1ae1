"""The evidence recorded with a decision: typed, round-tripped, and replayable.

REQ-36 (remediation replays recorded decisions): the evidence stored with a
decision carries exactly what the decision policy was given, so a replay
calls the same `decide()` on the same facts. Old rows, written before the
evidence carried the policy's inputs, still load.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields, replace

from matchgate.decide.policy import Candidate, PersonFacts, Thresholds, decide
from matchgate.decide.recorded import (
    RECORD_VERSION,
    DecisionEvidence,
    DecisionInputs,
    dump_evidence,
    load_evidence,
)
from matchgate.domain.outcomes import Outcome, ReviewReason
from matchgate.standardise.names import StandardName, standardise_name

THRESHOLDS = Thresholds(min_match_probability=0.99, runner_up_margin_weight=6.0)

JUAN = PersonFacts(standardise_name("JUAN", None, "DE LA CRUZ", "JR"), "1980-01-02", "800000001")
JUANA = PersonFacts(standardise_name("JUANA", None, "DE LA CRUZ", None), None, "800000002")


def candidate(facts: PersonFacts, weight: float, *, lka: bool = True) -> Candidate:
    assert facts.tin is not None
    return Candidate(
        tin=facts.tin,
        facts=facts,
        match_weight=weight,
        match_probability=0.9999,
        address_on_file=True,
        address_is_lka=lka,
        address_near=True,
        field_weights=(("surname", 8.25), ("given", 6.5)),
    )


def close_call() -> DecisionInputs:
    """JUAN asked at his address; JUANA lives there too: held for review."""
    request = PersonFacts(standardise_name("Juan", None, "de la Cruz", None), None, None)
    return DecisionInputs(
        request=request,
        candidates=(candidate(JUAN, 18.0), candidate(JUANA, 17.0, lka=False)),
        thresholds=THRESHOLDS,
    )


#: Evidence exactly as matchgate wrote it before it recorded the policy's inputs.
LEGACY_ROW = {
    "candidates": [
        {
            "address_on_file": True,
            "dob_conflict": False,
            "field_weights": {"given": 6.0, "surname": 8.0},
            "fit": "STRONG",
            "given": "EXACT",
            "match_probability": 0.9999,
            "match_weight": 18.0,
            "suffix_conflict": False,
            "surname": "EXACT",
            "tin": "800000001",
            "tin_conflict": False,
        }
    ],
    "field_weights": {"given": 6.0, "surname": 8.0},
    "indistinguishable": False,
    "match_probability": 0.9999,
    "match_weight": 18.0,
    "review_reasons": ["CLOSE_SECOND_CANDIDATE"],
    "runner_up_tin": "800000002",
    "runner_up_weight": 17.0,
    "tin": "800000001",
}


def test_the_inputs_decide_as_the_policy_does() -> None:
    inputs = close_call()
    decision = inputs.decision()
    assert decision == decide(inputs.request, inputs.candidates, THRESHOLDS)
    assert decision.outcome is Outcome.PENDING_REVIEW
    assert decision.review_reasons == (ReviewReason.CLOSE_SECOND_CANDIDATE,)


def test_evidence_round_trips_through_the_stored_json() -> None:
    inputs = close_call()
    evidence = DecisionEvidence.of(inputs.decision(), inputs)
    text = dump_evidence(evidence)
    assert load_evidence(text) == evidence
    assert json.loads(text) == evidence.as_json()


def test_the_replay_of_loaded_evidence_is_the_recorded_decision() -> None:
    inputs = close_call()
    decision = inputs.decision()
    loaded = load_evidence(dump_evidence(DecisionEvidence.of(decision, inputs)))
    assert loaded is not None and loaded.inputs is not None
    assert loaded.inputs.decision() == decision
    stricter = replace(THRESHOLDS, runner_up_margin_weight=0.5, min_match_probability=0.99999)
    assert loaded.inputs.decision(stricter) == decide(inputs.request, inputs.candidates, stricter)


def test_the_officer_facing_keys_keep_their_documented_shape() -> None:
    inputs = close_call()
    document = DecisionEvidence.of(inputs.decision(), inputs).as_json()
    assert set(LEGACY_ROW) | {"inputs", "version"} == set(document)
    keys = {key for c in document["candidates"] for key in c}
    assert keys == set(LEGACY_ROW["candidates"][0]) | {"fuzzy"}  # a key added, none removed
    assert document["field_weights"] == {"surname": 8.25, "given": 6.5}
    assert [c["tin"] for c in document["candidates"]] == [JUAN.tin, JUANA.tin]
    assert document["review_reasons"] == ["CLOSE_SECOND_CANDIDATE"]


def test_the_inputs_are_recorded_field_by_field_from_the_policy_records() -> None:
    """A field added to the policy's dataclasses is recorded with no change to the evidence."""
    inputs = close_call()
    recorded = DecisionEvidence.of(inputs.decision(), inputs).as_json()["inputs"]
    assert set(recorded) == {f.name for f in fields(DecisionInputs)}
    assert set(recorded["request"]) == {f.name for f in fields(PersonFacts)}
    assert set(recorded["request"]["name"]) == {f.name for f in fields(StandardName)}
    assert set(recorded["thresholds"]) == {f.name for f in fields(Thresholds)}
    for stored in recorded["candidates"]:
        assert set(stored) == {f.name for f in fields(Candidate)}
        assert set(stored["facts"]) == {f.name for f in fields(PersonFacts)}


def test_a_recorded_row_without_a_field_that_has_a_default_loads_with_the_default() -> None:
    inputs = close_call()
    document = DecisionEvidence.of(inputs.decision(), inputs).as_json()
    for stored in document["inputs"]["candidates"]:
        del stored["address_near"]
    del document["inputs"]["thresholds"]["review_floor_probability"]
    loaded = DecisionEvidence.from_json(document)
    assert loaded.inputs is not None
    assert all(c.address_near is False for c in loaded.inputs.candidates)
    assert loaded.inputs.thresholds.review_floor_probability == 0.5


def test_rows_written_before_the_inputs_were_recorded_still_load() -> None:
    loaded = load_evidence(json.dumps(LEGACY_ROW, sort_keys=True))
    assert loaded is not None
    assert loaded.inputs is None
    assert (loaded.tin, loaded.runner_up_tin) == ("800000001", "800000002")
    assert loaded.review_reasons == (ReviewReason.CLOSE_SECOND_CANDIDATE,)
    winner = loaded.candidate(loaded.tin)
    assert winner is not None and winner.address_on_file and winner.fit == "STRONG"
    # Shown to an officer as stored: keys are only ever added (a fuzzy part: none).
    shown = loaded.as_json()
    assert shown["candidates"] == [{**c, "fuzzy": ""} for c in LEGACY_ROW["candidates"]]
    assert {**shown, "candidates": LEGACY_ROW["candidates"]} == LEGACY_ROW


def test_evidence_is_recorded_as_version_2_and_a_version_1_record_still_reads() -> None:
    inputs = close_call()
    evidence = DecisionEvidence.of(inputs.decision(), inputs)
    assert evidence.version == RECORD_VERSION == 2
    assert json.loads(dump_evidence(evidence))["version"] == 2
    # Version 1 (every taxpayer scored, no version key) as it was written before.
    first = {k: v for k, v in json.loads(dump_evidence(evidence)).items() if k != "version"}
    loaded = load_evidence(json.dumps(first, sort_keys=True))
    assert loaded is not None and loaded.version == 1
    assert loaded.as_json() == first
    assert loaded.inputs == inputs


def test_a_score_that_is_not_finite_is_recorded_as_such_not_as_null() -> None:
    inputs = close_call()
    infinite = replace(inputs.candidates[0], match_weight=math.inf)
    inputs = replace(inputs, candidates=(infinite, inputs.candidates[1]))
    evidence = DecisionEvidence.of(inputs.decision(), inputs)
    loaded = load_evidence(dump_evidence(evidence))
    assert loaded is not None and loaded.inputs is not None
    assert loaded.inputs.candidates[0].match_weight == math.inf
    assert loaded == evidence


def test_a_held_decision_records_the_hold() -> None:
    inputs = close_call()
    evidence = replace(DecisionEvidence.of(inputs.decision(), inputs), disclosure_hold=True)
    text = dump_evidence(evidence)
    assert json.loads(text) == evidence.as_json()
    assert json.loads(text)["disclosure_hold"] is True
    assert load_evidence(text) == evidence


def test_a_rejected_request_has_no_evidence() -> None:
    assert dump_evidence(None) == "{}"
    assert load_evidence("{}") is None
