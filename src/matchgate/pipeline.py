"""The table of contents: one batch through intake -> standardise -> match -> decide.

In: a request table and its envelope (already read), the agreement, and a
`Matcher` over the master file. Out: a `BatchOutcome` with one decided row per
request, in file order, carrying everything the response and the audit
record need, including exactly what the decision policy was given
(`DecisionInputs`), so that a later replay decides on the same facts.

Rejected requests never reach the matcher (FORMATS.md §4: nothing is matched
for them); an invalid envelope (R08) means the matcher is not touched at all.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import pyarrow as pa

from matchgate.agreements.schema import Agreement
from matchgate.decide.controls import apply_controls, plausibility_rows
from matchgate.decide.evidence import RequestFacts, address_from_row, person_from_row
from matchgate.decide.policy import Candidate, Decision
from matchgate.decide.recorded import DecisionInputs, thresholds_for
from matchgate.disclose.minimise import LastKnownAddress, ResponseRow, response_row
from matchgate.domain.outcomes import Outcome
from matchgate.domain.reasons import ReasonCode
from matchgate.intake.envelope import EnvelopeCheck
from matchgate.intake.validate import boilerplate_reason_rows, validate_requests
from matchgate.progress import NullProgress, Progress
from matchgate.standardise.names import standardise_aliases
from matchgate.standardise.records import (
    standardise_addresses,
    standardise_identifiers,
    standardise_names,
    with_columns,
)


class Matcher(Protocol):
    """The match stage as the pipeline sees it (DuckDB or Spark behind it)."""

    vintage_id: str
    model_version: str

    def candidates(
        self, requests: Mapping[str, RequestFacts], table: pa.Table
    ) -> dict[str, list[Candidate]]: ...

    def last_known_addresses(self, tins: Sequence[str]) -> dict[str, LastKnownAddress]: ...


@dataclass(frozen=True)
class DecidedRequest:
    """One request row with its outcome, as the response and audit need it."""

    index: int
    request_id: str
    decision_id: str
    codes: tuple[ReasonCode, ...]
    decision: Decision | None  # None when REJECTED
    response: ResponseRow
    #: The identified taxpayer's LKA as filed (custodian-side), kept for VERIFIED
    #: and PENDING_REVIEW so that a confirmed review can disclose it.
    lka: LastKnownAddress | None = None
    #: What the decision policy was given (None when REJECTED).
    inputs: DecisionInputs | None = None

    @property
    def outcome(self) -> Outcome:
        return self.response.outcome


@dataclass
class BatchOutcome:
    batch_id: str
    agreement_id: str
    agreement_hash: str
    vintage_id: str
    model_version: str
    rows: list[DecidedRequest]
    seconds: dict[str, float] = field(default_factory=dict)
    requests_matched: int = 0


def decision_id_for(
    batch_id: str, index: int, request_id: str, agreement_hash: str, vintage: str, model: str
) -> str:
    """Deterministic: the same inputs, master and model give the same ids (REQ-24)."""
    material = "\x1f".join([batch_id, str(index), request_id, agreement_hash, vintage, model])
    return "D-" + hashlib.sha256(material.encode()).hexdigest()[:24]


def _text(table: pa.Table, column: str) -> list[str]:
    """A column's values stripped (a missing value is ""), for the rules that read them."""
    if column not in table.column_names:
        return [""] * table.num_rows
    return [(v or "").strip() for v in table.column(column).to_pylist()]


def _as_received(table: pa.Table, column: str) -> list[str]:
    """A column's values exactly as received (a missing value is ""): echoed, never cleaned."""
    if column not in table.column_names:
        return [""] * table.num_rows
    return [v or "" for v in table.column(column).to_pylist()]


def standardise_requests(table: pa.Table, indices: Sequence[int]) -> pa.Table:
    """Standardised comparison columns for the given rows, uid = `r<row index>`."""
    subset = table.take(pa.array(indices, pa.int64()))
    subset = subset.append_column("uid", pa.array([f"r{i}" for i in indices], pa.string()))
    standard = {
        **standardise_names(subset),
        **standardise_identifiers(subset),
        **standardise_addresses(subset),
    }
    return with_columns(subset.select(["uid"]), standard)


