"""Stage 4 (decide): the evidence recorded with each decision, typed, and its replay.

In: the decision policy's inputs for one request (`DecisionInputs`: the
request's standardised `PersonFacts`, every `Candidate` with its own facts,
weights, probability and address flags, the thresholds and the boilerplate
flag) and the `Decision` it gave. Out: a `DecisionEvidence` that round-trips
to the JSON stored in `decisions.evidence`: what a reviewing officer sees
(the identified taxpayer, Splink's score and field weights, the runner-up,
the policy's assessment of every candidate) and the inputs themselves, so
that an auditor's replay (`audit/remediation.py`) calls the very same
`decide()` on exactly what the live decision saw: the two cannot disagree.

Frozen dataclasses, not pydantic models: the policy's own records
(`PersonFacts`, `Candidate`, `Thresholds`, `StandardName`) are frozen
dataclasses and the evidence carries them unchanged, so a replay passes them
straight back to `decide()`. The inputs are serialised field by field from
those dataclass definitions by pydantic's `TypeAdapter`: a field added to
one of them with a default flows through with no change here, and a row
recorded before it existed loads with the default. The same adapter can
describe these records as JSON Schema when they become API response models.

The officer-facing keys keep their documented shape (README "JSON output":
keys are only ever added). The record is versioned (`version`, absent for
version 1): version 1 listed every taxpayer scored, version 2 lists the
candidates that can bear on the decision, the taxpayer whose TIN the request
gives and the top-scored one (`decide.evidence.build_candidates`); both read
the same. Rows recorded before the evidence carried the inputs still load,
with `inputs` None.

The stored text is written by the same adapter in one pass (compact, keys in
field order): it is what `as_json` gives, value for value, and any JSON
reader loads it; only the chain's own payloads need the canonical form.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

from pydantic import ConfigDict, TypeAdapter

from matchgate.agreements.schema import Agreement
from matchgate.decide.policy import Candidate, Decision, PersonFacts, Thresholds, decide
from matchgate.domain.outcomes import Outcome, ReviewReason


def thresholds_for(agreement: Agreement) -> Thresholds:
    """The agreement's decision thresholds, as the policy reads them."""
    return Thresholds(
        min_match_probability=agreement.match.min_match_probability,
        runner_up_margin_weight=agreement.match.runner_up_margin_weight,
        require_address_on_file=agreement.match.require_address_on_file,
        indistinguishable_outcome=Outcome(agreement.match.indistinguishable_outcome),
    )


@dataclass(frozen=True, slots=True)
class DecisionInputs:
    """Exactly what `decide()` is called with for one request."""

    request: PersonFacts
    candidates: tuple[Candidate, ...]
    thresholds: Thresholds
    boilerplate_reason: bool = False

    def decision(
        self, thresholds: Thresholds | None = None, *, boilerplate_reason: bool | None = None
    ) -> Decision:
        """The policy's decision on these inputs; other thresholds or intake flag for a replay."""
        return decide(
            self.request,
            self.candidates,
            self.thresholds if thresholds is None else thresholds,
            boilerplate_reason=(
                self.boilerplate_reason if boilerplate_reason is None else boilerplate_reason
            ),
        )


@cache
def _inputs_adapter() -> TypeAdapter[DecisionInputs]:
    return TypeAdapter(DecisionInputs)


@dataclass(frozen=True, slots=True)
class CandidateEvidence:
    """One candidate as a reviewing officer sees it: its score and the policy's assessment."""

    tin: str
    match_weight: float
    match_probability: float
    field_weights: Mapping[str, float]
    #: How the given names and the surnames agree (`NameAgreement`/`SurnameAgreement` names).
    given: str
    surname: str
    #: The policy's name fit: STRONG, FUZZY, WEAK or NONE.
    fit: str
    dob_conflict: bool
    tin_conflict: bool
    suffix_conflict: bool
    address_on_file: bool
    #: For a FUZZY fit, which part of the name is fuzzy and how ("given:typo").
    fuzzy: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "tin": self.tin,
            "match_weight": self.match_weight,
            "match_probability": self.match_probability,
            "field_weights": dict(self.field_weights),
            "given": self.given,
            "surname": self.surname,
            "fit": self.fit,
            "dob_conflict": self.dob_conflict,
            "tin_conflict": self.tin_conflict,
            "suffix_conflict": self.suffix_conflict,
            "address_on_file": self.address_on_file,
            "fuzzy": self.fuzzy,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CandidateEvidence:
        return cls(
            tin=str(data["tin"]),
            match_weight=float(data["match_weight"]),
            match_probability=float(data["match_probability"]),
            field_weights=_weights(data.get("field_weights")),
            given=str(data.get("given", "")),
            surname=str(data.get("surname", "")),
            fit=str(data.get("fit", "")),
            dob_conflict=bool(data.get("dob_conflict", False)),
            tin_conflict=bool(data.get("tin_conflict", False)),
            suffix_conflict=bool(data.get("suffix_conflict", False)),
            address_on_file=bool(data.get("address_on_file", False)),
            fuzzy=str(data.get("fuzzy", "")),
        )


