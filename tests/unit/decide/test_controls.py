"""REQ-23 and REQ-41 as pure rules over a decision (decide/controls.py)."""

from __future__ import annotations

import pytest

from matchgate.decide.controls import apply_controls, plausibility_rows
from matchgate.decide.policy import Decision
from matchgate.domain.outcomes import AddressMatch, Outcome, ReviewReason

REUSED, VOLUME = ReviewReason.CASE_NUMBER_REUSED, ReviewReason.OFFICIAL_VOLUME


@pytest.mark.parametrize(
    ("cases", "valid", "case_max", "official_max", "prior", "expected"),
    [
        (["A", "a ", "B"], [True] * 3, 1, None, 0, {0: (REUSED,), 1: (REUSED,)}),
        (["A", "A", "A"], [True, False, True], 2, None, 0, {}),  # rejected rows do not count
        (["", "", ""], [True] * 3, 1, None, 0, {}),  # a missing case number is R10's business
        (["A", "B", "C"], [True] * 3, None, 2, 1, {1: (VOLUME,), 2: (VOLUME,)}),
        (["A", "A"], [True] * 2, 1, 1, 0, {0: (REUSED,), 1: (REUSED, VOLUME)}),
        (["A", "B"], [True] * 2, None, None, 99, {}),
    ],
)
def test_req41_plausibility_rows(
    cases: list[str],
    valid: list[bool],
    case_max: int | None,
    official_max: int | None,
    prior: int,
    expected: dict[int, tuple[ReviewReason, ...]],
) -> None:
    found = plausibility_rows(
        cases,
        valid,
        case_number_max_rows=case_max,
        official_max_rows=official_max,
        official_prior_rows=prior,
    )
    assert found == expected


VERIFIED = Decision(Outcome.VERIFIED, address_match=AddressMatch.CURRENT, tin="800000001")


def test_req23_a_hold_makes_any_disclosing_outcome_no_match() -> None:
    for decision in (VERIFIED, Decision(Outcome.PENDING_REVIEW, tin="800000001")):
        kept = apply_controls(decision, held=True)
        assert (kept.outcome, kept.address_match, kept.held) == (Outcome.NO_MATCH, None, True)
    assert apply_controls(Decision(Outcome.NO_MATCH), held=True).held is False


def test_req41_an_implausible_row_is_never_verified_automatically() -> None:
    kept = apply_controls(VERIFIED, held=False, plausibility=(REUSED,))
    assert (kept.outcome, kept.review_reasons) == (Outcome.PENDING_REVIEW, (REUSED,))
    assert apply_controls(VERIFIED, held=False) == VERIFIED
    assert apply_controls(Decision(Outcome.NO_MATCH), held=False, plausibility=(REUSED,)) == (
        Decision(Outcome.NO_MATCH)
    )
