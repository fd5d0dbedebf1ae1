"""Stage 4 (decide): from match evidence to an outcome, as a pure function.

In: one validated request's standardised facts, the candidate taxpayers the
match stage found for it (each with Splink's score and the deterministic
address check already applied), and the agreement's thresholds. Out: a
`Decision`: VERIFIED, PENDING_REVIEW or NO_MATCH, the address relation, the
identified taxpayer (custodian-only) and the evidence behind it.

A high match probability is not enough (FORMATS.md §4). VERIFIED needs all of:
- a *strong* name fit: given name equal or a known variant (nickname,
  diminutive, anglicised form) and surnames equal, one of two filed surnames,
  or the two names swapped; a surname one typo away only counts when a DOB or
  TIN given agrees;
- no conflict: a DOB given that differs from the DOB on file, a TIN given
  that is not this taxpayer's (a borrowed TIN is a conflict, never a match),
  or a different non-empty suffix;
- the address given matches an address on file for this taxpayer;
- Splink's match probability at or above the agreement's threshold;
- no second taxpayer close behind: nobody else without a conflict whose name
  also fits, even loosely (JUAN/JUANA, JR/SR with no suffix given), at a
  matching address, at the same house number and ZIP, or within the
  agreement's match-weight margin.
Close calls go to a disclosure officer; everything else is NO_MATCH, which
looks the same to the requester whatever the cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from matchgate.domain.outcomes import AddressMatch, Outcome, ReviewReason
from matchgate.standardise.names import (
    NameAgreement,
    StandardName,
    SurnameAgreement,
    given_name_agreement,
    suffix_conflict,
    surname_agreement,
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The agreement's decision thresholds."""

    min_match_probability: float
    runner_up_margin_weight: float
    require_address_on_file: bool = True
    #: Outcome when two taxpayers fit fully and nothing given tells them apart.
    indistinguishable_outcome: Outcome = Outcome.NO_MATCH
    #: Below the agreement threshold but at least this: a human looks.
    review_floor_probability: float = 0.5


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """Standardised identity facts: of a request, or of a taxpayer on file."""

    name: StandardName
    dob: str | None
    tin: str | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One taxpayer the match stage found for a request, best record first."""

    tin: str
    facts: PersonFacts
    match_weight: float
    match_probability: float
    address_on_file: bool
    address_is_lka: bool
    #: Same house number and ZIP5 (or city and state) as an address on file,
    #: whether or not the street name agrees: a same-name person there is close.
    address_near: bool = False
    field_weights: tuple[tuple[str, float], ...] = ()


class Fit:
    STRONG = "STRONG"
    WEAK = "WEAK"
    NONE = "NONE"


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the deterministic checks say about one candidate."""

    tin: str
    given: NameAgreement
    surname: SurnameAgreement
    fit: str
    dob_conflict: bool
    tin_conflict: bool
    suffix_conflict: bool
    address_on_file: bool

    @property
    def conflict(self) -> bool:
        return self.dob_conflict or self.tin_conflict or self.suffix_conflict


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    address_match: AddressMatch | None = None
    tin: str | None = None
    review_reasons: tuple[ReviewReason, ...] = ()
    match_weight: float | None = None
    match_probability: float | None = None
    runner_up_tin: str | None = None
    runner_up_weight: float | None = None
    assessments: tuple[Assessment, ...] = ()
    #: The candidates as scored, in the same order as `assessments`.
    candidates: tuple[Candidate, ...] = ()
    field_weights: tuple[tuple[str, float], ...] = field(default=())
    #: NO_MATCH because two taxpayers fit fully and the request cannot tell them apart.
    indistinguishable: bool = False
    #: NO_MATCH because the identified taxpayer is under a disclosure hold (REQ-23).
    held: bool = False


_STRONG_GIVEN = (NameAgreement.EXACT, NameAgreement.VARIANT)
_STRONG_SURNAME = (SurnameAgreement.EXACT, SurnameAgreement.PARTIAL, SurnameAgreement.SWAPPED)


def _fit(given: NameAgreement, surname: SurnameAgreement, corroborated: bool) -> str:
    if surname is SurnameAgreement.SWAPPED:
        return Fit.STRONG
    if given in _STRONG_GIVEN and surname in _STRONG_SURNAME:
        return Fit.STRONG
    if given in _STRONG_GIVEN and surname is SurnameAgreement.FUZZY and corroborated:
        return Fit.STRONG
    if given is not NameAgreement.NONE and surname is not SurnameAgreement.NONE:
        return Fit.WEAK
    return Fit.NONE


