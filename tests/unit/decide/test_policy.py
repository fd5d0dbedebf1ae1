"""The decision policy, case by case: what may be VERIFIED and what may not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from matchgate.decide.policy import Candidate, PersonFacts, Thresholds, decide
from matchgate.domain.outcomes import AddressMatch, Outcome, ReviewReason
from matchgate.standardise.names import standardise_name

THRESHOLDS = Thresholds(min_match_probability=0.99, runner_up_margin_weight=6.0)


def person(
    first: str, last: str, *, suffix: str = "", dob: str | None = None, tin: str | None = None
) -> PersonFacts:
    return PersonFacts(name=standardise_name(first, None, last, suffix), dob=dob, tin=tin)


def candidate(
    facts: PersonFacts,
    *,
    weight: float = 20.0,
    probability: float = 0.9999,
    on_file: bool = True,
    lka: bool = True,
) -> Candidate:
    assert facts.tin is not None
    return Candidate(
        tin=facts.tin,
        facts=facts,
        match_weight=weight,
        match_probability=probability,
        address_on_file=on_file,
        address_is_lka=lka,
    )


JOSE = person("JOSÉ", "HERNANDEZ LOPEZ", dob="1980-01-02", tin="800000001")
JOSE_SR = person("JOSE", "HERNANDEZ", suffix="SR", dob="1955-03-04", tin="800000002")
JOSE_JR = person("JOSE", "HERNANDEZ", suffix="JR", dob="1985-06-07", tin="800000003")
MARIA = person("MARIA", "HERNANDEZ", dob="1982-02-03", tin="800000004")


def test_the_named_person_at_an_address_on_file_is_verified() -> None:
    decision = decide(person("Jose", "Hernandez-Lopez"), [candidate(JOSE)], THRESHOLDS)
    assert decision.outcome is Outcome.VERIFIED
    assert decision.address_match is AddressMatch.CURRENT
    assert decision.tin == JOSE.tin


def test_a_prior_address_on_file_is_verified_as_prior() -> None:
    decision = decide(person("JOSE", "HERNANDEZ LOPEZ"), [candidate(JOSE, lka=False)], THRESHOLDS)
    assert (decision.outcome, decision.address_match) == (Outcome.VERIFIED, AddressMatch.PRIOR)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("JOE", "HERNANDEZ LOPEZ"),  # English nickname of JOSE
        ("PEPE", "HERNANDEZ"),  # Spanish diminutive, one of two surnames
        ("JOSE", "LOPEZ"),  # the second surname alone
        ("HERNANDEZ LOPEZ", "JOSE"),  # order swapped
    ],
)
def test_req22_name_variants_are_not_close_calls(first: str, last: str) -> None:
    decision = decide(person(first, last, dob=JOSE.dob), [candidate(JOSE)], THRESHOLDS)
    assert decision.outcome is Outcome.VERIFIED


@pytest.mark.parametrize("first", ["JOE", "PEPE"])
def test_a_variant_list_link_with_only_the_address_goes_to_review(first: str) -> None:
    # A nickname with no DOB or TIN may name a relative the custodian never saw.
    decision = decide(
        person(first, "HERNANDEZ LOPEZ"), [replace(candidate(JOSE), address_exact=True)], THRESHOLDS
    )
    assert decision.outcome is Outcome.PENDING_REVIEW
    assert decision.review_reasons == (ReviewReason.FUZZY_GIVEN_NAME,)


def test_req16_one_letter_off_given_name_with_the_same_tin_is_not_verified() -> None:
    mario = person("MARIO", "GARCIA", tin="800000009")
    decision = decide(person("MARIA", "GARCIA", tin="800000009"), [candidate(mario)], THRESHOLDS)
    assert decision.outcome is not Outcome.VERIFIED


@pytest.mark.parametrize(
    ("given_unknown", "outcome"),
    [
        (True, Outcome.VERIFIED),  # AA is nobody's name: a letter dropped from ANA
        (False, Outcome.PENDING_REVIEW),  # a real two-letter name is not a slip
    ],
)
def test_issue8_a_letter_dropped_from_a_three_letter_given_name_is_a_typo(
    given_unknown: bool, outcome: Outcome
) -> None:
    ana = person("ANA", "DIAZ", dob="1991-08-09", tin="800000010")
    found = replace(candidate(ana), request_given_unknown=given_unknown)
    decision = decide(person("AA", "DIAZ", dob=ana.dob), [found], THRESHOLDS)
    assert decision.outcome is outcome


@pytest.mark.parametrize(
    ("first", "dob", "outcome"),
    [
        ("JOSE", None, Outcome.VERIFIED),  # the second given name itself, exact address
        ("JOE", None, Outcome.PENDING_REVIEW),  # a nickname of it: a variant-list link
        ("JOE", "1970-03-31", Outcome.VERIFIED),  # ... that a DOB on file settles
    ],
)
def test_issue8_a_nickname_of_the_second_given_name_is_never_settled_by_the_household_address(
    first: str, dob: str | None, outcome: Outcome
) -> None:
    filed = PersonFacts(
        name=standardise_name("RONALDO", "JOSE", "TORRES", None), dob=dob, tin="800000011"
    )
    found = replace(candidate(filed), address_exact=True)
    decision = decide(person(first, "TORRES", dob=dob), [found], THRESHOLDS)
    assert decision.outcome is outcome


def test_req17_name_and_tin_match_without_the_address_on_file_is_no_match() -> None:
    request = person("JOSE", "HERNANDEZ LOPEZ", tin=JOSE.tin)
    decision = decide(request, [candidate(JOSE, on_file=False, lka=False)], THRESHOLDS)
    assert decision.outcome is Outcome.NO_MATCH


def test_req18_a_borrowed_tin_is_a_conflict_not_a_match() -> None:
    request = person("JOSE", "HERNANDEZ LOPEZ", tin=MARIA.tin)
    decision = decide(request, [candidate(JOSE), candidate(MARIA, weight=5.0)], THRESHOLDS)
    assert decision.outcome is Outcome.NO_MATCH


def test_req18_a_different_dob_is_a_conflict() -> None:
    request = person("JOSE", "HERNANDEZ LOPEZ", dob="1980-01-03")
    decision = decide(request, [candidate(JOSE)], THRESHOLDS)
    assert decision.outcome is Outcome.NO_MATCH


def test_req19_jr_and_sr_at_one_address_without_anything_to_tell_them_apart() -> None:
    decision = decide(
        person("JOSE", "HERNANDEZ"), [candidate(JOSE_SR), candidate(JOSE_JR)], THRESHOLDS
    )
    assert decision.outcome is Outcome.NO_MATCH
    assert decision.indistinguishable


def test_req19_an_agreement_may_send_indistinguishable_pairs_to_review() -> None:
    to_review = replace(THRESHOLDS, indistinguishable_outcome=Outcome.PENDING_REVIEW)
    decision = decide(
        person("JOSE", "HERNANDEZ"), [candidate(JOSE_SR), candidate(JOSE_JR)], to_review
    )
    assert decision.outcome is Outcome.PENDING_REVIEW
    assert ReviewReason.CLOSE_SECOND_CANDIDATE in decision.review_reasons


@pytest.mark.parametrize(
    "request_facts",
    [
        person("JOSE", "HERNANDEZ", suffix="JR"),
        person("JOSE", "HERNANDEZ", dob=JOSE_JR.dob),
        person("JOSE", "HERNANDEZ", tin=JOSE_JR.tin),
    ],
    ids=["suffix", "dob", "tin"],
)
def test_req19_a_suffix_dob_or_tin_tells_jr_from_sr(request_facts: PersonFacts) -> None:
    decision = decide(request_facts, [candidate(JOSE_SR), candidate(JOSE_JR)], THRESHOLDS)
    assert (decision.outcome, decision.tin) == (Outcome.VERIFIED, JOSE_JR.tin)


def test_req19_juan_and_juana_at_one_address_is_a_close_call() -> None:
    juan = person("JUAN", "PEREZ", tin="800000011")
    juana = person("JUANA", "PEREZ", tin="800000012")
    decision = decide(person("JUAN", "PEREZ"), [candidate(juan), candidate(juana)], THRESHOLDS)
    assert decision.outcome is Outcome.PENDING_REVIEW


def test_a_spouse_at_the_same_address_is_not_a_close_call() -> None:
    decision = decide(
        person("JOSE", "HERNANDEZ LOPEZ"),
        [candidate(JOSE), candidate(MARIA, weight=4.0, probability=0.2)],
        THRESHOLDS,
    )
    assert decision.outcome is Outcome.VERIFIED


def test_nobody_whose_name_fits_is_no_match() -> None:
    decision = decide(person("PEDRO", "RAMIREZ"), [candidate(MARIA)], THRESHOLDS)
    assert decision.outcome is Outcome.NO_MATCH


def test_no_candidate_at_all_is_no_match() -> None:
    assert decide(person("PEDRO", "RAMIREZ"), [], THRESHOLDS).outcome is Outcome.NO_MATCH


def test_a_score_below_the_agreement_threshold_goes_to_review_or_no_match() -> None:
    request = person("JOSE", "HERNANDEZ LOPEZ")
    uncertain = decide(request, [candidate(JOSE, probability=0.9)], THRESHOLDS)
    assert uncertain.outcome is Outcome.PENDING_REVIEW
    assert ReviewReason.UNCERTAIN_SCORE in uncertain.review_reasons
    weak = decide(request, [candidate(JOSE, probability=0.1)], THRESHOLDS)
    assert weak.outcome is Outcome.NO_MATCH


def test_req11_boilerplate_reason_is_held_for_review() -> None:
    decision = decide(
        person("JOSE", "HERNANDEZ LOPEZ"), [candidate(JOSE)], THRESHOLDS, boilerplate_reason=True
    )
    assert decision.outcome is Outcome.PENDING_REVIEW
    assert decision.review_reasons == (ReviewReason.BOILERPLATE_REASON,)


def test_a_same_name_person_at_the_same_door_is_close_even_if_the_street_differs() -> None:
    # The street name did not standardise alike, but house number and ZIP agree.
    near = replace(candidate(JOSE_SR, weight=2.0, on_file=False, lka=False), address_near=True)
    decision = decide(person("JOSE", "HERNANDEZ"), [candidate(JOSE_JR), near], THRESHOLDS)
    assert decision.outcome is not Outcome.VERIFIED


def test_a_relative_whose_name_only_varies_is_a_close_call_not_a_tie() -> None:
    elizabeth = person("ELIZABETH", "JOHNSON", tin="800000021")
    lisa = person("LISA", "JOHNSON", tin="800000022")  # LISA is a nickname of ELIZABETH
    decision = decide(
        person("ELIZABETH", "JOHNSON"),
        [candidate(lisa, weight=21.0), candidate(elizabeth, weight=20.0)],
        THRESHOLDS,
    )
    assert decision.outcome is Outcome.PENDING_REVIEW
    assert decision.tin == elizabeth.tin
