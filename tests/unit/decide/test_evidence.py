"""Scored pairs into candidates: only taxpayers that can bear on a decision are kept.

REQ-19 / REQ-18 and FORMATS.md §4 are decided on the candidates a request
has. The match stage drops a candidate whose name fits the request's in no
way (most often another person at the same house number and ZIP): these
tests prove that dropping it changes no outcome, taxpayer, address relation,
reason or runner-up under any thresholds, for the hard cases (namesakes,
relatives at one address, JR/SR, twins, borrowed TINs, DOB conflicts, typos,
variants, aliases), and that the candidates kept are built exactly as every
candidate was built before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from every_candidate import every_candidate, what_is_decided
from matchgate.decide.evidence import RequestFacts, build_candidates
from matchgate.decide.policy import (
    Candidate,
    PersonFacts,
    Thresholds,
    bears_on_decision,
    decide,
)
from matchgate.domain.outcomes import Outcome
from matchgate.standardise.addresses import StandardAddress, standardise_address
from matchgate.standardise.names import StandardName, standardise_aliases, standardise_name


def person(
    first: str, last: str, *, suffix: str = "", dob: str | None = None, tin: str | None = None
) -> PersonFacts:
    return PersonFacts(name=standardise_name(first, None, last, suffix), dob=dob, tin=tin)


#: One household and its neighbours at the same house number: the hard cases.
HOUSEHOLD = (
    person("JOSE", "HERNANDEZ LOPEZ", dob="1980-01-02", tin="800000001"),
    person("JOSE", "HERNANDEZ", suffix="SR", dob="1955-03-04", tin="800000002"),
    person("JOSE", "HERNANDEZ", suffix="JR", dob="1985-06-07", tin="800000003"),
    person("MARIA", "HERNANDEZ", dob="1982-02-03", tin="800000004"),
    person("JUAN", "DE LA CRUZ", dob="1979-05-05", tin="800000005"),
    person("JUANA", "DE LA CRUZ", dob="1979-05-05", tin="800000006"),  # a twin
    person("LISA", "MARTIN", dob="1990-07-08", tin="800000007"),
    person("MOHAMMED", "ALI", dob="1970-09-10", tin="800000008"),
    person("MARIA GUADALUPE", "GARCIA", dob="1988-11-12", tin="800000009"),
    person("MARIO", "GARCIA", dob="1987-01-13", tin="800000010"),
    person("DANIELA", "SMITH", dob="1991-02-14", tin="800000011"),
    # Neighbours: nobody the requests below name.
    person("WEI", "ZHANG", dob="1975-03-15", tin="800000012"),
    person("AN", "NGUYEN", dob="1968-04-16", tin="800000013"),
    person("ROBERT", "JOHNSON", dob="1960-05-17", tin="800000014"),
    person("MIN JUN", "KIM", dob="1993-06-18", tin="800000015"),
    person("J", "HERNANDEZ", tin="800000016"),  # filed with an initial: a weak fit
)

#: Names requests give: exact, variants, typos, swaps, one of two surnames, relatives.
ASKED = (
    ("JOSE", "HERNANDEZ LOPEZ", ""),
    ("JOSE", "HERNANDEZ", ""),
    ("JOSE", "HERNANDEZ", "JR"),
    ("JOSE", "HERNANDEZ", "SR"),
    ("PEPE", "HERNANDEZ", ""),
    ("JOE", "LOPEZ", ""),
    ("HERNANDEZ LOPEZ", "JOSE", ""),
    ("MARIA", "HERNANDEZ", ""),
    ("JUAN", "DELACRUZ", ""),
    ("JUANA", "DE LA CRUZ", ""),
    ("ELIZABETH", "MARTIN", ""),
    ("MUHAMMAD", "ALI", ""),
    ("GUADAUPE", "GARCIA", ""),
    ("LUPE", "GARCIA", ""),
    ("MARIA", "GARCIA", ""),
    ("DANIEL", "SMITH", ""),
    ("DANIELA", "SMTH", ""),
    ("J", "HERNANDEZ", ""),  # an initial: a weak fit, still a close second
    ("M", "GARCIA", ""),
    ("PEDRO", "RAMIREZ", ""),
)
TINS = (*(p.tin for p in HOUSEHOLD if p.tin), "899999999")
DOBS = (*(p.dob for p in HOUSEHOLD if p.dob), "2000-01-01")


@st.composite
def requests(draw: st.DrawFn) -> PersonFacts:
    first, last, suffix = draw(st.sampled_from(ASKED))
    aliases = draw(st.lists(st.sampled_from(ASKED), max_size=2))
    return PersonFacts(
        name=standardise_name(first, None, last, suffix),
        dob=draw(st.none() | st.sampled_from(DOBS)),
        tin=draw(st.none() | st.sampled_from(TINS)),
        aliases=standardise_aliases(";".join(f"{a} {b}" for a, b, _ in aliases)),
    )


@st.composite
def candidates(draw: st.DrawFn) -> list[Candidate]:
    people = draw(st.lists(st.sampled_from(HOUSEHOLD), unique=True, max_size=6))
    found = []
    for facts in people:
        assert facts.tin is not None
        on_file = draw(st.booleans())
        found.append(
            Candidate(
                tin=facts.tin,
                facts=facts,
                match_weight=draw(st.floats(-10, 30, allow_nan=False)),
                match_probability=draw(st.sampled_from((0.2, 0.6, 0.99, 0.9999, 0.999999))),
                address_on_file=on_file,
                address_is_lka=on_file and draw(st.booleans()),
                address_near=draw(st.booleans()),
                address_exact=on_file and draw(st.booleans()),
                request_given_unknown=draw(st.booleans()),
            )
        )
    return found


thresholds = st.builds(
    Thresholds,
    min_match_probability=st.sampled_from((0.5, 0.99, 0.9999, 0.999999)),
    runner_up_margin_weight=st.sampled_from((0.0, 3.0, 6.0, 12.0, 40.0)),
    require_address_on_file=st.booleans(),
    indistinguishable_outcome=st.sampled_from((Outcome.NO_MATCH, Outcome.PENDING_REVIEW)),
    review_floor_probability=st.sampled_from((0.0, 0.5, 0.95)),
)


@settings(max_examples=200, deadline=None)
@given(requests(), candidates(), thresholds, st.booleans(), st.data())
def test_candidates_that_do_not_bear_on_the_decision_change_nothing_when_dropped(
    request: PersonFacts,
    found: list[Candidate],
    limits: Thresholds,
    boilerplate: bool,
    data: st.DataObject,
) -> None:
    bearing = [c for c in found if bears_on_decision(request, c)]
    # Whatever else is kept beside them (the TIN given, the top score) changes nothing either.
    others = [c for c in found if c not in bearing]
    extra = data.draw(st.lists(st.sampled_from(others), unique=True) if others else st.just([]))
    kept = [c for c in found if c in bearing or c in extra]
    whole = decide(request, found, limits, boilerplate_reason=boilerplate)
    pruned = decide(request, kept, limits, boilerplate_reason=boilerplate)
    assert what_is_decided(pruned) == what_is_decided(whole)


def at_the_door(facts: PersonFacts, weight: float, **flags: bool) -> Candidate:
    assert facts.tin is not None
    on_file = flags.get("on_file", True)
    return Candidate(
        tin=facts.tin,
        facts=facts,
        match_weight=weight,
        match_probability=0.9999,
        address_on_file=on_file,
        address_is_lka=on_file,
        address_near=True,
        address_exact=flags.get("exact", on_file),
    )


JOSE, JOSE_SR, JOSE_JR, MARIA = HOUSEHOLD[0], HOUSEHOLD[1], HOUSEHOLD[2], HOUSEHOLD[3]
JUAN, JUANA, LISA, LUPE = HOUSEHOLD[4], HOUSEHOLD[5], HOUSEHOLD[6], HOUSEHOLD[8]
DANIELA = HOUSEHOLD[10]
ZHANG, NGUYEN, JOHNSON, J_HERNANDEZ = HOUSEHOLD[11], HOUSEHOLD[12], HOUSEHOLD[13], HOUSEHOLD[15]
NEIGHBOURS = [at_the_door(p, 2.0 - i) for i, p in enumerate(HOUSEHOLD[11:15])]

HARD_CASES = {
    "namesakes JR and SR, no suffix given": (
        person("JOSE", "HERNANDEZ"),
        [at_the_door(JOSE_SR, 14.0), at_the_door(JOSE_JR, 13.0)],
    ),
    "the JR asked for, by suffix": (
        person("JOSE", "HERNANDEZ", suffix="JR"),
        [at_the_door(JOSE_SR, 14.0), at_the_door(JOSE_JR, 13.0)],
    ),
    "relatives at one address: JUAN asked, JUANA there": (
        person("JUAN", "DE LA CRUZ"),
        [at_the_door(JUAN, 15.0), at_the_door(JUANA, 14.0)],
    ),
    "twins: the DOB given fits both": (
        person("JUANA", "DE LA CRUZ", dob="1979-05-05"),
        [at_the_door(JUAN, 15.0), at_the_door(JUANA, 14.0)],
    ),
    "a relative filed with an initial only: a weak fit is still a close second": (
        person("JOSE", "HERNANDEZ LOPEZ"),
        [at_the_door(JOSE, 16.0), at_the_door(J_HERNANDEZ, 3.0)],
    ),
    "a borrowed TIN: the owner's name does not fit": (
        person("JOSE", "HERNANDEZ LOPEZ", tin=MARIA.tin),
        [at_the_door(JOSE, 16.0), at_the_door(MARIA, 9.0)],
    ),
    "a DOB conflict": (
        person("JOSE", "HERNANDEZ LOPEZ", dob="1999-09-09"),
        [at_the_door(JOSE, 16.0)],
    ),
    "a relative not on file, named by a variant (ELIZABETH for LISA)": (
        person("ELIZABETH", "MARTIN"),
        [at_the_door(LISA, 8.0)],
    ),
    "a surname typo, at the exact address": (
        person("DANIELA", "SMTH"),
        [at_the_door(DANIELA, 9.0)],
    ),
    "part of a compound given name": (
        person("LUPE", "GARCIA"),
        [at_the_door(LUPE, 9.0)],
    ),
    "nobody at the door fits": (person("PEDRO", "RAMIREZ"), []),
}


@pytest.mark.parametrize("case", HARD_CASES)
@pytest.mark.parametrize(
    "limits",
    [
        Thresholds(min_match_probability=0.99, runner_up_margin_weight=6.0),
        Thresholds(min_match_probability=0.999999, runner_up_margin_weight=40.0),
        Thresholds(
            min_match_probability=0.5,
            runner_up_margin_weight=0.0,
            require_address_on_file=False,
            indistinguishable_outcome=Outcome.PENDING_REVIEW,
        ),
    ],
)
def test_hard_cases_decide_the_same_without_the_neighbours(case: str, limits: Thresholds) -> None:
    request, household = HARD_CASES[case]
    everyone = [*household, *NEIGHBOURS]
    kept = [c for c in everyone if bears_on_decision(request, c)]
    assert what_is_decided(decide(request, kept, limits)) == what_is_decided(
        decide(request, everyone, limits)
    )
    assert not any(c in kept for c in NEIGHBOURS)
    assert {c.tin for c in kept} == {c.tin for c in household if c.tin != MARIA.tin}


@settings(max_examples=100, deadline=None)
@given(requests(), candidates())
def test_whether_a_candidate_bears_on_the_decision_reads_no_score_or_address_flag(
    request: PersonFacts, found: list[Candidate]
) -> None:
    for c in found:
        blank = replace(
            c,
            match_weight=0.0,
            match_probability=0.0,
            address_on_file=False,
            address_is_lka=False,
            address_near=False,
            address_exact=False,
            request_given_unknown=False,
        )
        assert bears_on_decision(request, blank) == bears_on_decision(request, c)


# --- build_candidates on a table of scored pairs --------------------------------------

THE_DOOR = standardise_address("100 N MAIN ST", "SPRINGFIELD", "IL", "62701")
ANOTHER = standardise_address("200 ELM AVE", "SPRINGFIELD", "IL", "62702")


def _address_columns(address: StandardAddress) -> dict[str, Any]:
    street = address.street
    return {
        "house_number": street.number,
        "number_suffix": street.number_suffix,
        "predir": street.predir,
        "street_name": street.name,
        "street_type": street.street_type,
        "postdir": street.postdir,
        "unit": street.unit,
        "city": address.city,
        "state": address.state,
        "zip5": address.zip5,
    }


def _name_columns(name: StandardName) -> dict[str, Any]:
    return {
        "given": name.given,
        "given_keys": list(name.given_keys),
        "middle": name.middle,
        "surname": name.surname,
        "surname_tokens": list(name.surname_tokens),
        "suffix": name.suffix,
    }


def pair(
    request_uid: str, facts: PersonFacts, weight: float, address: StandardAddress
) -> dict[str, Any]:
    return {
        "request_uid": request_uid,
        "record_uid": f"{facts.tin}-{address.street.number}",
        "match_weight": weight,
        "match_probability": 2**weight / (1 + 2**weight),
        "mw_given": weight / 3,
        "mw_surname": weight / 3,
        "mw_dob": None,
        "tin": facts.tin,
        **_name_columns(facts.name),
        "dob": facts.dob,
        **_address_columns(address),
    }


def asked(uid: str, facts: PersonFacts) -> RequestFacts:
    return RequestFacts(uid=uid, person=facts, address=THE_DOOR)


def scored() -> tuple[pa.Table, dict[str, RequestFacts]]:
    """JOSE HERNANDEZ asked at his door: JR and SR there too, neighbours, a borrowed TIN."""
    requests = {
        "r0": asked("r0", person("JOSE", "HERNANDEZ")),
        # MARIA's TIN given with JOSE's name: her record is the borrowed TIN's owner.
        "r1": asked("r1", person("JOSE", "HERNANDEZ LOPEZ", tin=MARIA.tin)),
        # Nobody at the door fits: the top-scored neighbour is kept, the rest dropped.
        "r2": asked("r2", person("PEDRO", "RAMIREZ")),
    }
    rows = [
        pair("r0", JOSE_SR, 14.0, THE_DOOR),
        pair("r0", JOSE_JR, 15.0, ANOTHER),
        pair("r0", JOSE_JR, 13.0, THE_DOOR),  # JR's record at the door scores lower
        pair("r0", ZHANG, 2.0, THE_DOOR),
        pair("r0", NGUYEN, 1.5, THE_DOOR),
        pair("r1", JOSE, 16.0, THE_DOOR),
        pair("r1", JOHNSON, 3.0, THE_DOOR),
        pair("r1", MARIA, 9.0, THE_DOOR),
        pair("r2", JOHNSON, 2.5, THE_DOOR),
        pair("r2", ZHANG, 2.0, THE_DOOR),
    ]
    return pa.Table.from_pylist(rows), requests


class LastKnown:
    """A last-known-address lookup over a dict, remembering which TINs it was asked for."""

    def __init__(self, addresses: dict[str, StandardAddress] | None = None) -> None:
        self.addresses = addresses or {}
        self.asked: set[str] = set()

    def __call__(self, tins: Sequence[str]) -> dict[str, StandardAddress]:
        self.asked.update(tins)
        return {tin: self.addresses[tin] for tin in tins if tin in self.addresses}


def test_a_kept_candidate_is_built_as_every_candidate_was() -> None:
    pairs, requests = scored()
    last_known = LastKnown({JOSE_SR.tin or "": THE_DOOR, JOSE_JR.tin or "": ANOTHER})
    whole = every_candidate(pairs, requests, last_known, {"JOSE", "MARIA"})
    kept = build_candidates(pairs, requests, last_known, {"JOSE", "MARIA"})
    for uid, found in kept.items():
        assert all(c in whole[uid] for c in found)
    jr = next(c for c in kept["r0"] if c.tin == JOSE_JR.tin)
    # Its best record scores; its other record, at the door, is the address on file.
    assert (jr.match_weight, jr.address_on_file, jr.address_is_lka) == (15.0, True, False)


def test_neighbours_whose_names_do_not_fit_are_dropped_but_the_tin_given_and_the_top_kept() -> None:
    pairs, requests = scored()
    kept = build_candidates(pairs, requests, LastKnown(), None)
    assert {c.tin for c in kept["r0"]} == {JOSE_SR.tin, JOSE_JR.tin}
    assert {c.tin for c in kept["r1"]} == {JOSE.tin, MARIA.tin}  # MARIA: the TIN given
    assert {c.tin for c in kept["r2"]} == {JOHNSON.tin}  # the top score, nobody fits


def test_dropping_them_changes_no_decision_on_the_scored_pairs() -> None:
    pairs, requests = scored()
    whole = every_candidate(pairs, requests, LastKnown(), None)
    kept = build_candidates(pairs, requests, LastKnown(), None)
    limits = Thresholds(min_match_probability=0.99, runner_up_margin_weight=6.0)
    for uid, request in requests.items():
        before = decide(request.person, whole[uid], limits)
        after = decide(request.person, kept.get(uid, []), limits)
        assert what_is_decided(after) == what_is_decided(before)
    r0 = decide(requests["r0"].person, kept["r0"], limits)
    assert r0.outcome is not Outcome.VERIFIED  # JR and SR, nothing to tell them apart


def test_last_known_addresses_are_looked_up_for_the_kept_candidates_only() -> None:
    pairs, requests = scored()
    last_known = LastKnown()
    kept = build_candidates(pairs, requests, last_known, None)
    assert last_known.asked == {c.tin for found in kept.values() for c in found}
    assert NGUYEN.tin not in last_known.asked  # a neighbour whose name fits nobody's
