"""Scoring against ground truth: what counts as a violation, a wrongful disclosure, a miss."""

from __future__ import annotations

from matchgate.decide.policy import Decision
from matchgate.disclose.minimise import response_row
from matchgate.domain.outcomes import AddressMatch, Outcome
from matchgate.domain.reasons import ReasonCode
from matchgate.pipeline import DecidedRequest
from matchgate.reports.accuracy import score_batch


def decided(index: int, outcome: Outcome, tin: str | None = None) -> DecidedRequest:
    codes = (ReasonCode.ADDRESS_NOT_STREET,) if outcome is Outcome.REJECTED else ()
    match = AddressMatch.CURRENT if outcome is Outcome.VERIFIED else None
    return DecidedRequest(
        index=index,
        request_id=f"R{index}",
        decision_id=f"D{index}",
        codes=codes,
        decision=None if outcome is Outcome.REJECTED else Decision(outcome, match, tin),
        response=response_row(
            request_id=f"R{index}",
            batch_id="B",
            decision_id=f"D{index}",
            outcome=outcome,
            reason_codes=codes,
            address_match=match,
        ),
    )


def truth(expected: str, tin: str = "", group: str = "HISPANIC_COMPOUND") -> dict[str, str]:
    return {
        "expected": expected,
        "true_tin": tin,
        "expected_codes": "R02" if expected == "REJECTED" else "",
        "expected_address_match": "CURRENT" if expected == "VERIFIABLE" else "",
        "category": "c",
        "name_group": group,
    }


def test_each_kind_of_error_is_counted_where_it_belongs() -> None:
    rows = [
        decided(0, Outcome.VERIFIED, "T1"),  # right person: a hit
        decided(1, Outcome.VERIFIED, "T9"),  # wrong person: wrongful disclosure
        decided(2, Outcome.VERIFIED, "T3"),  # should be NO_MATCH: wrongful disclosure
        decided(3, Outcome.NO_MATCH),  # should be REJECTED: compliance violation
        decided(4, Outcome.PENDING_REVIEW, "T5"),  # verifiable but held: a miss, a review
        decided(5, Outcome.REJECTED),
    ]
    expected = [
        truth("VERIFIABLE", "T1"),
        truth("VERIFIABLE", "T2", group="EAST_ASIAN"),
        truth("NOT_VERIFIABLE", "T3"),
        truth("REJECTED"),
        truth("VERIFIABLE", "T5"),
        truth("REJECTED"),
    ]
    report = score_batch(rows, expected)
    assert report.compliance_violations == 1
    assert report.wrongful_disclosures == 2
    assert (report.verified_correctly, report.verifiable) == (1, 3)
    assert report.pending_review == 1
    assert report.reason_code_mismatches == 0


def test_req25_a_group_whose_false_positive_rate_is_too_high_is_named() -> None:
    rows = [decided(0, Outcome.VERIFIED, "T1"), decided(1, Outcome.NO_MATCH)]
    expected = [truth("NOT_VERIFIABLE", "T1", "EAST_ASIAN"), truth("NOT_VERIFIABLE", "T2")]
    report = score_batch(rows, expected)
    assert report.by_group["EAST_ASIAN"].false_positive_rate == 1.0
    assert report.groups_over_false_positive_rate(0.01) == ["EAST_ASIAN"]


def test_correctness_is_reported_per_name_variant_kind_and_group_recall_ratio() -> None:
    rows = [
        decided(0, Outcome.VERIFIED, "T1"),
        decided(1, Outcome.PENDING_REVIEW, "T2"),
        decided(2, Outcome.VERIFIED, "T3"),
        decided(3, Outcome.NO_MATCH),
    ]
    expected = [
        {**truth("VERIFIABLE", "T1", group="KOREAN"), "name_variant": "transliteration"},
        {**truth("VERIFIABLE", "T2", group="KOREAN"), "name_variant": "transliteration"},
        {**truth("VERIFIABLE", "T3", group="ANGLO"), "name_variant": ""},
        {**truth("VERIFIABLE", "T4", group="ANGLO"), "name_variant": "typo_given"},
    ]
    report = score_batch(rows, expected)
    kinds = report.by_variant
    assert (kinds["transliteration"].requests, kinds["transliteration"].correct) == (2, 1)
    assert kinds["transliteration"].review == 1
    assert kinds["none"].correct_rate == 1.0
    assert kinds["typo_given"].correct_rate == 0.0
    assert report.by_group["KOREAN"].recall == 0.5
    assert report.group_recall_ratio == 1.0  # both groups: one of two right
    assert report.as_dict()["by_variant"]["transliteration"]["correct_rate"] == 0.5
