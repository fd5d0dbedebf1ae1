"""Stage 4 (decide): from match evidence to an outcome, as a pure function.

In: one validated request's standardised facts, the candidate taxpayers the
match stage found for it (each with Splink's score and the deterministic
address check already applied), and the agreement's thresholds. Out: a
`Decision`: VERIFIED, PENDING_REVIEW or NO_MATCH, the address relation, the
identified taxpayer (custodian-only) and the evidence behind it.

A high match probability is not enough (FORMATS.md §4). VERIFIED needs all of:
- a name fit, with the request's name or one of its aliases:
  - *strong*: given name equal and surnames equal, one of two filed surnames,
    or the two names swapped; a given-name variant (nickname, diminutive,
    anglicised form) counts as strong only when a DOB or TIN given agrees;
  - *fuzzy*: a recorded other spelling (MUHAMMAD / MOHAMMED), one typo in the
    given name or surname (GUADAUPE, SMTH), the same sound, a surname particle
    glued, split, dropped or hyphenated, the second part of a compound given
    name or its diminutive (LUPE for MARIA GUADALUPE), a swap of names that
    are themselves variants, or a variant-list link with nothing to back it.
    A fuzzy fit identifies the taxpayer only when corroborated: a DOB or TIN
    given that agrees, or the exact address on file (house number, street
    name without an edit, and the unit where the file has one). Two limits:
    a given name one letter or one sound from the filed one is corroborated
    only when it is nobody's name (not a given name on file, not a known
    name: real people have real names, MARIA is not a slip for MARIO), and a
    variant-list link (LISA / ELIZABETH) is never corroborated by an address
    a household shares. An uncorroborated fuzzy fit, with nothing in
    conflict and nobody else fitting, is PENDING_REVIEW with the reason
    naming the fuzzy part (FUZZY_GIVEN_NAME, FUZZY_SURNAME, FUZZY_NAME_ORDER);
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
from matchgate.standardise.fuzzy_names import (
    COMPOUND_PART,
    ORDER_SWAP,
    PARTICLE,
    PHONETIC,
    SPELLING,
    TYPO,
    given_name_fuzz,
    surname_fuzz,
    swapped_fuzz,
)
from matchgate.standardise.names import (
    NameAgreement,
    StandardName,
    SurnameAgreement,
    given_name_agreement,
    suffix_conflict,
    surname_agreement,
)
from matchgate.standardise.spellings import same_name_spelling


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
    #: Other names the request says the person uses (its `aliases`), standardised.
    aliases: tuple[StandardName, ...] = ()


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
    #: The address given is an address on file exactly: house number, street name
    #: (no edit), and the unit too where the file has one.
    address_exact: bool = False
    #: The request's given name is no given name on file and no known name: a slip
    #: (GUADAUPE), not another real person's name (DANIEL beside DANIELA).
    request_given_unknown: bool = False


class Fit:
    STRONG = "STRONG"
    #: The name fits only as a spelling, typo, particle, part of a compound given
    #: name, a swap or a variant-list form: VERIFIED only when corroborated.
    FUZZY = "FUZZY"
    WEAK = "WEAK"
    NONE = "NONE"


# Which part of the name is fuzzy and how ("given:typo", "surname:particle", ...).
GIVEN_VARIANT_ONLY = "given:variant"
# Fuzzy fits that the exact address on file may corroborate on its own: a
# spelling of the same name, a surname slip or particle, the second given name
# itself (not a nickname of it: JOE for RONALDO JOSE is a variant-list link, and
# may be the JOE of the household the custodian never saw), a swap. A given
# name one letter or one sound from the filed one
# (DANIEL / DANIELA, MARIO / MARIA) is very often another real person of the
# household, and a variant-list link (LISA / ELIZABETH) may be a relative the
# custodian has never seen: those need a DOB or TIN that agrees.
_ADDRESS_CORROBORATES = frozenset(
    {
        f"given:{SPELLING}",
        f"given:{COMPOUND_PART}",
        f"surname:{SPELLING}",
        f"surname:{TYPO}",
        f"surname:{PHONETIC}",
        f"surname:{PARTICLE}",
        ORDER_SWAP,
    }
)
_SLIP_KINDS = frozenset({f"given:{TYPO}", f"given:{PHONETIC}"})
_FIT_RANK = {Fit.STRONG: 3, Fit.FUZZY: 2, Fit.WEAK: 1, Fit.NONE: 0}


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
    #: For a FUZZY fit: which part of the name is fuzzy and how ("given:typo").
    fuzzy: str = ""
    #: A DOB or TIN given agrees with this taxpayer's.
    corroborated: bool = False

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


def _fuzzy_part(
    request: StandardName, filed: StandardName, given: NameAgreement, surname: SurnameAgreement
) -> str:
    """How a name that is not a STRONG fit may still be the filed name ("" if it is not)."""
    if given in _STRONG_GIVEN:
        kind = surname_fuzz(request, filed)
        if kind is None and surname is SurnameAgreement.FUZZY:
            kind = PHONETIC
        if kind is not None:
            return f"surname:{kind}"
    if surname in _STRONG_SURNAME:
        kind = given_name_fuzz(request, filed)
        if kind is not None:
            return f"given:{kind}"
    return swapped_fuzz(request, filed) or ""


def _assess_name(
    name: StandardName, filed: StandardName, corroborated: bool
) -> tuple[NameAgreement, SurnameAgreement, str, str]:
    given = given_name_agreement(name, filed)
    surname = surname_agreement(name, filed)
    fit = _fit(given, surname, corroborated)
    fuzzy = ""
    if fit == Fit.STRONG and given is NameAgreement.VARIANT and not corroborated:
        # A recorded spelling of the same name (CAROL / CAROLE) is not a variant-list link.
        spelling = same_name_spelling(name.given, filed.given)
        fit, fuzzy = Fit.FUZZY, f"given:{SPELLING}" if spelling else GIVEN_VARIANT_ONLY
    elif fit != Fit.STRONG:
        fuzzy = _fuzzy_part(name, filed, given, surname)
        if fuzzy:
            fit = Fit.FUZZY
    return given, surname, fit, fuzzy


def assess(request: PersonFacts, candidate: Candidate) -> Assessment:
    filed = candidate.facts
    dob_conflict = bool(request.dob and filed.dob and request.dob != filed.dob)
    tin_conflict = bool(request.tin and request.tin != candidate.tin)
    corroborated = bool(
        (request.dob and request.dob == filed.dob) or (request.tin and request.tin == candidate.tin)
    )
    # The name given or any alias the request lists: the best fit counts.
    given, surname, fit, fuzzy = max(
        (_assess_name(name, filed.name, corroborated) for name in (request.name, *request.aliases)),
        key=lambda found: (_FIT_RANK[found[2]], int(found[0]), int(found[1])),
    )
    return Assessment(
        tin=candidate.tin,
        given=given,
        surname=surname,
        fit=fit,
        dob_conflict=dob_conflict,
        tin_conflict=tin_conflict,
        suffix_conflict=suffix_conflict(request.name, filed.name),
        address_on_file=candidate.address_on_file,
        fuzzy=fuzzy,
        corroborated=corroborated,
    )


def _fuzzy_reason(fuzzy: str) -> ReviewReason:
    if fuzzy.startswith("given:"):
        return ReviewReason.FUZZY_GIVEN_NAME
    if fuzzy.startswith("surname:"):
        return ReviewReason.FUZZY_SURNAME
    return ReviewReason.FUZZY_NAME_ORDER


def _fuzzy_confirmed(assessment: Assessment, candidate: Candidate) -> bool:
    """Whether a FUZZY fit counts as identification (see the module docstring)."""
    if assessment.fuzzy in _SLIP_KINDS:
        # Real people have real names: a given name one letter or one sound from the
        # filed one (MARIA for MARIO, DANIEL beside DANIELA) may be somebody else even
        # with a TIN or the household's address; only a slip that is nobody's name
        # (GUADAUPE) is corroborated, by a DOB or TIN that agrees or the exact address.
        return candidate.request_given_unknown and (
            assessment.corroborated or candidate.address_exact
        )
    if assessment.corroborated:
        return True
    return candidate.address_exact and assessment.fuzzy in _ADDRESS_CORROBORATES


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
        if a.fit in (Fit.STRONG, Fit.FUZZY) and not a.conflict and address_ok[i]
    ]
    if not viable:
        return Decision(Outcome.NO_MATCH, assessments=assessments, candidates=tuple(ranked))

    # The fullest name agreement wins (ELIZABETH over LISA for a request
    # naming ELIZABETH); Splink's weight breaks ties.
    viable.sort(
        key=lambda i: (
            -_FIT_RANK[assessments[i].fit],
            *(-level for level in _name_strength(assessments[i])),
            i,
        )
    )
    winner_index = viable[0]
    winner = ranked[winner_index]
    winning = assessments[winner_index]
    tied = [
        i
        for i in viable[1:]
        if assessments[i].fit == winning.fit
        and _name_strength(assessments[i]) == _name_strength(winning)
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
    if winning.fit == Fit.FUZZY and not _fuzzy_confirmed(winning, winner):
        reasons.append(_fuzzy_reason(winning.fuzzy))
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


def bears_on_decision(request: PersonFacts, candidate: Candidate) -> bool:
    """Whether `decide()` can read this candidate for this request, under any thresholds.

    A candidate whose name fits the request's in no way (`Fit.NONE`, by the name
    given and by every alias) is never the winner, never tied with it and never
    a competitor, whatever its score, its address flags or the thresholds:
    `decide()` without it gives the same outcome, taxpayer, address relation,
    reasons and runner-up. The answer reads the names, DOBs and TINs only, so it
    may be asked before the candidate's address checks are made.
    """
    return assess(request, candidate).fit != Fit.NONE
