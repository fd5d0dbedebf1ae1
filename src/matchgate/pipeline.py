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
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import pyarrow as pa

from matchgate.agreements.schema import Agreement
from matchgate.decide.controls import apply_controls, plausibility_rows
from matchgate.decide.evidence import RequestFacts, address_from_row, person_from_row
from matchgate.decide.policy import Candidate, Decision
from matchgate.decide.recorded import DecisionInputs, thresholds_for
from matchgate.disclose.minimise import LastKnownAddress, ResponseRow, response_row
from matchgate.domain.outcomes import Outcome, ReviewReason
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

    def without_evidence(self) -> DecidedRequest:
        """The row without what the policy was given (stored with the decision anyway).

        The outcome, identified taxpayer, codes and response stay; the
        candidates and their facts, most of a decided row's memory, go.
        """
        decision = self.decision
        if decision is not None:
            decision = replace(decision, candidates=(), assessments=())
        return replace(self, decision=decision, inputs=None)


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


@dataclass(frozen=True)
class BatchPlan:
    """What deciding any part of a batch needs of the whole batch, computed once."""

    codes: tuple[tuple[ReasonCode, ...], ...]
    #: Valid rows whose reason is boilerplate across the batch (REQ-11).
    boilerplate: frozenset[int]
    request_ids: tuple[str, ...]
    #: Valid rows held for review by the plausibility controls, with why (REQ-41);
    #: case-number counts are over the whole batch.
    plausibility: Mapping[int, tuple[ReviewReason, ...]] = field(default_factory=dict)
    #: TINs under a disclosure hold (REQ-23).
    holds: frozenset[str] = frozenset()

    @property
    def rows(self) -> int:
        return len(self.codes)

    def valid(self, indices: Iterable[int]) -> list[int]:
        return [i for i in indices if not self.codes[i]]


def plan_batch(
    table: pa.Table,
    envelope: EnvelopeCheck,
    agreement: Agreement,
    *,
    holds: Collection[str] = frozenset(),
    official_prior_rows: int = 0,
    codes: Sequence[tuple[ReasonCode, ...]] | None = None,
) -> BatchPlan:
    """Validate every row and find the batch-wide facts the decisions read.

    `holds` are the TINs under a disclosure hold (REQ-23); `official_prior_rows`
    the requesting official's rows in earlier batches this year (REQ-41);
    `codes` each row's reason codes when the batch was validated already
    (they are stored with its rows), so that it is not validated again.
    """
    if codes is None:
        codes = validate_requests(table, envelope, agreement)
    elif len(codes) != table.num_rows:
        raise ValueError(f"{len(codes)} rows of reason codes for a batch of {table.num_rows}")
    valid = [not c for c in codes]
    reasons = table.column("reason").to_pylist() if "reason" in table.column_names else []
    reasons += [None] * (len(codes) - len(reasons))
    boilerplate = boilerplate_reason_rows(reasons, valid, agreement)
    plausible = plausibility_rows(
        _text(table, "case_number"),
        valid,
        case_number_max_rows=agreement.case_number_max_rows,
        official_max_rows=agreement.official_max_rows_per_year,
        official_prior_rows=official_prior_rows,
    )
    return BatchPlan(
        tuple(codes),
        frozenset(boilerplate),
        tuple(_as_received(table, "request_id")),  # FORMATS.md §3: "as received"
        plausibility=plausible,
        holds=frozenset(holds),
    )


def decide_chunk(
    table: pa.Table,
    plan: BatchPlan,
    indices: Sequence[int],
    batch_id: str,
    agreement: Agreement,
    matcher: Matcher | None,
    seconds: dict[str, float] | None = None,
) -> list[DecidedRequest]:
    """Decide the rows `indices` of a batch (in order); the valid ones are matched.

    A request's decision depends only on itself, the batch-wide plan, the
    master file and the model, never on which other rows share its chunk, so
    any split of a batch into chunks gives the same rows.
    """
    seconds = seconds if seconds is not None else {}
    valid = plan.valid(indices)
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
        add_seconds(seconds, "standardise", clock)

        clock = time.perf_counter()
        candidates = matcher.candidates(facts, standard)
        add_seconds(seconds, "match", clock)

        clock = time.perf_counter()
        thresholds = thresholds_for(agreement)
        for index in valid:
            inputs[index] = DecisionInputs(
                request=facts[f"r{index}"].person,
                candidates=tuple(candidates.get(f"r{index}", [])),
                thresholds=thresholds,
                boilerplate_reason=index in plan.boilerplate,
            )
            decided = inputs[index].decision()
            decisions[index] = apply_controls(
                decided,
                held=decided.tin is not None and decided.tin in plan.holds,
                plausibility=plan.plausibility.get(index, ()),
            )
        disclosable = (Outcome.VERIFIED, Outcome.PENDING_REVIEW)
        lka = matcher.last_known_addresses(
            [d.tin for d in decisions.values() if d.outcome in disclosable and d.tin]
        )
        add_seconds(seconds, "decide", clock)

    rows: list[DecidedRequest] = []
    for index in indices:
        row_codes = plan.codes[index]
        request_id = plan.request_ids[index]
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
    return rows


def add_seconds(seconds: dict[str, float], stage: str, since: float) -> None:
    """Add the time since `since` (a `time.perf_counter()` reading) to `stage`."""
    seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - since


def chunks(rows: int, size: int) -> list[range]:
    """The row ranges of a batch of `rows` rows in chunks of `size` (the last may be short)."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    return [range(start, min(start + size, rows)) for start in range(0, rows, size)]


#: Requests matched and decided together when the caller names no chunk size.
DEFAULT_CHUNK_ROWS = 20_000


def verify_batch(
    table: pa.Table,
    envelope: EnvelopeCheck,
    batch_id: str,
    agreement: Agreement,
    matcher: Matcher | None,
    *,
    progress: Progress | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
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
    plan = plan_batch(
        table, envelope, agreement, holds=holds, official_prior_rows=official_prior_rows
    )
    seconds["intake"] = time.perf_counter() - clock
    rows: list[DecidedRequest] = []
    with progress.task("Matching and deciding", total=plan.rows) as task:
        for chunk in chunks(plan.rows, chunk_rows):
            rows += decide_chunk(table, plan, chunk, batch_id, agreement, matcher, seconds)
            task.advance(len(chunk))
    return BatchOutcome(
        batch_id=batch_id,
        agreement_id=agreement.id,
        agreement_hash=agreement.content_hash,
        vintage_id=matcher.vintage_id if matcher else "",
        model_version=matcher.model_version if matcher else "",
        rows=rows,
        seconds=seconds,
        requests_matched=len(plan.valid(range(plan.rows))),
    )