def _name_strength(assessment: Assessment) -> tuple[int, int]:
    # A swap means both names agree, just in the wrong fields.
    if assessment.surname is SurnameAgreement.SWAPPED:
        return (int(NameAgreement.EXACT), int(SurnameAgreement.SWAPPED))
    return (int(assessment.given), int(assessment.surname))


def assess(request: PersonFacts, candidate: Candidate) -> Assessment:
    filed = candidate.facts
    given = given_name_agreement(request.name, filed.name)
    surname = surname_agreement(request.name, filed.name)
    dob_conflict = bool(request.dob and filed.dob and request.dob != filed.dob)
    tin_conflict = bool(request.tin and request.tin != candidate.tin)
    corroborated = bool(
        (request.dob and request.dob == filed.dob) or (request.tin and request.tin == candidate.tin)
    )
    return Assessment(
        tin=candidate.tin,
        given=given,
        surname=surname,
        fit=_fit(given, surname, corroborated),
        dob_conflict=dob_conflict,
        tin_conflict=tin_conflict,
        suffix_conflict=suffix_conflict(request.name, filed.name),
        address_on_file=candidate.address_on_file,
    )


def decide(
    request: PersonFacts,
    candidates: Sequence[Candidate],
    thresholds: Thresholds,
    *,
    boilerplate_reason: bool = False,
) -> Decision:
    """The outcome for one validated request (see the module docstring)."""
    ranked = sorted(candidates, key=lambda c: (-c.match_weight, c.tin))
    assessments = tuple(assess(request, c) for c in ranked)
    address_ok = [a.address_on_file or not thresholds.require_address_on_file for a in assessments]
    viable = [
        i
        for i, a in enumerate(assessments)
        if a.fit == Fit.STRONG and not a.conflict and address_ok[i]
    ]
    if not viable:
        return Decision(Outcome.NO_MATCH, assessments=assessments, candidates=tuple(ranked))

    # The fullest name agreement wins (ELIZABETH over LISA for a request
    # naming ELIZABETH); Splink's weight breaks ties.
    viable.sort(key=lambda i: (*(-level for level in _name_strength(assessments[i])), i))
    winner_index = viable[0]
    winner = ranked[winner_index]
    tied = [
        i
        for i in viable[1:]
        if _name_strength(assessments[i]) == _name_strength(assessments[winner_index])
    ]
    competitors = [
        i
        for i, a in enumerate(assessments)
        if i != winner_index
        and not a.conflict
        and a.fit != Fit.NONE
        and (
            address_ok[i]
            or ranked[i].address_near
            or ranked[i].match_weight >= winner.match_weight - thresholds.runner_up_margin_weight
        )
    ]
    runner_up = ranked[competitors[0]] if competitors else None
    evidence = Decision(
        Outcome.NO_MATCH,
        tin=winner.tin,
        match_weight=winner.match_weight,
        match_probability=winner.match_probability,
        runner_up_tin=runner_up.tin if runner_up else None,
        runner_up_weight=runner_up.match_weight if runner_up else None,
        assessments=assessments,
        candidates=tuple(ranked),
        field_weights=winner.field_weights,
    )
    if tied and thresholds.indistinguishable_outcome is Outcome.NO_MATCH:
        return replace(evidence, indistinguishable=True)
    reasons: list[ReviewReason] = []
    if competitors:
        reasons.append(ReviewReason.CLOSE_SECOND_CANDIDATE)
    if winner.match_probability < thresholds.min_match_probability:
        if winner.match_probability < thresholds.review_floor_probability:
            return evidence
        reasons.append(ReviewReason.UNCERTAIN_SCORE)
    if boilerplate_reason:
        reasons.append(ReviewReason.BOILERPLATE_REASON)
    address_match = AddressMatch.CURRENT if winner.address_is_lka else AddressMatch.PRIOR
    if reasons:
        return replace(
            evidence,
            outcome=Outcome.PENDING_REVIEW,
            address_match=address_match,
            review_reasons=tuple(reasons),
        )
    return replace(evidence, outcome=Outcome.VERIFIED, address_match=address_match)