#: The version of the evidence record `DecisionEvidence.of` writes (see the module docstring).
RECORD_VERSION = 2


@dataclass(frozen=True, slots=True)
class DecisionEvidence:
    """Everything recorded with one matched decision (custodian-only; never in a response)."""

    # A score that is not finite is written as JSON's usual `Infinity`/`NaN`, as the
    # standard library writes and reads it, never silently as null.
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(ser_json_inf_nan="constants")

    tin: str | None
    match_weight: float | None
    match_probability: float | None
    field_weights: Mapping[str, float]
    runner_up_tin: str | None
    runner_up_weight: float | None
    review_reasons: tuple[ReviewReason, ...]
    indistinguishable: bool
    candidates: tuple[CandidateEvidence, ...]
    #: What `decide()` was called with; None for rows recorded before it was kept.
    inputs: DecisionInputs | None = field(default=None)
    #: NO_MATCH by a disclosure hold on the identified taxpayer (REQ-23).
    disclosure_hold: bool = False
    #: Which candidates the record lists: 1, every taxpayer scored; 2, see the module docstring.
    version: int = 1

    @classmethod
    def of(cls, decision: Decision, inputs: DecisionInputs | None) -> DecisionEvidence:
        return cls(
            tin=decision.tin,
            match_weight=decision.match_weight,
            match_probability=decision.match_probability,
            field_weights=dict(decision.field_weights),
            runner_up_tin=decision.runner_up_tin,
            runner_up_weight=decision.runner_up_weight,
            review_reasons=decision.review_reasons,
            indistinguishable=decision.indistinguishable,
            candidates=tuple(
                CandidateEvidence(
                    tin=a.tin,
                    match_weight=c.match_weight,
                    match_probability=c.match_probability,
                    field_weights=dict(c.field_weights),
                    given=a.given.name,
                    surname=a.surname.name,
                    fit=a.fit,
                    dob_conflict=a.dob_conflict,
                    tin_conflict=a.tin_conflict,
                    suffix_conflict=a.suffix_conflict,
                    address_on_file=a.address_on_file,
                    fuzzy=a.fuzzy,
                )
                for a, c in zip(decision.assessments, decision.candidates, strict=True)
            ),
            inputs=inputs,
            disclosure_hold=decision.held,
            version=RECORD_VERSION,
        )

    def candidate(self, tin: str | None) -> CandidateEvidence | None:
        return next((c for c in self.candidates if c.tin == tin), None)

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "tin": self.tin,
            "match_weight": self.match_weight,
            "match_probability": self.match_probability,
            "field_weights": dict(self.field_weights),
            "runner_up_tin": self.runner_up_tin,
            "runner_up_weight": self.runner_up_weight,
            "review_reasons": [r.value for r in self.review_reasons],
            "indistinguishable": self.indistinguishable,
            "candidates": [c.as_json() for c in self.candidates],
        }
        if self.inputs is not None:
            document["inputs"] = _inputs_adapter().dump_python(self.inputs, mode="json")
        if self.disclosure_hold:
            document["disclosure_hold"] = True
        if self.version > 1:
            document["version"] = self.version
        return document

    def _left_out(self) -> set[str]:
        """The fields `as_json` leaves out of this record."""
        absent = {"inputs"} if self.inputs is None else set()
        if not self.disclosure_hold:
            absent.add("disclosure_hold")
        if self.version <= 1:
            absent.add("version")
        return absent

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DecisionEvidence:
        inputs = data.get("inputs")
        return cls(
            tin=data.get("tin"),
            match_weight=_number(data.get("match_weight")),
            match_probability=_number(data.get("match_probability")),
            field_weights=_weights(data.get("field_weights")),
            runner_up_tin=data.get("runner_up_tin"),
            runner_up_weight=_number(data.get("runner_up_weight")),
            review_reasons=tuple(ReviewReason(r) for r in data.get("review_reasons", [])),
            indistinguishable=bool(data.get("indistinguishable", False)),
            candidates=tuple(CandidateEvidence.from_json(c) for c in data.get("candidates", [])),
            inputs=None if inputs is None else _inputs_adapter().validate_python(inputs),
            disclosure_hold=bool(data.get("disclosure_hold", False)),
            version=int(data.get("version", 1)),
        )


@cache
def _evidence_adapter() -> TypeAdapter[DecisionEvidence]:
    return TypeAdapter(DecisionEvidence)


def dump_evidence(evidence: DecisionEvidence | None) -> str:
    """The JSON text stored in `decisions.evidence` (`{}` for a REJECTED request).

    The same document as `evidence.as_json()`, written in one pass.
    """
    if evidence is None:
        return "{}"
    return _evidence_adapter().dump_json(evidence, exclude=evidence._left_out()).decode("utf-8")


def load_evidence(text: str) -> DecisionEvidence | None:
    """The evidence stored with a decision; None for a REJECTED request (nothing matched)."""
    data = json.loads(text)
    return DecisionEvidence.from_json(data) if data else None


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _weights(value: object) -> dict[str, float]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): float(v) for k, v in value.items()}