def verify_batch(
    table: pa.Table,
    envelope: EnvelopeCheck,
    batch_id: str,
    agreement: Agreement,
    matcher: Matcher | None,
    *,
    progress: Progress | None = None,
    holds: Collection[str] = frozenset(),
    official_prior_rows: int = 0,
) -> BatchOutcome:
    """Decide every request of a batch. `matcher` may be None only for R08 batches.

    `holds` are the TINs under a disclosure hold (REQ-23); `official_prior_rows`
    the requesting official's rows in earlier batches this year (REQ-41).
    """
    progress = progress or NullProgress()
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    codes = validate_requests(table, envelope, agreement)
    valid = [i for i, c in enumerate(codes) if not c]
    seconds["intake"] = time.perf_counter() - clock

    decisions: dict[int, Decision] = {}
    inputs: dict[int, DecisionInputs] = {}
    lka: dict[str, LastKnownAddress] = {}
    vintage_id = matcher.vintage_id if matcher else ""
    model_version = matcher.model_version if matcher else ""
    if valid:
        if matcher is None:
            raise ValueError("a batch with valid requests needs a matcher")
        clock = time.perf_counter()
        standard = standardise_requests(table, valid)
        aliases = _text(table, "aliases")
        facts = {
            row["uid"]: RequestFacts(
                uid=row["uid"],
                person=replace(
                    person_from_row(row), aliases=standardise_aliases(aliases[int(row["uid"][1:])])
                ),
                address=address_from_row(row),
            )
            for row in standard.to_pylist()
        }
        seconds["standardise"] = time.perf_counter() - clock

        clock = time.perf_counter()
        with progress.task("Matching against the master file", total=len(valid)) as task:
            candidates = matcher.candidates(facts, standard)
            task.advance(len(valid))
        seconds["match"] = time.perf_counter() - clock

        clock = time.perf_counter()
        thresholds = thresholds_for(agreement)
        reasons = table.column("reason").to_pylist()
        boilerplate = boilerplate_reason_rows(reasons, [not c for c in codes], agreement)
        plausible = plausibility_rows(
            _text(table, "case_number"),
            [not c for c in codes],
            case_number_max_rows=agreement.case_number_max_rows,
            official_max_rows=agreement.official_max_rows_per_year,
            official_prior_rows=official_prior_rows,
        )
        with progress.task("Deciding", total=len(valid)) as task:
            for index in valid:
                inputs[index] = DecisionInputs(
                    request=facts[f"r{index}"].person,
                    candidates=tuple(candidates.get(f"r{index}", [])),
                    thresholds=thresholds,
                    boilerplate_reason=index in boilerplate,
                )
                decided = inputs[index].decision()
                decisions[index] = apply_controls(
                    decided,
                    held=decided.tin is not None and decided.tin in holds,
                    plausibility=plausible.get(index, ()),
                )
                task.advance()
        disclosable = (Outcome.VERIFIED, Outcome.PENDING_REVIEW)
        lka = matcher.last_known_addresses(
            [d.tin for d in decisions.values() if d.outcome in disclosable and d.tin]
        )
        seconds["decide"] = time.perf_counter() - clock

    request_ids = _as_received(table, "request_id")  # FORMATS.md §3: "as received"
    rows: list[DecidedRequest] = []
    for index, row_codes in enumerate(codes):
        request_id = request_ids[index]
        decision_id = decision_id_for(
            batch_id, index, request_id, agreement.content_hash, vintage_id, model_version
        )
        decision = decisions.get(index)
        if decision is None:
            response = response_row(
                request_id=request_id,
                batch_id=batch_id,
                decision_id=decision_id,
                outcome=Outcome.REJECTED,
                reason_codes=row_codes,
            )
        else:
            response = response_row(
                request_id=request_id,
                batch_id=batch_id,
                decision_id=decision_id,
                outcome=decision.outcome,
                address_match=decision.address_match,
                lka=lka.get(decision.tin) if decision.tin else None,
                disclose=agreement.disclose,
            )
        held = lka.get(decision.tin) if decision is not None and decision.tin else None
        rows.append(
            DecidedRequest(
                index,
                request_id,
                decision_id,
                row_codes,
                decision,
                response,
                held,
                inputs=inputs.get(index),
            )
        )

    return BatchOutcome(
        batch_id=batch_id,
        agreement_id=agreement.id,
        agreement_hash=agreement.content_hash,
        vintage_id=vintage_id,
        model_version=model_version,
        rows=rows,
        seconds=seconds,
        requests_matched=len(valid),
    )
